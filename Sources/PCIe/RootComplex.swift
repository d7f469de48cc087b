import SimKernel

/// Host physical memory behind the root complex: 4 KiB pages made on first write;
/// bytes never written read as zero.
public struct SparseMemory: Hashable, Sendable {
    static let page = 4096
    private var pages: [UInt64: [UInt8]] = [:]

    public init() {}

    public func read(_ address: UInt64, count: Int) -> [UInt8] {
        (0..<count).map { i in
            let a = address &+ UInt64(i)
            return pages[a / UInt64(Self.page)]?[Int(a % UInt64(Self.page))] ?? 0
        }
    }

    public mutating func write(_ address: UInt64, _ bytes: [UInt8]) {
        for (i, b) in bytes.enumerated() {
            let a = address &+ UInt64(i)
            pages[a / UInt64(Self.page), default: Array(repeating: 0, count: Self.page)][Int(a % UInt64(Self.page))] = b
        }
    }
}

/// The root complex's parameters (docs/pcie-endpoint.md, "Host").
public struct HostConfiguration: Hashable, Sendable {
    public var rootID = PCIeID(bus: 0, device: 0, function: 0)
    /// Where enumeration finds the endpoint (type-0 requests below the root port).
    public var deviceID = PCIeID(bus: 1, device: 0, function: 0)
    /// From a device read's arrival to its first completion being ready.
    public var readLatency: SimKernel.Duration = .ns(600)
    /// 64 or 128; completions of device reads are split under it.
    public var readCompletionBoundary = 64
    /// Send RCB-sized completions (as many root complexes do) rather than MPS-sized ones.
    public var rcbSizedCompletions = true
    /// Programmed into the device's Device Control at enumeration.
    public var maxPayload = 128
    public var maxReadRequest = 512
    /// BAR0's base as enumeration assigns it.
    public var bar0Base: UInt32 = 0xF000_0000
    /// The MSI window: device writes here are interrupts, not memory.
    public var msiWindow: Range<UInt64> = 0xFEE0_0000 ..< 0xFEF0_0000
    public var msiAddress: UInt64 = 0xFEE0_0000
    public var msiData: UInt16 = 0x0041
    /// From an MSI write's arrival to the interrupt reaching the host CPU.
    public var msiDeliveryLatency: SimKernel.Duration = .ns(250)
    /// How long the host waits for its own configuration and MMIO reads.
    public var requestTimeout: SimKernel.Duration = .us(100)
    /// Device reads of these addresses are answered UR, CA, or not at all.
    public var unsupportedRanges: [Range<UInt64>] = []
    public var abortRanges: [Range<UInt64>] = []
    public var silentRanges: [Range<UInt64>] = []

    public init() {}
}

/// An MSI as the host CPU sees it.
public struct HostInterrupt: Hashable, Sendable {
    public var time: Instant
    public var address: UInt64
    public var data: UInt16
}

/// What became of a request the host sent.
public enum HostResult: Hashable, Sendable {
    case data([UInt8])
    case status(CompletionStatus)
    case timeout
}

/// The host side of the link: host memory answering device reads after a latency, taking
/// device writes and MSIs, and tracking the host's own configuration and MMIO requests.
/// Driven like `Endpoint`: `receive` returns packets to send and when.
public struct RootComplex: Sendable {
    public let configuration: HostConfiguration
    public var memory = SparseMemory()
    public private(set) var interrupts: [HostInterrupt] = []
    /// Byte ranges the device wrote, in order (for checking it wrote only where allowed).
    public private(set) var deviceWrites: [ByteRange] = []
    public private(set) var deviceReads = 0
    /// Packets from the device that do not decode: always a device defect.
    public private(set) var malformedFromDevice = 0
    /// Completions for a host tag not outstanding (or failing the reassembler's checks).
    public private(set) var unexpectedCompletions = 0
    /// Final completions addressed to requesters other than the root (hostile traffic
    /// sent in others' names), per (requester, tag).
    public private(set) var foreignCompletions: [UInt32: Int] = [:]
    public private(set) var results: [UInt8: HostResult] = [:]

    private var tags = TagPool(extendedTags: true)
    private var configTags: [UInt8: Instant] = [:]
    private var reads: CompletionReassembler

    public init(_ configuration: HostConfiguration = HostConfiguration()) {
        self.configuration = configuration
        reads = CompletionReassembler(requester: configuration.rootID,
                                      timeout: CompletionTimeout(configuration.requestTimeout))
    }

    // MARK: requests from the host

    /// A CfgRd0 (`value` nil) or CfgWr0 of configuration dword `register`, sent at `now`.
    public mutating func configRequest(register: Int, value: UInt32?, firstBE: UInt8 = 0xF,
                                       at now: Instant) -> (tag: UInt8, packet: WirePacket)? {
        guard let tag = tags.allocate() else { return nil }
        let h = ConfigRequestHeader(requester: configuration.rootID, tag: tag, firstBE: firstBE,
                                    target: configuration.deviceID, register: UInt16(register))
        configTags[tag] = now + configuration.requestTimeout
        let tlp: TLP = value.map { .configWrite(h, payload: littleEndian($0)) } ?? .configRead(h)
        return (tag, encoded(tlp))
    }

