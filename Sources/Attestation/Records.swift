/// Reading the JSON Lines records back (merging shards, reports from files).

/// Why a record line does not parse.
public struct RecordError: Error, Hashable, Sendable, CustomStringConvertible {
    public var line: Int
    public var message: String
    public var description: String { "line \(line): \(message)" }
}

extension RoundRecord {
    /// Parses one line as `jsonLine` writes it (keys in any order, whitespace allowed).
    public init(jsonLine text: String, line: Int = 1) throws(RecordError) {
        let fields = try FlatJSON.parse(text, line: line)
        func string(_ k: String) throws(RecordError) -> String {
            guard case .string(let s)? = fields[k] else { throw RecordError(line: line, message: "'\(k)' must be a string") }
            return s
        }
        func int(_ k: String) throws(RecordError) -> UInt64? {
            switch fields[k] {
            case .number(let n)?: return n
            case .null?: return nil
            default: throw RecordError(line: line, message: "'\(k)' must be an integer or null")
            }
        }
        func required(_ k: String) throws(RecordError) -> UInt64 {
            guard let v = try int(k) else { throw RecordError(line: line, message: "'\(k)' must not be null") }
            return v
        }
        func hex(_ k: String, optional: Bool = false) throws(RecordError) -> UInt64? {
            if optional, case .null? = fields[k] { return nil }
            let s = try string(k)
            guard s.hasPrefix("0x"), let v = UInt64(s.dropFirst(2), radix: 16) else {
                throw RecordError(line: line, message: "'\(k)' must be \"0x\" and hex digits")
            }
            return v
        }
        func narrow<T: FixedWidthInteger>(_ k: String, _ v: UInt64) throws(RecordError) -> T {
            guard let t = T(exactly: v) else { throw RecordError(line: line, message: "'\(k)' is out of range") }
            return t
        }
        guard let verdict = Verdict(rawValue: try string("verdict")) else {
            throw RecordError(line: line, message: "unknown verdict")
        }
        let send = try required("send_cycle"), arrival = try int("arrival_cycle")
        if let arrival, arrival < send { throw RecordError(line: line, message: "arrival before send") }
        self.init(scenario: try string("scenario"), seed: try required("seed"), round: try narrow("round", try required("round")),
                  challengeID: try narrow("challenge_id", try required("challenge_id")), nonce: try hex("nonce")!,
                  steps: try narrow("steps", try required("steps")), sendCycle: send, arrivalCycle: arrival,
                  elapsedNs: try int("elapsed_ns"), expectedDigest: try hex("expected_digest")!,
                  receivedDigest: try hex("received_digest", optional: true), deadlineCycles: try required("deadline_cycles"),
                  verdict: verdict)
        job = try narrow("job", try required("job"))
        windowWords = try narrow("window_words", try required("window_words"))
        if elapsedCycles != (try int("elapsed_cycles")) {
            throw RecordError(line: line, message: "elapsed_cycles is not arrival_cycle - send_cycle")
        }
    }

    /// Every non-empty line of `text`.
    public static func parseLines(_ text: String) throws(RecordError) -> [RoundRecord] {
        var out: [RoundRecord] = []
        for (i, l) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() where !l.isEmpty {
            out.append(try RoundRecord(jsonLine: String(l), line: i + 1))
        }
        return out
    }

    /// `records` as JSON Lines text: one line each, each ending in a newline.
    public static func jsonLines(_ records: [RoundRecord]) -> String {
        records.map { $0.jsonLine + "\n" }.joined()
    }

    /// `records` as CSV with its header line.
    public static func csv(_ records: [RoundRecord]) -> String {
        csvHeader + "\n" + records.map { $0.csvLine + "\n" }.joined()
    }
}

/// A flat JSON object whose values are strings, non-negative integers or null.
enum FlatJSON {
    enum Value: Hashable { case string(String), number(UInt64), null }

    static func parse(_ text: String, line: Int) throws(RecordError) -> [String: Value] {
        var s = Substring(text).unicodeScalars[...]
        func fail(_ m: String) -> RecordError { RecordError(line: line, message: m) }
        func skipSpace() { while let c = s.first, c == " " || c == "\t" || c == "\r" { s.removeFirst() } }
        func expect(_ c: Unicode.Scalar) throws(RecordError) {
            skipSpace()
            guard s.first == c else { throw fail("expected '\(c)'") }
            s.removeFirst()
        }
        func string() throws(RecordError) -> String {
            try expect("\"")
            var out = String.UnicodeScalarView()
            while let c = s.popFirst() {
                switch c {
                case "\"": return String(out)
                case "\\":
                    guard let e = s.popFirst() else { throw fail("unfinished escape") }
                    switch e {
                    case "\"", "\\", "/": out.append(e)
                    case "n": out.append("\n")
                    case "t": out.append("\t")
                    case "r": out.append("\r")
                    case "u":
                        let h = String(String.UnicodeScalarView(s.prefix(4)))
                        guard h.count == 4, let v = UInt32(h, radix: 16), let u = Unicode.Scalar(v) else { throw fail("bad \\u escape") }
                        s.removeFirst(4)
                        out.append(u)
                    default: throw fail("unknown escape")
                    }
                default: out.append(c)
                }
            }
            throw fail("unterminated string")
        }
        var fields: [String: Value] = [:]
        try expect("{")
        skipSpace()
        if s.first == "}" { s.removeFirst() } else {
            while true {
                let key = try string()
                try expect(":")
                skipSpace()
                let value: Value
                if s.first == "\"" { value = .string(try string()) }
                else if s.starts(with: "null".unicodeScalars) { s.removeFirst(4); value = .null }
                else {
                    var digits = ""
                    while let c = s.first, ("0"..."9").contains(c) { digits.unicodeScalars.append(s.removeFirst()) }
                    guard let n = UInt64(digits) else { throw fail("'\(key)': expected a string, an integer or null") }
                    value = .number(n)
                }
                guard fields.updateValue(value, forKey: key) == nil else { throw fail("duplicate key '\(key)'") }
                skipSpace()
                if s.first == "," { s.removeFirst(); continue }
                try expect("}")
                break
            }
        }
        skipSpace()
        guard s.isEmpty else { throw fail("text after the object") }
        return fields
    }
}
