// A VCD reader for the files of SoCSim, Verilator and Icarus Verilog
// (IEEE 1364 §18): nested scopes, scalars and vectors (`b`/`B`), reals
// (`r`/`R`), x and z, `$dumpvars`/`$dumpall`/`$dumpon`/`$dumpoff` sections,
// comments, aliases (several vars sharing one identifier), and `$timescale`
// in any unit (times are converted to picoseconds).
//
// Malformed input throws `VCDParseError` naming the line; the reader never
// traps on any input (all loops consume input, all numbers are checked).

/// A malformed VCD: the 1-based line and what is wrong there.
public struct VCDParseError: Error, Equatable, CustomStringConvertible {
    public var line: Int
    public var message: String
    public init(line: Int, message: String) { self.line = line; self.message = message }
    public var description: String { "line \(line): \(message)" }
}

/// A signal value: `bits` holds exactly `width` characters from "01xz",
/// most significant first (VCD's left extension already applied); reals
/// are kept as numbers.
public enum VCDValue: Hashable, Sendable, CustomStringConvertible {
    case bits(String)
    case real(Double)

    /// Hex (`0x…`) when the value has no x or z and is wider than one bit,
    /// else the bits; reals in decimal.
    public var description: String {
        switch self {
        case .real(let d): return "\(d)"
        case .bits(let s):
            if s.count == 1 || s.contains(where: { $0 != "0" && $0 != "1" }) { return s }
            guard s.count <= 64, let v = UInt64(s, radix: 2) else { return "b" + s }
            return "0x" + String(v, radix: 16)
        }
    }

    /// Equal values: the same bits, or reals that are equal or both NaN (a
    /// real signal that is NaN holds the same value as NaN does; IEEE's NaN
    /// != NaN made a file differ from itself).
    public static func == (a: VCDValue, b: VCDValue) -> Bool {
        switch (a, b) {
        case let (.bits(x), .bits(y)): x == y
        case let (.real(x), .real(y)): x == y || (x.isNaN && y.isNaN)
        default: false
        }
    }

    public func hash(into h: inout Hasher) {
        switch self {
        case .bits(let s): h.combine(0); h.combine(s)
        case .real(let d): h.combine(1); if d.isNaN { h.combine(Double.nan.bitPattern) } else { h.combine(d) }
        }
    }

    /// The value as an integer when it has no x or z and fits.
    public var integer: UInt64? {
        if case .bits(let s) = self, s.count <= 64 { return UInt64(s, radix: 2) }
        return nil
    }
}

/// A declared variable.
public struct VCDSignal: Sendable, Equatable {
    /// Scope path and reference joined with dots, e.g.
    /// `TOP.socsim_tb_top.pc_w`; a single-bit select declared apart is kept
    /// (`data[3]`), a range is not.
    public var name: String
    public var width: Int
    /// `wire`, `reg`, `real`, `integer`, `parameter`…
    public var kind: String
    /// Index of its identifier in `VCDFile.changes`.
    public var idIndex: Int
}

/// A parsed VCD.
public struct VCDFile: Sendable {
    /// Declared variables in file order.
    public var signals: [VCDSignal]
    /// Value changes per identifier, in time order: (time in ps, value).
    public var changes: [[(time: UInt64, value: VCDValue)]]
    /// The first and last `#` times, in ps (0 when the body has none).
    public var startTime: UInt64
    public var endTime: UInt64
    /// Picoseconds per time unit as the file declared it (numerator / denominator).
    public var timescale: (numerator: UInt64, denominator: UInt64)

    /// The signal with this full name, if any.
    public func signal(named n: String) -> VCDSignal? { signals.first { $0.name == n } }

    /// The value of a signal at time `t` (the last change at or before `t`),
    /// nil before its first value.
    public func value(of s: VCDSignal, at t: UInt64) -> VCDValue? {
        let list = changes[s.idIndex]
        var lo = 0, hi = list.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if list[mid].time <= t { lo = mid + 1 } else { hi = mid }
        }
        return lo == 0 ? nil : list[lo - 1].value
    }
}

