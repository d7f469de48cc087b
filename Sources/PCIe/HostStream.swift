import SimKernel

/// The host's inputs of the endpoint's stream ports for one rising edge of the PCIe user
/// clock: the dword it offers on `rx_*` and `tx_ready`.
public struct HostStreamBeat: Hashable, Sendable {
    public var data: UInt32
    public var sop: Bool
    public var eop: Bool
    public var valid: Bool
    public var txReady: Bool

    /// No dword offered, ready to take the device's.
    public static let idle = HostStreamBeat(data: 0, sop: false, eop: false, valid: false, txReady: true)

    public init(data: UInt32, sop: Bool, eop: Bool, valid: Bool, txReady: Bool) {
        self.data = data; self.sop = sop; self.eop = eop; self.valid = valid; self.txReady = txReady
    }
}

/// The endpoint's stream outputs as they were just before a user-clock edge: `rx_ready`
/// and the dword it offers on `tx_*`.
public struct DeviceStreamBeat: Hashable, Sendable {
    public var rxReady: Bool
    public var data: UInt32
    public var sop: Bool
    public var eop: Bool
    public var valid: Bool

    public init(rxReady: Bool, data: UInt32, sop: Bool, eop: Bool, valid: Bool) {
        self.rxReady = rxReady; self.data = data; self.sop = sop; self.eop = eop; self.valid = valid
    }
}

/// The modelled host on the endpoint's two 32-bit TLP streams (docs/pcie-endpoint.md,
/// "The host on the stream"): a `RootComplex` whose packets become `rx_*` beats, one per
/// user-clock edge, and whose answers to the device's packets (taken from `tx_*`) are
/// queued at the instant the root complex gives them. It is the one host of every
/// stream-level harness: the endpoint lock-step, the cycle-exact SoC's endpoint, the RTL
/// SoC and the SoC lock-step, so that all of them offer the same beats at the same edges.
///
/// Per user-clock edge the owner calls `prepare(now:)` (the inputs of the edge), makes
/// the edge, then `observe(_:at:)` with the device's outputs from just before it. `now`
/// is the instant of the last edge of either clock made before this one (the system
/// clock's, at an instant both clocks share): answers due at or before it are offered.
public final class HostStream {
    public private(set) var root: RootComplex
    public var configuration: HostConfiguration { root.configuration }
    /// Packets the device sent, as the host took them.
    public private(set) var received: [WirePacket] = []
    /// Packets the host queued for the device (its own requests and its completions).
    public private(set) var packetsSent = 0

    private var queue: [WirePacket] = []
    private var sending: [UInt32] = []
    private var sendAt = 0
    /// Packets due at an instant, in the order they are offered: by time, and at one
    /// instant the root complex's answers before the software's packets (`send(_:at:)`),
    /// each kind in the order it was queued. The order depends only on the packets and
    /// their instants, never on how an owner interleaves its edges with `send(_:at:)`.
    private var delayed: [(time: Instant, software: Bool, packet: WirePacket)] = []
    private var collecting: [UInt32] = []
    /// The beat of the edge being made (`prepare`).
    private var offered = HostStreamBeat.idle

    public init(_ host: HostConfiguration = HostConfiguration()) {
        root = RootComplex(host)
    }

    /// Nothing queued, being offered, due later or half received.
    public var quiet: Bool {
        queue.isEmpty && delayed.isEmpty && sendAt >= sending.count && collecting.isEmpty
    }

    /// Queues a packet (any bytes; an empty one is dropped: a stream cannot carry it).
    public func send(_ p: WirePacket) {
        guard !p.dwords.isEmpty else { return }
        queue.append(p)
        packetsSent += 1
    }

    /// Queues a packet at the first user-clock edge whose `now` (see `prepare`) is at or
    /// after `time`, after the answers due by then: host software acting at an instant
    /// rather than at an edge, so that hosts on two harnesses whose edges are made in
    /// different orders (the SoC lock-step) offer it at the same edge. `time` must be
    /// later than the `now` of every edge already prepared.
    public func send(_ p: WirePacket, at time: Instant) { delay(p, at: time, software: true) }

