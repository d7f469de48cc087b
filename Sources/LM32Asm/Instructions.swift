import LM32

/// Instruction statements: operands parsed per `InstructionSpec.syntax`,
/// encoded by `InstructionSpec.encode` (the table is the single source of
/// truth), plus the GNU as forms that are not table entries: `mva` and the
/// gp-relative loads and stores.

extension AssemblerState {
    func instruction(_ mnemonic: String, at loc: SourceLocation, operands ts: inout TokenStream) throws(AssemblerError) {
        let m = mnemonic.lowercased()
        if sections[current].kind == .bss {
            throw AssemblerError(loc, "instruction '\(mnemonic)' in section '\(sections[current].name)', which has no contents")
        }
        if m == "mva" {
            // mva rd, gp(sym)  =  addi rd, gp, gprel16(sym)
            let spec = InstructionSpec.byMnemonic["addi"]!
            let rd = try register(&ts)
            try ts.expect(",", "after the destination register")
            let (e, eloc) = try gpOperand(&ts, required: true)!
            try ts.expectEnd()
            try emitInstruction(spec, Operands(a: 26, b: rd), .gp, e, eloc, at: loc)
            return
        }
        guard let spec = InstructionSpec.byMnemonic[m] else {
            throw AssemblerError(loc, "unknown instruction '\(mnemonic)'")
        }
        var o = Operands()
        switch spec.syntax {
        case .rrr:
            o.c = try register(&ts); try comma(&ts)
            o.a = try register(&ts); try comma(&ts)
            o.b = try register(&ts)
            try finish(spec, o, &ts, at: loc)
        case .rr, .aliasRR:
            o.c = try register(&ts); try comma(&ts)
            o.a = try register(&ts)
            try finish(spec, o, &ts, at: loc)
        case .reg:
            o.a = try register(&ts)
            try finish(spec, o, &ts, at: loc)
        case .none:
            try finish(spec, o, &ts, at: loc)
        case .rri(let k):
            o.b = try register(&ts); try comma(&ts)
            o.a = try register(&ts); try comma(&ts)
            let (slot, e, eloc) = try immediate(&ts, spec: spec, kind: k)
            try ts.expectEnd()
            try emitInstruction(spec, o, slot, e, eloc, at: loc)
        case .aliasRI(let k):
            o.b = try register(&ts); try comma(&ts)
            let (slot, e, eloc) = try immediate(&ts, spec: spec, kind: k)
            try ts.expectEnd()
            try emitInstruction(spec, o, slot, e, eloc, at: loc)
        case .load:
            o.b = try register(&ts); try comma(&ts)
            if let (e, eloc) = try gpOperand(&ts, required: false) {
                o.a = 26
                try ts.expectEnd()
                try emitInstruction(spec, o, .gp, e, eloc, at: loc)
            } else {
                let (ra, e, eloc) = try memory(&ts)
                o.a = ra
                try ts.expectEnd()
                try emitInstruction(spec, o, .signed, e, eloc, at: loc)
            }
        case .store:
            if let (e, eloc) = try gpOperand(&ts, required: false) {
                o.a = 26
                try comma(&ts)
                o.b = try register(&ts)
                try ts.expectEnd()
                try emitInstruction(spec, o, .gp, e, eloc, at: loc)
            } else {
                let (ra, e, eloc) = try memory(&ts)
                o.a = ra
                try comma(&ts)
                o.b = try register(&ts)
                try ts.expectEnd()
                try emitInstruction(spec, o, .signed, e, eloc, at: loc)
            }
        case .branch:
            o.a = try register(&ts); try comma(&ts)
            o.b = try register(&ts); try comma(&ts)
            let eloc = ts.here()
            let e = try plainExpression(&ts)
            try ts.expectEnd()
            try emitInstruction(spec, o, .branch, e, eloc, at: loc)
        case .jump:
            let eloc = ts.here()
            let e = try plainExpression(&ts)
            try ts.expectEnd()
            try emitInstruction(spec, o, .branch, e, eloc, at: loc)
        case .rcsr:
            o.c = try register(&ts); try comma(&ts)
            o.csr = try csr(&ts)
            try finish(spec, o, &ts, at: loc)
        case .wcsr:
            o.csr = try csr(&ts); try comma(&ts)
            o.b = try register(&ts)
            try finish(spec, o, &ts, at: loc)
        case .user:
            o.c = try register(&ts); try comma(&ts)
            o.a = try register(&ts); try comma(&ts)
            o.b = try register(&ts); try comma(&ts)
            let eloc = ts.here()
            let e = try plainExpression(&ts)
            try ts.expectEnd()
            try emitInstruction(spec, o, .user, e, eloc, at: loc)
        }
    }

    func comma(_ ts: inout TokenStream) throws(AssemblerError) {
        try ts.expect(",", "between operands")
    }

    /// An instruction without expression operands.
    func finish(_ spec: InstructionSpec, _ o: Operands, _ ts: inout TokenStream, at loc: SourceLocation) throws(AssemblerError) {
        try ts.expectEnd()
        let word: UInt32
        do { word = try spec.encode(o, pc: UInt32(truncatingIfNeeded: offset)) }
        catch { throw AssemblerError(loc, "\(error.description) for '\(spec.mnemonic)'") }
        try emitWord(word, at: loc)
    }

