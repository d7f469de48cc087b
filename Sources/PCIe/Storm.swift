import SimKernel

/// Seeded hostile host traffic: valid requests the device must refuse or answer,
/// illegal and mutated TLPs, and completions nobody asked for. Requests are sent in the
/// name of requesters other than the root complex, so their completions are told apart
/// from the host's own.
public struct HostileTraffic {
    public var rng: SplitMix64
    public let device: PCIeID
    public let bar0Base: UInt32
    public let rootID: PCIeID
    /// Configuration dwords the traffic never writes: empty when the host sets the device up
    /// again whenever needed; COMMAND and BAR0 (1 and 4) when it cannot.
    public let sparedConfigRegisters: Set<Int>

    public init(seed: UInt64, device: PCIeID, bar0Base: UInt32, rootID: PCIeID, sparedConfigRegisters: Set<Int> = []) {
        rng = SplitMix64(seed: seed)
        self.device = device
        self.bar0Base = bar0Base
        self.rootID = rootID
        self.sparedConfigRegisters = sparedConfigRegisters
    }

    mutating func below(_ n: Int) -> Int { Int(rng.next() % UInt64(n)) }
    mutating func chance(_ percent: Int) -> Bool { below(100) < percent }
    mutating func requester() -> PCIeID {
        while true {
            let id = PCIeID(rawValue: UInt16(truncatingIfNeeded: rng.next()))
            if id != rootID { return id }
        }
    }
    mutating func bytes(_ n: Int) -> [UInt8] { (0..<n).map { _ in UInt8(truncatingIfNeeded: rng.next()) } }

    /// An address inside BAR0 (mostly) or anywhere.
    mutating func memoryRange(maxBytes: Int) -> (UInt64, Int) {
        let count = 1 + below(maxBytes)
        var address: UInt64
        switch below(4) {
        case 0, 1: address = UInt64(bar0Base) + UInt64(below(4096))
        case 2: address = UInt64(truncatingIfNeeded: rng.next() & 0xFFFF_FFFF)
        default: address = rng.next() | 0x1_0000_0000
        }
        // Stay inside one 4 KiB page, as a well-formed request must.
        let page = address & ~0xFFF
        if (address & 0xFFF) + UInt64(count) > 4096 { address = page + UInt64(4096 - count) }
        return (address, count)
    }

    /// A request or completion that encodes (or the nearest legal form of one).
    mutating func validTLP() -> TLP {
        let tag = UInt8(truncatingIfNeeded: rng.next())
        let flags = TLPFlags(poisoned: chance(8))
        switch below(7) {
        case 0:
            return .configRead(ConfigRequestHeader(requester: requester(), tag: tag, firstBE: UInt8(below(16)),
                                                   target: chance(85) ? device : PCIeID(bus: 1, device: 0, function: UInt8(below(8))),
                                                   register: UInt16(below(chance(70) ? 64 : 1024))))
        case 1:
            // Mostly harmless registers: writes to COMMAND or BAR0 change what the rest hits.
            var register = chance(90) ? UInt16(16 + below(1008)) : UInt16(below(16))
            while sparedConfigRegisters.contains(Int(register)) { register = UInt16(below(64)) }
            return .configWrite(ConfigRequestHeader(requester: requester(), tag: tag, firstBE: UInt8(below(16)),
                                                    target: device, register: register, flags: flags), payload: bytes(4))
        case 2:
            let (a, n) = memoryRange(maxBytes: 64)
            let c = ByteEnables.cover(address: a, count: n)
            return .memoryRead(MemoryReadHeader(requester: requester(), tag: tag, address: c.dwordAddress, length: c.length,
                                                firstBE: c.firstBE, lastBE: c.lastBE))
        case 3:
            let (a, n) = memoryRange(maxBytes: 64)
            let c = ByteEnables.cover(address: a, count: n)
            return .memoryWrite(MemoryWriteHeader(requester: requester(), tag: tag, address: c.dwordAddress,
                                                  firstBE: c.firstBE, lastBE: c.lastBE, flags: flags), payload: bytes(4 * c.length))
        case 4:
            let n = 1 + below(16)
            let h = CompletionHeader(completer: rootID, byteCount: 4 * n, requester: chance(50) ? device : requester(),
                                     tag: UInt8(below(32)), lowerAddress: UInt8(below(32)) * 4, flags: flags)
            return .completionWithData(h, payload: bytes(4 * n))
        case 5:
            return .completion(CompletionHeader(completer: rootID, status: chance(50) ? .unsupportedRequest : .completerAbort,
                                                byteCount: 1 + below(4096), requester: device, tag: UInt8(below(32)),
                                                lowerAddress: UInt8(below(128))))
        default:
            return .vendorMessage(VendorMessageHeader(requester: requester(), tag: tag, routing: .byID(device), type1: chance(50),
                                                      vendorID: UInt16(truncatingIfNeeded: rng.next())), payload: chance(50) ? bytes(4) : [])
        }
    }

