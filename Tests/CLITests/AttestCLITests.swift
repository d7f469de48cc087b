import Attestation
import Foundation
import Testing

/// `socsim attest merge` and `report`: records in, records, tables and HTML out.
@Suite struct AttestCLITests {
    static let plan = #"""
    {"name": "cli", "scenarios": ["honest", "emulation", "disabled"], "seeds": [1, 2, 3],
     "steps": [256], "window_words": [64], "rounds": 5, "calibration_rounds": 10}
    """#

    @Test func mergeOfShardsIsTheSingleRunAndReportSummarises() throws {
        let dir = try CLI.tempDir()
        let planPath = try CLI.write(Self.plan, to: dir, name: "plan.json")
        let plan = try SweepPlan(json: Data(Self.plan.utf8))
        let shards = dir.appendingPathComponent("shards")
        try FileManager.default.createDirectory(at: shards, withIntermediateDirectories: true)
        for i in 0..<2 {
            let s = try Shard(index: i, count: 2)
            try Data(RoundRecord.jsonLines(try plan.run(shard: s)).utf8)
                .write(to: shards.appendingPathComponent("shard-\(i)-of-2.jsonl"))
        }
        let m = try CLI.run(["attest", "merge", "--plan", planPath, shards.path])
        #expect(m.status == 0, "\(m.stderr)")
        #expect(m.stdout == "2 shards, 45 rounds\n")
        let merged = try String(contentsOf: shards.appendingPathComponent("merged.jsonl"), encoding: .utf8)
        #expect(merged == RoundRecord.jsonLines(try plan.run(shard: try Shard("0/1"))))

        let html = dir.appendingPathComponent("r.html").path, csv = dir.appendingPathComponent("r.csv").path
        let r = try CLI.run(["attest", "report", "--in", shards.appendingPathComponent("merged.jsonl").path, "--out", html, "--csv", csv])
        #expect(r.status == 0, "\(r.stderr)")
        let lines = r.stdout.split(separator: "\n")
        #expect(lines.count == 4)
        #expect(lines[1].hasPrefix("honest ") && lines[1].contains("  0  "))
        #expect(lines[3].hasPrefix("disabled ") && lines[3].contains("100.00 %"))
        #expect(try String(contentsOfFile: html, encoding: .utf8).hasPrefix("<!DOCTYPE html>"))
        #expect(try String(contentsOfFile: csv, encoding: .utf8).split(separator: "\n").count == 46)

        // A missing shard is a usage error naming the count.
        try FileManager.default.removeItem(at: shards.appendingPathComponent("shard-1-of-2.jsonl"))
        let bad = try CLI.run(["attest", "merge", "--plan", planPath, shards.path])
        #expect(bad.status == 2)
        #expect(bad.stderr.contains("the plan has 45"))
        let garbage = try CLI.write("{\"scenario\":1}\n", to: dir, name: "bad.jsonl")
        let g = try CLI.run(["attest", "report", "--in", garbage])
        #expect(g.status == 2)
        #expect(g.stderr.contains("bad.jsonl: line 1: '") && g.stderr.contains("must be a string"))
    }
}
