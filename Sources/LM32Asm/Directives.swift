/// Directives: sections, data, symbols, alignment, includes. Macro, repeat
/// and conditional directives are in MacroProcessor.swift.

extension AssemblerState {
    /// Handle a directive; false if `name` is not a directive (it may be a macro).
    func directive(_ name: String, rest: Substring, restLocation: SourceLocation, nameLocation: SourceLocation,
                   statement: Statement) throws(AssemblerError) -> Bool {
        guard let d = Directive.table[name] else { return false }
        // Directives that read raw text.
        switch d {
        case .macro: try defineMacro(rest, at: restLocation, directiveLocation: nameLocation); return true
        case .endm, .endmacro: throw AssemblerError(nameLocation, "\(name) without .macro")
        case .exitm:
            guard let i = frames.lastIndex(where: { if case .macro = $0.kind { return true }; return false }) else {
                throw AssemblerError(nameLocation, ".exitm outside a macro")
            }
            frames[i].index = frames[i].statements.count
            frames.removeLast(frames.count - 1 - i)
            return true
        case .rept: try repeatBlock(rest, at: restLocation, directiveLocation: nameLocation); return true
        case .irp, .irpc: try irp(rest, at: restLocation, directiveLocation: nameLocation, perCharacter: name == ".irpc"); return true
        case .endr: throw AssemblerError(nameLocation, ".endr without .rept")
        case .ifc, .ifnc, .ifeqs, .ifnes:
            let eq = try compareStrings(rest, at: restLocation)
            pushConditional((name == ".ifc" || name == ".ifeqs") == eq, at: nameLocation)
            return true
        case .ifb, .ifnb:
            let blank = rest.allSatisfy { $0 == " " || $0 == "\t" }
            pushConditional((name == ".ifb") == blank, at: nameLocation)
            return true
        default: break
        }
        if let handled = try conditionalDirective(name, rest: rest, restLocation: restLocation, nameLocation: nameLocation) {
            return handled
        }

        var ts = try stream(rest, at: restLocation)
        switch d {
        case .text: try ignoreSubsection(&ts); switchSection(sectionIndex(named: ".text", kind: .text))
        case .data: try ignoreSubsection(&ts); switchSection(sectionIndex(named: ".data", kind: .data))
        case .bss: try ignoreSubsection(&ts); switchSection(sectionIndex(named: ".bss", kind: .bss))
        case .rodata: try ts.expectEnd(); switchSection(sectionIndex(named: ".rodata", kind: .readOnlyData))
        case .section, .pushsection:
            let idx = try parseSectionDirective(&ts)
            if name == ".pushsection" { sectionStack.append(current) }
            switchSection(idx)
        case .popsection:
            try ts.expectEnd()
            guard let s = sectionStack.popLast() else { throw AssemblerError(nameLocation, ".popsection without .pushsection") }
            switchSection(s)
        case .previous:
            try ts.expectEnd()
            let p = previousSection
            switchSection(p)
        case .global, .globl, .weak, .extern, .local:
            repeat {
                let (sym, _) = try ts.identifier("a symbol name")
                if name == ".extern" { continue }
                var e = symbols[sym] ?? SymbolEntry()
                if symbols[sym] == nil { symbolOrder.append(sym) }
                e.isGlobal = name != ".local"
                if name == ".weak" { e.isWeak = true }
                symbols[sym] = e
            } while ts.accept(",")
            try ts.expectEnd()
        case .align, .balign, .p2align:
            var n: Int64 = 0
            var fill: UInt8? = nil
            var maxSkip: Int64? = nil
            if !ts.atEnd {
                let loc = ts.here()
                n = try absolute(parseExpression(&ts), at: loc, what: name)
                if name == ".p2align" {
                    guard n >= 0 && n < 31 else { throw AssemblerError(loc, "alignment exponent \(n) out of range") }
                    n = 1 << n
                }
                if ts.accept(",") {
                    if !ts.isPunct(",") {
                        let fl = ts.here()
                        fill = UInt8(truncatingIfNeeded: try absolute(parseExpression(&ts), at: fl, what: "the fill value"))
                    }
                    if ts.accept(",") {
                        let ml = ts.here()
                        maxSkip = try absolute(parseExpression(&ts), at: ml, what: "the maximum skip")
                    }
                }
                if n < 0 { throw AssemblerError(loc, "alignment \(n) is negative") }
            }
            try ts.expectEnd()
            try align(n, fill: fill, max: maxSkip, at: restLocation)
        case .org:
            let loc = ts.here()
            let e = try parseExpression(&ts)
            var fill: UInt8 = 0
            if ts.accept(",") {
                let fl = ts.here()
                fill = UInt8(truncatingIfNeeded: try absolute(parseExpression(&ts), at: fl, what: "the fill value"))
            }
            try ts.expectEnd()
            try org(e, fill: fill, at: loc)
        case .word, .long, .int, .n4byte:
            try dataValues(&ts, width: 4)
        case .half, .hword, .short, .n2byte:
            try dataValues(&ts, width: 2)
        case .byte:
            try dataValues(&ts, width: 1)
        case .dword, .quad, .n8byte:
            try dataValues(&ts, width: 8)
        case .ascii, .asciz, .string:
            if ts.atEnd { break }
            repeat {
                guard let t = ts.peek, case .string(let bytes) = t.kind else {
                    throw ts.error("expected a string")
                }
                ts.pos += 1
                try emit(bytes + (name == ".ascii" ? [] : [0]), at: statement.location)
            } while ts.accept(",")
            try ts.expectEnd()
        case .space, .skip, .zero:
            let loc = ts.here()
            let n = try absolute(parseExpression(&ts), at: loc, what: name)
            var fill: UInt8 = 0
            if name != ".zero" && ts.accept(",") {
                let fl = ts.here()
                fill = UInt8(truncatingIfNeeded: try absolute(parseExpression(&ts), at: fl, what: "the fill value"))
            }
            try ts.expectEnd()
            guard n >= 0 else { throw AssemblerError(loc, "\(name) size \(n) is negative") }
            guard n <= Int64(Limits.sectionSize) else { throw AssemblerError(loc, "\(name) size \(n) is too large") }
            try emitZeros(Int(n), fill: fill, at: loc)
        case .fill:
            let loc = ts.here()
            let count = try absolute(parseExpression(&ts), at: loc, what: ".fill")
            var size: Int64 = 1, value: Int64 = 0
            if ts.accept(",") {
                let sl = ts.here()
                size = try absolute(parseExpression(&ts), at: sl, what: "the .fill size")
                if ts.accept(",") {
                    let vl = ts.here()
                    value = try absolute(parseExpression(&ts), at: vl, what: "the .fill value")
                }
            }
            try ts.expectEnd()
            guard count >= 0 else { throw AssemblerError(loc, ".fill count \(count) is negative") }
            guard size >= 0 else { throw AssemblerError(loc, ".fill size \(size) is negative") }
            let size8 = min(size, 8)
            let (total, overflow) = count.multipliedReportingOverflow(by: max(size8, 1))
            guard !overflow, total <= Int64(Limits.sectionSize) else { throw AssemblerError(loc, ".fill is too large") }
            var unit: [UInt8] = []
            for k in 0..<Int(size8) {
                let shift = 8 * (Int(size8) - 1 - k)
                unit.append(shift >= 32 && size8 > 4 ? 0 : UInt8(truncatingIfNeeded: value >> shift))
            }
            try emit(unit, repeated: Int(count), at: loc)
        case .equ, .set, .equiv, .eqv:
            let (sym, t) = try ts.identifier("a symbol name")
            try ts.expect(",", "after the symbol name")
            let e = try parseExpression(&ts)
            try ts.expectEnd()
            var l = ts.location; l.column = t.column
            try setSymbol(sym, e, at: l, redefinable: name != ".equiv", equiv: name == ".equiv")
        case .include:
            guard let t = ts.peek, case .string(let bytes) = t.kind else { throw ts.error("expected a file name in quotes") }
            ts.pos += 1
            try ts.expectEnd()
            try include(String(decoding: bytes, as: UTF8.self), at: nameLocation)
        case .end:
            ended = true
        case .error, .err:
            var msg = "\(name) directive"
            if let t = ts.peek, case .string(let b) = t.kind { msg = String(decoding: b, as: UTF8.self) }
            throw AssemblerError(nameLocation, msg)
        case .warning:
            var msg = ".warning directive"
            if let t = ts.peek, case .string(let b) = t.kind { msg = String(decoding: b, as: UTF8.self) }
            warnings.append(AssemblerError(nameLocation, msg))
        case .type, .size, .file, .ident, .loc, .nolist, .list, .title, .sbttl, .psize, .eject, .version, .weakref, .hidden, .protected, .`internal`, .cfi_startproc, .cfi_endproc, .cfi_def_cfa, .cfi_offset, .cfi_def_cfa_offset, .cfi_sections, .frame, .ent, .mask, .fmask, .stabs, .stabn, .stabd, .arch, .cpu:
            break
        default:
            return false
        }
        return true
    }

