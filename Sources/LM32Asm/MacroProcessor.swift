/// `.macro`/`.endm`, `.rept`/`.irp`/`.endr` and the conditional directives.

extension AssemblerState {
    // MARK: Macros

    func defineMacro(_ rest: Substring, at loc: SourceLocation, directiveLocation: SourceLocation) throws(AssemblerError) {
        let b = Array(rest.utf8)
        var i = 0
        func skip() { while i < b.count && Lexer.isSpace(b[i]) { i += 1 } }
        func here() -> SourceLocation { var l = loc; l.column += i; return l }
        skip()
        guard i < b.count, Lexer.isIdentStart(b[i]) else {
            throw AssemblerError(here(), "expected a macro name after .macro")
        }
        let ns = i
        while i < b.count && Lexer.isIdentChar(b[i]) { i += 1 }
        let name = String(decoding: b[ns..<i], as: UTF8.self)
        let nameLoc: SourceLocation = { var l = loc; l.column += ns; return l }()
        var params: [Macro.Parameter] = []
        while true {
            skip()
            if i < b.count && b[i] == UInt8(ascii: ",") { i += 1; skip() }
            guard i < b.count else { break }
            guard Lexer.isIdentStart(b[i]) else {
                throw AssemblerError(here(), "invalid macro parameter '\(String(decoding: b[i...], as: UTF8.self))'")
            }
            let ps = i
            while i < b.count && Lexer.isIdentChar(b[i]) { i += 1 }
            var p = Macro.Parameter(name: String(decoding: b[ps..<i], as: UTF8.self), defaultValue: nil, required: false, vararg: false)
            if i < b.count && b[i] == UInt8(ascii: ":") {
                i += 1
                let qs = i
                while i < b.count && Lexer.isIdentChar(b[i]) { i += 1 }
                let q = String(decoding: b[qs..<i], as: UTF8.self).lowercased()
                switch q {
                case "req": p.required = true
                case "vararg": p.vararg = true
                default: throw AssemblerError(here(), "unknown macro parameter qualifier ':\(q)'")
                }
            }
            var k = i
            while k < b.count && Lexer.isSpace(b[k]) { k += 1 }
            if k < b.count && b[k] == UInt8(ascii: "=") {
                i = k + 1
                skip()
                let (v, next) = try Self.macroArgument(b, i, at: here())
                p.defaultValue = v; i = next
            }
            if params.contains(where: { $0.name == p.name }) {
                throw AssemblerError(nameLoc, "macro '\(name)' has two parameters named '\(p.name)'")
            }
            params.append(p)
        }
        let body = try collectBody(opens: [".macro"], closes: [".endm", ".endmacro"], what: ".macro '\(name)'", at: directiveLocation)
        let key = name.lowercased()
        if let old = macros[key] {
            throw AssemblerError(nameLoc, "macro '\(name)' is already defined",
                                 notes: [.init(location: old.location, message: "previous definition is here")])
        }
        macros[key] = Macro(name: name, parameters: params, body: body, location: nameLoc)
    }

    /// One macro argument starting at `i`: a quoted string (quotes removed) or
    /// text up to white space or a comma outside parentheses.
    static func macroArgument(_ b: [UInt8], _ start: Int, at loc: SourceLocation) throws(AssemblerError) -> (String, Int) {
        var i = start
        var out: [UInt8] = []
        var depth = 0
        while i < b.count {
            let c = b[i]
            if c == UInt8(ascii: "\"") {
                // Quoted: copy the contents without the quotes.
                i += 1
                var closed = false
                while i < b.count {
                    if b[i] == UInt8(ascii: "\\") && i + 1 < b.count { out.append(b[i]); out.append(b[i + 1]); i += 2; continue }
                    if b[i] == UInt8(ascii: "\"") { closed = true; i += 1; break }
                    out.append(b[i]); i += 1
                }
                if !closed { var l = loc; l.column += start - 0; throw AssemblerError(l, "unterminated string in macro argument") }
                continue
            }
            if depth == 0 && (Lexer.isSpace(c) || c == UInt8(ascii: ",")) { break }
            if c == UInt8(ascii: "(") { depth += 1 }
            if c == UInt8(ascii: ")") { depth = max(0, depth - 1) }
            out.append(c); i += 1
        }
        return (String(decoding: out, as: UTF8.self), i)
    }