/// One step of a VCD body, in file order: a `#` time (ps), or a value
/// change of an identifier (`VCDSignal.idIndex`) at the latest time (time
/// 0 before the first `#`). An identifier may change several times at one
/// time; the last change holds.
public enum VCDEvent: Equatable, Sendable {
    case time(UInt64)
    case change(Int, VCDValue)
}

/// Where a streaming reader's bytes come from: fills the buffer from the
/// start and returns how many bytes it wrote (0 at the end), nil on a read
/// error.
public typealias VCDInput = (UnsafeMutableRawBufferPointer) -> Int?

/// A VCD's declarations and its body as events.
public protocol VCDEventSource {
    /// Declared variables in file order.
    var signals: [VCDSignal] { get }
    /// Distinct identifiers (`VCDSignal.idIndex` is below this).
    var identifierCount: Int { get }
    /// The next event, nil at the end.
    mutating func next() throws(VCDParseError) -> VCDEvent?
}

/// Limits that bound a reader's memory whatever the file: the longest word
/// (a vector value of the widest variable), the number of variables, their
/// total width (one current value each) and a signal name's length.
public enum VCDLimits {
    public static let maxWidth = 1 << 20
    public static let maxToken = maxWidth + 64
    public static let maxVariables = 1 << 18
    public static let maxTotalWidth = 1 << 24
    public static let maxNameBytes = 1 << 16
    /// Bytes read from the input at a time.
    public static let chunk = 1 << 20
}

/// A VCD read as it streams: the header at once, then the body event by
/// event. Memory is the header plus one buffer (`VCDLimits`), whatever the
/// body's length.
public struct VCDStream: VCDEventSource {
    fileprivate var parser: Parser
    public var signals: [VCDSignal] { parser.signals }
    public var identifierCount: Int { parser.widths.count }
    /// Picoseconds per time unit as the file declared it.
    public var timescale: (numerator: UInt64, denominator: UInt64) { (parser.num, parser.den) }
    /// The first `#` time (ps) read so far, nil before it.
    public var startTime: UInt64? { parser.sawTime ? parser.startTime : nil }
    /// The latest `#` time (ps) read (0 before the first).
    public var time: UInt64 { parser.time }
    /// Widths by identifier.
    public var widths: [Int] { parser.widths }
    /// Bytes held for reading: one chunk (more only while a word longer
    /// than the room left in it is read).
    public var bufferCapacity: Int { parser.b.count }

    /// Read the header from `input`, `chunk` bytes at a time (tests use
    /// small chunks to put words across chunk boundaries).
    public init(input: @escaping VCDInput, chunk: Int = VCDLimits.chunk) throws(VCDParseError) {
        parser = Parser(input: input, chunk: max(1, chunk))
        try parser.header()
    }

    /// Read the header of a VCD held in memory.
    public init(bytes: [UInt8]) throws(VCDParseError) {
        parser = Parser(bytes)
        try parser.header()
    }

    public mutating func next() throws(VCDParseError) -> VCDEvent? { try parser.next() }

    /// Read the rest of the body, checking it, and return the last time (ps).
    public mutating func drain() throws(VCDParseError) -> UInt64 {
        while try parser.next() != nil {}
        return parser.time
    }
}

public enum VCDReader {
    /// Parse a whole VCD held in memory.
    public static func parse(_ bytes: [UInt8]) throws(VCDParseError) -> VCDFile {
        var s = try VCDStream(bytes: bytes)
        var changes = [[(time: UInt64, value: VCDValue)]](repeating: [], count: s.identifierCount)
        var time: UInt64 = 0
        while let e = try s.next() {
            switch e {
            case .time(let t): time = t
            case .change(let k, let v):
                if let last = changes[k].last, last.time == time { changes[k][changes[k].count - 1].value = v }
                else { changes[k].append((time, v)) }
            }
        }
        return VCDFile(signals: s.signals, changes: changes, startTime: s.startTime ?? 0, endTime: s.time,
                       timescale: s.timescale)
    }
}

extension VCDFile {
    /// The file's events again, in time order (for comparing a file held in
    /// memory with the streaming comparison).
    public struct Replay: VCDEventSource {
        public let signals: [VCDSignal]
        public let identifierCount: Int
        var events: [VCDEvent]
        var at = 0
        public mutating func next() -> VCDEvent? {
            guard at < events.count else { return nil }
            at += 1
            return events[at - 1]
        }
    }

