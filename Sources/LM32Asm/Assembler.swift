import Foundation
import LM32

/// GNU-as compatible assembler for LM32 (the subset LM32 code uses): one
/// source file (plus its `.include`s) in, one `ObjectFile` out.
public enum Assembler {
    /// Assemble a file from disk. `.include` looks in the including file's
    /// directory, then in `includePaths`.
    public static func assemble(file path: String, includePaths: [String] = []) throws(AssemblerError) -> ObjectFile {
        let read: String?
        do { read = try readTextFile(path) } catch {
            throw AssemblerError(SourceLocation(file: path, line: 0, column: 0), error.description)
        }
        guard let text = read else {
            throw AssemblerError(SourceLocation(file: path, line: 0, column: 0), "cannot read file '\(path)'")
        }
        return try assemble(source: text, fileName: path, includePaths: includePaths, readFile: readTextFile)
    }

    /// Assemble a file from disk (URL flavour).
    public static func assemble(file url: URL, includePaths: [URL] = []) throws(AssemblerError) -> ObjectFile {
        try assemble(file: url.path, includePaths: includePaths.map(\.path))
    }

    /// Assemble source text. `readFile` supplies `.include`d files by path
    /// (default: the file system, `readTextFile`): nil when there is no such
    /// file (the next include directory is tried), an error to refuse one.
    public static func assemble(source: String, fileName: String = "<input>", includePaths: [String] = [],
                                readFile: ReadSource? = nil) throws(AssemblerError) -> ObjectFile {
        let state = AssemblerState(fileName: fileName, includePaths: includePaths, readFile: readFile ?? readTextFile)
        return try state.run(source: source)
    }

    /// How `.include` reads a file: its text, nil when it is not there.
    public typealias ReadSource = (String) throws -> String?

    /// A source file from disk, read up to `InputFile.maxBytes` (an endless
    /// device or FIFO is refused, not slurped); nil when it cannot be opened
    /// or is a directory.
    public static func readTextFile(_ path: String) throws(InputFile.Failure) -> String? {
        do { return String(decoding: try InputFile.read(path), as: UTF8.self) } catch {
            switch error {
            case .cannotOpen, .directory: return nil
            case .tooLarge, .readError: throw error
            }
        }
    }
}

/// Limits that keep broken input from hanging the assembler.
enum Limits {
    static let includeDepth = 64
    static let macroDepth = 100
    static let statements = 2_000_000
    /// What one `.include` costs of the statement budget: finding, reading
    /// and splitting a file costs about as much as assembling that many
    /// statements, so `.include` repeated by `.rept` is bounded too (at most
    /// 10 000 of them per source).
    static let includeCost = 200
    /// The longest line a macro expansion may produce, and what expanded
    /// text costs of the statement budget (one statement per
    /// `expansionBytesPerStatement` bytes): arguments that repeat themselves
    /// (`.macro m a` / `m \a\a`) would otherwise double at every level.
    static let expandedLine = 1 << 16
    static let expansionBytesPerStatement = 64
    /// The text the macro expansions open at once may hold between them. A
    /// recursive macro whose argument grows by part of its own text at each
    /// level costs the square of its depth before the line limit stops it
    /// (a fuzzer's input: 684 bytes more a level, 3 MB expanded over 95
    /// levels); this stops such a chain after this much text, the work of
    /// 4 096 statements at `expansionBytesPerStatement`.
    static let openExpansion = 1 << 18
    static let sectionSize = 64 << 20
    static let alignment: Int64 = 1 << 24
}

/// One input source being read: a file, a macro expansion or a repeat block.
final class Frame {
    /// A macro frame keeps the size of its expanded text (`Limits.openExpansion`).
    enum Kind { case file(path: String, shown: String), macro(name: String, textBytes: Int), repeatBlock }
    let kind: Kind
    var statements: [Statement]
    var index = 0
    /// How many more times to replay `statements` (for `.rept`).
    var repeatsLeft = 0
    /// Conditional nesting when the frame started (checked when it ends).
    let conditionDepth: Int

    init(kind: Kind, statements: [Statement], conditionDepth: Int, repeats: Int = 0) {
        self.kind = kind; self.statements = statements; self.conditionDepth = conditionDepth; self.repeatsLeft = repeats
    }
}

struct SectionBuffer {
    var name: String
    var kind: SectionKind
    var bytes: [UInt8] = []
    var alignment: UInt32 = 1
}

