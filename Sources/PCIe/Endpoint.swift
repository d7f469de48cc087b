import SimBus
import SimKernel

/// Device memory as the DMA engine reaches it: bytes at device bus addresses. A
/// reference, so that the SoC's memories can be the DMA engine's.
public protocol DeviceMemory: AnyObject {
    /// Whether `count` bytes from `address` are all memory.
    func contains(_ address: UInt32, count: Int) -> Bool
    /// `count` bytes from `address` (in `contains`).
    func read(_ address: UInt32, count: Int) -> [UInt8]
    /// Stores `bytes` from `address` (in `contains`).
    func write(_ address: UInt32, _ bytes: [UInt8])
}

/// Device memory of its own: `count` bytes from address 0.
public final class ByteMemory: DeviceMemory {
    public var bytes: [UInt8]

    public init(count: Int) { bytes = Array(repeating: 0, count: count) }

    public func contains(_ address: UInt32, count: Int) -> Bool { Int(address) + count <= bytes.count }
    public func read(_ address: UInt32, count: Int) -> [UInt8] { Array(bytes[Int(address) ..< Int(address) + count]) }
    public func write(_ address: UInt32, _ bytes: [UInt8]) {
        self.bytes.replaceSubrange(Int(address) ..< Int(address) + bytes.count, with: bytes)
    }
}

/// The endpoint's fixed parameters.
public struct EndpointConfiguration: Hashable, Sendable {
    /// IDs and capabilities of the configuration space. BAR0 is always 4 KiB.
    public var configSpace = ConfigSpaceOptions()
    /// The device's system clock (80 MHz): the cycle counter latched at a doorbell.
    public var systemClock = Clock(name: "sys", period: .ps(12_500))
    /// System cycles from the first system edge at or after a doorbell TLP's arrival to the
    /// cycle the counter is latched in: the synchroniser from the PCIe user clock.
    public var doorbellSyncCycles: UInt64 = 2
    /// How long a DMA read waits for its completions.
    public var completionTimeout: CompletionTimeout = .default
    /// Bytes of completion data the endpoint can buffer: it advertises infinite
    /// completion credits, so it only issues a read when the buffer has room for the
    /// whole answer (Spartan-6 integrated block: CD 467 credits of 16 bytes).
    public var completionBufferBytes = 467 * 16
    /// Size of the endpoint's own memory when it is not given the SoC's.
    public var memoryBytes = 64 * 1024
    /// Device memory a DMA transfer from the host must never write (the golden image).
    public var protectedRange: Range<UInt32>?

    public init() {}
}

/// What the endpoint wants to hear about once a packet it sent is on the wire.
public enum TransmitNote: Hashable, Sendable {
    /// A DMA write; `last` for the transfer's final MWr.
    case dmaWrite(last: Bool)
    case msi
}

/// A packet for the link and what to tell the endpoint when it goes out.
public struct Outbound: Hashable, Sendable {
    public var packet: WirePacket
    public var note: TransmitNote?
}

/// The PCIe endpoint at transaction level (docs/pcie-endpoint.md): configuration space,
/// BAR0, the DMA engine, MSI, and the answer to every TLP a host may send. A value
/// driven by its caller in nondecreasing simulated time: `receive` a packet, `csrRead` /
/// `csrWrite` from the firmware, `transmitted` when a packet left, `wake` at
/// `nextWakeup`. Packets to send collect in `outbox`, which the caller drains.
public struct Endpoint {
    public let configuration: EndpointConfiguration
    public internal(set) var config: ConfigSpace
    /// BAR0 (host view) and CSR bank 3 (firmware view); the shared block is kept equal.
    public private(set) var bar0: RegisterFile
    public internal(set) var csr: RegisterFile
    /// What the DMA engine reads and writes.
    public let memory: DeviceMemory
    /// Unsaturated counts, indexed by `EndpointCounter.rawValue`.
    public private(set) var counters: [UInt64]
    public var outbox: [Outbound] = []
    var dma: DMATransfer?
    private let bar0ByOffset: [Int: Register]
    private let csrByOffset: [Int: Register]

