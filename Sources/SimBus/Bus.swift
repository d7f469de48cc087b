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

/// A flat big-endian memory with word storage.
public struct WordMemory: Sendable {
    public private(set) var words: [UInt32]
    public let base: UInt32
    public var byteCount: Int { words.count * 4 }

    public init(base: UInt32, byteCount: Int) {
        precondition(byteCount % 4 == 0 && byteCount > 0)
        self.base = base
        self.words = Array(repeating: 0, count: byteCount / 4)
    }

    @inline(__always) public func contains(_ address: UInt32) -> Bool {
        address &- base < UInt32(byteCount)
    }

    /// Read the aligned word holding `address` (offset wraps modulo the size).
    @inline(__always) public func word(at address: UInt32) -> UInt32 {
        words[Int(((address &- base) >> 2) % UInt32(words.count))]
    }

    /// Write the byte lanes selected by `sel` of the word holding `address`.
    @inline(__always) public mutating func write(at address: UInt32, data: UInt32, sel: UInt8) {
        let i = Int(((address &- base) >> 2) % UInt32(words.count))
        if sel == 0b1111 { words[i] = data; return }
        var m: UInt32 = 0
        if sel & 8 != 0 { m |= 0xFF00_0000 }
        if sel & 4 != 0 { m |= 0x00FF_0000 }
        if sel & 2 != 0 { m |= 0x0000_FF00 }
        if sel & 1 != 0 { m |= 0x0000_00FF }
        words[i] = (words[i] & ~m) | (data & m)
    }

    /// Load bytes at a byte address (big-endian), e.g. a program image.
    public mutating func load(_ bytes: [UInt8], at address: UInt32) {
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
}
