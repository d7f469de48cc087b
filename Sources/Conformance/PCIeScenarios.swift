// Random host-traffic scenarios for the endpoint lock-step (EndpointLockStep): a
// seeded mix of the hostile storm's TLPs, BAR0 reads and writes (doorbells
// included), configuration changes (MPS, RCB, MSI, memory space, bus mastering),
// firmware CSR accesses, MSI requests and DMA transfers of random size and
// alignment, with random gaps on the rx stream, stalls on tx and Wishbone wait
// states; at the end every CSR dword is read through dat_r.

import PCIe
import SimKernel
import Verilated

/// What one scenario did, and where model and RTL first differed (nil: nowhere).
public struct EndpointScenarioResult: Sendable {
    public var seed: UInt64
    public var edges: Int
    public var comparisons: Int
    public var packetsToDevice: Int
    public var packetsFromDevice: Int
    /// The model's counters at the end (`EndpointCounter` order): what the traffic exercised.
    public var counters: [UInt64]
    public var divergence: EndpointDivergence?
}

public enum EndpointScenarios {
    /// Runs scenario `seed` with `actions` random actions. A divergence is returned in
    /// the result; other failures (a host request never answered) are thrown.
    public static func run(seed: UInt64, actions: Int = 40, library: RTLPortedLibrary? = nil,
                           trace: ((EndpointLockStep) -> Void)? = nil) throws -> EndpointScenarioResult {
        var rng = SplitMix64(seed: seed ^ 0x5CE7_A210)
        func below(_ n: Int) -> Int { Int(rng.next() % UInt64(n)) }
        func chance(_ p: Int) -> Bool { below(100) < p }

        var host = HostConfiguration()
        host.unsupportedRanges = [urRange]
        host.abortRanges = [caRange]
        host.readLatency = .ns(UInt64([0, 100, 600, 2000][below(4)]))
        host.readCompletionBoundary = chance(50) ? 64 : 128
        host.rcbSizedCompletions = chance(50)
        host.maxPayload = [128, 256, 512][below(3)]
        let ls = try EndpointLockStep(seed: seed, host: host, library: library)
        ls.trace = trace
        ls.rxGapPercent = [0, 10, 30][below(3)]
        ls.txStallPercent = [0, 10, 50][below(3)]
        ls.wishboneMaxWait = below(5)
        ls.wishboneErrorPercent = chance(10) ? 5 : 0
        var sent = 0
        func result(_ d: EndpointDivergence?) -> EndpointScenarioResult {
            EndpointScenarioResult(seed: seed, edges: ls.edgeCount, comparisons: ls.comparisons, packetsToDevice: sent,
                                   packetsFromDevice: ls.received.count, counters: ls.model.endpoint.counters, divergence: d)
        }
        do {
            try setUp(ls, host: host, below: below, chance: chance)
            var storm = HostileTraffic(seed: seed, device: host.deviceID, bar0Base: host.bar0Base, rootID: host.rootID)
            for _ in 0..<actions {
                switch below(100) {
                case 0..<30:
                    ls.hostSend(storm.next())
                    sent += 1
                case 30..<45:
                    ls.hostSend(bar0Read(host, offset: below(0x110), bytes: 1 + below(chance(20) ? 512 : 16), tag: UInt8(below(256))))
                    sent += 1
                case 45..<60:
                    let offset = chance(30) ? 0x20 : below(0x100)
                    ls.hostSend(bar0Write(host, offset: offset, bytes: 1 + below(16), below: below))
                    sent += 1
                case 60..<75:
                    ls.firmware((0..<(1 + below(4))).map { _ in firmwareAccess(below: below, chance: chance) })
                case 75..<85:
                    let accesses = dmaStart(below: below, chance: chance)
                    let address = UInt64(accesses[2].value!) << 32 | UInt64(accesses[1].value!)
                    ls.writeHostMemory(address, (0..<Int(min(accesses[3].value!, 8192))).map { _ in UInt8(below(256)) })
                    ls.firmware(accesses)
                case 85..<90:
                    ls.firmware([FirmwareAccess(dword: reg("MSI_CONTROL"), value: 1)])
                default:
                    ls.hostSend(configChange(host, below: below, chance: chance))
                    sent += 1
                }
                try ls.run(edges: below(80))
            }
            try ls.drain()
            ls.firmware((0..<(EndpointRegisters.csrSize / 4)).map { FirmwareAccess(dword: $0, value: nil) })
            try ls.drain()
        } catch let d as EndpointDivergence {
            return result(d)
        }
        return result(nil)
    }