    func expand(_ m: Macro, arguments: Substring, at loc: SourceLocation, argumentsLocation: SourceLocation,
                statement: Statement) throws(AssemblerError) {
        var depth = 0, openText = 0
        for f in frames { if case .macro(_, let bytes) = f.kind { depth += 1; openText += bytes } }
        guard depth < Limits.macroDepth else {
            throw AssemblerError(loc, "macros nested more than \(Limits.macroDepth) levels deep (recursive macro '\(m.name)'?)")
        }
        // Parse arguments.
        let b = Array(arguments.utf8)
        var i = 0
        func skip() { while i < b.count && Lexer.isSpace(b[i]) { i += 1 } }
        var values: [String?] = Array(repeating: nil, count: m.parameters.count)
        var positional = 0
        skip()
        while i < b.count {
            let argLoc: SourceLocation = { var l = argumentsLocation; l.column += i; return l }()
            var value: String
            if b[i] == UInt8(ascii: ",") {
                value = ""
            } else {
                (value, i) = try Self.macroArgument(b, i, at: argLoc)
            }
            // keyword=value
            var keyword: Int? = nil
            if let eq = value.firstIndex(of: "="), value[value.index(after: eq)...].first != "=" {
                let key = String(value[..<eq])
                if let k = m.parameters.firstIndex(where: { $0.name == key }) {
                    keyword = k
                    value = String(value[value.index(after: eq)...])
                }
            }
            if let k = keyword {
                values[k] = value
            } else if positional < m.parameters.count {
                if m.parameters[positional].vararg {
                    // The rest of the line, as written.
                    let restStart = i - value.utf8.count
                    value = String(decoding: b[max(0, restStart)...], as: UTF8.self).trimmingSpaces()
                    values[positional] = value
                    positional += 1
                    i = b.count
                    break
                }
                values[positional] = value
                positional += 1
            } else {
                throw AssemblerError(argLoc, "too many arguments for macro '\(m.name)' (it takes \(m.parameters.count))")
            }
            skip()
            if i < b.count && b[i] == UInt8(ascii: ",") { i += 1; skip() }
        }
        var bindings: [String: String] = [:]
        for (k, p) in m.parameters.enumerated() {
            if let v = values[k], !v.isEmpty || p.defaultValue == nil { bindings[p.name] = v; continue }
            if let d = p.defaultValue { bindings[p.name] = d; continue }
            if p.required { throw AssemblerError(loc, "missing value for required parameter '\(p.name)' of macro '\(m.name)'") }
            bindings[p.name] = ""
        }
        let counter = macroCount
        macroCount += 1
        let note = AssemblerError.Note(location: loc, message: "in expansion of macro '\(m.name)'")
        var notes = currentNotes + [note]
        if notes.count > 8 { notes = Array(notes.prefix(2)) + Array(notes.suffix(6)) }
        var out: [Statement] = []
        out.reserveCapacity(m.body.count)
        var expanded = 0
        for s in m.body {
            let text = Self.substitute(s.text, bindings, counter: counter)
            guard text.utf8.count <= Limits.expandedLine else {
                throw AssemblerError(loc, "macro '\(m.name)' expands to a line longer than \(Limits.expandedLine) bytes")
            }
            expanded += text.utf8.count
            guard openText + expanded <= Limits.openExpansion else {
                throw AssemblerError(loc, "macro '\(m.name)' nested \(depth + 1) levels deep: the open expansions hold more "
                    + "than \(Limits.openExpansion) bytes of text (an argument growing at every level?)")
            }
            out += SourceSplitter.split(Substring(text), location: s.location, notes: notes)
        }
        statementCount += expanded / Limits.expansionBytesPerStatement
        if statementCount > statementLimit {
            throw AssemblerError(loc, "too many statements (over \(statementLimit), \(Limits.expansionBytesPerStatement) bytes "
                + "of macro expansion counting 1); runaway macro recursion?")
        }
        frames.append(Frame(kind: .macro(name: m.name, textBytes: expanded), statements: out, conditionDepth: conditionals.count))
    }

