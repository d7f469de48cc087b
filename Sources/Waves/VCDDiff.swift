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

/// A malformed file met while comparing: which one (0 for A, 1 for B) and
/// what is wrong.
public struct VCDCompareError: Error, Equatable {
    public var file: Int
    public var error: VCDParseError
}

public enum VCDDiff {
    /// Compare every signal name present in both files over the time span
    /// both files cover. Several vars of one name (rare) use the first.
    /// Unless `commonSpan`, the two files must also start and end at the
    /// same times (`spanMismatch` otherwise): equal files of one run cover
    /// the same span; `commonSpan` compares a window with a whole run.
    public static func compare(_ a: VCDFile, _ b: VCDFile, commonSpan: Bool = false) -> VCDDiffResult {
        var ra = a.replay, rb = b.replay
        // replays of parsed files are well formed
        return try! compare(&ra, &rb, commonSpan: commonSpan)
    }

    /// The same comparison of two streams, read once in time order side by
    /// side: memory holds one current value per identifier of each file,
    /// whatever their lengths. `keep` selects the signals by name.
    public static func compare<A: VCDEventSource, B: VCDEventSource>(
        _ a: inout A, _ b: inout B, keep: (String) -> Bool = { _ in true }, commonSpan: Bool = false
    ) throws(VCDCompareError) -> VCDDiffResult {
        var byNameA: [String: VCDSignal] = [:]
        for s in a.signals where byNameA[s.name] == nil && keep(s.name) { byNameA[s.name] = s }
        var byNameB: [String: VCDSignal] = [:]
        for s in b.signals where byNameB[s.name] == nil && keep(s.name) { byNameB[s.name] = s }
        var widthMismatches: [(name: String, a: Int, b: Int)] = []
        var pairs: [(name: String, a: Int, b: Int)] = []
        for name in byNameA.keys.sorted() {
            guard let sa = byNameA[name], let sb = byNameB[name] else { continue }
            if sa.width != sb.width { widthMismatches.append((name, sa.width, sb.width)); continue }
            pairs.append((name, sa.idIndex, sb.idIndex))
        }
        var sideA = Side(a.identifierCount), sideB = Side(b.identifierCount)
        var pairsOfA = [[Int]](repeating: [], count: a.identifierCount)
        var pairsOfB = [[Int]](repeating: [], count: b.identifierCount)
        for (n, p) in pairs.enumerated() { pairsOfA[p.a].append(n); pairsOfB[p.b].append(n) }
        var first = [VCDDivergence?](repeating: nil, count: pairs.count)
        var count = [Int](repeating: 0, count: pairs.count)
        var touchedAt = [Int](repeating: -1, count: pairs.count)
        var touched: [Int] = []
        var step = 0
        func check(_ n: Int, at t: UInt64, _ sa: Side, _ sb: Side) {
            let va = sa.current[pairs[n].a], vb = sb.current[pairs[n].b]
            if !same(va, vb) {
                count[n] += 1
                if first[n] == nil { first[n] = VCDDivergence(name: pairs[n].name, time: t, a: va, b: vb, count: 0) }
            }
        }
        do {
            // the first times; values before them hold from time 0
            try sideA.advance(&a, through: nil) { _ in }
            try sideB.advance(&b, through: nil) { _ in }
        } catch { throw error.in(sideA.failed ? 0 : 1) }
        let from = max(sideA.start, sideB.start)
        do {
            if let t = sideA.pending, t <= from { try sideA.advance(&a, through: from) { _ in } }
        } catch { throw error.in(0) }
        do {
            if let t = sideB.pending, t <= from { try sideB.advance(&b, through: from) { _ in } }
        } catch { throw error.in(1) }
        for n in pairs.indices { check(n, at: from, sideA, sideB) }
        // then each time either file changes, up to the earlier end
        while sideA.pending != nil || sideB.pending != nil {
            let t = min(sideA.pending ?? .max, sideB.pending ?? .max)
            if (sideA.pending == nil && t > sideA.end) || (sideB.pending == nil && t > sideB.end) { break }
            step += 1
            touched.removeAll(keepingCapacity: true)
            func touch(_ list: [Int]) {
                for n in list where touchedAt[n] != step { touchedAt[n] = step; touched.append(n) }
            }
            do { if sideA.pending == t { try sideA.advance(&a, through: t) { touch(pairsOfA[$0]) } } } catch { throw error.in(0) }
            do { if sideB.pending == t { try sideB.advance(&b, through: t) { touch(pairsOfB[$0]) } } } catch { throw error.in(1) }
            for n in touched { check(n, at: t, sideA, sideB) }
        }
        // the rest of each file: checked, and its end time
        do { while sideA.pending != nil { try sideA.advance(&a, through: .max) { _ in } } } catch { throw error.in(0) }
        do { while sideB.pending != nil { try sideB.advance(&b, through: .max) { _ in } } } catch { throw error.in(1) }
        var divergences: [VCDDivergence] = []
        for n in pairs.indices { if var d = first[n] { d.count = count[n]; divergences.append(d) } }
        divergences.sort { ($0.time, $0.name) < ($1.time, $1.name) }
        return VCDDiffResult(
            compared: pairs.count, divergences: divergences, widthMismatches: widthMismatches,
            onlyInA: byNameA.keys.filter { byNameB[$0] == nil }.sorted(),
            onlyInB: byNameB.keys.filter { byNameA[$0] == nil }.sorted(),
            from: from, to: min(sideA.end, sideB.end),
            spanA: sideA.start...max(sideA.start, sideA.end), spanB: sideB.start...max(sideB.start, sideB.end),
            spanMismatch: !commonSpan && (sideA.start != sideB.start || sideA.end != sideB.end))
    }

