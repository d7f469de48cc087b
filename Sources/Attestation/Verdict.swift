import Automaton
import SimKernel

/// What the device concludes about one round.
public enum Verdict: String, CaseIterable, Hashable, Sendable {
    case trusted
    case wrongAnswer = "wrong-answer"
    case late
    case noAnswer = "no-answer"

    /// The device's rule: no answer before the timeout; an answer that does
    /// not decode or differs from the expected one in any field; a right
    /// answer whose elapsed device cycles exceed the deadline; else trusted.
    public static func judge(expected: AnswerMessage, received: [UInt8]?, elapsedCycles: UInt64?,
                             deadlineCycles: UInt64) -> Verdict {
        guard let received, let elapsedCycles else { return .noAnswer }
        guard let answer = try? AnswerMessage(bytes: received), answer == expected else { return .wrongAnswer }
        return elapsedCycles > deadlineCycles ? .late : .trusted
    }
}

/// One round as the device saw it (one JSON Lines record).
public struct RoundRecord: Hashable, Sendable {
    public var scenario: String
    /// The job of a sweep plan the round belongs to (0 outside sweeps): records sort by job, then round.
    public var job: Int = 0
    public var seed: UInt64
    public var round: Int
    public var challengeID: UInt32
    public var nonce: UInt64
    public var steps: UInt32
    public var windowWords: UInt32 = 0
    /// Device cycles (80 MHz) at which the challenge DMA started and the doorbell arrived.
    public var sendCycle: UInt64
    public var arrivalCycle: UInt64?
    /// Simulated time from send to arrival, in nanoseconds (truncated).
    public var elapsedNs: UInt64?
    public var expectedDigest: UInt64
    public var receivedDigest: UInt64?
    public var deadlineCycles: UInt64
    public var verdict: Verdict

    public init(scenario: String, seed: UInt64, round: Int, challengeID: UInt32, nonce: UInt64, steps: UInt32,
                sendCycle: UInt64, arrivalCycle: UInt64?, elapsedNs: UInt64?, expectedDigest: UInt64,
                receivedDigest: UInt64?, deadlineCycles: UInt64, verdict: Verdict) {
        self.scenario = scenario; self.seed = seed; self.round = round; self.challengeID = challengeID
        self.nonce = nonce; self.steps = steps; self.sendCycle = sendCycle; self.arrivalCycle = arrivalCycle
        self.elapsedNs = elapsedNs; self.expectedDigest = expectedDigest; self.receivedDigest = receivedDigest
        self.deadlineCycles = deadlineCycles; self.verdict = verdict
    }

    public var elapsedCycles: UInt64? { arrivalCycle.map { $0 - sendCycle } }
    public var detected: Bool { verdict != .trusted }

    /// The fields in record order: name and JSON value text.
    var fields: [(String, String)] {
        [("scenario", jsonString(scenario)), ("job", "\(job)"), ("seed", "\(seed)"), ("round", "\(round)"), ("challenge_id", "\(challengeID)"),
         ("nonce", jsonString(hex64(nonce))), ("steps", "\(steps)"), ("window_words", "\(windowWords)"), ("send_cycle", "\(sendCycle)"),
         ("arrival_cycle", arrivalCycle.map { "\($0)" } ?? "null"),
         ("elapsed_cycles", elapsedCycles.map { "\($0)" } ?? "null"), ("elapsed_ns", elapsedNs.map { "\($0)" } ?? "null"),
         ("expected_digest", jsonString(hex64(expectedDigest))),
         ("received_digest", receivedDigest.map { jsonString(hex64($0)) } ?? "null"),
         ("deadline_cycles", "\(deadlineCycles)"), ("verdict", jsonString(verdict.rawValue))]
    }

    /// One JSON object on one line, keys in a fixed order, no spaces.
    public var jsonLine: String { "{" + fields.map { "\(jsonString($0.0)):\($0.1)" }.joined(separator: ",") + "}" }

    public static var csvHeader: String {
        "scenario,job,seed,round,challenge_id,nonce,steps,window_words,send_cycle,arrival_cycle,elapsed_cycles,elapsed_ns,expected_digest,received_digest,deadline_cycles,verdict"
    }

    public var csvLine: String {
        fields.map { $0.1 == "null" ? "" : String($0.1.filter { $0 != "\"" }) }.joined(separator: ",")
    }
}

func hex64(_ v: UInt64) -> String {
    let s = String(v, radix: 16)
    return "0x" + String(repeating: "0", count: 16 - s.count) + s
}

func jsonString(_ s: String) -> String { jsonStringLiteral(s) }

