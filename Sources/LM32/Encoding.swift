/// Encoding and decoding of operands, derived from `InstructionSpec.syntax`.

/// The operands of one instruction, by field. For branches and jumps,
/// `target` is the absolute byte address and `pc` the instruction's own.
public struct Operands: Equatable, Sendable {
    public var a = 0
    public var b = 0
    public var c = 0
    /// Immediate as written (signed value for `.signed`, 0…65535 otherwise;
    /// for `.high` the 16-bit value that goes in the field).
    public var imm: Int64 = 0
    /// Branch / jump target (absolute byte address).
    public var target: UInt32 = 0
    public var csr = 0
    public init(a: Int = 0, b: Int = 0, c: Int = 0, imm: Int64 = 0, target: UInt32 = 0, csr: Int = 0) {
        self.a = a; self.b = b; self.c = c; self.imm = imm; self.target = target; self.csr = csr
    }
}

/// Why an instruction cannot be encoded; the assembler adds file:line:column.
public enum EncodingError: Error, Equatable, CustomStringConvertible {
    case immediateOutOfRange(value: Int64, range: ClosedRange<Int64>)
    case branchOutOfRange(offset: Int64)
    case misalignedTarget(UInt32)
    case csrOutOfRange(Int)
    case registerOutOfRange(Int)

    public var description: String {
        switch self {
        case let .immediateOutOfRange(v, r): return "immediate value \(v) out of range \(r.lowerBound)..\(r.upperBound)"
        case let .branchOutOfRange(o): return "branch target out of range (offset \(o) bytes)"
        case let .misalignedTarget(t): return "branch target 0x\(String(t, radix: 16)) is not word aligned"
        case let .csrOutOfRange(n): return "CSR number \(n) out of range 0..31"
        case let .registerOutOfRange(n): return "register number \(n) out of range 0..31"
        }
    }
}

extension Imm {
    /// The values GNU as accepts in a 16-bit immediate slot of this kind.
    /// `.unsigned` accepts 0…65535. `.high` and the `lo16` slot of `ori`/`mvu`
    /// accept a number whose upper 16 bits are all zeros or all ones.
    public var accepted: ClosedRange<Int64> {
        switch self {
        case .signed: return -32768...32767
        case .unsigned: return 0...65535
        case .high: return -65536...65535
        }
    }
}

extension InstructionSpec {
    /// Whether the immediate slot uses GNU as's `lo16`/`hi16` parser
    /// (accepting `lo()`/`hi()` and numbers with an all-zero or all-one top half).
    public var acceptsLoHi: Bool {
        switch op {
        case .ori, .orhi, .andhi: return true
        default: return false
        }
    }

    /// Encode an instruction word. `pc` is needed for branches and jumps.
    public func encode(_ o: Operands, pc: UInt32 = 0) throws(EncodingError) -> UInt32 {
        func reg(_ r: Int) throws(EncodingError) -> UInt32 {
            guard (0..<32).contains(r) else { throw .registerOutOfRange(r) }
            return UInt32(r)
        }
        func imm16(_ kind: Imm) throws(EncodingError) -> UInt32 {
            var range = kind.accepted
            if kind == .unsigned && acceptsLoHi { range = -65536...65535 }
            guard range.contains(o.imm) else { throw .immediateOutOfRange(value: o.imm, range: range) }
            if range.lowerBound == -65536 {
                // the top half must be all zeros or all ones
                let x = UInt32(truncatingIfNeeded: o.imm) & 0xFFFF_0000
                guard x == 0 || x == 0xFFFF_0000 else { throw .immediateOutOfRange(value: o.imm, range: range) }
            }
            return UInt32(truncatingIfNeeded: o.imm) & 0xFFFF
        }
        func offset(bits: Int) throws(EncodingError) -> UInt32 {
            guard o.target & 3 == 0 else { throw .misalignedTarget(o.target) }
            let delta = Int64(Int32(bitPattern: o.target &- pc))
            let words = delta >> 2
            let lim = Int64(1) << (bits - 1)
            guard words >= -lim && words < lim else { throw .branchOutOfRange(offset: delta) }
            return UInt32(truncatingIfNeeded: words) & ((1 << UInt32(bits)) - 1)
        }
        switch syntax {
        case .rrr: return try match | reg(o.a) << 21 | reg(o.b) << 16 | reg(o.c) << 11
        case .rr, .aliasRR: return try match | reg(o.a) << 21 | reg(o.c) << 11
        case .rri(let k): return try match | reg(o.a) << 21 | reg(o.b) << 16 | imm16(k)
        case .aliasRI(let k): return try match | reg(o.b) << 16 | imm16(k)
        case .load, .store: return try match | reg(o.a) << 21 | reg(o.b) << 16 | imm16(.signed)
        case .branch: return try match | reg(o.a) << 21 | reg(o.b) << 16 | offset(bits: 16)
        case .jump: return try match | offset(bits: 26)
        case .reg: return try match | reg(o.a) << 21
        case .rcsr:
            guard (0..<32).contains(o.csr) else { throw .csrOutOfRange(o.csr) }
            return try match | UInt32(o.csr) << 21 | reg(o.c) << 11
        case .wcsr:
            guard (0..<32).contains(o.csr) else { throw .csrOutOfRange(o.csr) }
            return try match | UInt32(o.csr) << 21 | reg(o.b) << 16
        case .user:
            guard (0...0x7FF).contains(o.imm) else { throw .immediateOutOfRange(value: o.imm, range: 0...0x7FF) }
            return try match | reg(o.a) << 21 | reg(o.b) << 16 | reg(o.c) << 11 | UInt32(o.imm)
        case .none: return match
        }
    }

    /// The operands of a word this entry matches.
    public func operands(of word: UInt32, pc: UInt32 = 0) -> Operands {
        let f = Fields(word)
        var o = Operands(a: f.a, b: f.b, c: f.c)
        switch syntax {
        case .rri(let k), .aliasRI(let k):
            o.imm = k == .signed ? Int64(Int16(truncatingIfNeeded: word)) : Int64(f.imm16)
        case .load, .store: o.imm = Int64(Int16(truncatingIfNeeded: word))
        case .branch: o.target = pc &+ (f.simm16 << 2)
        case .jump: o.target = pc &+ (f.simm26 << 2)
        case .rcsr, .wcsr: o.csr = f.a
        case .user: o.imm = Int64(f.user)
        case .rrr, .rr, .aliasRR, .reg, .none: break
        }
        return o
    }
}
