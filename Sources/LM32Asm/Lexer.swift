/// Tokens of one statement. The lexer works on UTF-8 bytes; columns are
/// 1-based byte columns in the source line.

enum TokenKind: Equatable {
    /// A symbol, mnemonic, register or directive name: letters, digits, `_`, `.`, `$`.
    case identifier(String)
    case number(Int64)
    /// A numeric local label reference: `1b` (backward) or `991f` (forward).
    case localRef(label: Int, forward: Bool)
    /// A string literal with escapes decoded.
    case string([UInt8])
    /// Punctuation or operator: `( ) , + - * / % << >> & | ^ ~ ! == != <> < > <= >= && || = :`.
    case punct(String)
}

struct Token: Equatable {
    var kind: TokenKind
    /// 1-based column of the first character.
    var column: Int
    /// The source text of the token.
    var text: String
}

enum Lexer {
    @inline(__always) static func isIdentStart(_ c: UInt8) -> Bool {
        (c >= 0x61 && c <= 0x7A) || (c >= 0x41 && c <= 0x5A) || c == 0x5F || c == 0x2E || c == 0x24
    }
    @inline(__always) static func isDigit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }
    @inline(__always) static func isIdentChar(_ c: UInt8) -> Bool { isIdentStart(c) || isDigit(c) }
    @inline(__always) static func isSpace(_ c: UInt8) -> Bool { c == 0x20 || c == 0x09 || c == 0x0D || c == 0x0B || c == 0x0C }

    /// Tokenise `text`, whose first byte is at column `column` of `location`'s line.
    static func tokenize(_ text: Substring, at location: SourceLocation) throws(AssemblerError) -> [Token] {
        let bytes = Array(text.utf8)
        var tokens: [Token] = []
        var i = 0
        func err(_ at: Int, _ msg: String) -> AssemblerError {
            var l = location; l.column += at
            return AssemblerError(l, msg)
        }
        func slice(_ a: Int, _ b: Int) -> String { String(decoding: bytes[a..<b], as: UTF8.self) }
        while i < bytes.count {
            let c = bytes[i]
            if isSpace(c) { i += 1; continue }
            let start = i
            let col = location.column + i
            if isIdentStart(c) {
                i += 1
                while i < bytes.count && isIdentChar(bytes[i]) { i += 1 }
                let s = slice(start, i)
                tokens.append(Token(kind: .identifier(s), column: col, text: s))
                continue
            }
            if isDigit(c) {
                i += 1
                while i < bytes.count && isIdentChar(bytes[i]) { i += 1 }
                let s = slice(start, i)
                guard let kind = number(s) else {
                    throw err(start, "invalid number '\(s)'")
                }
                tokens.append(Token(kind: kind, column: col, text: s))
                continue
            }
            if c == 0x22 { // string
                i += 1
                var out: [UInt8] = []
                var closed = false
                while i < bytes.count {
                    let d = bytes[i]
                    if d == 0x22 { closed = true; i += 1; break }
                    if d == 0x5C {
                        guard i + 1 < bytes.count else { break }
                        let (v, n) = escape(bytes, i + 1)
                        out.append(v); i += 1 + n
                        continue
                    }
                    out.append(d); i += 1
                }
                guard closed else { throw err(start, "unterminated string") }
                tokens.append(Token(kind: .string(out), column: col, text: slice(start, i)))
                continue
            }
            if c == 0x27 { // character constant 'c
                guard i + 1 < bytes.count else { throw err(start, "missing character after '") }
                var v: UInt8, n: Int
                if bytes[i + 1] == 0x5C {
                    guard i + 2 < bytes.count else { throw err(start, "missing character after '\\") }
                    (v, n) = escape(bytes, i + 2); n += 1
                } else { v = bytes[i + 1]; n = 1 }
                i += 1 + n
                // An optional closing quote, as in 'a'.
                if i < bytes.count && bytes[i] == 0x27 { i += 1 }
                tokens.append(Token(kind: .number(Int64(v)), column: col, text: slice(start, i)))
                continue
            }
            let two = i + 1 < bytes.count ? slice(i, i + 2) : ""
            if ["<<", ">>", "==", "!=", "<>", "<=", ">=", "&&", "||"].contains(two) {
                i += 2
                tokens.append(Token(kind: .punct(two), column: col, text: two))
                continue
            }
            switch c {
            case 0x28, 0x29, 0x2C, 0x2B, 0x2D, 0x2A, 0x2F, 0x25, 0x26, 0x7C, 0x5E, 0x7E, 0x21, 0x3C, 0x3E, 0x3D, 0x3A:
                i += 1
                let s = slice(start, i)
                tokens.append(Token(kind: .punct(s), column: col, text: s))
            default:
                throw err(start, "unexpected character \(Self.describeCharacter(bytes, at: start))")
            }
        }
        return tokens
    }

    /// The character at `bytes[i]` for a message: a printable one quoted as
    /// it is (all of a multi-byte UTF-8 sequence, with its code point), a
    /// control byte or a byte of invalid UTF-8 as `\xNN`.
    static func describeCharacter(_ bytes: [UInt8], at i: Int) -> String {
        let c = bytes[i]
        func hex(_ b: UInt8) -> String { "'\\x" + (b < 0x10 ? "0" : "") + String(b, radix: 16) + "'" }
        if c < 0x80 { return c < 0x20 || c == 0x7F ? hex(c) : "'\(Character(Unicode.Scalar(c)))'" }
        let length = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1
        guard length > 1, i + length <= bytes.count,
              let scalar = String(validating: bytes[i..<i + length], as: UTF8.self)?.unicodeScalars.first else { return hex(c) }
        // the source was decoded with invalid bytes replaced
        if scalar == "\u{FFFD}" { return "U+FFFD (a byte that is not UTF-8)" }
        let code = String(scalar.value, radix: 16, uppercase: true)
        let name = "U+" + String(repeating: "0", count: max(0, 4 - code.count)) + code
        return scalar.properties.generalCategory == .control || scalar.properties.generalCategory == .format
            ? name : "'\(scalar)' (\(name))"
    }

    /// Decode the escape after a backslash at `bytes[i]`; returns the byte and
    /// how many bytes were consumed.
    static func escape(_ bytes: [UInt8], _ i: Int) -> (UInt8, Int) {
        let d = bytes[i]
        switch d {
        case UInt8(ascii: "n"): return (10, 1)
        case UInt8(ascii: "t"): return (9, 1)
        case UInt8(ascii: "r"): return (13, 1)
        case UInt8(ascii: "b"): return (8, 1)
        case UInt8(ascii: "f"): return (12, 1)
        case UInt8(ascii: "v"): return (11, 1)
        case UInt8(ascii: "a"): return (7, 1)
        case UInt8(ascii: "e"): return (27, 1)
        case UInt8(ascii: "0")...UInt8(ascii: "7"):
            var v = 0, n = 0
            while n < 3 && i + n < bytes.count && bytes[i + n] >= 0x30 && bytes[i + n] <= 0x37 {
                v = v * 8 + Int(bytes[i + n] - 0x30); n += 1
            }
            return (UInt8(truncatingIfNeeded: v), n)
        case UInt8(ascii: "x"), UInt8(ascii: "X"):
            var v = 0, n = 1
            while i + n < bytes.count, let h = hexValue(bytes[i + n]) { v = (v * 16 + h) & 0xFF; n += 1 }
            return (UInt8(v), n)
        default: return (d, 1)
        }
    }

    static func hexValue(_ c: UInt8) -> Int? {
        switch c {
        case 0x30...0x39: return Int(c - 0x30)
        case 0x61...0x66: return Int(c - 0x61 + 10)
        case 0x41...0x46: return Int(c - 0x41 + 10)
        default: return nil
        }
    }

    /// A number or local-label reference spelled `s` (starts with a digit).
    static func number(_ s: String) -> TokenKind? {
        let b = Array(s.utf8)
        func parse(_ digits: ArraySlice<UInt8>, radix: UInt64) -> TokenKind? {
            guard !digits.isEmpty else { return nil }
            var v: UInt64 = 0
            for c in digits {
                guard let d = hexValue(c), UInt64(d) < radix else { return nil }
                let (m, o1) = v.multipliedReportingOverflow(by: radix)
                let (a, o2) = m.addingReportingOverflow(UInt64(d))
                guard !o1 && !o2 else { return nil }
                v = a
            }
            return .number(Int64(bitPattern: v))
        }
        if b.count > 2 && b[0] == 0x30 && (b[1] == 0x78 || b[1] == 0x58) { return parse(b[2...], radix: 16) }
        if b.count > 2 && b[0] == 0x30 && (b[1] == 0x62 || b[1] == 0x42), let k = parse(b[2...], radix: 2) { return k }
        // Local label reference: digits then b or f.
        if let last = b.last, last == 0x62 || last == 0x66, b.count >= 2, b.dropLast().allSatisfy(isDigit),
           let n = Int(String(decoding: b.dropLast(), as: UTF8.self)) {
            return .localRef(label: n, forward: last == 0x66)
        }
        guard b.allSatisfy(isDigit) else { return nil }
        if b.count > 1 && b[0] == 0x30 { return parse(b[1...], radix: 8) }
        return parse(b[...], radix: 10)
    }
}

