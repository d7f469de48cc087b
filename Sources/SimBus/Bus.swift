/// Bus-level vocabulary shared by the CPU models, the devices and the
/// co-simulation bridge. Wishbone is big-endian here: the byte at an address
/// with A[1:0] = 0 travels on DAT[31:24] with SEL = 0b1000.

/// The size of a single data access.
public enum AccessSize: Int, Sendable, CaseIterable {
    case byte = 1, half = 2, word = 4

    /// Wishbone byte-lane select (SEL[3:0]) for an access of this size at `address`.
    @inline(__always)
    public func select(at address: UInt32) -> UInt8 {
        switch self {
        case .byte: return 0b1000 >> UInt8(address & 3)
        case .half: return (address & 2) == 0 ? 0b1100 : 0b0011
        case .word: return 0b1111
        }
    }

    /// The bit position of the access inside the 32-bit bus word.
    @inline(__always)
    public func laneShift(at address: UInt32) -> UInt32 {
        switch self {
        case .byte: return (3 - (address & 3)) * 8
        case .half: return (address & 2) == 0 ? 16 : 0
        case .word: return 0
        }
    }

    @inline(__always)
    public var mask: UInt32 {
        switch self {
        case .byte: return 0xFF
        case .half: return 0xFFFF
        case .word: return 0xFFFF_FFFF
        }
    }

    /// The value as it appears on DAT_O for a store: the byte is copied into
    /// all four lanes, the halfword into both halves (LM32 behaviour).
    @inline(__always)
    public func replicate(_ value: UInt32) -> UInt32 {
        switch self {
        case .byte: let b = value & 0xFF; return b | b << 8 | b << 16 | b << 24
        case .half: let h = value & 0xFFFF; return h | h << 16
        case .word: return value
        }
    }
}

/// The result of one bus access.
public enum BusResult: Equatable, Sendable {
    case ok(UInt32)
    /// The slave answered with ERR (or nothing decodes the address).
    case error
}

/// A flat big-endian memory with word storage. A reference type whose words
/// live behind a pointer: simulators read it on every fetch, and a pointer
/// access costs no exclusivity check or copy-on-write test.
public final class WordMemory: @unchecked Sendable {
    private let storage: UnsafeMutablePointer<UInt32>
    private let wordMask: UInt32
    public let base: UInt32
    public let byteCount: Int

    /// `byteCount` must be a power of two (offsets wrap modulo the size).
    public init(base: UInt32, byteCount: Int) {
        precondition(byteCount >= 4 && byteCount & (byteCount - 1) == 0, "memory size must be a power of two")
        self.base = base
        self.byteCount = byteCount
        wordMask = UInt32(byteCount / 4 - 1)
        storage = .allocate(capacity: byteCount / 4)
        storage.initialize(repeating: 0, count: byteCount / 4)
    }

    deinit { storage.deallocate() }

    @inline(__always) public func contains(_ address: UInt32) -> Bool {
        address &- base < UInt32(byteCount)
    }

    @inline(__always) func index(_ address: UInt32) -> Int { Int(((address &- base) >> 2) & wordMask) }

    /// Read the aligned word holding `address` (offset wraps modulo the size).
    @inline(__always) public func word(at address: UInt32) -> UInt32 { storage[index(address)] }

    /// Write the byte lanes selected by `sel` of the word holding `address`.
    @inline(__always) public func write(at address: UInt32, data: UInt32, sel: UInt8) {
        let i = index(address)
        if sel == 0b1111 { storage[i] = data; return }
        var m: UInt32 = 0
        if sel & 8 != 0 { m |= 0xFF00_0000 }
        if sel & 4 != 0 { m |= 0x00FF_0000 }
        if sel & 2 != 0 { m |= 0x0000_FF00 }
        if sel & 1 != 0 { m |= 0x0000_00FF }
        storage[i] = (storage[i] & ~m) | (data & m)
    }

    /// Load bytes at a byte address (big-endian), e.g. a program image.
    public func load(_ bytes: [UInt8], at address: UInt32) {
        for (k, byte) in bytes.enumerated() {
            let a = address &+ UInt32(k)
            let shift = (3 - (a & 3)) * 8
            write(at: a, data: UInt32(byte) << shift, sel: UInt8(1 << (3 - (a & 3))))
        }
    }

    /// Read one byte.
    public func byte(at address: UInt32) -> UInt8 {
        UInt8(truncatingIfNeeded: word(at: address) >> ((3 - (address & 3)) * 8))
    }

    /// All words, in address order.
    public var words: [UInt32] { Array(UnsafeBufferPointer(start: storage, count: byteCount / 4)) }
}
