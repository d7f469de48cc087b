import SimKernel

/// Link timing: serialisation at the lane rate after line encoding, 8 bytes of framing
/// per TLP, DLLPs (Ack and UpdateFC) sharing the wire, a fixed latency each way, and
/// flow-control credits per class with credit return. All time is integer picoseconds.
///
/// The model is a value the caller drives in nondecreasing simulated time (the event
/// kernel's order): `send` a TLP when it is ready, `release` its receive buffer when the
/// receiver has consumed it. It answers when each TLP starts, ends and arrives.
///
/// DLLP rate (documented and configurable): the receiver of each direction sends one
/// Ack DLLP for every `tlpsPerAck` TLPs it receives, when the last of them arrives, and
/// one UpdateFC DLLP each time `release` frees credits. A DLLP is 6 bytes plus 2 of
/// framing (SDP/END, or the Gen3 SDP token): 8 bytes on the wire. DLLPs queue on the
/// opposite direction and go out before any TLP that starts after they were generated.

public enum LinkGeneration: Int, Hashable, Sendable, CaseIterable {
    case gen1 = 1, gen2, gen3

    /// Time of one bit on one lane: 2.5, 5 and 8 GT/s.
    public var bitTime: SimKernel.Duration {
        switch self {
        case .gen1: .ps(400)
        case .gen2: .ps(200)
        case .gen3: .ps(125)
        }
    }

    /// Line code: symbols sent per data bits (8b/10b for Gen1/2, 128b/130b for Gen3).
    public var encoding: (lineBits: UInt64, dataBits: UInt64) {
        switch self {
        case .gen1, .gen2: (10, 8)
        case .gen3: (130, 128)
        }
    }
}

/// Credits a receiver advertises for one flow-control class. `nil` = infinite.
public struct Credits: Hashable, Sendable {
    public var header: Int?
    /// In units of 16 bytes (4 DW).
    public var data: Int?

    public init(header: Int?, data: Int?) {
        self.header = header
        self.data = data
    }

    public static let infinite = Credits(header: nil, data: nil)
}

/// The credits a receiver advertises at link-up, per class.
public struct CreditLimits: Hashable, Sendable {
    public var posted: Credits
    public var nonPosted: Credits
    public var completion: Credits

    public init(posted: Credits, nonPosted: Credits, completion: Credits) {
        self.posted = posted
        self.nonPosted = nonPosted
        self.completion = completion
    }

    public subscript(_ c: FlowControlClass) -> Credits {
        get {
            switch c {
            case .posted: posted
            case .nonPosted: nonPosted
            case .completion: completion
            }
        }
        set {
            switch c {
            case .posted: posted = newValue
            case .nonPosted: nonPosted = newValue
            case .completion: completion = newValue
            }
        }
    }

    /// Spartan-6 integrated block defaults (s6_pcie_v2_4.v): PH 32, PD 467, NPH 8; an
    /// endpoint advertises infinite completion credits. NPD is not in the wrapper; 8 here.
    public static let spartan6Endpoint = CreditLimits(posted: Credits(header: 32, data: 467),
                                                      nonPosted: Credits(header: 8, data: 8),
                                                      completion: .infinite)
    public static let unlimited = CreditLimits(posted: .infinite, nonPosted: .infinite, completion: .infinite)
}

public struct LinkConfiguration: Hashable, Sendable {
    public var generation: LinkGeneration
    /// Lanes: 1, 2, 4, 8, 12 or 16.
    public var width: Int
    /// Fixed latency each way after the last bit is sent: PHY pipelines and flight.
    public var latency: SimKernel.Duration
    /// One Ack DLLP per this many received TLPs.
    public var tlpsPerAck: Int
    /// Credits the device's receiver advertises (host → device traffic).
    public var deviceCredits: CreditLimits
    /// Credits the root port's receiver advertises (device → host traffic).
    public var hostCredits: CreditLimits

    public static let supportedWidths = [1, 2, 4, 8, 12, 16]