    /// An MRd of `dwords` dwords at `address` (BAR0 MMIO), sent at `now`.
    public mutating func memoryRead(address: UInt64, dwords: Int, at now: Instant) -> (tag: UInt8, packet: WirePacket)? {
        guard let tag = tags.allocate() else { return nil }
        let h = MemoryReadHeader(requester: configuration.rootID, tag: tag, address: address, length: dwords,
                                 firstBE: 0xF, lastBE: dwords == 1 ? 0 : 0xF)
        reads.expect(h, sent: now)
        return (tag, encoded(.memoryRead(h)))
    }

    /// A posted MWr of whole dwords at `address`.
    public func memoryWrite(address: UInt64, words: [UInt32]) -> WirePacket {
        encoded(.memoryWrite(MemoryWriteHeader(requester: configuration.rootID, tag: 0, address: address,
                                               firstBE: 0xF, lastBE: words.count == 1 ? 0 : 0xF),
                             payload: words.flatMap(littleEndian)))
    }

    /// Takes the result of request `tag`, once it has one.
    public mutating func takeResult(_ tag: UInt8) -> HostResult? {
        guard let r = results.removeValue(forKey: tag) else { return nil }
        tags.release(tag)
        return r
    }

    /// Ends the host's requests whose timeout has passed at `now`.
    public mutating func expire(at now: Instant) {
        for (tag, deadline) in configTags where deadline <= now {
            configTags[tag] = nil
            results[tag] = .timeout
        }
        for r in reads.expire(at: now) { results[r.tag] = .timeout }
    }

    private func encoded(_ tlp: TLP) -> WirePacket {
        do {
            return try WirePacket(tlp)
        } catch {
            preconditionFailure("root complex built an invalid \(tlp.mnemonic): \(error)")
        }
    }

    // MARK: packets from the device

    /// Handles a packet from the device at `now`; returns packets to send and when.
    public mutating func receive(_ packet: WirePacket, at now: Instant) -> [(Instant, WirePacket)] {
        let tlp: TLP
        do {
            tlp = try TLPCodec.decode(dwords: packet.dwords)
        } catch {
            malformedFromDevice += 1
            return []
        }
        switch tlp {
        case .memoryRead(let h):
            deviceReads += 1
            let end = h.address + UInt64(4 * h.length)
            func hits(_ ranges: [Range<UInt64>]) -> Bool { ranges.contains { $0.overlaps(h.address ..< end) } }
            let ready = now + configuration.readLatency
            if hits(configuration.silentRanges) { return [] }
            let status: CompletionStatus? = hits(configuration.unsupportedRanges) ? .unsupportedRequest
                : hits(configuration.abortRanges) ? .completerAbort : nil
            if let s = status {
                return RequestRules.completionWithoutData(for: tlp, completer: configuration.rootID, status: s)
                    .map { [(ready, encoded($0))] } ?? []
            }
            let rcb = configuration.readCompletionBoundary
            return RequestRules.completions(for: h, data: memory.read(h.address, count: 4 * h.length),
                                            completer: configuration.rootID, readCompletionBoundary: rcb,
                                            maxPayload: configuration.rcbSizedCompletions ? rcb : configuration.maxPayload)
                .map { (ready, encoded($0)) }
        case .memoryWrite(let h, let payload):
            if configuration.msiWindow.contains(h.address) {
                let data = UInt16(payload[0]) | UInt16(payload[1]) << 8
                interrupts.append(HostInterrupt(time: now + configuration.msiDeliveryLatency, address: h.address, data: data))
                return []
            }
            let dwords = payload.count / 4
            for i in 0..<dwords {
                let be = dwords == 1 ? h.firstBE : i == 0 ? h.firstBE : i == dwords - 1 ? h.lastBE : 0xF
                for b in 0..<4 where be >> UInt8(b) & 1 == 1 {
                    memory.write(h.address + UInt64(4 * i + b), [payload[4 * i + b]])
                }
            }
            let first = UInt64(ByteEnables.firstOffset(h.firstBE))
            let bytes = ByteEnables.byteCount(length: dwords, firstBE: h.firstBE, lastBE: h.lastBE)
            deviceWrites.append(ByteRange(address: h.address + first, count: bytes))
            return []
        case .completion(let h):
            completion(h, payload: [], at: now)
        case .completionWithData(let h, let payload):
            completion(h, payload: payload, at: now)
        case .configRead, .configWrite, .vendorMessage:
            // A device sends none of these; the root complex would answer UR. Counted as a defect.
            malformedFromDevice += 1
        }
        return []
    }

    private mutating func completion(_ h: CompletionHeader, payload: [UInt8], at now: Instant) {
        guard h.requester == configuration.rootID else {
            let valid = payload.count - Int(h.lowerAddress & 3)
            if payload.isEmpty || h.byteCount <= valid {
                foreignCompletions[UInt32(h.requester.rawValue) << 8 | UInt32(h.tag), default: 0] += 1
            }
            return
        }
        if configTags[h.tag] != nil {
            configTags[h.tag] = nil
            results[h.tag] = h.status == .successful ? .data(payload) : .status(h.status)
            return
        }
        do {
            switch try reads.accept(h, payload: payload) {
            case .partial: break
            case .done(let tag, _, let data): results[tag] = .data(data)
            case .failed(let tag, _, let status): results[tag] = .status(status)
            }
        } catch {
            unexpectedCompletions += 1
        }
    }
}
