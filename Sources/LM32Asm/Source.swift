/// Reading source text into statements: comments removed (`#` to end of line,
/// `/* */` possibly over several lines), lines split at `;`, each statement
/// keeping the location of its first character.

struct Statement: Sendable {
    /// The statement's text (no comments, no separator).
    var text: Substring
    /// Where `text` starts.
    var location: SourceLocation
    /// Context: macro expansions and includes this statement comes from.
    var notes: [AssemblerError.Note] = []

    var endColumn: Int { location.column + text.utf8.count }
}

enum SourceSplitter {
    /// Split a file's text into statements. Throws on an unterminated `/* */`.
    static func statements(_ source: String, file: String) throws(AssemblerError) -> [Statement] {
        let bytes = Array(source.utf8)
        var out: [Statement] = []
        var cur: [UInt8] = []
        var line = 1, col = 1
        var startLine = 1, startCol = 1
        var i = 0
        var blockStart: SourceLocation? = nil

        func flush() {
            if cur.contains(where: { !Lexer.isSpace($0) }) {
                out.append(Statement(text: Substring(String(decoding: cur, as: UTF8.self)),
                                     location: SourceLocation(file: file, line: startLine, column: startCol)))
            }
            cur.removeAll(keepingCapacity: true)
        }
        while i < bytes.count {
            let c = bytes[i]
            if blockStart != nil {
                if c == UInt8(ascii: "*") && i + 1 < bytes.count && bytes[i + 1] == UInt8(ascii: "/") {
                    blockStart = nil
                    cur.append(0x20); cur.append(0x20)
                    i += 2; col += 2
                    continue
                }
                if c == 0x0A {
                    // A comment spanning lines ends this line's statement.
                    flush(); line += 1; col = 1; i += 1
                    startLine = line; startCol = 1
                    continue
                }
                cur.append(0x20); i += 1; col += 1
                continue
            }
            switch c {
            case 0x0A:
                flush(); line += 1; col = 1; i += 1
                startLine = line; startCol = 1
            case UInt8(ascii: "#"):
                while i < bytes.count && bytes[i] != 0x0A { i += 1; col += 1 }
            case UInt8(ascii: "/") where i + 1 < bytes.count && bytes[i + 1] == UInt8(ascii: "*"):
                blockStart = SourceLocation(file: file, line: line, column: col)
                cur.append(0x20); cur.append(0x20)
                i += 2; col += 2
            case UInt8(ascii: ";"):
                flush(); i += 1; col += 1
                startLine = line; startCol = col
            case UInt8(ascii: "\""):
                cur.append(c); i += 1; col += 1
                while i < bytes.count && bytes[i] != 0x0A {
                    let d = bytes[i]
                    cur.append(d); i += 1; col += 1
                    if d == UInt8(ascii: "\\") && i < bytes.count && bytes[i] != 0x0A {
                        cur.append(bytes[i]); i += 1; col += 1
                    } else if d == UInt8(ascii: "\"") {
                        break
                    }
                }
            case UInt8(ascii: "'"):
                // A character constant: the next character is literal.
                cur.append(c); i += 1; col += 1
                if i < bytes.count && bytes[i] != 0x0A {
                    let d = bytes[i]
                    cur.append(d); i += 1; col += 1
                    if d == UInt8(ascii: "\\") && i < bytes.count && bytes[i] != 0x0A {
                        cur.append(bytes[i]); i += 1; col += 1
                    }
                }
            default:
                cur.append(c); i += 1; col += 1
            }
        }
        if let b = blockStart { throw AssemblerError(b, "unterminated comment (missing '*/')") }
        flush()
        return out
    }

    /// Split already comment-free text (a macro expansion) at `;` outside strings.
    static func split(_ text: Substring, location: SourceLocation, notes: [AssemblerError.Note]) -> [Statement] {
        guard text.utf8.contains(UInt8(ascii: ";")) else {
            return [Statement(text: text, location: location, notes: notes)]
        }
        var out: [Statement] = []
        var inString = false, escaped = false
        var start = text.startIndex
        var startCol = location.column
        var col = location.column
        var idx = text.startIndex
        while idx < text.endIndex {
            let c = text.utf8[idx]
            if inString {
                if escaped { escaped = false } else if c == UInt8(ascii: "\\") { escaped = true } else if c == UInt8(ascii: "\"") { inString = false }
            } else if c == UInt8(ascii: "\"") {
                inString = true
            } else if c == UInt8(ascii: ";") {
                var l = location; l.column = startCol
                out.append(Statement(text: text[start..<idx], location: l, notes: notes))
                start = text.utf8.index(after: idx); startCol = col + 1
            }
            idx = text.utf8.index(after: idx); col += 1
        }
        var l = location; l.column = startCol
        out.append(Statement(text: text[start..<text.endIndex], location: l, notes: notes))
        return out
    }
}