    public var replay: Replay {
        var all: [(time: UInt64, k: Int, value: VCDValue)] = []
        for (k, list) in changes.enumerated() { for c in list { all.append((c.time, k, c.value)) } }
        all.sort { $0.time < $1.time }
        var events: [VCDEvent] = []
        var i = 0
        while i < all.count && all[i].time < startTime { events.append(.change(all[i].k, all[i].value)); i += 1 }
        events.append(.time(startTime))
        var last = startTime
        for c in all[i...] {
            if c.time != last { events.append(.time(c.time)); last = c.time }
            events.append(.change(c.k, c.value))
        }
        if endTime != last { events.append(.time(endTime)) }
        return Replay(signals: signals, identifierCount: changes.count, events: events)
    }
}

private struct Parser {
    /// The bytes read and not yet consumed are `b[i..<end]`.
    var b: [UInt8]
    var i = 0
    var end: Int
    var eof: Bool
    let input: VCDInput?
    var line = 1
    var tokenLine = 1

    var signals: [VCDSignal] = []
    var shortIDs: [UInt64: Int] = [:]
    var longIDs: [[UInt8]: Int] = [:]
    var widths: [Int] = []
    var totalWidth = 0
    var isReal: [Bool] = []
    var scope: [String] = []
    var num: UInt64 = 1, den: UInt64 = 1
    var time: UInt64 = 0
    var sawTime = false
    var startTime: UInt64 = 0
    var definitionsDone = false
    /// Inside `$dumpvars` & co: the command's name and line.
    var dump: (name: String, line: Int)?

    init(_ bytes: [UInt8]) { b = bytes; end = bytes.count; eof = true; input = nil }
    init(input: @escaping VCDInput, chunk: Int) {
        b = [UInt8](repeating: 0, count: chunk)
        end = 0; eof = false; self.input = input; self.chunk = chunk
    }
    var chunk = VCDLimits.chunk

    func fail(_ m: String, line l: Int? = nil) -> VCDParseError { VCDParseError(line: l ?? tokenLine, message: m) }

    /// Read more input after `b[keep..<end]`, which moves to the front
    /// (`i` moves with it); false at the end of the input.
    mutating func refill(keeping keep: Int) throws(VCDParseError) -> Bool {
        guard !eof, let input else { return false }
        let kept = end - keep
        if keep > 0 {
            b.withUnsafeMutableBufferPointer { p in
                guard let base = p.baseAddress else { return }
                base.update(from: base + keep, count: kept)
            }
            i -= keep
            end = kept
        }
        if end == b.count { b.append(contentsOf: repeatElement(0, count: chunk)) }
        // fill the buffer (short reads from pipes too), so refills, and the
        // copies of a buffer a word still refers to, come once per chunk
        let before = end
        while end < b.count {
            let n = b.withUnsafeMutableBytes { p in input(UnsafeMutableRawBufferPointer(rebasing: p[end...])) }
            guard let n else { throw fail("read error", line: line) }
            if n == 0 { eof = true; break }
            end += n
        }
        return end > before
    }

    @inline(__always) static func isSpace(_ c: UInt8) -> Bool { c == 32 || c == 9 || c == 13 || c == 11 || c == 12 || c == 10 }

    /// The next whitespace-separated token, nil at the end.
    mutating func token() throws(VCDParseError) -> ArraySlice<UInt8>? {
        while true {
            if i == end { guard try refill(keeping: i) else { return nil } }
            let c = b[i]
            if c == 10 { line += 1 } else if !Parser.isSpace(c) { break }
            i += 1
        }
        tokenLine = line
        var s = i
        while true {
            if i == end {
                // the word so far moves to the front of the buffer, even when nothing more comes
                let scanned = i - s
                let more = try refill(keeping: s)
                s = i - scanned
                if !more { break }
            }
            if Parser.isSpace(b[i]) { break }
            i += 1
            if i - s > VCDLimits.maxToken { throw fail("a word longer than \(VCDLimits.maxToken) bytes") }
        }
        return b[s..<i]
    }