    public init(_ configuration: EndpointConfiguration = EndpointConfiguration(), memory: DeviceMemory? = nil) {
        precondition(Int(configuration.configSpace.bar0Size) == EndpointRegisters.bar0Size, "BAR0 is 4 KiB")
        precondition(configuration.completionBufferBytes >= 4096, "the completion buffer holds one largest read")
        self.configuration = configuration
        config = ConfigSpace(configuration.configSpace)
        bar0 = RegisterFile(EndpointRegisters.bar0Map)
        csr = RegisterFile(EndpointRegisters.csrMap)
        self.memory = memory ?? ByteMemory(count: configuration.memoryBytes)
        counters = Array(repeating: 0, count: EndpointCounter.allCases.count)
        bar0ByOffset = Dictionary(uniqueKeysWithValues: EndpointRegisters.bar0Map.registers.map { ($0.offset, $0) })
        csrByOffset = Dictionary(uniqueKeysWithValues: EndpointRegisters.csrMap.registers.map { ($0.offset, $0) })
    }

    /// The routing ID requests and completions carry: captured from configuration writes.
    public var id: PCIeID { config.capturedID ?? PCIeID(rawValue: 0) }

    public func counter(_ c: EndpointCounter) -> UInt64 { counters[c.rawValue] }

    /// IRQ 5: a pending cause that is enabled.
    public var irq: Bool { csr.value(of: "IRQ_PENDING") & csr.value(of: "IRQ_ENABLE") != 0 }

    public var dmaBusy: Bool { dma != nil }


    /// The first system cycle that starts at or after `t`.
    func cycle(at t: Instant) -> UInt64 {
        let p = configuration.systemClock.period.picoseconds
        return (t.picoseconds + p - 1) / p
    }

    // MARK: the link side

    /// Handles one packet that arrived from the host at `now`.
    public mutating func receive(_ packet: WirePacket, at now: Instant) {
        count(.tlpsReceived)
        let tlp: TLP
        do {
            tlp = try TLPCodec.decode(dwords: packet.dwords)
        } catch {
            undecodable(packet, error)
            return
        }
        switch tlp {
        case .configRead(let h), .configWrite(let h, _):
            if h.target.function != 0 {
                answer(tlp, status: .unsupportedRequest, completer: h.target, counter: .unsupportedRequest)
            } else if case .configWrite = tlp, h.flags.poisoned {
                config.raise("STATUS", "DETECTED_PARITY_ERROR")
                answer(tlp, status: .unsupportedRequest, completer: h.target, counter: .poisoned)
            } else if let completion = config.handle(tlp) {
                count(.configRequests)
                send(completion)
            }
        case .memoryRead(let h):
            guard config.bar0Contains(h.address) else {
                answer(tlp, status: .unsupportedRequest, completer: id, counter: .unsupportedRequest)
                return
            }
            count(.bar0Reads)
            let offset = Int(h.address - UInt64(config.bar0Base))
            var data: [UInt8] = []
            data.reserveCapacity(4 * h.length)
            for i in 0..<h.length { data += littleEndian(UInt32(truncatingIfNeeded: bar0.read(at: offset + 4 * i, count: 4))) }
            for c in RequestRules.completions(for: h, data: data, completer: id,
                                              readCompletionBoundary: config.readCompletionBoundary,
                                              maxPayload: config.maxPayloadSize) {
                send(c)
            }
        case .memoryWrite(let h, let payload):
            if !config.bar0Contains(h.address) {
                config.raise("PCIE.DEVICE_STATUS", "UNSUPPORTED_REQUEST")
                count(.unsupportedRequest)
            } else if h.flags.poisoned {
                config.raise("STATUS", "DETECTED_PARITY_ERROR")
                count(.poisoned)
            } else {
                count(.bar0Writes)
                bar0Write(h, payload, at: now)
            }
        case .completion(let h):
            completion(h, payload: [], at: now)
        case .completionWithData(let h, let payload):
            completion(h, payload: payload, at: now)
        case .vendorMessage(let h, _):
            if h.type1 {
                count(.messagesDropped)
            } else {
                config.raise("PCIE.DEVICE_STATUS", "UNSUPPORTED_REQUEST")
                count(.unsupportedRequest)
            }
        }
    }