struct SymbolEntry {
    enum Def { case label(section: Int, offset: Int64), absolute(Int64), expression(Expr) }
    var def: Def?
    var isGlobal = false
    var isWeak = false
    /// Defined by `.set`/`=`: may be redefined.
    var isSet = false
    var location: SourceLocation?
}

struct Conditional {
    /// This branch is being assembled.
    var active: Bool
    /// Some branch of this .if was already taken.
    var taken: Bool
    /// The enclosing context is active.
    var parentActive: Bool
    var sawElse = false
    var location: SourceLocation
}

struct Macro {
    struct Parameter { var name: String; var defaultValue: String?; var required: Bool; var vararg: Bool }
    var name: String
    var parameters: [Parameter]
    var body: [Statement]
    var location: SourceLocation
}

final class AssemblerState: ExpressionContext {
    let fileName: String
    let includePaths: [String]
    let readFile: Assembler.ReadSource

    var sections: [SectionBuffer] = []
    var current = 0
    var previousSection = 0
    var sectionStack: [Int] = []
    var symbols: [String: SymbolEntry] = [:]
    var symbolOrder: [String] = []
    var fixups: [Fixup] = []
    var warnings: [AssemblerError] = []
    var frames: [Frame] = []
    var conditionals: [Conditional] = []
    var macros: [String: Macro] = [:]
    var macroCount = 0
    var localLabelCounts: [Int: Int] = [:]
    var forwardLocalRefs: [(name: String, label: Int, location: SourceLocation)] = []
    var statementCount = 0
    /// Statements allowed before giving up (tests lower it).
    var statementLimit = Limits.statements
    var ended = false
    /// The statement being processed (for notes).
    var currentNotes: [AssemblerError.Note] = []
    /// Included files by the path tried: the canonical path and statements
    /// (nil: not readable), so a repeated `.include` reads its file once.
    var includeCache: [String: (path: String, statements: [Statement])?] = [:]

    init(fileName: String, includePaths: [String], readFile: @escaping Assembler.ReadSource) {
        self.fileName = fileName; self.includePaths = includePaths; self.readFile = readFile
        _ = sectionIndex(named: ".text", kind: .text)
        _ = sectionIndex(named: ".data", kind: .data)
        _ = sectionIndex(named: ".bss", kind: .bss)
        current = 0
    }

    // MARK: Driver

    func run(source: String) throws(AssemblerError) -> ObjectFile {
        let stmts = try SourceSplitter.statements(source, file: fileName)
        frames.append(Frame(kind: .file(path: canonical(fileName), shown: fileName), statements: stmts, conditionDepth: 0))
        while !ended, let s = try nextStatement() {
            statementCount += 1
            if statementCount > statementLimit {
                throw AssemblerError(s.location, "too many statements (over \(statementLimit)); runaway .rept or macro recursion?")
            }
            currentNotes = s.notes
            do {
                try process(s)
            } catch {
                var e = error
                if e.notes.isEmpty { e.notes = s.notes }
                throw e
            }
        }
        if let c = conditionals.last {
            throw AssemblerError(c.location, "unterminated conditional (missing .endif)")
        }
        return try finish()
    }

    /// The next statement to assemble, popping finished frames.
    func nextStatement() throws(AssemblerError) -> Statement? {
        while let f = frames.last {
            if f.index < f.statements.count {
                f.index += 1
                return f.statements[f.index - 1]
            }
            if f.repeatsLeft > 0 {
                f.repeatsLeft -= 1
                f.index = 0
                continue
            }
            if case .file = f.kind, conditionals.count > f.conditionDepth, let c = conditionals.last {
                throw AssemblerError(c.location, "unterminated conditional (missing .endif) at end of file")
            }
            frames.removeLast()
        }
        return nil
    }

    /// The rest of the current frame's statements up to a terminator, for
    /// `.macro`/`.endm` and `.rept`/`.endr` bodies (nesting counted).
    func collectBody(opens: Set<String>, closes: Set<String>, what: String, at loc: SourceLocation) throws(AssemblerError) -> [Statement] {
        guard let f = frames.last else { throw AssemblerError(loc, "unterminated \(what)") }
        var depth = 0
        var body: [Statement] = []
        while f.index < f.statements.count {
            let s = f.statements[f.index]
            f.index += 1
            if let d = Self.headDirective(s.text) {
                if opens.contains(d) { depth += 1 }
                else if closes.contains(d) {
                    if depth == 0 { return body }
                    depth -= 1
                }
            }
            body.append(s)
        }
        throw AssemblerError(loc, "unterminated \(what) (missing \(closes.sorted().first ?? ""))")
    }