    public init(generation: LinkGeneration = .gen1, width: Int = 1, latency: SimKernel.Duration = .ns(10),
                tlpsPerAck: Int = 4, deviceCredits: CreditLimits = .spartan6Endpoint,
                hostCredits: CreditLimits = CreditLimits(posted: Credits(header: 64, data: 1024),
                                                         nonPosted: Credits(header: 32, data: 32),
                                                         completion: .infinite)) {
        precondition(Self.supportedWidths.contains(width), "link width must be x1, x2, x4, x8, x12 or x16")
        precondition(tlpsPerAck >= 1)
        self.generation = generation
        self.width = width
        self.latency = latency
        self.tlpsPerAck = tlpsPerAck
        self.deviceCredits = deviceCredits
        self.hostCredits = hostCredits
    }

    /// Framing and link overhead per TLP in every generation: STP + sequence number +
    /// LCRC + END on Gen1/2, the 4-byte STP token + LCRC on Gen3.
    public static let framingBytesPerTLP = 8
    /// A DLLP with its framing.
    public static let dllpBytes = 8

    /// Time to send `bytes` striped over the lanes: each lane carries ceil(bytes/width)
    /// bytes, each taking 8 bits × line-code overhead × bit time; rounded up to a picosecond.
    public func serialisationTime(bytes: Int) -> SimKernel.Duration {
        let laneBytes = UInt64((bytes + width - 1) / width)
        let (line, data) = generation.encoding
        let numerator = laneBytes * 8 * generation.bitTime.picoseconds * line
        return .ps((numerator + data - 1) / data)
    }

    /// Bytes a TLP occupies on the wire: header, payload, digest and 8 bytes of framing.
    public static func wireBytes(of tlp: TLP) -> Int { tlp.sizeInBytes + framingBytesPerTLP }

    /// Serialisation time of one TLP.
    public func wireTime(of tlp: TLP) -> SimKernel.Duration { serialisationTime(bytes: Self.wireBytes(of: tlp)) }
}

/// Credits one TLP consumes: 1 header credit and ceil(payload / 16) data credits.
public struct CreditCost: Hashable, Sendable {
    public var flowClass: FlowControlClass
    public var header: Int
    public var data: Int

    public init(flowClass: FlowControlClass, header: Int, data: Int) {
        self.flowClass = flowClass
        self.header = header
        self.data = data
    }

    public init(_ tlp: TLP) {
        flowClass = tlp.flowControlClass
        header = 1
        data = (tlp.payload.count + 15) / 16
    }
}

public enum LinkDirection: String, Hashable, Sendable {
    /// Root complex to device.
    case downstream
    /// Device to root complex.
    case upstream

    public var opposite: LinkDirection { self == .downstream ? .upstream : .downstream }
}

/// When a TLP occupied the wire and when it reached the other end.
public struct Delivery: Hashable, Sendable {
    public var start: Instant
    /// The last bit is sent.
    public var end: Instant
    /// `end` + the fixed latency: the receiver has the whole TLP.
    public var arrival: Instant
}

public enum LinkError: Error, Hashable, Sendable, CustomStringConvertible {
    /// Not enough credits now or from any credit return in flight: the receiver must
    /// `release` earlier TLPs first.
    case insufficientCredits(LinkDirection, FlowControlClass, needed: CreditCost, availableHeader: Int?, availableData: Int?)

    public var description: String {
        switch self {
        case .insufficientCredits(let dir, let c, let need, let h, let d):
            "credits: \(dir) \(c) TLP needs \(need.header) header / \(need.data) data credits, "
                + "\(h.map(String.init) ?? "inf") / \(d.map(String.init) ?? "inf") available and none in flight"
        }
    }
}

/// The two directions of one link.
public struct Link: Hashable, Sendable {
    /// An UpdateFC's credits, usable by the transmitter from `at`.
    struct CreditReturn: Hashable, Sendable {
        var at: Instant
        var cost: CreditCost
    }

    /// A DLLP generated at `at`, not yet on the wire; UpdateFC DLLPs carry credits.
    struct PendingDLLP: Hashable, Sendable {
        var at: Instant
        var credits: CreditCost?
    }

