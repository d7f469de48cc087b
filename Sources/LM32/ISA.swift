/// The LM32 instruction table: the single source of truth for encodings.
///
/// The decoder, the encoder (used by the assembler), the disassembler and the
/// trace all derive from `InstructionSpec.table`. A test proves that no two
/// base entries overlap and that every alias is a strict specialisation of a
/// base entry.

/// Every LM32 operation the RTL implements (plus the `user` opcode, which no
/// configuration here enables). Semantics live in an exhaustive switch over
/// this enum in `Core.swift`.
public enum Op: UInt8, CaseIterable, Sendable {
    case srui = 0x00, nori = 0x01, muli = 0x02, sh = 0x03, lb = 0x04, sri = 0x05, xori = 0x06, lh = 0x07
    case andi = 0x08, xnori = 0x09, lw = 0x0A, lhu = 0x0B, sb = 0x0C, addi = 0x0D, ori = 0x0E, sli = 0x0F
    case lbu = 0x10, be = 0x11, bg = 0x12, bge = 0x13, bgeu = 0x14, bgu = 0x15, sw = 0x16, bne = 0x17
    case andhi = 0x18, cmpei = 0x19, cmpgi = 0x1A, cmpgei = 0x1B, cmpgeui = 0x1C, cmpgui = 0x1D, orhi = 0x1E, cmpnei = 0x1F
    case sru = 0x20, nor = 0x21, mul = 0x22, divu = 0x23, rcsr = 0x24, sr = 0x25, xor = 0x26
    case and = 0x28, xnor = 0x29, raise = 0x2B, sextb = 0x2C, add = 0x2D, or = 0x2E, sl = 0x2F
    case b = 0x30, modu = 0x31, sub = 0x32, user = 0x33, wcsr = 0x34, call = 0x36, sexth = 0x37
    case bi = 0x38, cmpe = 0x39, cmpg = 0x3A, cmpge = 0x3B, cmpgeu = 0x3C, cmpgu = 0x3D, calli = 0x3E, cmpne = 0x3F
    /// Opcodes 0x27, 0x2A and 0x35 are not defined; the RTL's decoder lets them
    /// fall through to the adder, so they behave like `add rC, rA, rB`.
    case undefined = 0xFF

    /// The operation for a 6-bit primary opcode, as the RTL decodes it.
    @inline(__always)
    public static func decode(_ word: UInt32) -> Op {
        opcodeMap[Int(word >> 26)]
    }

    static let opcodeMap: [Op] = (0..<64).map { Op(rawValue: UInt8($0)) ?? .undefined }
}

/// How an instruction's operands are written and where they go in the word.
public enum Syntax: Sendable, Equatable {
    /// `op rC, rA, rB`
    case rrr
    /// `op rB, rA, imm` with the given immediate interpretation.
    case rri(Imm)
    /// `op rC, rA` (sextb, sexth)
    case rr
    /// `op rB, (rA+imm)`
    case load
    /// `op (rA+imm), rB`
    case store
    /// `op rA, rB, target` (16-bit word offset)
    case branch
    /// `op target` (26-bit word offset)
    case jump
    /// `op rA`
    case reg
    /// `rcsr rC, CSR`
    case rcsr
    /// `wcsr CSR, rB`
    case wcsr
    /// `user rC, rA, rB, imm11`
    case user
    /// no operands; the whole word is fixed by match/mask
    case none
    // Aliases (GNU as pseudo-instructions that are also printed by objdump)
    /// `mv rC, rA` (or with B = 0)
    case aliasRR
    /// `mvi rB, imm` / `mvu` / `mvhi`: A = 0
    case aliasRI(Imm)
}

/// How the 16-bit immediate of an RI instruction is interpreted.
public enum Imm: Sendable, Equatable {
    /// sign-extended; printed in decimal
    case signed
    /// zero-extended; printed in hex
    case unsigned
    /// shifted into the upper half (`andhi`, `orhi`); printed in hex
    case high
}