    /// The directive (lower case) a statement starts with, after any labels.
    static func headDirective(_ text: Substring) -> String? {
        let b = Array(text.utf8)
        var i = 0
        while true {
            while i < b.count && Lexer.isSpace(b[i]) { i += 1 }
            guard i < b.count, Lexer.isIdentChar(b[i]) else { return nil }
            var j = i
            while j < b.count && Lexer.isIdentChar(b[j]) { j += 1 }
            var k = j
            while k < b.count && Lexer.isSpace(b[k]) { k += 1 }
            if k < b.count && b[k] == UInt8(ascii: ":") { i = k + 1; continue }
            guard b[i] == UInt8(ascii: ".") else { return nil }
            return String(decoding: b[i..<j], as: UTF8.self).lowercased()
        }
    }

    // MARK: Statements

    var isActive: Bool { conditionals.last.map { $0.active } ?? true }

    func process(_ s: Statement) throws(AssemblerError) {
        let b = Array(s.text.utf8)
        var i = 0
        func loc(_ at: Int) -> SourceLocation { var l = s.location; l.column += at; return l }
        func skipSpace() { while i < b.count && Lexer.isSpace(b[i]) { i += 1 } }

        if !isActive {
            if let d = Self.headDirective(s.text) { try conditionalWhileSkipping(d, s) }
            return
        }
        // Labels.
        while true {
            skipSpace()
            guard i < b.count, Lexer.isIdentChar(b[i]) else { break }
            var j = i
            while j < b.count && Lexer.isIdentChar(b[j]) { j += 1 }
            var k = j
            while k < b.count && Lexer.isSpace(b[k]) { k += 1 }
            guard k < b.count && b[k] == UInt8(ascii: ":") else { break }
            let name = String(decoding: b[i..<j], as: UTF8.self)
            try defineLabel(name, at: loc(i))
            i = k + 1
        }
        skipSpace()
        guard i < b.count else { return }
        guard Lexer.isIdentStart(b[i]) else {
            if Lexer.isDigit(b[i]) {
                var j = i
                while j < b.count && Lexer.isIdentChar(b[j]) { j += 1 }
                throw AssemblerError(loc(i), "expected a label, directive or instruction but found '\(String(decoding: b[i..<j], as: UTF8.self))'")
            }
            let ch = b[i] < 0x80 ? String(UnicodeScalar(b[i])) : "\\x" + String(b[i], radix: 16)
            throw AssemblerError(loc(i), "unexpected character '\(ch)' at start of statement")
        }
        let headStart = i
        while i < b.count && Lexer.isIdentChar(b[i]) { i += 1 }
        let head = String(decoding: b[headStart..<i], as: UTF8.self)
        let restStart = i
        var k = i
        while k < b.count && Lexer.isSpace(b[k]) { k += 1 }
        let restText = s.text.utf8.dropFirst(restStart)
        let rest = Substring(restText)
        let restLoc = loc(restStart)
        // NAME = expr
        if k < b.count && b[k] == UInt8(ascii: "=") && !(k + 1 < b.count && b[k + 1] == UInt8(ascii: "=")) {
            let exprText = Substring(s.text.utf8.dropFirst(k + 1))
            var ts = try stream(exprText, at: loc(k + 1))
            let e = try parseExpression(&ts)
            try ts.expectEnd()
            try setSymbol(head, e, at: loc(headStart), redefinable: true)
            return
        }
        let lower = head.lowercased()
        if lower.hasPrefix(".") {
            if try directive(lower, rest: rest, restLocation: restLoc, nameLocation: loc(headStart), statement: s) { return }
        }
        if let m = macros[lower] {
            try expand(m, arguments: rest, at: loc(headStart), argumentsLocation: restLoc, statement: s)
            return
        }
        if lower.hasPrefix(".") {
            throw AssemblerError(loc(headStart), "unknown directive '\(head)'")
        }
        var ts = try stream(rest, at: restLoc)
        try instruction(head, at: loc(headStart), operands: &ts)
    }

    func stream(_ text: Substring, at location: SourceLocation) throws(AssemblerError) -> TokenStream {
        let toks = try Lexer.tokenize(text, at: location)
        return TokenStream(toks, location: location, endColumn: location.column + text.utf8.count)
    }