    func ignoreSubsection(_ ts: inout TokenStream) throws(AssemblerError) {
        if !ts.atEnd {
            let loc = ts.here()
            let n = try absolute(parseExpression(&ts), at: loc, what: "the subsection number")
            if n != 0 { throw AssemblerError(loc, "subsections are not supported") }
        }
        try ts.expectEnd()
    }

    /// `.section NAME[, "flags"[, @type]]`
    func parseSectionDirective(_ ts: inout TokenStream) throws(AssemblerError) -> Int {
        var name: String
        guard let t = ts.next() else { throw ts.error("expected a section name") }
        switch t.kind {
        case .identifier(let s): name = s
        case .string(let b): name = String(decoding: b, as: UTF8.self)
        default: ts.pos -= 1; throw ts.error("expected a section name but found '\(t.text)'")
        }
        // Names such as .text.foo-bar are not needed here; identifiers include dots.
        var kind: SectionKind? = nil
        if ts.accept(",") {
            guard let f = ts.next(), case .string(let fb) = f.kind else {
                ts.pos -= 1
                throw ts.error("expected section flags in quotes")
            }
            let flags = String(decoding: fb, as: UTF8.self)
            let alloc = flags.contains("a"), write = flags.contains("w"), exec = flags.contains("x")
            if !alloc { kind = .nonAllocated }
            else if exec { kind = .text }
            else if write { kind = .data }
            else { kind = .readOnlyData }
            if ts.accept(",") {
                _ = ts.accept("@"); _ = ts.accept("%")
                let (type, _) = try ts.identifier("a section type")
                if type == "nobits" { kind = .bss }
                // Entity size / group arguments are ignored.
                while ts.accept(",") { _ = ts.next() }
            }
        }
        try ts.expectEnd()
        if let i = sections.firstIndex(where: { $0.name == name }) { return i }
        return sectionIndex(named: name, kind: kind)
    }