    /// The next packet of the storm. A mutation that turned a request into one from the
    /// root complex itself is drawn again (its answer would go to the host's own tags).
    public mutating func next() -> WirePacket {
        while true {
            let p = draw()
            if let key = Storm.answerKey(p), key >> 8 == UInt32(rootID.rawValue) { continue }
            return p
        }
    }

    mutating func draw() -> WirePacket {
        switch below(10) {
        case 0:
            // A kind the endpoint does not implement: I/O, type-1 config, locked read, atomics.
            let kinds: [(UInt8, UInt8, Int)] = [(0b000, 0b0_0010, 0), (0b010, 0b0_0010, 1), (0b000, 0b0_0101, 0),
                                                (0b010, 0b0_0101, 1), (0b000, 0b0_0001, 0), (0b010, 0b0_1100, 1)]
            let (fmt, type, data) = kinds[below(kinds.count)]
            let d0 = UInt32(fmt) << 29 | UInt32(type) << 24 | 1
            let d1 = UInt32(requester().rawValue) << 16 | UInt32(below(256)) << 8 | 0xF
            return WirePacket(dwords: [d0, d1, UInt32(truncatingIfNeeded: rng.next()) & ~3] + (data == 1 ? [UInt32(truncatingIfNeeded: rng.next())] : []))
        case 1, 2:
            // A valid encoding, mutated: bit flips, a dword cut off or added, or noise.
            var d = encodedValid()
            switch below(4) {
            case 0: for _ in 0..<(1 + below(3)) { let i = below(d.count); d[i] ^= 1 << UInt32(below(32)) }
            case 1: d.removeLast(min(d.count, 1 + below(2)))
            case 2: d.append(UInt32(truncatingIfNeeded: rng.next()))
            default: d = (0..<(1 + below(8))).map { _ in UInt32(truncatingIfNeeded: rng.next()) }
            }
            return WirePacket(dwords: d)
        default:
            return WirePacket(dwords: encodedValid())
        }
    }

    mutating func encodedValid() -> [UInt32] {
        while true {
            if let d = try? TLPCodec.encodeDwords(validTLP()) { return d }
        }
    }
}

/// The outcome of a hostile-traffic run and the invariants checked after it.
public struct StormReport: Sendable {
    public var tlps: Int
    public var seed: UInt64
    /// Counters as the host read them through BAR0 at the end, by register name.
    public var counters: [(String, UInt64)]
    public var dmaTransfers: Int
    public var dmaErrors: Int
    /// Times the host set the device up again after the storm had turned it off.
    public var reenumerations: Int
    public var simulatedTime: Instant
    /// Broken invariants, in words; empty when the device behaved.
    public var violations: [String]

    public var text: String {
        Self.text(summary: "storm: \(tlps) TLPs, seed \(seed), \(dmaTransfers) firmware DMA transfers (\(dmaErrors) ended in error), "
                  + "\(reenumerations) re-enumerations, simulated \(simulatedTime.picoseconds / 1_000_000) us",
                  counters: counters, violations: violations)
    }

    /// A summary line, the counters one per line, and the invariants' verdict.
    public static func text(summary: String, counters: [(String, UInt64)], violations: [String]) -> String {
        var out = [summary]
        let w = counters.map(\.0.count).max() ?? 0
        for (n, v) in counters { out.append(n + String(repeating: " ", count: w - n.count) + "  \(v)") }
        out.append(violations.isEmpty ? "invariants: all hold" : "invariants broken:")
        out += violations.map { "  " + $0 }
        return out.joined(separator: "\n") + "\n"
    }
}

/// Runs hostile host traffic against the endpoint while a firmware-like driver keeps
/// moving data by DMA, then checks the invariants (docs/pcie-endpoint.md, "Hostile host").
public enum Storm {
    /// Device memory: the golden image the DMA must never overwrite, and the DMA buffer.
    public static let golden: Range<UInt32> = 0 ..< 0x8000
    public static let dmaBuffer: Range<UInt32> = 0x8000 ..< 0xC000
    /// Host memory the firmware's transfers use.
    public static let hostBuffer: UInt64 = 0x1000_0000