    /// Replace `\param`, `\@` and `\()` in a macro body line.
    static func substitute(_ text: Substring, _ bindings: [String: String], counter: Int) -> String {
        guard text.utf8.contains(UInt8(ascii: "\\")) else { return String(text) }
        let b = Array(text.utf8)
        var out: [UInt8] = []
        out.reserveCapacity(b.count + 16)
        var i = 0
        while i < b.count {
            let c = b[i]
            guard c == UInt8(ascii: "\\"), i + 1 < b.count else { out.append(c); i += 1; continue }
            let d = b[i + 1]
            if d == UInt8(ascii: "@") {
                out += Array(String(counter).utf8); i += 2; continue
            }
            if d == UInt8(ascii: "("), i + 2 < b.count, b[i + 2] == UInt8(ascii: ")") {
                i += 3; continue
            }
            if Lexer.isIdentStart(d) || Lexer.isDigit(d) {
                var j = i + 1
                while j < b.count && Lexer.isIdentChar(b[j]) { j += 1 }
                let name = String(decoding: b[(i + 1)..<j], as: UTF8.self)
                if let v = bindings[name] {
                    out += Array(v.utf8); i = j; continue
                }
            }
            out.append(c); i += 1
        }
        return String(decoding: out, as: UTF8.self)
    }

    // MARK: Repeats

    func repeatBlock(_ rest: Substring, at loc: SourceLocation, directiveLocation: SourceLocation) throws(AssemblerError) {
        var ts = try stream(rest, at: loc)
        let n = try absolute(parseExpression(&ts), at: loc, what: ".rept")
        try ts.expectEnd()
        let body = try collectBody(opens: [".rept", ".irp", ".irpc"], closes: [".endr"], what: ".rept", at: directiveLocation)
        guard n > 0, !body.isEmpty else { return }
        guard n <= 1 << 24 else { throw AssemblerError(loc, ".rept count \(n) is too large") }
        let note = AssemblerError.Note(location: directiveLocation, message: "in .rept block")
        let stmts = body.map { s in var s = s; s.notes = currentNotes + [note]; return s }
        frames.append(Frame(kind: .repeatBlock, statements: stmts, conditionDepth: conditionals.count, repeats: Int(n) - 1))
    }

    func irp(_ rest: Substring, at loc: SourceLocation, directiveLocation: SourceLocation, perCharacter: Bool) throws(AssemblerError) {
        let b = Array(rest.utf8)
        var i = 0
        func skip() { while i < b.count && Lexer.isSpace(b[i]) { i += 1 } }
        skip()
        guard i < b.count, Lexer.isIdentStart(b[i]) else { throw AssemblerError(loc, "expected a parameter name") }
        let ns = i
        while i < b.count && Lexer.isIdentChar(b[i]) { i += 1 }
        let name = String(decoding: b[ns..<i], as: UTF8.self)
        skip()
        if i < b.count && b[i] == UInt8(ascii: ",") { i += 1 }
        skip()
        var values: [String] = []
        if perCharacter {
            let (v, _) = try Self.macroArgument(b, i, at: loc)
            values = v.map { String($0) }
        } else {
            while i < b.count {
                let (v, next) = try Self.macroArgument(b, i, at: loc)
                values.append(v); i = next
                skip()
                if i < b.count && b[i] == UInt8(ascii: ",") { i += 1; skip() }
            }
        }
        let body = try collectBody(opens: [".rept", ".irp", ".irpc"], closes: [".endr"], what: perCharacter ? ".irpc" : ".irp", at: directiveLocation)
        let note = AssemblerError.Note(location: directiveLocation, message: "in .irp block")
        var out: [Statement] = []
        if values.isEmpty { values = [""] }
        for v in values {
            for s in body {
                out += SourceSplitter.split(Substring(Self.substitute(s.text, [name: v], counter: macroCount)),
                                            location: s.location, notes: currentNotes + [note])
            }
        }
        guard !out.isEmpty else { return }
        frames.append(Frame(kind: .repeatBlock, statements: out, conditionDepth: conditionals.count))
    }

    // MARK: Conditionals

    func pushConditional(_ cond: Bool, at loc: SourceLocation) {
        let parent = isActive
        conditionals.append(Conditional(active: parent && cond, taken: cond, parentActive: parent, location: loc))
    }

    static let ifDirectives: Set<String> = [".if", ".ifne", ".ifeq", ".ifgt", ".ifge", ".iflt", ".ifle", ".ifdef",
                                             ".ifndef", ".ifnotdef", ".ifc", ".ifnc", ".ifeqs", ".ifnes", ".ifb", ".ifnb"]