public struct InstructionSpec: Sendable {
    public let mnemonic: String
    public let op: Op
    public let syntax: Syntax
    /// Bits that must be set / the bits that are fixed.
    public let match: UInt32
    public let mask: UInt32
    /// True for an alias (pseudo-instruction) that specialises a base entry.
    public let isAlias: Bool

    init(_ mnemonic: String, _ op: Op, _ syntax: Syntax, alias: Bool = false, match: UInt32? = nil, mask: UInt32? = nil) {
        self.mnemonic = mnemonic
        self.isAlias = alias
        self.op = op
        self.syntax = syntax
        let opBits = UInt32(op.rawValue) << 26
        switch syntax {
        case .rrr:  self.match = opBits; self.mask = 0xFC00_07FF       // U11 reserved = 0
        case .rr:   self.match = opBits; self.mask = 0xFC1F_07FF       // B = 0, U11 = 0
        case .reg:  self.match = opBits; self.mask = 0xFC1F_FFFF       // only A used
        case .rcsr: self.match = opBits; self.mask = 0xFC1F_07FF       // B = 0
        case .wcsr: self.match = opBits; self.mask = 0xFC00_FFFF       // C = 0, U11 = 0
        case .user: self.match = opBits; self.mask = 0xFC00_0000
        case .rri, .load, .store, .branch, .jump: self.match = opBits; self.mask = 0xFC00_0000
        case .aliasRR: self.match = opBits; self.mask = 0xFC1F_07FF    // B = 0
        case .aliasRI: self.match = opBits; self.mask = 0xFFE0_0000    // A = 0
        case .none: self.match = match!; self.mask = mask!
        }
        if let match { precondition(self.match == match) }
    }

    @inline(__always) public func matches(_ word: UInt32) -> Bool { word & mask == match }

    /// Which immediate interpretation, if any, the entry uses.
    public var immediate: Imm? {
        switch syntax {
        case .rri(let k), .aliasRI(let k): return k
        case .load, .store, .branch: return .signed
        default: return nil
        }
    }
}

