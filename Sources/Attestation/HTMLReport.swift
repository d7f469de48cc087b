/// One self-contained HTML page of an attestation run: response-time
/// distributions per scenario with the deadline drawn, the detection table,
/// and the smallest detected overhead against the challenge length, as
/// inline SVG. No script, no external resource.
public struct HTMLReport: Sendable {
    public var title: String
    public var summaries: [ScenarioSummary]
    /// The rounds of each scenario (keyed by `ScenarioSummary.scenario`).
    public var records: [String: [RoundRecord]]
    public var thresholds: [DetectionThreshold]

    public init(title: String, summaries: [ScenarioSummary], records: [String: [RoundRecord]],
                thresholds: [DetectionThreshold] = []) {
        self.title = title
        self.summaries = summaries
        self.records = records
        self.thresholds = thresholds
    }

    /// Builds the summaries from `records` grouped by scenario (and by steps
    /// and window when they vary), in first-seen order; the scenario named
    /// `honest` is the one false positives are counted on. A group of several
    /// seeds shows the largest of their deadlines (each round was judged
    /// against its own).
    public init(title: String, records: [RoundRecord], thresholds: [DetectionThreshold] = []) {
        // Records of several challenge sizes are summarised per size.
        let sized = Set(records.map { [$0.steps, $0.windowWords] }).count > 1
        func key(_ r: RoundRecord) -> String { sized ? "\(r.scenario) @ \(r.steps) steps, \(r.windowWords) words" : r.scenario }
        var order: [String] = []
        var groups: [String: [RoundRecord]] = [:]
        var honest: Set<String> = []
        for r in records {
            let k = key(r)
            if groups[k] == nil { order.append(k) }
            groups[k, default: []].append(r)
            if r.scenario == Attacker.none.specification { honest.insert(k) }
        }
        let summaries = order.map { s in
            ScenarioSummary(scenario: s, honest: honest.contains(s), records: groups[s]!,
                            deadlineCycles: groups[s]!.map(\.deadlineCycles).max() ?? 0)
        }
        self.init(title: title, summaries: summaries, records: groups, thresholds: thresholds)
    }

    public var html: String {
        var h = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>\(escape(title))</title>\n"
        h += "<style>body{font-family:sans-serif;margin:2em;max-width:60em}table{border-collapse:collapse}"
        h += "td,th{border:1px solid #999;padding:0.2em 0.5em;text-align:right}td:first-child,th:first-child{text-align:left}"
        h += "svg{display:block;margin:0.5em 0 1.5em}</style>\n</head>\n<body>\n<h1>\(escape(title))</h1>\n"
        h += "<p>Response times are in device cycles of 12.5 ns (80 MHz), from the challenge's send to the doorbell's arrival.</p>\n"
        h += "<h2>Detection</h2>\n<table>\n<thead><tr>"
        h += ScenarioSummary.tableHeader.map { "<th>\(escape($0))</th>" }.joined() + "</tr></thead>\n<tbody>\n"
        for s in summaries { h += "<tr>" + s.tableRow.map { "<td>\(escape($0))</td>" }.joined() + "</tr>\n" }
        h += "</tbody>\n</table>\n<h2>Response-time distributions</h2>\n"
        for s in summaries {
            h += "<h3>\(escape(s.scenario))</h3>\n" + histogram(records[s.scenario] ?? [], deadline: s.deadlineCycles) + "\n"
        }
        if !thresholds.isEmpty {
            h += "<h2>Smallest overhead detected in every round, against the challenge length</h2>\n"
            h += thresholdChart() + "\n"
        }
        return h + "</body>\n</html>\n"
    }

    static let palette = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf"]

    /// A histogram of the answered rounds' response times, 40 bins over the
    /// range of the times and the deadline, the deadline as a red line.
    func histogram(_ records: [RoundRecord], deadline: UInt64) -> String {
        let w = 640, ht = 160, left = 50, bottom = 30, top = 10, plotW = w - left - 10, plotH = ht - top - bottom
        let times = records.compactMap(\.elapsedCycles)
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(w)\" height=\"\(ht)\" viewBox=\"0 0 \(w) \(ht)\">"
        svg += "<rect x=\"\(left)\" y=\"\(top)\" width=\"\(plotW)\" height=\"\(plotH)\" fill=\"none\" stroke=\"#999\"/>"
        let unanswered = records.count - times.count
        guard let tmin = times.min(), let tmax = times.max() else {
            return svg + "<text x=\"\(left + 10)\" y=\"\(top + 30)\" font-size=\"12\">no answers (\(unanswered) rounds)</text></svg>"
        }
        let lo = min(tmin, deadline), hi = max(tmax, deadline) + 1
        let bins = 40
        var counts = [Int](repeating: 0, count: bins)
        for t in times { counts[min(bins - 1, Int((t - lo) * UInt64(bins) / (hi - lo)))] += 1 }
        let peak = max(1, counts.max()!)
        let bw = Double(plotW) / Double(bins)
        for (i, c) in counts.enumerated() where c > 0 {
            let bh = Double(plotH) * Double(c) / Double(peak)
            svg += "<rect x=\"\(num(Double(left) + Double(i) * bw))\" y=\"\(num(Double(top + plotH) - bh))\" width=\"\(num(bw - 1))\" height=\"\(num(bh))\" fill=\"#1f77b4\"><title>\(c) rounds</title></rect>"
        }
        let dx = Double(left) + Double(plotW) * Double(deadline - lo) / Double(hi - lo)
        svg += "<line x1=\"\(num(dx))\" y1=\"\(top)\" x2=\"\(num(dx))\" y2=\"\(top + plotH)\" stroke=\"#d62728\" stroke-width=\"2\"/>"
        svg += "<text x=\"\(num(dx + 3))\" y=\"\(top + 12)\" font-size=\"11\" fill=\"#d62728\">deadline \(deadline)</text>"
        svg += "<text x=\"\(left)\" y=\"\(ht - 8)\" font-size=\"11\">\(lo)</text>"
        svg += "<text x=\"\(left + plotW)\" y=\"\(ht - 8)\" font-size=\"11\" text-anchor=\"end\">\(hi - 1) cycles</text>"
        svg += "<text x=\"\(left - 4)\" y=\"\(top + 10)\" font-size=\"11\" text-anchor=\"end\">\(peak)</text>"
        if unanswered > 0 {
            svg += "<text x=\"\(left + plotW / 2)\" y=\"\(ht - 8)\" font-size=\"11\" text-anchor=\"middle\">\(unanswered) rounds unanswered</text>"
        }
        return svg + "</svg>"
    }