    /// Handle a conditional directive when assembling; nil if `name` is not one.
    func conditionalDirective(_ name: String, rest: Substring, restLocation: SourceLocation,
                              nameLocation: SourceLocation) throws(AssemblerError) -> Bool? {
        guard let d = Directive.table[name] else { return nil }
        switch d {
        case .`if`, .ifne, .ifeq, .ifgt, .ifge, .iflt, .ifle:
            var ts = try stream(rest, at: restLocation)
            let v = try absolute(parseExpression(&ts), at: restLocation, what: name)
            try ts.expectEnd()
            let c: Bool
            switch d {
            case .ifeq: c = v == 0
            case .ifgt: c = v > 0
            case .ifge: c = v >= 0
            case .iflt: c = v < 0
            case .ifle: c = v <= 0
            default: c = v != 0
            }
            pushConditional(c, at: nameLocation)
            return true
        case .ifdef, .ifndef, .ifnotdef:
            var ts = try stream(rest, at: restLocation)
            let (sym, _) = try ts.identifier("a symbol name")
            try ts.expectEnd()
            let defined = symbols[sym]?.def != nil
            pushConditional(name == ".ifdef" ? defined : !defined, at: nameLocation)
            return true
        case .`else`, .elseif, .endif:
            try elseOrEndif(name, rest: rest, restLocation: restLocation, nameLocation: nameLocation)
            return true
        default:
            return nil
        }
    }

    func elseOrEndif(_ name: String, rest: Substring, restLocation: SourceLocation, nameLocation: SourceLocation) throws(AssemblerError) {
        guard var top = conditionals.popLast() else {
            throw AssemblerError(nameLocation, "\(name) without .if")
        }
        switch Directive.table[name] ?? .endif {
        case .endif:
            return
        case .`else`:
            if top.sawElse { throw AssemblerError(nameLocation, "duplicate .else", notes: [.init(location: top.location, message: "for this .if")]) }
            top.sawElse = true
            top.active = top.parentActive && !top.taken
            top.taken = true
        default: // .elseif
            if top.sawElse { throw AssemblerError(nameLocation, ".elseif after .else") }
            if top.taken || !top.parentActive {
                top.active = false
            } else {
                var ts = try stream(rest, at: restLocation)
                let v = try absolute(parseExpression(&ts), at: restLocation, what: ".elseif")
                try ts.expectEnd()
                top.active = v != 0
                top.taken = v != 0
            }
        }
        conditionals.append(top)
    }

    /// While skipping a false branch: track nesting and find .else/.endif.
    func conditionalWhileSkipping(_ d: String, _ s: Statement) throws(AssemblerError) {
        guard let r = s.text.range(of: d, options: .caseInsensitive) else { return }
        let nameCol = s.location.column + s.text.utf8.distance(from: s.text.startIndex, to: r.lowerBound)
        var nameLoc = s.location; nameLoc.column = nameCol
        var restLoc = s.location; restLoc.column = nameCol + d.utf8.count
        if Self.ifDirectives.contains(d) {
            conditionals.append(Conditional(active: false, taken: true, parentActive: false, location: nameLoc))
        } else if d == ".else" || d == ".elseif" || d == ".endif" {
            try elseOrEndif(d, rest: s.text[r.upperBound...], restLocation: restLoc, nameLocation: nameLoc)
        }
    }

    /// `.ifc a,b`: compare two strings (quoted or bare).
    func compareStrings(_ rest: Substring, at loc: SourceLocation) throws(AssemblerError) -> Bool {
        let b = Array(rest.utf8)
        var i = 0
        while i < b.count && Lexer.isSpace(b[i]) { i += 1 }
        func one() throws(AssemblerError) -> String {
            if i < b.count && b[i] == UInt8(ascii: "\"") {
                let (v, n) = try Self.macroArgument(b, i, at: loc); i = n; return v
            }
            var out: [UInt8] = []
            while i < b.count && b[i] != UInt8(ascii: ",") { out.append(b[i]); i += 1 }
            return String(decoding: out, as: UTF8.self).trimmingSpaces()
        }
        let a = try one()
        while i < b.count && Lexer.isSpace(b[i]) { i += 1 }
        guard i < b.count && b[i] == UInt8(ascii: ",") else { throw AssemblerError(loc, "expected ',' between the two strings") }
        i += 1
        while i < b.count && Lexer.isSpace(b[i]) { i += 1 }
        let c = try one()
        return a == c
    }
}

extension String {
    func trimmingSpaces() -> String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" { s = s.dropFirst() }
        while let l = s.last, l == " " || l == "\t" { s = s.dropLast() }
        return String(s)
    }
}