    // MARK: Symbols

    func defineLabel(_ name: String, at loc: SourceLocation) throws(AssemblerError) {
        let off = Int64(sections[current].bytes.count)
        if name.utf8.allSatisfy(Lexer.isDigit) {
            guard let n = Int(name) else { throw AssemblerError(loc, "local label number '\(name)' is too large") }
            let count = (localLabelCounts[n] ?? 0) + 1
            localLabelCounts[n] = count
            let internalName = Self.localLabelName(n, count)
            noteDefinition(internalName)
            symbols[internalName] = SymbolEntry(def: .label(section: current, offset: off), location: loc)
            symbolOrder.append(internalName)
            return
        }
        guard Lexer.isIdentStart(name.utf8.first!) else {
            throw AssemblerError(loc, "invalid label name '\(name)'")
        }
        if let e = symbols[name], e.def != nil {
            var err = AssemblerError(loc, "symbol '\(name)' is already defined")
            if let l = e.location { err.notes.append(.init(location: l, message: "previous definition of '\(name)' is here")) }
            throw err
        }
        noteDefinition(name)
        var e = symbols[name] ?? SymbolEntry()
        if symbols[name] == nil { symbolOrder.append(name) }
        e.def = .label(section: current, offset: off)
        e.location = loc
        symbols[name] = e
    }

    static func localLabelName(_ n: Int, _ instance: Int) -> String { ".L\(n)\u{2}\(instance)" }

    func localLabelReference(_ label: Int, forward: Bool, at loc: SourceLocation) throws(AssemblerError) -> String {
        let count = localLabelCounts[label] ?? 0
        if forward {
            let name = Self.localLabelName(label, count + 1)
            forwardLocalRefs.append((name, label, loc))
            return name
        }
        guard count > 0 else {
            throw AssemblerError(loc, "local label '\(label)' (referenced as '\(label)b') is not defined before this point")
        }
        return Self.localLabelName(label, count)
    }

    func currentLocation() -> Expr { .location(section: current, offset: Int64(sections[current].bytes.count)) }

    func setSymbol(_ name: String, _ e: Expr, at loc: SourceLocation, redefinable: Bool, equiv: Bool = false) throws(AssemblerError) {
        guard let f = name.utf8.first, Lexer.isIdentStart(f), name != "." else {
            if name == "." {
                // `. = expr` moves the location counter, like .org.
                try org(e, fill: 0, at: loc)
                return
            }
            throw AssemblerError(loc, "invalid symbol name '\(name)'")
        }
        if let old = symbols[name], old.def != nil, !(old.isSet && redefinable && !equiv) {
            var err = AssemblerError(loc, "symbol '\(name)' is already defined")
            if let l = old.location { err.notes.append(.init(location: l, message: "previous definition of '\(name)' is here")) }
            throw err
        }
        var entry = symbols[name] ?? SymbolEntry()
        if symbols[name] == nil { symbolOrder.append(name) }
        // Evaluate now if everything is known (so later redefinitions of
        // its operands do not change it); otherwise keep the expression.
        let v = try evaluate(e)
        noteDefinition(name)
        if let v {
            switch v {
            case .absolute(let x): entry.def = .absolute(x)
            case .relative(let s, let o): entry.def = .label(section: s, offset: o)
            }
        } else {
            entry.def = .expression(e)
        }
        entry.isSet = true
        entry.location = loc
        symbols[name] = entry
    }

    /// Set while resolving fixups at the end: references to weak symbols are
    /// left to the linker (another object may override them).
    var deferWeak = false { didSet { expressionValues = [:] } }

    /// Values of symbols set to expressions, as last evaluated; valid while
    /// no symbol looked up in vain gets defined and no symbol is redefined
    /// (`noteDefinition`). Without it a chain of n `.equ`s, each defined in
    /// terms of the previous one and of a symbol not yet known, would cost
    /// n² steps.
    var expressionValues: [String: Value?] = [:]
    /// Symbols looked up while undefined (or weak with `deferWeak`).
    var missed: Set<String> = []

    /// `name` is about to get a definition: forget the remembered values
    /// that may depend on it.
    func noteDefinition(_ name: String) {
        if symbols[name]?.def != nil || missed.contains(name) { expressionValues = [:]; missed = [] }
    }

