/// Disassembly in GNU objdump's LM32 syntax: `add r1,r2,r3`, `lw r1,(r2+4)`,
/// `be r1,r2,88 <label>`, signed immediates in decimal, unsigned ones in hex,
/// register aliases gp/fp/sp/ra/ea/ba, CSR names.
public enum Disassembler {
    /// Disassemble one word at `pc`. Branch targets print as objdump prints
    /// them: `0x1b4` when there is no symbol table (`symbol` is nil), else
    /// `1b4 <name+0x20>` with the label `symbol` gives (just `1b4` if none).
    public static func text(_ word: UInt32, pc: UInt32 = 0, symbol: ((UInt32) -> String?)? = nil) -> String {
        guard let spec = InstructionSpec.lookup(word) else {
            return ".word 0x" + hex(word, width: 8)
        }
        let o = spec.operands(of: word, pc: pc)
        let r = Registers.printName
        func target(_ t: UInt32) -> String {
            guard let symbol else { return "0x" + String(t, radix: 16) }
            let base = String(t, radix: 16)
            if let s = symbol(t) { return base + " <\(s)>" }
            return base
        }
        func imm(_ k: Imm) -> String { k == .signed ? String(o.imm) : "0x" + String(o.imm, radix: 16) }
        let ops: String
        switch spec.syntax {
        case .rrr: ops = "\(r[o.c]),\(r[o.a]),\(r[o.b])"
        case .rr, .aliasRR: ops = "\(r[o.c]),\(r[o.a])"
        case .rri(let k): ops = "\(r[o.b]),\(r[o.a]),\(imm(k))"
        case .aliasRI(let k): ops = "\(r[o.b]),\(imm(k))"
        case .load: ops = "\(r[o.b]),(\(r[o.a])+\(o.imm))"
        case .store: ops = "(\(r[o.a])+\(o.imm)),\(r[o.b])"
        case .branch: ops = "\(r[o.a]),\(r[o.b]),\(target(o.target))"
        case .jump: ops = target(o.target)
        case .reg: ops = r[o.a]
        case .rcsr: ops = "\(r[o.c]),\(CSR.printName(o.csr))"
        case .wcsr: ops = "\(CSR.printName(o.csr)),\(r[o.b])"
        case .user: ops = "\(r[o.c]),\(r[o.a]),\(r[o.b]),0x\(String(o.imm, radix: 16))"
        case .none: ops = ""
        }
        return ops.isEmpty ? spec.mnemonic : spec.mnemonic + " " + ops
    }

    static func hex(_ v: UInt32, width: Int) -> String {
        let s = String(v, radix: 16)
        return String(repeating: "0", count: max(0, width - s.count)) + s
    }
}
