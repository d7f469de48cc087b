// Comparing two VCDs signal by signal, and windows of one as rows.

/// The first divergence of one signal present in both files.
public struct VCDDivergence: Equatable, Sendable {
    public var name: String
    /// First time (ps) at which the values differ.
    public var time: UInt64
    /// The values there (nil: no value yet).
    public var a: VCDValue?
    public var b: VCDValue?
    /// How many change times in the compared window disagree.
    public var count: Int
}

public struct VCDDiffResult: Sendable {
    /// Signals compared (same name in both files).
    public var compared: Int
    /// Diverging signals, by time of first divergence then name.
    public var divergences: [VCDDivergence]
    /// Same-named signals of different widths.
    public var widthMismatches: [(name: String, a: Int, b: Int)]
    /// Names only in A, only in B.
    public var onlyInA: [String]
    public var onlyInB: [String]
    /// The compared time window (ps): both files' common span.
    public var from: UInt64
    public var to: UInt64
    /// Each file's span (ps): its first and last time.
    public var spanA: ClosedRange<UInt64>
    public var spanB: ClosedRange<UInt64>
    /// The spans differ and the comparison asked for the whole span.
    public var spanMismatch: Bool
    public var equal: Bool { divergences.isEmpty && widthMismatches.isEmpty && !spanMismatch }
}

public enum VCDDiff {
    /// Compare every signal name present in both files over the time span
    /// both files cover. Several vars of one name (rare) use the first.
    /// Unless `commonSpan`, the two files must also start and end at the
    /// same times (`spanMismatch` otherwise): equal files of one run cover
    /// the same span; `commonSpan` compares a window with a whole run.
    public static func compare(_ a: VCDFile, _ b: VCDFile, commonSpan: Bool = false) -> VCDDiffResult {
        var byNameA: [String: VCDSignal] = [:]
        for s in a.signals where byNameA[s.name] == nil { byNameA[s.name] = s }
        var byNameB: [String: VCDSignal] = [:]
        for s in b.signals where byNameB[s.name] == nil { byNameB[s.name] = s }
        let from = max(a.startTime, b.startTime), to = min(a.endTime, b.endTime)
        var result = VCDDiffResult(compared: 0, divergences: [], widthMismatches: [],
                                   onlyInA: byNameA.keys.filter { byNameB[$0] == nil }.sorted(),
                                   onlyInB: byNameB.keys.filter { byNameA[$0] == nil }.sorted(),
                                   from: from, to: to,
                                   spanA: a.startTime...max(a.startTime, a.endTime), spanB: b.startTime...max(b.startTime, b.endTime),
                                   spanMismatch: !commonSpan && (a.startTime != b.startTime || a.endTime != b.endTime))
        for name in byNameA.keys.sorted() {
            guard let sa = byNameA[name], let sb = byNameB[name] else { continue }
            if sa.width != sb.width { result.widthMismatches.append((name, sa.width, sb.width)); continue }
            result.compared += 1
            if let d = divergence(name, a.changes[sa.idIndex], b.changes[sb.idIndex], from: from, to: to) {
                result.divergences.append(d)
            }
        }
        result.divergences.sort { ($0.time, $0.name) < ($1.time, $1.name) }
        return result
    }

    static func divergence(_ name: String, _ ca: [(time: UInt64, value: VCDValue)], _ cb: [(time: UInt64, value: VCDValue)],
                           from: UInt64, to: UInt64) -> VCDDivergence? {
        var i = 0, j = 0
        var va: VCDValue? = nil, vb: VCDValue? = nil
        // values holding at `from`
        while i < ca.count && ca[i].time <= from { va = ca[i].value; i += 1 }
        while j < cb.count && cb[j].time <= from { vb = cb[j].value; j += 1 }
        var first: VCDDivergence? = nil
        var count = 0
        if va != vb { first = VCDDivergence(name: name, time: from, a: va, b: vb, count: 0); count = 1 }
        while i < ca.count || j < cb.count {
            let t = min(i < ca.count ? ca[i].time : .max, j < cb.count ? cb[j].time : .max)
            if t > to { break }
            if i < ca.count && ca[i].time == t { va = ca[i].value; i += 1 }
            if j < cb.count && cb[j].time == t { vb = cb[j].value; j += 1 }
            if va != vb {
                count += 1
                if first == nil { first = VCDDivergence(name: name, time: t, a: va, b: vb, count: 0) }
            }
        }
        first?.count = count
        return first
    }

    /// Rows of a window [from, to] (ps) for the given signals: the values at
    /// `from`, then one row per time at which one of them changes.
    public static func window(_ f: VCDFile, signals: [VCDSignal], from: UInt64, to: UInt64) -> [(time: UInt64, values: [VCDValue?])] {
        var rows: [(time: UInt64, values: [VCDValue?])] = []
        var times = Set<UInt64>()
        for s in signals {
            for c in f.changes[s.idIndex] where c.time > from && c.time <= to { times.insert(c.time) }
        }
        guard from <= to else { return [] }
        for t in [from] + times.sorted() {
            rows.append((t, signals.map { f.value(of: $0, at: t) }))
        }
        return rows
    }

    /// Signals matching a name: the full name, or a suffix after a dot
    /// (`pc_w` matches `TOP.socsim_tb_top.pc_w`).
    public static func match(_ f: VCDFile, _ pattern: String) -> [VCDSignal] {
        let exact = f.signals.filter { $0.name == pattern }
        if !exact.isEmpty { return exact }
        return f.signals.filter { $0.name.hasSuffix("." + pattern) }
    }
}