/// A cursor over the tokens of one statement.
struct TokenStream {
    var tokens: [Token]
    var pos = 0
    /// Location of the statement (for the end-of-line column).
    var location: SourceLocation
    /// Column just past the statement's text.
    var endColumn: Int

    init(_ tokens: [Token], location: SourceLocation, endColumn: Int) {
        self.tokens = tokens; self.location = location; self.endColumn = endColumn
    }

    var atEnd: Bool { pos >= tokens.count }
    var peek: Token? { pos < tokens.count ? tokens[pos] : nil }
    func peek(_ k: Int) -> Token? { pos + k < tokens.count ? tokens[pos + k] : nil }
    mutating func next() -> Token? { defer { pos += 1 }; return peek }

    /// The column of the current token, or the end of the line.
    var column: Int { peek?.column ?? endColumn }
    func here() -> SourceLocation { var l = location; l.column = column; return l }
    func error(_ msg: String) -> AssemblerError { AssemblerError(here(), msg) }

    func isPunct(_ p: String) -> Bool { if case .punct(p)? = peek?.kind { return true }; return false }

    mutating func accept(_ p: String) -> Bool {
        if isPunct(p) { pos += 1; return true }
        return false
    }
    mutating func expect(_ p: String, _ what: String? = nil) throws(AssemblerError) {
        guard accept(p) else {
            if let t = peek { throw error("expected '\(p)'\(what.map { " " + $0 } ?? "") but found '\(t.text)'") }
            throw error("expected '\(p)'\(what.map { " " + $0 } ?? "") at end of line")
        }
    }
    mutating func expectEnd() throws(AssemblerError) {
        if !atEnd {
            let rest = tokens[pos...].map(\.text).joined(separator: " ")
            throw error("junk at end of line: '\(rest)'")
        }
    }
    mutating func identifier(_ what: String) throws(AssemblerError) -> (String, Token) {
        guard let t = peek, case .identifier(let s) = t.kind else {
            if let t = peek { throw error("expected \(what) but found '\(t.text)'") }
            throw error("expected \(what) at end of line")
        }
        pos += 1
        return (s, t)
    }
}