    /// Host memory the root complex answers UR or CA for.
    static let urRange: Range<UInt64> = 0xDEAD_0000 ..< 0xDEAE_0000
    static let caRange: Range<UInt64> = 0xBEEF_0000 ..< 0xBEF0_0000

    static func reg(_ name: String) -> Int {
        guard let r = EndpointRegisters.csrMap.register(name) else { preconditionFailure("no CSR \(name)") }
        return r.offset / 4
    }

    /// Configuration as the host leaves it: BAR0, MSI (sometimes a 64-bit address,
    /// sometimes disabled), MPS and MRRS (reserved encodings too), the RCB, memory space
    /// and (mostly) bus mastering.
    static func setUp(_ ls: EndpointLockStep, host: HostConfiguration, below: (Int) -> Int, chance: (Int) -> Bool) throws {
        let msi = 0x48 / 4, pcie = 0x58 / 4
        try ls.configWrite(4, host.bar0Base, firstBE: 0xF)
        try ls.configWrite(msi + 1, UInt32(truncatingIfNeeded: host.msiAddress) | UInt32(below(4)) << 2, firstBE: 0xF)
        try ls.configWrite(msi + 2, chance(20) ? UInt32(1 + below(16)) : 0, firstBE: 0xF)
        try ls.configWrite(msi + 3, UInt32(host.msiData), firstBE: 0b0011)
        try ls.configWrite(msi, chance(85) ? 1 << 16 : 0, firstBE: 0b1100)
        let mps = UInt32(chance(90) ? below(4) : 6 + below(2)), mrrs = UInt32(below(6))
        try ls.configWrite(pcie + 2, mps << 5 | mrrs << 12, firstBE: 0b0011)
        try ls.configWrite(pcie + 4, chance(50) ? 0x8 : 0, firstBE: 0b0011)
        try ls.configWrite(1, chance(90) ? 0x6 : 0x2, firstBE: 0b0011)
    }

    /// An MRd of BAR0 by the root, `bytes` from `offset` (within the 4 KiB page).
    static func bar0Read(_ host: HostConfiguration, offset: Int, bytes: Int, tag: UInt8) -> WirePacket {
        let n = min(bytes, 4096 - offset)
        let c = ByteEnables.cover(address: UInt64(host.bar0Base) + UInt64(offset), count: n)
        let h = MemoryReadHeader(requester: host.rootID, tag: tag, address: c.dwordAddress, length: c.length,
                                 firstBE: c.firstBE, lastBE: c.lastBE)
        return packet(.memoryRead(h))
    }

    /// A posted MWr of random bytes into BAR0.
    static func bar0Write(_ host: HostConfiguration, offset: Int, bytes: Int, below: (Int) -> Int) -> WirePacket {
        let n = min(bytes, 4096 - offset)
        let c = ByteEnables.cover(address: UInt64(host.bar0Base) + UInt64(offset), count: n)
        let h = MemoryWriteHeader(requester: host.rootID, tag: 0, address: c.dwordAddress, firstBE: c.firstBE, lastBE: c.lastBE)
        return packet(.memoryWrite(h, payload: (0..<(4 * c.length)).map { _ in UInt8(below(256)) }))
    }