/// The deadline rule (docs/attestation.md, "Calibration"): the largest honest
/// response time in device cycles, plus a quarter of the honest range, plus
/// 2 cycles for the device clock's quantisation of the send and arrival
/// instants.
public struct Calibration: Hashable, Sendable {
    public var rounds: Int
    public var minCycles: UInt64
    public var maxCycles: UInt64
    public var deadlineCycles: UInt64

    /// nil when no round gave a right answer (the honest host must answer).
    public init?(honest: [RoundRecord]) {
        let times = honest.filter { $0.verdict != .wrongAnswer }.compactMap(\.elapsedCycles)
        guard let lo = times.min(), let hi = times.max() else { return nil }
        rounds = times.count
        minCycles = lo
        maxCycles = hi
        deadlineCycles = hi + (hi - lo + 3) / 4 + 2
    }
}

/// Per-scenario figures over its rounds.
public struct ScenarioSummary: Hashable, Sendable {
    public var scenario: String
    public var honest: Bool
    public var rounds: Int
    public var counts: [Verdict: Int]
    public var detected: Int
    /// Response times of the answered rounds, device cycles.
    public var minCycles: UInt64?, medianCycles: UInt64?, p99Cycles: UInt64?, maxCycles: UInt64?
    public var deadlineCycles: UInt64
    /// Honest: deadline − slowest; attack: fastest − deadline (negative: some
    /// answers arrived in time and only their bytes could betray them).
    public var marginCycles: Int64?

    public init(scenario: String, honest: Bool, records: [RoundRecord], deadlineCycles: UInt64) {
        self.scenario = scenario
        self.honest = honest
        rounds = records.count
        counts = Dictionary(grouping: records, by: \.verdict).mapValues(\.count)
        detected = records.filter(\.detected).count
        let t = records.compactMap(\.elapsedCycles).sorted()
        minCycles = t.first
        maxCycles = t.last
        medianCycles = Self.rank(t, 50)
        p99Cycles = Self.rank(t, 99)
        self.deadlineCycles = deadlineCycles
        if honest { marginCycles = maxCycles.map { Int64(deadlineCycles) - Int64($0) } }
        else { marginCycles = minCycles.map { Int64($0) - Int64(deadlineCycles) } }
    }

    /// The nearest-rank percentile `p` of sorted `t`.
    static func rank(_ t: [UInt64], _ p: Int) -> UInt64? {
        t.isEmpty ? nil : t[max(0, (p * t.count + 99) / 100 - 1)]
    }

    /// Detected rounds per round (for the honest host: the false-positive rate).
    public var detectionRate: Double { rounds == 0 ? 0 : Double(detected) / Double(rounds) }
    public var falsePositives: Int? { honest ? detected : nil }
    public var marginPercent: Double? { marginCycles.map { Double($0) * 100 / Double(deadlineCycles) } }

    public static let tableHeader = [
        "scenario", "rounds", "detected", "FP", "min", "median", "p99", "max", "deadline", "margin", "margin %",
    ]

    public var tableRow: [String] {
        func c(_ v: UInt64?) -> String { v.map(String.init) ?? "-" }
        return [scenario, "\(rounds)", honest ? "-" : percent(detectionRate), falsePositives.map(String.init) ?? "-",
                c(minCycles), c(medianCycles), c(p99Cycles), c(maxCycles), "\(deadlineCycles)",
                marginCycles.map(String.init) ?? "-", marginPercent.map { fixed($0, 2) } ?? "-"]
    }

    /// A plain-text table of `summaries`, columns aligned; times in device cycles.
    public static func table(_ summaries: [ScenarioSummary]) -> String {
        let rows = [tableHeader] + summaries.map(\.tableRow)
        let widths = tableHeader.indices.map { i in rows.map { $0[i].count }.max()! }
        return rows.map { r in
            r.indices.map { i in i == 0 ? r[i] + String(repeating: " ", count: widths[i] - r[i].count)
                : String(repeating: " ", count: widths[i] - r[i].count) + r[i] }.joined(separator: "  ")
        }.joined(separator: "\n") + "\n"
    }
}

func percent(_ r: Double) -> String { fixed(r * 100, 2) + " %" }

/// `v` with `digits` decimals, without Foundation's locale-dependent formatting.
func fixed(_ v: Double, _ digits: Int) -> String {
    var scale = 1.0
    for _ in 0..<digits { scale *= 10 }
    let n = Int64((abs(v) * scale).rounded())
    let whole = n / Int64(scale), frac = String(n % Int64(scale))
    let sign = v < 0 && n != 0 ? "-" : ""
    return digits == 0 ? "\(sign)\(whole)" : "\(sign)\(whole)." + String(repeating: "0", count: digits - frac.count) + frac
}