    /// Tokens up to `$end` (not included), at most `limit` of them.
    mutating func untilEnd(_ what: String, limit: Int = 8) throws(VCDParseError) -> [ArraySlice<UInt8>] {
        let startLine = tokenLine
        var out: [ArraySlice<UInt8>] = []
        while let t = try token() {
            if t.elementsEqual("$end".utf8) { return out }
            // a command inside another: the first one lacks its $end
            // (identifier codes may start with '$' too, so only keywords count)
            if t.first == UInt8(ascii: "$") && Parser.keywords.contains(Parser.str(t)) {
                throw fail("\(what) without $end", line: startLine)
            }
            if out.count == limit { throw fail("\(what) has more than \(limit) words before $end", line: startLine) }
            out.append(t)
        }
        throw fail("\(what) without $end", line: startLine)
    }

    /// Skip a `$comment`, `$date` or `$version` up to its `$end`.
    mutating func skipText(_ what: String) throws(VCDParseError) {
        let startLine = tokenLine
        while let t = try token() { if t.elementsEqual("$end".utf8) { return } }
        throw fail("\(what) without $end", line: startLine)
    }

    static let keywords: Set<String> = ["$comment", "$date", "$version", "$timescale", "$scope", "$upscope", "$var",
                                        "$enddefinitions", "$dumpvars", "$dumpall", "$dumpon", "$dumpoff"]

    static func str(_ t: ArraySlice<UInt8>) -> String { String(decoding: t, as: UTF8.self) }

    /// Everything up to and including `$enddefinitions`.
    mutating func header() throws(VCDParseError) {
        while let t = try token() {
            guard t.first == UInt8(ascii: "$") else { throw fail("'\(Parser.str(t.prefix(40)))' before $enddefinitions") }
            if try command(t) { return }
        }
        throw fail("no $enddefinitions", line: line)
    }

    /// The next body event, nil at the end.
    mutating func next() throws(VCDParseError) -> VCDEvent? {
        while let t = try token() {
            if let d = dump {
                if t.elementsEqual("$end".utf8) { dump = nil; continue }
                if t.first == UInt8(ascii: "$") || t.first == UInt8(ascii: "#") {
                    throw fail("'\(Parser.str(t.prefix(40)))' inside \(d.name)")
                }
            } else if t.first == UInt8(ascii: "$") {
                _ = try command(t)
                continue
            }
            if let e = try change(t) { return e }
        }
        if let d = dump { throw fail("\(d.name) without $end", line: d.line) }
        return nil
    }

    /// A `$` command; true for `$enddefinitions`.
    mutating func command(_ t: ArraySlice<UInt8>) throws(VCDParseError) -> Bool {
        let name = Parser.str(t.prefix(40))
        switch name {
        case "$comment", "$date", "$version":
            try skipText(name)
        case "$timescale":
            if definitionsDone { throw fail("$timescale after $enddefinitions") }
            try timescale(try untilEnd(name))
        case "$scope":
            if definitionsDone { throw fail("$scope after $enddefinitions") }
            let a = try untilEnd(name)
            guard a.count == 2 else { throw fail("$scope needs a type and a name") }
            scope.append(Parser.str(a[1]))
            if scope.count > 1024 { throw fail("scopes nested more than 1024 deep") }
        case "$upscope":
            if definitionsDone { throw fail("$upscope after $enddefinitions") }
            let a = try untilEnd(name)
            guard a.isEmpty else { throw fail("$upscope takes no arguments") }
            guard !scope.isEmpty else { throw fail("$upscope without an open scope") }
            scope.removeLast()
        case "$var":
            if definitionsDone { throw fail("$var after $enddefinitions") }
            try variable(try untilEnd(name))
        case "$enddefinitions":
            if definitionsDone { throw fail("second $enddefinitions") }
            let a = try untilEnd(name)
            guard a.isEmpty else { throw fail("$enddefinitions takes no arguments") }
            if !scope.isEmpty { throw fail("scope '\(scope.last!)' not closed before $enddefinitions") }
            definitionsDone = true
            return true
        case "$dumpvars", "$dumpall", "$dumpon", "$dumpoff":
            if !definitionsDone { throw fail("\(name) before $enddefinitions") }
            dump = (name, tokenLine)
        case "$end":
            throw fail("$end without a command")
        default:
            throw fail("unknown command \(name)")
        }
        return false
    }