    /// One direction's transmitter and the state of its receiver's credits.
    struct Lane: Hashable, Sendable {
        var lineFreeAt = Instant.zero
        /// Credits available to the transmitter per class (nil = infinite).
        var headerCredits: [FlowControlClass: Int?] = [:]
        var dataCredits: [FlowControlClass: Int?] = [:]
        var creditReturns: [CreditReturn] = []
        var pendingDLLPs: [PendingDLLP] = []
        var receivedSinceAck = 0
        var tlpsSent = 0
        var dllpsSent = 0
        var wireBytes = 0

        init(limits: CreditLimits) {
            for c in FlowControlClass.allCases {
                headerCredits[c] = .some(limits[c].header)
                dataCredits[c] = .some(limits[c].data)
            }
        }

        func fits(_ cost: CreditCost) -> Bool {
            let h = headerCredits[cost.flowClass]!, d = dataCredits[cost.flowClass]!
            return (h.map { $0 >= cost.header } ?? true) && (d.map { $0 >= cost.data } ?? true)
        }

        /// Keeps the queue in time order; equal times keep the order they were generated in.
        mutating func queue(_ d: PendingDLLP) {
            let i = pendingDLLPs.lastIndex { $0.at <= d.at }.map { $0 + 1 } ?? 0
            pendingDLLPs.insert(d, at: i)
        }

        mutating func queue(_ r: CreditReturn) {
            let i = creditReturns.lastIndex { $0.at <= r.at }.map { $0 + 1 } ?? 0
            creditReturns.insert(r, at: i)
        }

        mutating func add(_ cost: CreditCost, sign: Int) {
            if let h = headerCredits[cost.flowClass]! { headerCredits[cost.flowClass] = .some(h + sign * cost.header) }
            if let d = dataCredits[cost.flowClass]! { dataCredits[cost.flowClass] = .some(d + sign * cost.data) }
        }
    }

    public let configuration: LinkConfiguration
    var lanes: [LinkDirection: Lane]

    public init(_ configuration: LinkConfiguration = LinkConfiguration()) {
        self.configuration = configuration
        lanes = [.downstream: Lane(limits: configuration.deviceCredits),
                 .upstream: Lane(limits: configuration.hostCredits)]
    }

    /// Sends `tlp` in `direction` as soon as it is ready, the line is free and the
    /// receiver has credits for it.
    public mutating func send(_ tlp: TLP, _ direction: LinkDirection, readyAt ready: Instant) throws(LinkError) -> Delivery {
        try send(wireBytes: LinkConfiguration.wireBytes(of: tlp), cost: CreditCost(tlp), direction, readyAt: ready)
    }

    /// Sends a TLP given by its size on the wire (framing included) and its credit cost:
    /// the form for byte strings that are not a valid `TLP` (a hostile host's traffic).
    public mutating func send(wireBytes: Int, cost: CreditCost, _ direction: LinkDirection,
                              readyAt ready: Instant) throws(LinkError) -> Delivery {
        var t = ready
        while true {
            flushDLLPs(direction.opposite, until: t)
            applyCreditReturns(direction, until: t)
            if lanes[direction]!.fits(cost) { break }
            let nextReturn = lanes[direction]!.creditReturns.map(\.at).min()
            let nextDLLP = lanes[direction.opposite]!.pendingDLLPs.filter { $0.credits != nil }.map(\.at).min()
            guard let next = [nextReturn, nextDLLP].compactMap({ $0 }).min() else {
                let lane = lanes[direction]!
                throw .insufficientCredits(direction, cost.flowClass, needed: cost,
                                           availableHeader: lane.headerCredits[cost.flowClass]!,
                                           availableData: lane.dataCredits[cost.flowClass]!)
            }
            t = max(t, next)
        }
        flushDLLPs(direction, until: t)
        var lane = lanes[direction]!
        let start = max(t, lane.lineFreeAt)
        let end = start + configuration.serialisationTime(bytes: wireBytes)
        lane.lineFreeAt = end
        lane.add(cost, sign: -1)
        lane.tlpsSent += 1
        lane.wireBytes += wireBytes
        let arrival = end + configuration.latency
        lane.receivedSinceAck += 1
        let ack = lane.receivedSinceAck == configuration.tlpsPerAck
        if ack { lane.receivedSinceAck = 0 }
        lanes[direction] = lane
        if ack { lanes[direction.opposite]!.queue(PendingDLLP(at: arrival, credits: nil)) }
        return Delivery(start: start, end: end, arrival: arrival)
    }