    /// Files `p` among the packets due (`delayed`'s order).
    private func delay(_ p: WirePacket, at time: Instant, software: Bool) {
        let i = delayed.lastIndex { $0.time < time || ($0.time == time && (!$0.software || software)) }.map { $0 + 1 } ?? 0
        delayed.insert((time, software, p), at: i)
    }

    /// Takes the result of the host's request `tag`, once it has one.
    public func takeResult(_ tag: UInt8) -> HostResult? { root.takeResult(tag) }

    /// The inputs of the next user-clock edge. `holdBack` is asked only while a dword is
    /// waiting (true: offer nothing at this edge), then `txReady`.
    public func prepare(now: Instant, holdBack: () -> Bool = { false },
                        txReady: @autoclosure () -> Bool = true) -> HostStreamBeat {
        if sendAt >= sending.count {
            sending = []
            sendAt = 0
            while let (t, _, p) = delayed.first, t <= now {
                delayed.removeFirst()
                send(p)
            }
            if !queue.isEmpty { sending = queue.removeFirst().dwords }
        }
        let offer = sendAt < sending.count && !holdBack()
        offered = HostStreamBeat(data: offer ? sending[sendAt] : 0, sop: offer && sendAt == 0,
                                 eop: offer && sendAt == sending.count - 1, valid: offer, txReady: txReady())
        return offered
    }

    /// What crossed at the user-clock edge made at `time` with the beat `prepare` gave,
    /// from the device's outputs before the edge.
    public func observe(_ device: DeviceStreamBeat, at time: Instant) {
        if offered.valid && device.rxReady { sendAt += 1 }
        guard offered.txReady && device.valid else { return }
        if device.sop { collecting = [] }
        collecting.append(device.data)
        if device.eop {
            let p = WirePacket(dwords: collecting)
            collecting = []
            received.append(p)
            for (t, answer) in root.receive(p, at: time) { delay(answer, at: t, software: false) }
            onReceive?(p, root, time)
        }
    }

    // MARK: software beyond the root complex

    /// The host's software beyond the root complex (its CPU's handlers): events at
    /// instants of the stream's timeline. The owner runs them before each edge of either
    /// clock (`runSoftware(before:)`): an event at t runs after every edge at or before t,
    /// and what it queues (`send`, `mmioWrite`) is offered from the next user edge on. A
    /// pending event is where an owner's skip over quiet edges must stop.
    public let software = Scheduler()
    /// Called with each packet the device sent, once the root complex has taken it, at the
    /// instant of the user edge that took its last dword: the software follows the root
    /// complex's records (device writes, MSIs) and schedules its work on `software`.
    public var onReceive: ((WirePacket, RootComplex, Instant) -> Void)?
    /// The first error a software event threw (they run inside the owner's edges).
    public private(set) var softwareFault: Error?

    /// The instant of the next software event, if any.
    public var nextSoftwareEvent: Instant? { software.nextEvent?.time }

    /// Runs the software events before an edge at `t` (those at instants < t).
    public func runSoftware(before t: Instant) {
        while let k = software.nextEvent, k.time < t {
            do { try software.runNext() } catch { if softwareFault == nil { softwareFault = error } }
        }
    }

    /// Stores `bytes` in host memory (what device reads get), clipped at the top of the
    /// address space.
    public func writeHostMemory(_ address: UInt64, _ bytes: [UInt8]) {
        let n = min(UInt64(bytes.count), UInt64.max - address)
        root.memory.write(address, Array(bytes.prefix(Int(n))))
    }

    // MARK: host software

    /// Sends a CfgRd0 (`value` nil) or CfgWr0 at `now` (queued at once, or `scheduled` at
    /// the instant `now` as `send(_:at:)` does); returns its tag.
    public func configRequest(_ register: Int, value: UInt32?, firstBE: UInt8 = 0xF, at now: Instant,
                              scheduled: Bool = false) throws(HostError) -> UInt8 {
        guard let (tag, p) = root.configRequest(register: register, value: value, firstBE: firstBE, at: now) else {
            throw .noTag
        }
        if scheduled { send(p, at: now) } else { send(p) }
        return tag
    }