    /// A CfgWr0 the root sends without waiting: MPS, RCB, MSI enable, memory space or bus
    /// mastering changed under the running device.
    static func configChange(_ host: HostConfiguration, below: (Int) -> Int, chance: (Int) -> Bool) -> WirePacket {
        let (register, value, be): (Int, UInt32, UInt8)
        switch below(4) {
        case 0: (register, value, be) = (0x58 / 4 + 2, UInt32(below(8)) << 5 | UInt32(below(6)) << 12, 0b0011)
        case 1: (register, value, be) = (0x58 / 4 + 4, chance(50) ? 0x8 : 0, 0b0011)
        case 2: (register, value, be) = (0x48 / 4, chance(70) ? 1 << 16 : 0, 0b1100)
        default: (register, value, be) = (1, chance(80) ? 0x6 : UInt32(below(8)), 0b0011)
        }
        let h = ConfigRequestHeader(requester: host.rootID, tag: UInt8(below(256)), firstBE: be, target: host.deviceID,
                                    register: UInt16(register))
        return packet(.configWrite(h, payload: [0, 1, 2, 3].map { UInt8(truncatingIfNeeded: value >> (8 * $0)) }))
    }

    /// A firmware read or write of a random CSR dword (the decoded 0x200 bytes, and now
    /// and then beyond them, where they repeat).
    static func firmwareAccess(below: (Int) -> Int, chance: (Int) -> Bool) -> FirmwareAccess {
        let names = ["IRQ_PENDING", "IRQ_ENABLE", "SCRATCH", "STATUS", "VERDICT_TRUSTED", "VERDICT_LATE", "DOORBELL",
                     "ANSWER0", "TLPS_RECEIVED", "DMA_STATUS"]
        let dword = chance(70) ? reg(names[below(names.count)]) : below(chance(90) ? 128 : 1024)
        if chance(30) { return FirmwareAccess(dword: dword, value: nil) }
        let value = chance(50) ? UInt32(below(16)) : UInt32(truncatingIfNeeded: below(Int(UInt32.max)))
        return FirmwareAccess(dword: dword, value: value)
    }

    /// The firmware programs and starts a DMA transfer: local addresses in BRAM or
    /// SDRAM (sometimes outside both), host addresses below and above 4 GiB (sometimes in
    /// the last 4 KiB of the space, in the host's UR and CA ranges), lengths of 0 to a few
    /// KiB, both directions.
    static func dmaStart(below: (Int) -> Int, chance: (Int) -> Bool) -> [FirmwareAccess] {
        let local: UInt32
        switch below(10) {
        case 0: local = UInt32(truncatingIfNeeded: below(Int(UInt32.max)))
        case 1..<5: local = UInt32(below(0x1_0000))
        default: local = 0x4000_0000 | UInt32(below(0x100_0000)) | (chance(30) ? 0x8000_0000 : 0)
        }
        var host = UInt64(below(Int(UInt32.max)))
        if chance(20) { host |= UInt64(1 + below(0xFFFF)) << 32 }
        if chance(3) { host = UInt64.max - UInt64(below(0x3000)) }
        if chance(5) { host = urRange.lowerBound + UInt64(below(0x1000)) }
        if chance(5) { host = caRange.lowerBound + UInt64(below(0x1000)) }
        let length = chance(5) ? 0 : chance(70) ? 1 + below(600) : 1 + below(5000)
        let control: UInt32 = chance(40) ? 3 : 1
        return [
            FirmwareAccess(dword: reg("DMA_LOCAL"), value: local),
            FirmwareAccess(dword: reg("DMA_HOST_LO"), value: UInt32(truncatingIfNeeded: host)),
            FirmwareAccess(dword: reg("DMA_HOST_HI"), value: UInt32(host >> 32)),
            FirmwareAccess(dword: reg("DMA_LENGTH"), value: UInt32(length)),
            FirmwareAccess(dword: reg("DMA_CONTROL"), value: control),
        ]
    }

    static func packet(_ tlp: TLP) -> WirePacket {
        guard let p = try? WirePacket(tlp) else { preconditionFailure("a scenario built an invalid \(tlp.mnemonic)") }
        return p
    }
}