    /// Overhead (percent of the honest median) against log2 of the steps, one line per attacker.
    func thresholdChart() -> String {
        let w = 640, ht = 300, left = 60, bottom = 40, top = 10, right = 150
        let plotW = w - left - right, plotH = ht - top - bottom
        let points = thresholds.filter { $0.overheadPercent != nil }
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(w)\" height=\"\(ht)\" viewBox=\"0 0 \(w) \(ht)\">"
        svg += "<rect x=\"\(left)\" y=\"\(top)\" width=\"\(plotW)\" height=\"\(plotH)\" fill=\"none\" stroke=\"#999\"/>"
        guard !points.isEmpty else { return svg + "</svg>" }
        func log2(_ s: UInt32) -> Double { Double(32 - s.leadingZeroBitCount) - 1 }
        let xs = points.map { log2($0.steps) }, ys = points.map { max(0, $0.overheadPercent!) }
        let x0 = xs.min()!, x1 = max(xs.max()!, x0 + 1), yTop = max(ys.max()! * 1.1, 0.01)
        func px(_ x: Double) -> Double { Double(left) + Double(plotW) * (x - x0) / (x1 - x0) }
        func py(_ y: Double) -> Double { Double(top + plotH) - Double(plotH) * max(0, y) / yTop }
        var names: [String] = []
        for p in points where !names.contains(p.attacker) { names.append(p.attacker) }
        for (i, name) in names.enumerated() {
            let colour = Self.palette[i % Self.palette.count]
            let line = points.filter { $0.attacker == name }.sorted { $0.steps < $1.steps }
            svg += "<polyline fill=\"none\" stroke=\"\(colour)\" stroke-width=\"2\" points=\""
            svg += line.map { "\(num(px(log2($0.steps)))),\(num(py($0.overheadPercent!)))" }.joined(separator: " ") + "\"/>"
            for p in line {
                svg += "<circle cx=\"\(num(px(log2(p.steps))))\" cy=\"\(num(py(p.overheadPercent!)))\" r=\"3\" fill=\"\(colour)\">"
                svg += "<title>\(escape(name)), \(p.steps) steps: \(fixed(p.overheadPercent!, 2)) %</title></circle>"
            }
            svg += "<text x=\"\(left + plotW + 10)\" y=\"\(top + 15 + 15 * i)\" font-size=\"12\" fill=\"\(colour)\">\(escape(name))</text>"
        }
        for e in Int(x0)...Int(x1) {
            svg += "<text x=\"\(num(px(Double(e))))\" y=\"\(ht - bottom + 15)\" font-size=\"11\" text-anchor=\"middle\">2^\(e)</text>"
        }
        svg += "<text x=\"\(left + plotW / 2)\" y=\"\(ht - 5)\" font-size=\"12\" text-anchor=\"middle\">automaton steps</text>"
        svg += "<text x=\"\(left - 4)\" y=\"\(top + 10)\" font-size=\"11\" text-anchor=\"end\">\(fixed(yTop, 2)) %</text>"
        svg += "<text x=\"\(left - 4)\" y=\"\(top + plotH)\" font-size=\"11\" text-anchor=\"end\">0 %</text>"
        return svg + "</svg>"
    }

    func num(_ v: Double) -> String { fixed(v, 1) }
}

/// `s` with the five characters HTML and XML give meaning to escaped.
func escape(_ s: String) -> String {
    var out = ""
    for c in s {
        switch c {
        case "&": out += "&amp;"
        case "<": out += "&lt;"
        case ">": out += "&gt;"
        case "\"": out += "&quot;"
        case "'": out += "&#39;"
        default: out.append(c)
        }
    }
    return out
}