    /// Sends one MRd of `count` dwords of BAR0 from `offset` at `now` (queued or
    /// `scheduled`, as `configRequest`); returns its tag.
    public func mmioReadRequest(_ offset: Int, dwords count: Int = 1, at now: Instant,
                                scheduled: Bool = false) throws(HostError) -> UInt8 {
        guard let (tag, p) = root.memoryRead(address: UInt64(configuration.bar0Base) + UInt64(offset), dwords: count,
                                             at: now) else { throw .noTag }
        if scheduled { send(p, at: now) } else { send(p) }
        return tag
    }

    /// Sends a posted MWr of `words` to BAR0 at `offset`.
    public func mmioWrite(_ offset: Int, _ words: [UInt32]) {
        send(root.memoryWrite(address: UInt64(configuration.bar0Base) + UInt64(offset), words: words))
    }

    /// Calls `step` (one edge of the owner's clocks) until request `tag` has its result,
    /// at most `limit` times.
    public func result(_ tag: UInt8, _ what: String, limit: Int, step: () throws -> Void) throws -> [UInt8] {
        for _ in 0..<limit {
            if let r = root.takeResult(tag) {
                switch r {
                case .data(let b): return b
                case .status(let s): throw HostError.completion(what: what, s)
                case .timeout: throw HostError.timeout(what: what)
                }
            }
            try step()
        }
        throw HostError.timeout(what: what)
    }

    /// Little-endian dwords of a completion's bytes.
    public static func dwords(_ b: [UInt8]) -> [UInt32] {
        stride(from: 0, to: b.count - 3, by: 4).map { (k: Int) -> UInt32 in
            let lo = UInt32(b[k]) | UInt32(b[k + 1]) << 8
            return lo | UInt32(b[k + 2]) << 16 | UInt32(b[k + 3]) << 24
        }
    }
}

/// Host software on a `HostStream` whose owner makes the edges: configuration and BAR0
/// accesses that wait (in edges) for their answers. The owner gives the stream, the
/// instant of its last edge and one edge step.
public protocol HostStreamOwner: ConfigurationAccess {
    var hostStream: HostStream { get }
    /// The instant of the last edge made.
    var hostNow: Instant { get }
    /// Edges a request may wait for its answer.
    var hostRequestEdges: Int { get }
    /// Makes the next edge (either clock).
    func stepForHost() throws
}

extension HostStreamOwner {
    public var hostConfiguration: HostConfiguration { hostStream.configuration }

    public func configRead(_ register: Int) throws -> UInt32 {
        let tag = try hostStream.configRequest(register, value: nil, at: hostNow)
        let b = try hostStream.result(tag, "CfgRd0 \(register)", limit: hostRequestEdges, step: stepForHost)
        guard b.count == 4 else { throw HostError.stalled(what: "CfgRd0 \(register): \(b.count) bytes") }
        return HostStream.dwords(b)[0]
    }

    public func configWrite(_ register: Int, _ value: UInt32, firstBE: UInt8) throws {
        let tag = try hostStream.configRequest(register, value: value, firstBE: firstBE, at: hostNow)
        _ = try hostStream.result(tag, "CfgWr0 \(register)", limit: hostRequestEdges, step: stepForHost)
    }

    /// `count` dwords of BAR0 from `offset` by one MRd, waiting for the answer.
    public func mmioRead(_ offset: Int, dwords count: Int = 1) throws -> [UInt32] {
        let tag = try hostStream.mmioReadRequest(offset, dwords: count, at: hostNow)
        return HostStream.dwords(try hostStream.result(tag, "MRd BAR0+\(offset)", limit: hostRequestEdges,
                                                       step: stepForHost))
    }

    /// Posted MWr of `words` to BAR0 at `offset`.
    public func mmioWrite(_ offset: Int, _ words: [UInt32]) { hostStream.mmioWrite(offset, words) }
}