extension InstructionSpec {
    /// The table. Aliases come first so that lookup by word finds the most
    /// specific entry, as objdump prints them.
    public static let table: [InstructionSpec] = [
        // aliases (objdump prints these in place of their base form)
        InstructionSpec("nop", .addi, .none, alias: true, match: 0x3400_0000, mask: 0xFFFF_FFFF),
        InstructionSpec("ret", .b, .none, alias: true, match: 0xC3A0_0000, mask: 0xFFFF_FFFF),
        InstructionSpec("eret", .b, .none, alias: true, match: 0xC3C0_0000, mask: 0xFFFF_FFFF),
        InstructionSpec("bret", .b, .none, alias: true, match: 0xC3E0_0000, mask: 0xFFFF_FFFF),
        InstructionSpec("mv", .or, .aliasRR, alias: true),
        InstructionSpec("not", .xnor, .aliasRR, alias: true),
        InstructionSpec("mvi", .addi, .aliasRI(.signed), alias: true),
        InstructionSpec("mvu", .ori, .aliasRI(.unsigned), alias: true),
        InstructionSpec("mvhi", .orhi, .aliasRI(.high), alias: true),
        // base instructions
        InstructionSpec("add", .add, .rrr),
        InstructionSpec("addi", .addi, .rri(.signed)),
        InstructionSpec("and", .and, .rrr),
        InstructionSpec("andi", .andi, .rri(.unsigned)),
        InstructionSpec("andhi", .andhi, .rri(.high)),
        InstructionSpec("b", .b, .reg),
        InstructionSpec("bi", .bi, .jump),
        InstructionSpec("be", .be, .branch),
        InstructionSpec("bg", .bg, .branch),
        InstructionSpec("bge", .bge, .branch),
        InstructionSpec("bgeu", .bgeu, .branch),
        InstructionSpec("bgu", .bgu, .branch),
        InstructionSpec("bne", .bne, .branch),
        InstructionSpec("break", .raise, .none, match: 0xAC00_0002, mask: 0xFFFF_FFFF),
        InstructionSpec("call", .call, .reg),
        InstructionSpec("calli", .calli, .jump),
        InstructionSpec("cmpe", .cmpe, .rrr),
        InstructionSpec("cmpei", .cmpei, .rri(.signed)),
        InstructionSpec("cmpg", .cmpg, .rrr),
        InstructionSpec("cmpgi", .cmpgi, .rri(.signed)),
        InstructionSpec("cmpge", .cmpge, .rrr),
        InstructionSpec("cmpgei", .cmpgei, .rri(.signed)),
        InstructionSpec("cmpgeu", .cmpgeu, .rrr),
        InstructionSpec("cmpgeui", .cmpgeui, .rri(.unsigned)),
        InstructionSpec("cmpgu", .cmpgu, .rrr),
        InstructionSpec("cmpgui", .cmpgui, .rri(.unsigned)),
        InstructionSpec("cmpne", .cmpne, .rrr),
        InstructionSpec("cmpnei", .cmpnei, .rri(.signed)),
        InstructionSpec("divu", .divu, .rrr),
        InstructionSpec("lb", .lb, .load),
        InstructionSpec("lbu", .lbu, .load),
        InstructionSpec("lh", .lh, .load),
        InstructionSpec("lhu", .lhu, .load),
        InstructionSpec("lw", .lw, .load),
        InstructionSpec("modu", .modu, .rrr),
        InstructionSpec("mul", .mul, .rrr),
        InstructionSpec("muli", .muli, .rri(.signed)),
        InstructionSpec("nor", .nor, .rrr),
        InstructionSpec("nori", .nori, .rri(.unsigned)),
        InstructionSpec("or", .or, .rrr),
        InstructionSpec("ori", .ori, .rri(.unsigned)),
        InstructionSpec("orhi", .orhi, .rri(.high)),
        InstructionSpec("rcsr", .rcsr, .rcsr),
        InstructionSpec("sb", .sb, .store),
        InstructionSpec("scall", .raise, .none, match: 0xAC00_0007, mask: 0xFFFF_FFFF),
        InstructionSpec("sextb", .sextb, .rr),
        InstructionSpec("sexth", .sexth, .rr),
        InstructionSpec("sh", .sh, .store),
        InstructionSpec("sl", .sl, .rrr),
        InstructionSpec("sli", .sli, .rri(.signed)),
        InstructionSpec("sr", .sr, .rrr),
        InstructionSpec("sri", .sri, .rri(.signed)),
        InstructionSpec("sru", .sru, .rrr),
        InstructionSpec("srui", .srui, .rri(.signed)),
        InstructionSpec("sub", .sub, .rrr),
        InstructionSpec("sw", .sw, .store),
        InstructionSpec("user", .user, .user),
        InstructionSpec("wcsr", .wcsr, .wcsr),
        InstructionSpec("xnor", .xnor, .rrr),
        InstructionSpec("xnori", .xnori, .rri(.unsigned)),
        InstructionSpec("xor", .xor, .rrr),
        InstructionSpec("xori", .xori, .rri(.unsigned)),
    ]

    /// Entries by mnemonic (lower case).
    public static let byMnemonic: [String: InstructionSpec] = {
        var d: [String: InstructionSpec] = [:]
        for s in table { precondition(d[s.mnemonic] == nil, "duplicate mnemonic \(s.mnemonic)"); d[s.mnemonic] = s }
        return d
    }()

    /// Candidate entries per primary opcode, most specific first.
    static let byOpcode: [[InstructionSpec]] = {
        var buckets = Array(repeating: [InstructionSpec](), count: 64)
        for s in table { buckets[Int(s.match >> 26)].append(s) }
        return buckets
    }()