    func emitWord(_ word: UInt32, at loc: SourceLocation) throws(AssemblerError) {
        if offset % 4 != 0 {
            // GNU as for lm32 neither pads nor diagnoses this; we only warn.
            warnings.append(AssemblerError(loc, "instruction at offset \(offset) of '\(sections[current].name)' is not word aligned"))
        }
        try emit(Self.bigEndian(Int64(word), width: 4), at: loc)
    }

    func emitInstruction(_ spec: InstructionSpec, _ o: Operands, _ slot: ImmediateSlot, _ e: Expr,
                         _ eloc: SourceLocation, at loc: SourceLocation) throws(AssemblerError) {
        let pc = offset
        let e = freeze(e)
        if case .absolute(let v)? = try evaluate(e) {
            let word = try encodeInstruction(spec, o, slot: slot, value: v, pc: UInt32(truncatingIfNeeded: pc), gpValue: nil, at: eloc)
            try emitWord(word, at: loc)
            return
        }
        try emitWord(spec.match, at: loc)
        fixups.append(Fixup(section: current, offset: pc, kind: .instruction(spec, o, slot), expr: e, location: eloc))
    }

    func register(_ ts: inout TokenStream) throws(AssemblerError) -> Int {
        guard let t = ts.peek else { throw ts.error("expected a register at end of line") }
        guard case .identifier(let s) = t.kind else { throw ts.error("expected a register but found '\(t.text)'") }
        guard let n = Registers.number(s) else { throw ts.error("invalid register '\(s)'") }
        ts.pos += 1
        return n
    }

    func csr(_ ts: inout TokenStream) throws(AssemblerError) -> Int {
        guard let t = ts.peek else { throw ts.error("expected a CSR name at end of line") }
        switch t.kind {
        case .identifier(let s):
            guard let n = CSR.number(s) else { throw ts.error("invalid CSR '\(s)'") }
            ts.pos += 1
            return n
        case .number(let v):
            // Not accepted by GNU as; objdump prints unnamed CSRs as numbers.
            guard (0...31).contains(v) else { throw ts.error("CSR number \(v) out of range 0..31") }
            ts.pos += 1
            return Int(v)
        default:
            throw ts.error("expected a CSR name but found '\(t.text)'")
        }
    }

    /// `hi(`, `lo(`, `gp(`: the operator word if the next tokens are `word (`.
    func operatorAhead(_ ts: TokenStream) -> String? {
        guard let t = ts.peek, case .identifier(let s) = t.kind, let n = ts.peek(1), case .punct("(") = n.kind else { return nil }
        let l = s.lowercased()
        return ["hi", "lo", "gp", "got", "gotoffhi16", "gotofflo16"].contains(l) ? l : nil
    }

    /// An expression that must not use hi()/lo()/gp().
    func plainExpression(_ ts: inout TokenStream) throws(AssemblerError) -> Expr {
        if let op = operatorAhead(ts) {
            throw ts.error("'\(op)()' is not allowed here: GNU as accepts hi() only in orhi/andhi/mvhi, lo() only in ori/mvu, gp() only in mva and loads/stores")
        }
        return try parseExpression(&ts)
    }

    /// The argument of `op(`…`)` (the stream is at `op`).
    func parenthesised(_ ts: inout TokenStream) throws(AssemblerError) -> (Expr, SourceLocation) {
        ts.pos += 2
        let loc = ts.here()
        let e = try parseExpression(&ts)
        try ts.expect(")", "to close the operator's '('")
        return (e, loc)
    }

    func immediate(_ ts: inout TokenStream, spec: InstructionSpec, kind: Imm) throws(AssemblerError) -> (ImmediateSlot, Expr, SourceLocation) {
        let loc = ts.here()
        if spec.acceptsLoHi {
            let want = kind == .high ? "hi" : "lo"
            if let op = operatorAhead(ts) {
                guard op == want else {
                    throw ts.error("'\(op)()' is not allowed in the immediate of '\(spec.mnemonic)' (expected \(want)() or a number)")
                }
                let (e, l) = try parenthesised(&ts)
                return (want == "hi" ? .hi : .lo, e, l)
            }
            return (.loHiPlain, try parseExpression(&ts), loc)
        }
        let e = try plainExpression(&ts)
        return (kind == .signed ? .signed : .unsigned, e, loc)
    }

    /// `gp(expr)`; nil when the operand is something else (unless required).
    func gpOperand(_ ts: inout TokenStream, required: Bool) throws(AssemblerError) -> (Expr, SourceLocation)? {
        guard operatorAhead(ts) == "gp" else {
            if required { throw ts.error("expecting gp relative address: gp(symbol)") }
            return nil
        }
        return try parenthesised(&ts)
    }

    /// `(rA+imm)`.
    func memory(_ ts: inout TokenStream) throws(AssemblerError) -> (Int, Expr, SourceLocation) {
        guard ts.accept("(") else {
            if let t = ts.peek { throw ts.error("expected a memory operand '(rN+offset)' but found '\(t.text)'") }
            throw ts.error("expected a memory operand '(rN+offset)' at end of line")
        }
        let ra = try register(&ts)
        if ts.isPunct(")") {
            throw ts.error("memory operand needs an offset: GNU as accepts only (rN+offset), e.g. (r\(ra)+0)")
        }
        if ts.isPunct("-") {
            throw ts.error("expected '+' in memory operand: write a negative offset as (rN+-4)")
        }
        try ts.expect("+", "in memory operand (rN+offset)")
        let loc = ts.here()
        let e = try plainExpression(&ts)
        try ts.expect(")", "to close the memory operand")
        return (ra, e, loc)
    }
}