    /// A packet that does not decode. Non-posted requests of kinds the endpoint does not
    /// implement (I/O, type-1 configuration, locked reads, atomics) are answered UR from
    /// DW1's requester and tag; everything else is malformed and discarded.
    private mutating func undecodable(_ packet: WirePacket, _ error: TLPError) {
        if let (requester, tag) = packet.unimplementedRequest(error) {
            config.raise("PCIE.DEVICE_STATUS", "UNSUPPORTED_REQUEST")
            count(.unsupportedRequest)
            send(.completion(CompletionHeader(completer: id, status: .unsupportedRequest, byteCount: 4,
                                              requester: requester, tag: tag, lowerAddress: 0)))
            return
        }
        config.raise("PCIE.DEVICE_STATUS", "FATAL_ERROR")
        count(.malformed)
    }

    /// Answers a non-posted request with a completion without data.
    private mutating func answer(_ request: TLP, status: CompletionStatus, completer: PCIeID, counter: EndpointCounter) {
        if status == .unsupportedRequest { config.raise("PCIE.DEVICE_STATUS", "UNSUPPORTED_REQUEST") }
        count(counter)
        if let c = RequestRules.completionWithoutData(for: request, completer: completer, status: status) { send(c) }
    }

    mutating func send(_ tlp: TLP, note: TransmitNote? = nil) {
        do {
            outbox.append(Outbound(packet: try WirePacket(tlp), note: note))
        } catch {
            // Every TLP the endpoint builds comes from the request rules; one that does not
            // encode is a defect in this model, not something a host can cause.
            preconditionFailure("endpoint built an invalid \(tlp.mnemonic): \(error)")
        }
    }

    private mutating func bar0Write(_ h: MemoryWriteHeader, _ payload: [UInt8], at now: Instant) {
        let base = Int(h.address - UInt64(config.bar0Base))
        let dwords = payload.count / 4
        for i in 0..<dwords {
            let be = dwords == 1 ? h.firstBE : i == 0 ? h.firstBE : i == dwords - 1 ? h.lastBE : 0xF
            guard be & 0xF != 0 else { continue }
            let offset = base + 4 * i
            let value = UInt32(payload[4 * i]) | UInt32(payload[4 * i + 1]) << 8
                | UInt32(payload[4 * i + 2]) << 16 | UInt32(payload[4 * i + 3]) << 24
            bar0.write(at: offset, count: 4, value: UInt64(value), byteEnables: be)
            guard let r = bar0ByOffset[offset] else { continue }
            mirror(r, from: bar0, into: &csr)
            if r.name == "DOORBELL" { doorbell(at: now) }
        }
    }

    private mutating func doorbell(at now: Instant) {
        let c = cycle(at: now) + configuration.doorbellSyncCycles
        setShared("DOORBELL_CYCLE_LO", "CYCLE", c & 0xFFFF_FFFF)
        setShared("DOORBELL_CYCLE_HI", "CYCLE", c >> 32)
        raise(.doorbell)
    }

    // MARK: registers

    private mutating func setShared(_ register: String, _ field: String, _ value: UInt64) {
        bar0.set(register, field, to: value)
        csr.set(register, field, to: value)
    }

