import PCIe
import SimKernel

/// Random valid TLPs of every kind from a seeded SplitMix64, for property tests.
struct TLPGenerator {
    var rng: SplitMix64

    init(seed: UInt64) { rng = SplitMix64(seed: seed) }

    mutating func int(_ range: ClosedRange<Int>) -> Int { Int.random(in: range, using: &rng) }
    mutating func bool() -> Bool { rng.next() & 1 == 1 }
    mutating func byte() -> UInt8 { UInt8(truncatingIfNeeded: rng.next()) }
    mutating func id() -> PCIeID { PCIeID(rawValue: UInt16(truncatingIfNeeded: rng.next())) }
    mutating func bytes(_ n: Int) -> [UInt8] { (0..<n).map { _ in byte() } }

    mutating func flags(config: Bool = false) -> TLPFlags {
        TLPFlags(trafficClass: config ? 0 : UInt8(int(0...7)),
                 relaxedOrdering: config ? false : bool(), noSnoop: config ? false : bool(),
                 poisoned: bool(), digest: bool() ? UInt32(truncatingIfNeeded: rng.next()) : nil)
    }

    /// A page-contained access: dword address, Length and legal byte enables.
    mutating func access(maxDwords: Int = 1024) -> (address: UInt64, length: Int, first: UInt8, last: UInt8) {
        let page: UInt64 = bool() ? UInt64(int(0...0xF_FFFF)) << 12 : (UInt64(int(1...0xFFFF)) << 32 | UInt64(int(0...0xF_FFFF)) << 12)
        switch int(0...3) {
        case 0:   // 1 DW, any byte enables (including the zero-length access)
            return (page | UInt64(int(0...1023)) * 4, 1, UInt8(int(0...15)), 0)
        case 1:   // QW-aligned 2 DW, any non-zero byte enables
            return (page | UInt64(int(0...511)) * 8, 2, UInt8(int(1...15)), UInt8(int(1...15)))
        default:  // contiguous bytes within the page
            let offset = int(0...4095)
            let count = int(1...min(4096 - offset, maxDwords * 4 - 3))
            let c = ByteEnables.cover(address: page | UInt64(offset), count: count)
            return (c.dwordAddress, c.length, c.firstBE, c.lastBE)
        }
    }

    mutating func tlp() -> TLP {
        switch int(0...7) {
        case 0:
            let a = access()
            return .memoryRead(MemoryReadHeader(requester: id(), tag: byte(), address: a.address, length: a.length,
                                                firstBE: a.first, lastBE: a.last, flags: flags()))
        case 1:
            let a = access(maxDwords: 64)
            return .memoryWrite(MemoryWriteHeader(requester: id(), tag: byte(), address: a.address,
                                                  firstBE: a.first, lastBE: a.last, flags: flags()),
                                payload: bytes(a.length * 4))
        case 2:
            let status = CompletionStatus.allCases[int(0...3)]
            return .completion(CompletionHeader(completer: id(), status: status, byteCountModified: bool(),
                                                byteCount: int(1...4096), requester: id(), tag: byte(),
                                                lowerAddress: UInt8(int(0...127)), flags: flags()))
        case 3:
            let byteCount = int(1...4096), la = UInt8(int(0...127))
            let maxDW = min((Int(la & 3) + byteCount + 3) / 4, 64)
            return .completionWithData(CompletionHeader(completer: id(), byteCountModified: bool(),
                                                        byteCount: byteCount, requester: id(), tag: byte(),
                                                        lowerAddress: la, flags: flags()),
                                       payload: bytes(int(1...maxDW) * 4))
        case 4:
            return .configRead(config())
        case 5:
            return .configWrite(config(), payload: bytes(4))
        case 6:
            return TLP.msi(requester: id(), address: bool() ? 0xFEE0_0000 | UInt64(int(0...0x3FFF)) * 4
                                                            : 0x1_0000_0000 | UInt64(int(0...0xFFFF)) * 4,
                           data: UInt16(truncatingIfNeeded: rng.next()), flags: flags())
        default:
            let routing: VendorMessageRouting = [.toRootComplex, .byID(id()), .broadcast, .local][int(0...3)]
            return .vendorMessage(VendorMessageHeader(requester: id(), tag: byte(), routing: routing, type1: bool(),
                                                      vendorID: UInt16(truncatingIfNeeded: rng.next()),
                                                      vendorData: UInt32(truncatingIfNeeded: rng.next()),
                                                      flags: flags()),
                                  payload: bool() ? [] : bytes(int(1...16) * 4))
        }
    }

    mutating func config() -> ConfigRequestHeader {
        ConfigRequestHeader(requester: id(), tag: byte(), firstBE: UInt8(int(0...15)), target: id(),
                            register: UInt16(int(0...1023)), flags: flags(config: true))
    }
}
