import Attestation
import Foundation
import SoCSimTestSupport
import Testing

struct MissingPython: Error, CustomStringConvertible {
    var path: String
    var description: String { "\(path) does not exist: run scripts/test.sh, which installs html5lib there" }
}

/// The HTML report parses as HTML5 (html5lib, the pinned PyPI parser that
/// scripts/test.sh installs in .venv) and each SVG in it as XML.
@Suite struct ReportTests {
    static let check = #"""
import sys, html5lib, xml.dom.minidom
text = open(sys.argv[1], encoding="utf-8").read()
parser = html5lib.HTMLParser(strict=True, namespaceHTMLElements=False)
doc = parser.parse(text)
assert doc.find("body") is not None
n = 0
start = 0
while True:
    i = text.find("<svg", start)
    if i < 0: break
    j = text.index("</svg>", i) + len("</svg>")
    xml.dom.minidom.parseString(text[i:j])
    n += 1
    start = j
assert "<script" not in text and "http://" not in text.replace("http://www.w3.org/2000/svg", "")
print(n)
"""#

    func python() throws -> String {
        let py = Upstream.repositoryRoot.appendingPathComponent(".venv/bin/python").path
        guard FileManager.default.isExecutableFile(atPath: py) else {
            throw MissingPython(path: py)
        }
        return py
    }

    /// Runs the check on `html`; the number of SVG elements it parsed.
    func validate(_ html: String) throws -> (status: Int32, output: String) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("attest-report-\(getpid())-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("report.html"), script = dir.appendingPathComponent("check.py")
        try html.write(to: file, atomically: true, encoding: .utf8)
        try Self.check.write(to: script, atomically: true, encoding: .utf8)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: try python())
        p.arguments = [script.path, file.path]
        let out = Pipe()
        p.standardOutput = out
        p.standardError = out
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    /// Rounds of every default attacker at 1 024 steps after calibration,
    /// for the report checks.
    static func sampleRounds(_ rounds: Int, seed: UInt64) throws -> (records: [RoundRecord], deadline: UInt64) {
        var c = RoundTests.config
        c.plan.steps = 1_024
        let e = Experiment(config: c, calibrationRounds: 50, rounds: rounds, seed: seed)
        let deadline = try e.calibrate()!.deadlineCycles
        var records: [RoundRecord] = []
        for a in Attacker.defaults { records += try e.play(a, deadlineCycles: deadline) }
        return (records, deadline)
    }

    @Test func reportIsHTML5WithXMLSVG() throws {
        let (records, deadline) = try Self.sampleRounds(30, seed: 3)
        let thresholds = [1_024, 4_096].flatMap { steps in
            ["emulation", "proxy"].enumerated().map { i, name in
                DetectionThreshold(attacker: name, steps: UInt32(steps), parameter: 3, overheadPercent: Double(i + 1) / Double(steps) * 100,
                                   falsePositives: 0, deadlineCycles: deadline)
            }
        }
        let report = HTMLReport(title: "Attestation <test> & report", records: records, thresholds: thresholds)
        #expect(report.summaries.count == Attacker.defaults.count)
        #expect(report.summaries.first?.falsePositives == 0)
        let html = report.html
        let r: (status: Int32, output: String) = try validate(html)
        #expect(r.status == 0, "\(r.output)")
        // One histogram per scenario and the threshold chart.
        #expect(r.output.trimmingCharacters(in: .whitespacesAndNewlines) == "\(Attacker.defaults.count + 1)")
        #expect(html.contains("Attestation &lt;test&gt; &amp; report"))
    }

    @Test func theCheckFailsOnBrokenMarkup() throws {
        let r: (status: Int32, output: String) = try validate("<!DOCTYPE html><html><head><title>x</title></head><body><svg xmlns=\"http://www.w3.org/2000/svg\"><rect></svg></body></html>")
        #expect(r.status != 0)
    }
}