    func resolve(_ name: String, _ loc: SourceLocation) -> Resolution<Void> {
        guard let e = symbols[name], let d = e.def, !(deferWeak && e.isWeak) else {
            missed.insert(name)
            return .value(nil)
        }
        switch d {
        case .label(let s, let o): return .value(.relative(section: s, offset: o))
        case .absolute(let v): return .value(.absolute(v))
        case .expression(let ex): return .expand(ex, key: name, name: name, definedAt: e.location, scope: ())
        }
    }

    func evaluate(_ e: Expr) throws(AssemblerError) -> Value? {
        try Evaluator.evaluate(e, scope: (), memo: &expressionValues) { (n, l, _) in self.resolve(n, l) }
    }

    /// Replace `.set`/`.equ` symbols by their current values: GNU as uses the
    /// value a redefinable symbol has where it is used (`.set i, i+1` in a `.rept`).
    func freeze(_ e: Expr) -> Expr {
        switch e {
        case .number, .location: return e
        case .symbol(let n, _):
            guard let s = symbols[n], s.isSet, let d = s.def else { return e }
            switch d {
            case .absolute(let v): return .number(v)
            case .label(let sec, let o): return .location(section: sec, offset: o)
            case .expression: return e
            }
        case .unary(let op, let a, let l): return .unary(op, freeze(a), l)
        case .binary(let op, let a, let b, let l): return .binary(op, freeze(a), freeze(b), l)
        }
    }

    func parseExpression(_ ts: inout TokenStream) throws(AssemblerError) -> Expr {
        var p = ExpressionParser(context: self)
        return try p.parse(&ts)
    }

    /// First symbol in `e` that is not defined (for messages): depth first,
    /// left to right, through the definitions of symbols set to expressions.
    func firstUndefined(_ e: Expr) -> (String, SourceLocation)? {
        var pending = [e]
        var expanded = Set<String>()
        while let e = pending.popLast() {
            switch e {
            case .number, .location: break
            case .symbol(let n, let l):
                guard let s = symbols[n], let d = s.def else { return (n, l) }
                if case .expression(let x) = d, expanded.insert(n).inserted { pending.append(x) }
            case .unary(_, let a, _): pending.append(a)
            case .binary(_, let a, let b, _): pending.append(b); pending.append(a)
            }
        }
        return nil
    }

    /// An expression that must be an absolute number now (.space, .rept, .if…).
    func absolute(_ e: Expr, at loc: SourceLocation, what: String) throws(AssemblerError) -> Int64 {
        guard let v = try evaluate(e) else {
            if let (n, l) = firstUndefined(e) {
                throw AssemblerError(l, "symbol '\(Self.displayName(n))' is not defined here (\(what) needs a value known at this point)")
            }
            throw AssemblerError(loc, "\(what) needs a value known at this point")
        }
        guard case .absolute(let x) = v else {
            throw AssemblerError(loc, "\(what) needs an absolute value, not an address")
        }
        return x
    }

    static func displayName(_ n: String) -> String {
        if n.hasPrefix(".L"), let r = n.firstIndex(of: "\u{2}") {
            return String(n[n.index(n.startIndex, offsetBy: 2)..<r]) + "f"
        }
        return n
    }

    // MARK: Sections and output

    func sectionIndex(named name: String, kind: SectionKind? = nil) -> Int {
        if let i = sections.firstIndex(where: { $0.name == name }) { return i }
        sections.append(SectionBuffer(name: name, kind: kind ?? Self.defaultKind(name)))
        return sections.count - 1
    }

    static func defaultKind(_ name: String) -> SectionKind {
        func m(_ p: String) -> Bool { name == p || name.hasPrefix(p + ".") }
        if m(".text") || name.hasPrefix(".gnu.linkonce.t") { return .text }
        if m(".rodata") || name == ".rodata1" || name.hasPrefix(".gnu.linkonce.r") { return .readOnlyData }
        if m(".bss") || m(".sbss") || name.hasPrefix(".gnu.linkonce.b") || name.hasPrefix(".gnu.linkonce.sb") { return .bss }
        if m(".data") || m(".sdata") || name == ".data1" || name.hasPrefix(".gnu.linkonce") { return .data }
        if name.hasPrefix(".comment") || name.hasPrefix(".debug") || name.hasPrefix(".note") || name.hasPrefix(".stab") { return .nonAllocated }
        return .data
    }