    /// Equal values; a real NaN equals itself (a file compared with itself is equal).
    static func same(_ a: VCDValue?, _ b: VCDValue?) -> Bool {
        if case .real(let x)? = a, case .real(let y)? = b { return x.bitPattern == y.bitPattern || x == y }
        return a == b
    }

    /// One file's progress through a comparison.
    struct Side {
        var current: [VCDValue?]
        /// The time of the next block, its `#` read; nil at the end.
        var pending: UInt64?
        var start: UInt64 = 0
        var end: UInt64 = 0
        var sawTime = false
        var failed = false
        init(_ identifiers: Int) { current = [VCDValue?](repeating: nil, count: identifiers) }

        /// Apply changes up to the first time after `limit` (nil: up to the
        /// first time), which becomes `pending`; `changed` gets each
        /// identifier changed.
        mutating func advance<S: VCDEventSource>(_ s: inout S, through limit: UInt64?, _ changed: (Int) -> Void) throws(VCDParseError) {
            while true {
                let e: VCDEvent?
                do { e = try s.next() } catch { failed = true; throw error }
                switch e {
                case nil:
                    pending = nil
                    return
                case .change(let k, let v)?:
                    current[k] = v
                    changed(k)
                case .time(let t)?:
                    if !sawTime { start = t; sawTime = true }
                    end = t
                    if limit.map({ t > $0 }) ?? true { pending = t; return }
                }
            }
        }
    }

    /// Rows of a window [from, to] (ps) for the given signals: the values at
    /// `from`, then one row per time at which one of them changes.
    public static func window(_ f: VCDFile, signals: [VCDSignal], from: UInt64, to: UInt64) -> [(time: UInt64, values: [VCDValue?])] {
        var r = f.replay
        return try! window(&r, signals: signals, from: from, to: to)
    }

    /// The same from a stream, read up to `to` (nil: to the end).
    public static func window<S: VCDEventSource>(_ s: inout S, signals: [VCDSignal], from: UInt64, to: UInt64?) throws(VCDParseError)
        -> [(time: UInt64, values: [VCDValue?])] {
        guard from <= to ?? .max else { return [] }
        var current = [VCDValue?](repeating: nil, count: s.identifierCount)
        var watched = [Bool](repeating: false, count: s.identifierCount)
        for sig in signals { watched[sig.idIndex] = true }
        var rows: [(time: UInt64, values: [VCDValue?])] = []
        func row(_ t: UInt64) { rows.append((t, signals.map { current[$0.idIndex] })) }
        var time: UInt64 = 0
        var started = false, changed = false
        while let e = try s.next() {
            switch e {
            case .change(let k, let v):
                current[k] = v
                if watched[k] { changed = true }
            case .time(let t):
                if t == time { continue }
                // the block at `time` is complete
                if started && changed { row(time) }
                if !started && t > from { row(from); started = true }
                changed = false
                time = t
                if let to, t > to { return rows }
            }
        }
        if started {
            if changed && time <= to ?? .max { row(time) }
        } else if to != nil || from <= time {
            // nothing changes after `from`: its values (a window past the end of a file is empty unless asked for)
            row(from)
        }
        return rows
    }

    /// Signals matching a name: the full name, or a suffix after a dot
    /// (`pc_w` matches `TOP.socsim_tb_top.pc_w`).
    public static func match(_ signals: [VCDSignal], _ pattern: String) -> [VCDSignal] {
        let exact = signals.filter { $0.name == pattern }
        if !exact.isEmpty { return exact }
        return signals.filter { $0.name.hasSuffix("." + pattern) }
    }

    public static func match(_ f: VCDFile, _ pattern: String) -> [VCDSignal] { match(f.signals, pattern) }
}

extension VCDParseError {
    func `in`(_ file: Int) -> VCDCompareError { VCDCompareError(file: file, error: self) }
}