    mutating func timescale(_ a: [ArraySlice<UInt8>]) throws(VCDParseError) {
        // "1ps", "1 ps", "10ns", "100 us"
        var text = a.map(Parser.str).joined()
        var digits = ""
        while let c = text.first, c.isASCII, c.isNumber { digits.append(c); text.removeFirst() }
        guard let n = UInt64(digits), [1, 10, 100].contains(n) else { throw fail("bad $timescale '\(a.map(Parser.str).joined(separator: " "))'") }
        let unit: (UInt64, UInt64)
        switch text {
        case "s": unit = (1_000_000_000_000, 1)
        case "ms": unit = (1_000_000_000, 1)
        case "us": unit = (1_000_000, 1)
        case "ns": unit = (1_000, 1)
        case "ps": unit = (1, 1)
        case "fs": unit = (1, 1000)
        default: throw fail("bad $timescale unit '\(text)'")
        }
        num = n * unit.0
        den = unit.1
        if den > 1 && num % den == 0 { num /= den; den = 1 }
        if den > 1 && den % num == 0 { den /= num; num = 1 }
    }

    mutating func variable(_ a: [ArraySlice<UInt8>]) throws(VCDParseError) {
        // type width id reference [bit-select]
        guard a.count == 4 || a.count == 5 else { throw fail("$var needs type, width, identifier and name") }
        let kind = Parser.str(a[0])
        guard let w = Int(Parser.str(a[1].prefix(20))), w >= 1, w <= VCDLimits.maxWidth else {
            throw fail("bad $var width '\(Parser.str(a[1].prefix(20)))'")
        }
        guard signals.count < VCDLimits.maxVariables else { throw fail("more than \(VCDLimits.maxVariables) variables") }
        let id = a[2]
        var ref = Parser.str(a[3])
        var select = a.count == 5 ? Parser.str(a[4]) : nil
        // "name[7:0]" written without a space
        if select == nil, let open = ref.firstIndex(of: "["), ref.hasSuffix("]"), open != ref.startIndex {
            select = String(ref[open...])
            ref = String(ref[..<open])
        }
        if let s = select {
            guard s.hasPrefix("["), s.hasSuffix("]") else { throw fail("bad bit select '\(s.prefix(20))'") }
            if !s.contains(":") { ref += s }
        }
        let full = (scope + [ref]).joined(separator: ".")
        guard full.utf8.count <= VCDLimits.maxNameBytes else { throw fail("a name longer than \(VCDLimits.maxNameBytes) bytes") }
        let real = kind == "real" || kind == "realtime"
        let index: Int
        if let k = find(id) {
            guard widths[k] == w else { throw fail("identifier \(Parser.str(a[2].prefix(20))) declared again with another width") }
            index = k
        } else {
            totalWidth += w
            guard totalWidth <= VCDLimits.maxTotalWidth else { throw fail("variables wider than \(VCDLimits.maxTotalWidth) bits in all") }
            index = widths.count
            if let key = Parser.shortKey(id) { shortIDs[key] = index } else { longIDs[Array(id)] = index }
            widths.append(w)
            isReal.append(real)
        }
        signals.append(VCDSignal(name: full, width: w, kind: kind, idIndex: index))
    }

    mutating func setTime(_ t: ArraySlice<UInt8>) throws(VCDParseError) {
        let digits = t.dropFirst()
        guard !digits.isEmpty, digits.count <= 20, digits.allSatisfy({ $0 >= 48 && $0 <= 57 }),
              let raw = UInt64(Parser.str(digits)) else { throw fail("bad time '\(Parser.str(t.prefix(30)))'") }
        let (m, o) = raw.multipliedReportingOverflow(by: num)
        guard !o else { throw fail("time \(raw) overflows picoseconds") }
        let ps = m / den
        if sawTime && ps < time { throw fail("time goes backwards (\(ps) ps after \(time) ps)") }
        if !sawTime { startTime = ps }
        sawTime = true
        time = ps
    }

    /// Identifiers of up to 7 bytes as one number (the bytes and the length).
    static func shortKey(_ id: ArraySlice<UInt8>) -> UInt64? {
        guard id.count <= 7 else { return nil }
        var k = UInt64(id.count) << 56
        for (n, c) in id.enumerated() { k |= UInt64(c) << (8 * UInt64(n)) }
        return k
    }