    func switchSection(_ i: Int) {
        if i != current { previousSection = current }
        current = i
    }

    var offset: Int { sections[current].bytes.count }

    func emit(_ bytes: [UInt8], at loc: SourceLocation) throws(AssemblerError) {
        try emit(bytes, repeated: 1, at: loc)
    }

    /// `count` copies of `unit`, checked and appended at once: `.fill` of
    /// tens of millions of units costs a few copies of the bytes, not a
    /// call per unit.
    func emit(_ unit: [UInt8], repeated count: Int, at loc: SourceLocation) throws(AssemblerError) {
        if sections[current].kind == .bss, unit.contains(where: { $0 != 0 }) {
            throw AssemblerError(loc, "attempt to store non-zero data in section '\(sections[current].name)' (no contents)")
        }
        let (n, overflow) = unit.count.multipliedReportingOverflow(by: count)
        guard !overflow, sections[current].bytes.count + n <= Limits.sectionSize else {
            throw AssemblerError(loc, "section '\(sections[current].name)' exceeds \(Limits.sectionSize) bytes")
        }
        guard n > 0 else { return }
        if count == 1 { return sections[current].bytes.append(contentsOf: unit) }
        // doubling: log2(count) block copies
        var bytes = unit
        bytes.reserveCapacity(n)
        while bytes.count < n { bytes.append(contentsOf: bytes[..<min(bytes.count, n - bytes.count)]) }
        sections[current].bytes.append(contentsOf: bytes)
    }

    func emitZeros(_ n: Int, fill: UInt8 = 0, at loc: SourceLocation) throws(AssemblerError) {
        guard n >= 0 else { throw AssemblerError(loc, "negative size") }
        guard sections[current].bytes.count + n <= Limits.sectionSize else {
            throw AssemblerError(loc, "section '\(sections[current].name)' would exceed \(Limits.sectionSize) bytes")
        }
        if fill != 0 && sections[current].kind == .bss {
            throw AssemblerError(loc, "attempt to store non-zero data in section '\(sections[current].name)' (no contents)")
        }
        sections[current].bytes.append(contentsOf: repeatElement(fill, count: n))
    }

    func align(_ n: Int64, fill: UInt8?, max: Int64?, at loc: SourceLocation) throws(AssemblerError) {
        guard n > 0 else { return }
        guard n & (n - 1) == 0 else { throw AssemblerError(loc, "alignment \(n) is not a power of 2") }
        guard n <= Limits.alignment else { throw AssemblerError(loc, "alignment \(n) is too large") }
        let pad = Int((n - Int64(offset) % n) % n)
        if let max, pad > max { return }
        sections[current].alignment = Swift.max(sections[current].alignment, UInt32(n))
        try emitZeros(pad, fill: fill ?? 0, at: loc)
    }

    func org(_ e: Expr, fill: UInt8, at loc: SourceLocation) throws(AssemblerError) {
        guard let v = try evaluate(e) else {
            throw AssemblerError(loc, ".org needs a value known at this point")
        }
        let target: Int64
        switch v {
        case .absolute(let x): target = x
        case .relative(let s, let o):
            guard s == current else { throw AssemblerError(loc, ".org to a location in another section") }
            target = o
        }
        guard target >= Int64(offset) else {
            throw AssemblerError(loc, "attempt to move .org backwards (from \(offset) to \(target))")
        }
        guard target - Int64(offset) <= Int64(Limits.sectionSize) else {
            throw AssemblerError(loc, ".org target \(target) is too far")
        }
        try emitZeros(Int(target - Int64(offset)), fill: fill, at: loc)
    }

    /// Write a value (big-endian, truncated to `width`) at `at` in section `sec`.
    func patch(_ sec: Int, _ at: Int, _ value: Int64, width: Int) {
        for k in 0..<width {
            sections[sec].bytes[at + k] = UInt8(truncatingIfNeeded: value >> (8 * (width - 1 - k)))
        }
    }

    // MARK: End of assembly

