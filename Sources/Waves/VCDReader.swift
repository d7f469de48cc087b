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

public enum VCDReader {
    /// Parse a whole VCD held in memory.
    public static func parse(_ bytes: [UInt8]) throws(VCDParseError) -> VCDFile {
        var p = Parser(bytes)
        return try p.run()
    }
}

private struct Parser {
    let b: [UInt8]
    var i = 0
    var line = 1
    var tokenLine = 1

    var signals: [VCDSignal] = []
    var idIndex: [[UInt8]: Int] = [:]
    var widths: [Int] = []
    var isReal: [Bool] = []
    var changes: [[(time: UInt64, value: VCDValue)]] = []
    var scope: [String] = []
    var num: UInt64 = 1, den: UInt64 = 1
    var time: UInt64 = 0
    var sawTime = false
    var startTime: UInt64 = 0
    var definitionsDone = false

    init(_ b: [UInt8]) { self.b = b }

    func fail(_ m: String, line l: Int? = nil) -> VCDParseError { VCDParseError(line: l ?? tokenLine, message: m) }

    /// The next whitespace-separated token, nil at the end.
    mutating func token() -> ArraySlice<UInt8>? {
        while i < b.count {
            let c = b[i]
            if c == 10 { line += 1 } else if c != 32 && c != 9 && c != 13 && c != 11 && c != 12 { break }
            i += 1
        }
        if i >= b.count { return nil }
        tokenLine = line
        let s = i
        while i < b.count {
            let c = b[i]
            if c == 10 || c == 32 || c == 9 || c == 13 || c == 11 || c == 12 { break }
            i += 1
        }
        return b[s..<i]
    }

    /// Tokens up to `$end` (not included).
    mutating func untilEnd(_ what: String) throws(VCDParseError) -> [ArraySlice<UInt8>] {
        let startLine = tokenLine
        var out: [ArraySlice<UInt8>] = []
        while let t = token() {
            if t.elementsEqual("$end".utf8) { return out }
            // a command inside another: the first one lacks its $end
            // (identifier codes may start with '$' too, so only keywords count)
            if t.first == UInt8(ascii: "$") && !["$comment", "$date", "$version"].contains(what)
                && Parser.keywords.contains(Parser.str(t)) {
                throw fail("\(what) without $end", line: startLine)
            }
            out.append(t)
        }
        throw fail("\(what) without $end", line: startLine)
    }

    static let keywords: Set<String> = ["$comment", "$date", "$version", "$timescale", "$scope", "$upscope", "$var",
                                        "$enddefinitions", "$dumpvars", "$dumpall", "$dumpon", "$dumpoff"]

    static func str(_ t: ArraySlice<UInt8>) -> String { String(decoding: t, as: UTF8.self) }

    mutating func run() throws(VCDParseError) -> VCDFile {
        while let t = token() {
            if t.first == UInt8(ascii: "$") {
                try command(t)
            } else if !definitionsDone {
                throw fail("'\(Parser.str(t).prefix(40))' before $enddefinitions")
            } else {
                try change(t)
            }
        }
        if !definitionsDone { throw fail("no $enddefinitions", line: line) }
        if !scope.isEmpty { throw fail("scope '\(scope.last!)' not closed by $upscope", line: line) }
        return VCDFile(signals: signals, changes: changes, startTime: startTime, endTime: time,
                       timescale: (num, den))
    }

    mutating func command(_ t: ArraySlice<UInt8>) throws(VCDParseError) {
        let name = Parser.str(t)
        switch name {
        case "$comment", "$date", "$version":
            _ = try untilEnd(name)
        case "$timescale":
            if definitionsDone { throw fail("$timescale after $enddefinitions") }
            try timescale(try untilEnd(name))
        case "$scope":
            if definitionsDone { throw fail("$scope after $enddefinitions") }
            let a = try untilEnd(name)
            guard a.count == 2 else { throw fail("$scope needs a type and a name") }
            scope.append(Parser.str(a[1]))
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
        case "$dumpvars", "$dumpall", "$dumpon", "$dumpoff":
            if !definitionsDone { throw fail("\(name) before $enddefinitions") }
            let startLine = tokenLine
            while true {
                guard let v = token() else { throw fail("\(name) without $end", line: startLine) }
                if v.elementsEqual("$end".utf8) { break }
                if v.first == UInt8(ascii: "$") || v.first == UInt8(ascii: "#") {
                    throw fail("'\(Parser.str(v).prefix(40))' inside \(name)")
                }
                try change(v)
            }
        case "$end":
            throw fail("$end without a command")
        default:
            throw fail("unknown command \(name.prefix(40))")
        }
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
        guard let w = Int(Parser.str(a[1])), w >= 1, w <= 1 << 20 else { throw fail("bad $var width '\(Parser.str(a[1]).prefix(20))'") }
        let id = Array(a[2])
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
        let real = kind == "real" || kind == "realtime"
        let index: Int
        if let k = idIndex[id] {
            guard widths[k] == w else { throw fail("identifier \(Parser.str(a[2])) declared again with another width") }
            index = k
        } else {
            index = changes.count
            idIndex[id] = index
            widths.append(w)
            isReal.append(real)
            changes.append([])
        }
        signals.append(VCDSignal(name: full, width: w, kind: kind, idIndex: index))
    }