    public static func run(tlps: Int, seed: UInt64, batch: Int = 64) throws -> StormReport {
        var ec = EndpointConfiguration()
        ec.protectedRange = golden
        ec.completionTimeout = CompletionTimeout(.us(200))
        let system = PCIeSystem(endpoint: ec)
        var rng = SplitMix64(seed: seed ^ 0x5EED)
        let image = (0..<ec.memoryBytes).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
        system.loadDeviceMemory(image, at: 0)
        system.writeHostMemory(hostBuffer, (0..<dmaBuffer.count).map { _ in UInt8(truncatingIfNeeded: rng.next()) })
        let device = try system.enumerate()
        var traffic = HostileTraffic(seed: seed, device: device.id, bar0Base: device.bar0Base, rootID: system.host.configuration.rootID)

        var expected: [UInt32: Int] = [:]
        var transfers = 0, errors = 0, sent = 0, reenumerations = 0
        var violations: [String] = []
        while sent < tlps {
            // The firmware starts a transfer between batches when the engine is idle.
            if !system.endpoint.dmaBusy {
                if transfers > 0 { system.firmwareWrite("MSI_CONTROL", 1) }   // "transfer done" to the host
                let n = 1 + traffic.below(dmaBuffer.count)
                let local = Int(dmaBuffer.lowerBound) + traffic.below(dmaBuffer.count - n + 1)
                system.firmwareWrite("DMA_LOCAL", UInt32(local))
                system.firmwareWrite("DMA_HOST_LO", UInt32(hostBuffer) + UInt32(traffic.below(4096)))
                system.firmwareWrite("DMA_HOST_HI", 0)
                system.firmwareWrite("DMA_LENGTH", UInt32(n))
                system.firmwareWrite("DMA_CONTROL", traffic.chance(50) ? 3 : 1)
                transfers += 1
            }
            for _ in 0..<min(batch, tlps - sent) {
                let p = traffic.next()
                if let key = answerKey(p) { expected[key, default: 0] += 1 }
                try system.hostSend(p)
                sent += 1
            }
            try system.run(for: .us(20))
            // The host's own software notices when the storm turned decoding or bus
            // mastering off, moved BAR0 or redirected the MSI, and sets the device up again.
            let msi = device.capability(ConfigSpace.msiCapabilityID) ?? 0
            if try system.configRead(1) & 0x6 != 0x6 || system.configRead(4) & ~0xFFF != device.bar0Base
                || system.configRead(msi / 4) >> 16 & 1 != 1 || system.configRead(msi / 4 + 1) != device.config[msi / 4 + 1]
                || system.configRead(msi / 4 + 2) != device.config[msi / 4 + 2]
                || system.configRead(msi / 4 + 3) & 0xFFFF != device.config[msi / 4 + 3] & 0xFFFF {
                _ = try system.enumerate()
                reenumerations += 1
            }
            if !system.endpoint.dmaBusy, system.endpoint.csr.value(of: "DMA_STATUS", "ERROR") != 0 { errors += 1 }
        }
        try system.runToCompletion()

        // The device still answers: set it up again (the storm may have moved BAR0 or turned
        // decoding off), read every counter in one MRd, and do a checked round trip.
        let again = try system.enumerate()
        if again.vendorID != device.vendorID { violations.append("the device's IDs changed") }
        let first = EndpointRegisters.countersOffset
        let words = try system.mmioRead(first, dwords: EndpointCounter.allCases.count)
        let counters = EndpointCounter.allCases.map { ($0.registerName, UInt64(words[$0.rawValue])) }
        for c in EndpointCounter.allCases where UInt64(words[c.rawValue]) != min(system.endpoint.counter(c), UInt64(UInt32.max)) {
            violations.append("\(c.registerName) reads \(words[c.rawValue]) through BAR0 but the device counted \(system.endpoint.counter(c))")
        }
        violations += trafficInvariants(system, expected: expected)
        let memory = system.deviceMemory(0, count: image.count)
        let g = Int(golden.lowerBound) ..< Int(golden.upperBound)
        if memory[g] != image[g] {
            violations.append("the golden image changed")
        }
        if memory[Int(dmaBuffer.upperBound)...] != image[Int(dmaBuffer.upperBound)...] {
            violations.append("device memory above the DMA buffer changed")
        }
        let allowed = hostBuffer ..< hostBuffer + UInt64(dmaBuffer.count + 4096)
        if let w = system.host.deviceWrites.first(where: { !allowed.contains($0.address) || !allowed.contains($0.end - 1) }) {
            violations.append("the device wrote host memory outside the DMA buffers: \(w)")
        }
        // A final transfer round trip with the data checked.
        let probe = (0..<256).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ 1) }
        system.loadDeviceMemory(probe, at: dmaBuffer.lowerBound)
        let out = try system.dma(local: dmaBuffer.lowerBound, host: hostBuffer, bytes: probe.count, fromHost: false)
        let back = try system.dma(local: dmaBuffer.lowerBound + 0x1000, host: hostBuffer, bytes: probe.count, fromHost: true)
        if out != .none || back != .none || system.deviceMemory(dmaBuffer.lowerBound + 0x1000, count: probe.count) != probe {
            violations.append("the final DMA round trip failed (\(out.name), \(back.name))")
        }
        return StormReport(tlps: tlps, seed: seed, counters: counters, dmaTransfers: transfers, dmaErrors: errors,
                           reenumerations: reenumerations, simulatedTime: system.now, violations: violations)
    }

    /// The invariants on the traffic itself, after everything has been delivered: the
    /// dispositions sum to the TLPs received, which are the TLPs that crossed the link;
    /// every request in `expected` (by `answerKey`) got exactly one final completion; one
    /// interrupt per MSI sent; nothing malformed or unexpected reached the host.
    public static func trafficInvariants(_ system: PCIeSystem, expected: [UInt32: Int]) -> [String] {
        var violations = hostInvariants(system.host, counter: system.endpoint.counter,
                                        delivered: UInt64(system.link.statistics(.downstream).tlps),
                                        through: "crossed the link", expected: expected)
        for d in [LinkDirection.downstream, .upstream] where system.queued(d) != 0 {
            violations.append("\(system.queued(d)) packets never left the \(d.rawValue) queue")
        }
        return violations
    }

    /// The invariants every storm checks once the traffic has been delivered, from the
    /// device's counters (`counter`) and the host that sent it: the dispositions sum to
    /// `TLPS_RECEIVED`, which equals the `delivered` packets (that came `through` the
    /// host's path to the device); every request in `expected` (by `answerKey`) got
    /// exactly one final completion; one interrupt per `MSI_SENT`; nothing malformed or
    /// unexpected reached the host.
    public static func hostInvariants(_ host: RootComplex, counter: (EndpointCounter) -> UInt64, delivered: UInt64,
                                      through: String, expected: [UInt32: Int]) -> [String] {
        var violations: [String] = []
        let dispositions = EndpointCounter.allCases.filter(\.isDisposition).map(counter).reduce(0, +)
        let received = counter(.tlpsReceived)
        if dispositions != received {
            violations.append("dispositions sum to \(dispositions), but \(received) TLPs were received")
        }
        if delivered != received { violations.append("\(delivered) TLPs \(through), the device counted \(received)") }
        if host.foreignCompletions != expected {
            let got = host.foreignCompletions.values.reduce(0, +), want = expected.values.reduce(0, +)
            violations.append("non-posted storm requests: \(want) need an answer, \(got) answers came (by requester and tag they differ)")
        }
        if UInt64(host.interrupts.count) != counter(.msiSent) {
            violations.append("\(counter(.msiSent)) MSIs sent, \(host.interrupts.count) interrupts at the host")
        }
        if host.malformedFromDevice != 0 { violations.append("\(host.malformedFromDevice) malformed packets from the device") }
        if host.unexpectedCompletions != 0 { violations.append("\(host.unexpectedCompletions) unexpected completions at the host") }
        return violations
    }

    /// (requester, tag) of a packet the specification says must be answered by a
    /// completion: a non-posted request that decodes, or one of a kind the device does
    /// not implement (answered UR); nil for everything else.
    public static func answerKey(_ p: WirePacket) -> UInt32? {
        do {
            switch try TLPCodec.decode(dwords: p.dwords) {
            case .configRead(let h), .configWrite(let h, _): return UInt32(h.requester.rawValue) << 8 | UInt32(h.tag)
            case .memoryRead(let h): return UInt32(h.requester.rawValue) << 8 | UInt32(h.tag)
            default: return nil
            }
        } catch {
            return p.unimplementedRequest(error).map { UInt32($0.requester.rawValue) << 8 | UInt32($0.tag) }
        }
    }
}

/// A storm in batches: `HostileTraffic` packets, `batch` at a time up to `total`, with
/// the answers the specification asks for (`Storm.answerKey`) counted as they go out.
public struct StormBatches {
    public var traffic: HostileTraffic
    public let total: Int
    public let batch: Int
    public private(set) var sent = 0
    /// Final completions due, by (requester, tag).
    public private(set) var expected: [UInt32: Int] = [:]
    public private(set) var batches = 0

    public init(_ traffic: HostileTraffic, total: Int, batch: Int) {
        self.traffic = traffic; self.total = total; self.batch = batch
    }

    public var done: Bool { sent >= total }

    /// The next batch (empty once `total` packets went out).
    public mutating func next() -> [WirePacket] {
        let packets = (0..<min(batch, total - sent)).map { _ in traffic.next() }
        for p in packets { if let key = Storm.answerKey(p) { expected[key, default: 0] += 1 } }
        sent += packets.count
        if !packets.isEmpty { batches += 1 }
        return packets
    }
}