    /// The most specific entry that matches a word, or nil when none does
    /// (undefined opcodes, non-zero reserved fields, unknown `raise` words).
    public static func lookup(_ word: UInt32) -> InstructionSpec? {
        for s in byOpcode[Int(word >> 26)] where s.matches(word) { return s }
        return nil
    }
}

/// Instruction fields (reference §1.3).
@frozen public struct Fields {
    public let word: UInt32
    @inline(__always) public init(_ word: UInt32) { self.word = word }
    @inline(__always) public var a: Int { Int((word >> 21) & 31) }
    @inline(__always) public var b: Int { Int((word >> 16) & 31) }
    @inline(__always) public var c: Int { Int((word >> 11) & 31) }
    @inline(__always) public var imm16: UInt32 { word & 0xFFFF }
    @inline(__always) public var simm16: UInt32 { UInt32(bitPattern: Int32(Int16(truncatingIfNeeded: word))) }
    @inline(__always) public var simm26: UInt32 { UInt32(bitPattern: (Int32(bitPattern: word << 6)) >> 6) }
    @inline(__always) public var user: UInt32 { word & 0x7FF }
}

/// General-purpose register names as GNU as accepts them; objdump prints the
/// aliases for r26…r31.
public enum Registers {
    public static let printName: [String] = (0..<26).map { "r\($0)" } + ["gp", "fp", "sp", "ra", "ea", "ba"]

    public static func number(_ name: String) -> Int? {
        let n = name.lowercased()
        switch n {
        case "gp": return 26
        case "fp": return 27
        case "sp": return 28
        case "ra": return 29
        case "ea": return 30
        case "ba": return 31
        default:
            guard n.hasPrefix("r"), n.count >= 2, n.count <= 3, let v = Int(n.dropFirst()), v >= 0, v < 32,
                  String(v) == String(n.dropFirst()) else { return nil }
            return v
        }
    }
}

/// Control and status registers (reference §2). Names as mainline GNU as
/// knows them, plus the MMU fork's PSW / TLB registers.
public enum CSR: Int, CaseIterable, Sendable {
    case ie = 0, im = 1, ip = 2, icc = 3, dcc = 4, cc = 5, cfg = 6, eba = 7
    case dc = 8, deba = 9, cfg2 = 10, jtx = 14, jrx = 15
    case bp0 = 16, bp1 = 17, bp2 = 18, bp3 = 19
    case wp0 = 24, wp1 = 25, wp2 = 26, wp3 = 27
    case psw = 29, tlbvaddr = 30, tlbpaddr = 31

    public var name: String {
        switch self {
        case .ie: "IE"; case .im: "IM"; case .ip: "IP"; case .icc: "ICC"; case .dcc: "DCC"; case .cc: "CC"
        case .cfg: "CFG"; case .eba: "EBA"; case .dc: "DC"; case .deba: "DEBA"; case .cfg2: "CFG2"
        case .jtx: "JTX"; case .jrx: "JRX"; case .bp0: "BP0"; case .bp1: "BP1"; case .bp2: "BP2"; case .bp3: "BP3"
        case .wp0: "WP0"; case .wp1: "WP1"; case .wp2: "WP2"; case .wp3: "WP3"
        case .psw: "PSW"; case .tlbvaddr: "TLBVADDR"; case .tlbpaddr: "TLBPADDR"
        }
    }

    /// The CSR number for a name, case-insensitively (`TLBBADVADDR` is 31 too).
    public static func number(_ name: String) -> Int? {
        let u = name.uppercased()
        if u == "TLBBADVADDR" { return 31 }
        return allCases.first { $0.name == u }?.rawValue
    }

    /// The name GNU objdump (binutils 2.40) prints for a CSR number: every
    /// name above, `???` for a number it has no name for.
    public static func printName(_ n: Int) -> String {
        CSR(rawValue: n)?.name ?? "???"
    }
}