    /// The receiver of `direction` has consumed `tlp` at `time`: it returns the credits
    /// with an UpdateFC DLLP on the opposite direction.
    public mutating func release(_ tlp: TLP, _ direction: LinkDirection, at time: Instant) {
        release(cost: CreditCost(tlp), direction, at: time)
    }

    /// `release` for a TLP given by its credit cost.
    public mutating func release(cost: CreditCost, _ direction: LinkDirection, at time: Instant) {
        lanes[direction.opposite]!.queue(PendingDLLP(at: time, credits: cost))
    }

    /// Whether a TLP costing `cost` can start in `direction` at `now` (credits returned by
    /// `now` counted): the transmitter's question before it commits a TLP to the line.
    public mutating func hasCredits(for cost: CreditCost, _ direction: LinkDirection, at now: Instant) -> Bool {
        flushDLLPs(direction.opposite, until: now)
        applyCreditReturns(direction, until: now)
        return lanes[direction]!.fits(cost)
    }

    /// The next instant after which `hasCredits` may change for `direction`: the next
    /// credit return in flight or UpdateFC DLLP waiting to go out; nil if none.
    public func nextCreditEvent(_ direction: LinkDirection) -> Instant? {
        let returns = lanes[direction]!.creditReturns.first?.at
        let dllp = lanes[direction.opposite]!.pendingDLLPs.first { $0.credits != nil }?.at
        return [returns, dllp].compactMap { $0 }.min()
    }

    /// Sends every queued DLLP (e.g. at the end of a run) and applies every credit return.
    public mutating func settle() {
        for d in [LinkDirection.downstream, .upstream] { flushDLLPs(d, until: Instant(picoseconds: .max)) }
        for d in [LinkDirection.downstream, .upstream] { applyCreditReturns(d, until: Instant(picoseconds: .max)) }
    }

    /// When the line of `direction` is next free.
    public func lineFree(_ direction: LinkDirection) -> Instant { lanes[direction]!.lineFreeAt }

    /// Counters of one direction: TLPs, DLLPs and bytes on the wire.
    public func statistics(_ direction: LinkDirection) -> (tlps: Int, dllps: Int, wireBytes: Int) {
        let l = lanes[direction]!
        return (l.tlpsSent, l.dllpsSent, l.wireBytes)
    }

    /// Credits the transmitter of `direction` holds now for `flowClass` (nil = infinite).
    public func availableCredits(_ direction: LinkDirection, _ flowClass: FlowControlClass) -> Credits {
        let l = lanes[direction]!
        return Credits(header: l.headerCredits[flowClass]!, data: l.dataCredits[flowClass]!)
    }

    /// Puts the DLLPs generated no later than `until` on the wire of `direction`, in
    /// order: a DLLP goes before a TLP that became ready after it was generated.
    mutating func flushDLLPs(_ direction: LinkDirection, until: Instant) {
        var lane = lanes[direction]!
        let dllpTime = configuration.serialisationTime(bytes: LinkConfiguration.dllpBytes)
        var returns: [CreditReturn] = []
        while let first = lane.pendingDLLPs.first, first.at <= until {
            lane.pendingDLLPs.removeFirst()
            let start = max(first.at, lane.lineFreeAt)
            lane.lineFreeAt = start + dllpTime
            lane.dllpsSent += 1
            lane.wireBytes += LinkConfiguration.dllpBytes
            if let credits = first.credits {
                returns.append(CreditReturn(at: lane.lineFreeAt + configuration.latency, cost: credits))
            }
        }
        lanes[direction] = lane
        // UpdateFC on this direction returns credits to the transmitter of the opposite one.
        for r in returns { lanes[direction.opposite]!.queue(r) }
    }

    mutating func applyCreditReturns(_ direction: LinkDirection, until: Instant) {
        var lane = lanes[direction]!
        while let first = lane.creditReturns.first, first.at <= until {
            lane.creditReturns.removeFirst()
            lane.add(first.cost, sign: 1)
        }
        lanes[direction] = lane
    }
}