    func finish() throws(AssemblerError) -> ObjectFile {
        for r in forwardLocalRefs where symbols[r.name]?.def == nil {
            throw AssemblerError(r.location, "local label '\(r.label)' (referenced as '\(r.label)f') is not defined after this point")
        }
        // Resolve what this object can resolve itself.
        var remaining: [Fixup] = []
        deferWeak = true
        for f in fixups {
            guard let v = try evaluate(f.expr) else { remaining.append(f); continue }
            switch (f.kind, v) {
            case (.data(let w), .absolute(let x)):
                patch(f.section, f.offset, x, width: w)
            case (.instruction(let spec, let ops, let slot), .absolute(let x)):
                let word = try encodeInstruction(spec, ops, slot: slot, value: x, pc: UInt32(f.offset), gpValue: nil, at: f.location)
                patch(f.section, f.offset, Int64(word), width: 4)
            case (.instruction(let spec, let ops, .branch), .relative(let s, let o)) where s == f.section:
                let word = try encodeInstruction(spec, ops, slot: .branch, value: o, pc: UInt32(f.offset), gpValue: nil, at: f.location)
                patch(f.section, f.offset, Int64(word), width: 4)
            default:
                remaining.append(f)
            }
        }
        deferWeak = false
        var syms: [ObjectSymbol] = []
        for name in symbolOrder {
            guard let e = symbols[name], let d = e.def else { continue }
            let def: ObjectSymbol.Definition
            switch d {
            case .label(let s, let o): def = .label(section: s, offset: o)
            case .absolute(let v): def = .absolute(v)
            case .expression(let x):
                switch try evaluate(x) {
                case .absolute(let v)?: def = .absolute(v)
                case .relative(let s, let o)?: def = .label(section: s, offset: o)
                case nil: def = .expression(x)
                }
            }
            syms.append(ObjectSymbol(name: name, definition: def, isGlobal: e.isGlobal, location: e.location ?? SourceLocation(file: fileName, line: 0, column: 0),
                                     isWeak: e.isWeak))
        }
        // Globals declared but defined nowhere here are references, not definitions.
        let secs = sections.map { ObjectSection(name: $0.name, kind: $0.kind, bytes: $0.bytes, alignment: $0.alignment) }
        let weak = Set(symbols.filter { $0.value.isWeak && $0.value.def == nil }.map(\.key))
        return ObjectFile(fileName: fileName, sections: secs, symbols: syms, fixups: remaining, warnings: warnings,
                          weakReferences: weak)
    }

    // MARK: Includes

    func canonical(_ path: String) -> String {
        (URL(fileURLWithPath: path).standardizedFileURL.resolvingSymlinksInPath().path)
    }

    func include(_ name: String, at loc: SourceLocation) throws(AssemblerError) {
        let fileDepth = frames.filter { if case .file = $0.kind { return true }; return false }.count
        guard fileDepth <= Limits.includeDepth else {
            throw AssemblerError(loc, ".include nested more than \(Limits.includeDepth) levels deep")
        }
        // The including file: the innermost file frame.
        var including = fileName
        for f in frames.reversed() { if case .file(_, let shown) = f.kind { including = shown; break } }
        var candidates: [String] = []
        if name.hasPrefix("/") { candidates = [name] } else {
            let dir = (including as NSString).deletingLastPathComponent
            candidates.append(dir.isEmpty ? name : (dir as NSString).appendingPathComponent(name))
            for d in includePaths { candidates.append((d as NSString).appendingPathComponent(name)) }
        }
        statementCount += Limits.includeCost - 1
        if statementCount > statementLimit {
            throw AssemblerError(loc, "too many statements (over \(statementLimit), an .include counting \(Limits.includeCost)); "
                + "runaway .rept or macro recursion?")
        }
        for c in candidates {
            let cached: (path: String, statements: [Statement])?
            if let known = includeCache[c] { cached = known } else {
                let text: String?
                do { text = try readFile(c) } catch { throw AssemblerError(loc, ".include '\(name)': \(error)") }
                cached = try text.map { text throws(AssemblerError) in (canonical(c), try SourceSplitter.statements(text, file: c)) }
                includeCache[c] = cached
            }
            guard let (path, read) = cached else { continue }
            for f in frames { if case .file(let p, _) = f.kind, p == path {
                throw AssemblerError(loc, ".include loop: '\(name)' is already being included")
            } }
            var stmts = read
            let note = AssemblerError.Note(location: loc, message: "included from here")
            let notes = currentNotes + [note]
            for i in stmts.indices { stmts[i].notes = notes }
            frames.append(Frame(kind: .file(path: path, shown: c), statements: stmts, conditionDepth: conditionals.count))
            return
        }
        throw AssemblerError(loc, "cannot find include file '\(name)' (searched: \(candidates.joined(separator: ", ")))")
    }
}