    /// Copies a shared register's fields from the view just written to the other one.
    private func mirror(_ r: Register, from source: RegisterFile, into target: inout RegisterFile) {
        guard EndpointRegisters.sharedNames.contains(r.name) else { return }
        for f in r.fields { target.set(r.name, f.name, to: source.value(of: r.name, f.name)) }
    }

    mutating func count(_ c: EndpointCounter) {
        counters[c.rawValue] += 1
        setShared(c.registerName, "COUNT", min(counters[c.rawValue], UInt64(UInt32.max)))
        if c.isTrafficError { raise(.trafficError) }
    }

    mutating func raise(_ cause: EndpointIRQCause) {
        csr.set("IRQ_PENDING", cause.fieldName, to: 1)
        updateStatus()
    }

    mutating func updateStatus() {
        setShared("STATUS", "DOORBELL_PENDING", csr.value(of: "IRQ_PENDING", EndpointIRQCause.doorbell.fieldName))
        let dmaError = csr.value(of: "IRQ_PENDING", EndpointIRQCause.dmaError.fieldName)
        let trafficError = csr.value(of: "IRQ_PENDING", EndpointIRQCause.trafficError.fieldName)
        setShared("STATUS", "ERROR", dmaError | trafficError)
        setShared("STATUS", "DMA_BUSY", dma == nil ? 0 : 1)
        csr.set("DMA_STATUS", "BUSY", to: dma == nil ? 0 : 1)
    }

    // MARK: the firmware side (CSR bank 3)

    /// The CSR word at `offset` in the bank (the decoded 0x200 bytes repeat through it).
    public func csrRead(offset: Int) -> UInt32 {
        UInt32(truncatingIfNeeded: csr.read(at: (offset & ~3) % EndpointRegisters.csrSize, count: 4))
    }

    /// A firmware write of a CSR word at `now`.
    public mutating func csrWrite(offset: Int, value: UInt32, at now: Instant) {
        let o = (offset & ~3) % EndpointRegisters.csrSize
        csr.write(at: o, count: 4, value: UInt64(value))
        guard let r = csrByOffset[o] else { return }
        mirror(r, from: csr, into: &bar0)
        switch r.name {
        case "DMA_CONTROL" where value & 1 == 1: startDMA(at: now)
        case "MSI_CONTROL" where value & 1 == 1: requestMSI()
        case "IRQ_PENDING": updateStatus()
        default: break
        }
    }

    public func csrRead(_ register: String) -> UInt32 {
        UInt32(truncatingIfNeeded: csr.value(of: register))
    }

    public mutating func csrWrite(_ register: String, _ value: UInt32, at now: Instant) {
        guard let r = EndpointRegisters.csrMap.register(register) else {
            preconditionFailure("no CSR register \(register)")
        }
        csrWrite(offset: r.offset, value: value, at: now)
    }

    private mutating func requestMSI() {
        guard config.msiEnabled, config.busMasterEnabled, !config.msiMasked else {
            count(.msiBlocked)
            return
        }
        count(.msiSent)
        send(.msi(requester: id, address: config.msiAddress, data: config.msiData), note: .msi)
    }

    /// A packet the endpoint sent started on the wire at `start` and ends at `end`.
    public mutating func transmitted(_ note: TransmitNote, start: Instant, end: Instant) {
        switch note {
        case .msi:
            let c = cycle(at: start)
            csr.set("MSI_CYCLE_LO", "CYCLE", to: c & 0xFFFF_FFFF)
            csr.set("MSI_CYCLE_HI", "CYCLE", to: c >> 32)
        case .dmaWrite(let last):
            guard var d = dma, case .toHost = d.direction else { return }
            d.sentWrites += 1
            if last {
                d.doneAt = end
                dma = d
            } else {
                dma = d
                issueWrite()
            }
        }
    }
}

func littleEndian(_ v: UInt32) -> [UInt8] {
    [UInt8(v & 0xFF), UInt8((v >> 8) & 0xFF), UInt8((v >> 16) & 0xFF), UInt8(v >> 24)]
}