    mutating func setTime(_ t: ArraySlice<UInt8>) throws(VCDParseError) {
        let digits = t.dropFirst()
        guard !digits.isEmpty, digits.count <= 20, digits.allSatisfy({ $0 >= 48 && $0 <= 57 }),
              let raw = UInt64(Parser.str(digits)) else { throw fail("bad time '\(Parser.str(t).prefix(30))'") }
        let (m, o) = raw.multipliedReportingOverflow(by: num)
        guard !o else { throw fail("time \(raw) overflows picoseconds") }
        let ps = m / den
        if sawTime && ps < time { throw fail("time goes backwards (\(ps) ps after \(time) ps)") }
        if !sawTime { startTime = ps }
        sawTime = true
        time = ps
    }

    mutating func lookup(_ id: ArraySlice<UInt8>) throws(VCDParseError) -> Int {
        guard let k = idIndex[Array(id)] else { throw fail("undeclared identifier '\(Parser.str(id).prefix(20))'") }
        return k
    }

    mutating func record(_ k: Int, _ v: VCDValue) {
        if var last = changes[k].last, last.time == time {
            last.value = v
            changes[k][changes[k].count - 1] = last
        } else {
            changes[k].append((time, v))
        }
    }

    static func isBit(_ c: UInt8) -> Bool {
        switch c {
        case UInt8(ascii: "0"), UInt8(ascii: "1"), UInt8(ascii: "x"), UInt8(ascii: "X"),
             UInt8(ascii: "z"), UInt8(ascii: "Z"): return true
        default: return false
        }
    }

    static func lower(_ c: UInt8) -> Character {
        switch c {
        case UInt8(ascii: "X"): return "x"
        case UInt8(ascii: "Z"): return "z"
        default: return Character(UnicodeScalar(c))
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
        let fill: Character
        switch d.first {
        case UInt8(ascii: "x"), UInt8(ascii: "X"): fill = "x"
        case UInt8(ascii: "z"), UInt8(ascii: "Z"): fill = "z"
        default: fill = "0"
        }
        var s = String(repeating: fill, count: width - d.count)
        s.reserveCapacity(width)
        for c in d { s.append(Parser.lower(c)) }
        return s
    }

    mutating func change(_ t: ArraySlice<UInt8>) throws(VCDParseError) {
        guard let c = t.first else { return }
        switch c {
        case UInt8(ascii: "#"):
            try setTime(t)
        case UInt8(ascii: "b"), UInt8(ascii: "B"):
            let digits = t.dropFirst()
            guard !digits.isEmpty, digits.allSatisfy(Parser.isBit) else { throw fail("bad vector value '\(Parser.str(t).prefix(40))'") }
            guard let id = token() else { throw fail("vector value without an identifier") }
            let k = try lookup(id)
            if isReal[k] { throw fail("vector value for a real variable") }
            record(k, .bits(try extend(digits, width: widths[k])))
        case UInt8(ascii: "r"), UInt8(ascii: "R"):
            guard let d = Double(Parser.str(t.dropFirst())) else { throw fail("bad real value '\(Parser.str(t).prefix(40))'") }
            guard let id = token() else { throw fail("real value without an identifier") }
            let k = try lookup(id)
            record(k, isReal[k] ? .real(d) : .bits(try extend(Array(String(UInt64(max(0, min(d, 1.8e19))), radix: 2).utf8)[...], width: widths[k])))
        case UInt8(ascii: "s"), UInt8(ascii: "S"):
            // string value (GTKWave extension): skip it with its identifier
            guard let id = token() else { throw fail("string value without an identifier") }
            _ = try lookup(id)
        default:
            guard Parser.isBit(c) else { throw fail("unexpected '\(Parser.str(t).prefix(40))'") }
            let id = t.dropFirst()
            guard !id.isEmpty else { throw fail("scalar value without an identifier") }
            let k = try lookup(id)
            if isReal[k] { throw fail("scalar value for a real variable") }
            record(k, .bits(try extend(t.prefix(1), width: widths[k])))
        }
    }
}