    func find(_ id: ArraySlice<UInt8>) -> Int? {
        if let key = Parser.shortKey(id) { return shortIDs[key] }
        return longIDs[Array(id)]
    }

    func lookup(_ id: ArraySlice<UInt8>) throws(VCDParseError) -> Int {
        guard let k = find(id) else { throw fail("undeclared identifier '\(Parser.str(id.prefix(20)))'") }
        return k
    }

    static func isBit(_ c: UInt8) -> Bool {
        switch c {
        case UInt8(ascii: "0"), UInt8(ascii: "1"), UInt8(ascii: "x"), UInt8(ascii: "X"),
             UInt8(ascii: "z"), UInt8(ascii: "Z"): return true
        default: return false
        }
    }

    static func lower(_ c: UInt8) -> UInt8 {
        switch c {
        case UInt8(ascii: "X"): return UInt8(ascii: "x")
        case UInt8(ascii: "Z"): return UInt8(ascii: "z")
        default: return c
        }
    }

    /// Bits as written, extended or checked against `width`.
    func extend(_ digits: ArraySlice<UInt8>, width: Int) throws(VCDParseError) -> String {
        var d = digits
        if d.count > width {
            // leading zeros beyond the width are harmless
            let extra = d.count - width
            guard d.prefix(extra).allSatisfy({ $0 == UInt8(ascii: "0") }) else {
                throw fail("value of \(d.count) bits for a \(width)-bit variable")
            }
            d = d.dropFirst(extra)
        }
        let fill: UInt8
        switch d.first {
        case UInt8(ascii: "x"), UInt8(ascii: "X"): fill = UInt8(ascii: "x")
        case UInt8(ascii: "z"), UInt8(ascii: "Z"): fill = UInt8(ascii: "z")
        default: fill = UInt8(ascii: "0")
        }
        let pad = width - d.count
        return String(unsafeUninitializedCapacity: width) { out in
            for n in 0..<pad { out[n] = fill }
            var n = pad
            for c in d { out[n] = Parser.lower(c); n += 1 }
            return width
        }
    }

    /// The event a body word starts: a time, or a value change with its
    /// identifier (read here when it is a separate word); nil for a string
    /// value (GTKWave's extension, skipped).
    mutating func change(_ t: ArraySlice<UInt8>) throws(VCDParseError) -> VCDEvent? {
        guard let c = t.first else { return nil }
        switch c {
        case UInt8(ascii: "#"):
            try setTime(t)
            return .time(time)
        case UInt8(ascii: "b"), UInt8(ascii: "B"):
            let digits = t.dropFirst()
            guard !digits.isEmpty, digits.allSatisfy(Parser.isBit) else { throw fail("bad vector value '\(Parser.str(t.prefix(40)))'") }
            guard let id = try token() else { throw fail("vector value without an identifier") }
            let k = try lookup(id)
            if isReal[k] { throw fail("vector value for a real variable") }
            return .change(k, .bits(try extend(digits, width: widths[k])))
        case UInt8(ascii: "r"), UInt8(ascii: "R"):
            guard t.count <= 64, let d = Double(Parser.str(t.dropFirst())) else { throw fail("bad real value '\(Parser.str(t.prefix(40)))'") }
            guard let id = try token() else { throw fail("real value without an identifier") }
            let k = try lookup(id)
            if isReal[k] { return .change(k, .real(d)) }
            return .change(k, .bits(try extend(Array(String(UInt64(max(0, min(d, 1.8e19))), radix: 2).utf8)[...], width: widths[k])))
        case UInt8(ascii: "s"), UInt8(ascii: "S"):
            guard let id = try token() else { throw fail("string value without an identifier") }
            _ = try lookup(id)
            return nil
        default:
            guard Parser.isBit(c) else { throw fail("unexpected '\(Parser.str(t.prefix(40)))'") }
            let id = t.dropFirst()
            guard !id.isEmpty else { throw fail("scalar value without an identifier") }
            let k = try lookup(id)
            if isReal[k] { throw fail("scalar value for a real variable") }
            return .change(k, .bits(try extend(t.prefix(1), width: widths[k])))
        }
    }
}