    /// `.byte/.half/.word/.dword expr, ...`
    func dataValues(_ ts: inout TokenStream, width: Int) throws(AssemblerError) {
        if ts.atEnd { return }
        repeat {
            let loc = ts.here()
            if let t = ts.peek, case .string(let bytes) = t.kind, width == 1 {
                ts.pos += 1
                try emit(bytes, at: loc)
                continue
            }
            let e = freeze(try parseExpression(&ts))
            let at = offset
            if case .absolute(let v)? = try evaluate(e) {
                if width < 8 {
                    let bits = Int64(8 * width)
                    if v < -(1 << (bits - 1)) || v >= 1 << bits {
                        let t = v & ((1 << bits) - 1)
                        warnings.append(AssemblerError(loc, "value 0x\(String(UInt64(bitPattern: v), radix: 16)) truncated to 0x\(String(t, radix: 16))"))
                    }
                }
                try emit(Self.bigEndian(v, width: width), at: loc)
            } else {
                if sections[current].kind == .bss {
                    throw AssemblerError(loc, "attempt to store an address in section '\(sections[current].name)' (no contents)")
                }
                try emitZeros(width, at: loc)
                fixups.append(Fixup(section: current, offset: at, kind: .data(width: width), expr: e, location: loc))
            }
        } while ts.accept(",")
        try ts.expectEnd()
    }

    static func bigEndian(_ v: Int64, width: Int) -> [UInt8] {
        (0..<width).map { UInt8(truncatingIfNeeded: v >> (8 * (width - 1 - $0))) }
    }
}
