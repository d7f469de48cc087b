import LM32

/// The result of assembling one source file: sections with bytes, symbols,
/// and fixups the linker resolves once addresses are known.
public struct ObjectFile: Sendable {
    /// The source file name as given to the assembler.
    public var fileName: String
    public var sections: [ObjectSection]
    public var symbols: [ObjectSymbol]
    var fixups: [Fixup]
    /// Non-fatal diagnostics (GNU as warnings).
    public var warnings: [AssemblerError]
    /// Symbols declared `.weak` but not defined here: 0 if no object defines them.
    public var weakReferences: Set<String> = []

    /// The symbol named `name`, if this object defines it.
    public func symbol(named name: String) -> ObjectSymbol? { symbols.first { $0.name == name } }
    /// The section named `name`, if any.
    public func section(named name: String) -> ObjectSection? { sections.first { $0.name == name } }
    /// Number of references the linker still has to resolve.
    public var unresolvedFixupCount: Int { fixups.count }
}

public enum SectionKind: Sendable, Equatable {
    case text, readOnlyData, data, bss, nonAllocated
}

public struct ObjectSection: Sendable {
    public var name: String
    public var kind: SectionKind
    /// Contents (zeros for `.bss`; use `size`).
    public var bytes: [UInt8]
    public var size: Int { bytes.count }
    /// Alignment in bytes (a power of two), from `.align` and friends.
    public var alignment: UInt32
}

public struct ObjectSymbol: Sendable {
    public enum Definition: Sendable, Equatable {
        /// A label: an offset in one of this object's sections.
        case label(section: Int, offset: Int64)
        case absolute(Int64)
        /// A `.set`/`.equ` whose value depends on symbols of other objects.
        case expression(Expr)
    }
    public var name: String
    public var definition: Definition
    public var isGlobal: Bool
    public var location: SourceLocation
    /// `.weak`: another object's global definition takes precedence.
    public var isWeak = false
}

/// What the linker has to write at a fixup.
enum FixupKind: Sendable {
    /// A big-endian data value of 1, 2, 4 or 8 bytes (truncated, as GNU as warns but accepts).
    case data(width: Int)
    /// An instruction whose operand `slot` takes the expression's value.
    case instruction(InstructionSpec, Operands, ImmediateSlot)
}

struct Fixup: Sendable {
    var section: Int
    var offset: Int
    var kind: FixupKind
    var expr: Expr
    var location: SourceLocation
}

/// How an instruction's expression operand is parsed and encoded (CGEN operand kinds).
enum ImmediateSlot: Sendable, Equatable {
    /// `imm`: signed 16 bits (addi, muli, cmp*i, shifts, loads/stores).
    case signed
    /// `uimm`: 0…65535 (andi, xori, nori, xnori, cmpgui, cmpgeui).
    case unsigned
    /// `hi16`/`lo16` slot with `hi(x)` / `lo(x)`.
    case hi, lo
    /// `hi16`/`lo16` slot with a plain number (top 16 bits all 0 or all 1).
    case loHiPlain
    /// `gp16`: `gp(x)` = x − _gp.
    case gp
    /// 16-bit branch / 26-bit call offset to an absolute target.
    case branch
    /// The 11-bit `user` opcode field.
    case user
}


/// Encode an instruction whose expression operand evaluated to `value`.
/// `pc` is the instruction's address; `gp` is `_gp` (needed for `.gp` slots of symbolic values).
func encodeInstruction(_ spec: InstructionSpec, _ operands: Operands, slot: ImmediateSlot, value: Int64,
                       pc: UInt32, gpValue: Int64?, at loc: SourceLocation) throws(AssemblerError) -> UInt32 {
    var o = operands
    switch slot {
    case .signed:
        // A 32-bit number with bit 31 set is a negative 32-bit value, as GNU as
        // built with 32-bit `long` sees it (upstream test_sr.S: mvi r1, 0xfffffff0).
        o.imm = value >> 32 == 0 ? Int64(Int32(truncatingIfNeeded: value)) : value
    case .unsigned, .user:
        o.imm = value
    case .hi:
        o.imm = (value >> 16) & 0xFFFF
    case .lo:
        o.imm = value & 0xFFFF
    case .loHiPlain:
        let top = value & 0xFFFF_0000
        guard top == 0 || top == 0xFFFF_0000 else {
            throw AssemblerError(loc, "immediate value \(value) out of range: the upper 16 bits must be all 0 or all 1 (use hi()/lo())")
        }
        o.imm = value & 0xFFFF
    case .gp:
        if let gp = gpValue {
            let v = value &- gp
            guard v >= -32768 && v <= 32767 else {
                throw AssemblerError(loc, "gp-relative offset \(v) out of range -32768..32767")
            }
            o.imm = v
        } else {
            // A constant operand of gp(): GNU as uses its low 16 bits as they are.
            o.imm = value & 0xFFFF
        }
    case .branch:
        guard value >= Int64(Int32.min) && value <= Int64(UInt32.max) else {
            throw AssemblerError(loc, "branch target \(value) is not a 32-bit address")
        }
        o.target = UInt32(truncatingIfNeeded: value)
    }
    do {
        return try spec.encode(o, pc: pc)
    } catch {
        switch error {
        case .immediateOutOfRange(let v, let r):
            throw AssemblerError(loc, "immediate value \(v) out of range \(r.lowerBound)..\(r.upperBound) for '\(spec.mnemonic)'")
        default:
            throw AssemblerError(loc, "\(error.description) for '\(spec.mnemonic)'")
        }
    }
}
