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

/// `attest-sweep run`'s progress line (issue 15): forced on, it is on
/// standard error with the final count; by default, standard error being a
/// pipe here, there is none; either way the shard's bytes are the same.
@Suite struct AttestSweepProgressTests {
    @Test func progressIsOnStderrOnlyWhenAskedAndLeavesRecordsAlone() throws {
        let dir = try CLI.tempDir()
        let planPath = try CLI.write(AttestCLITests.plan, to: dir, name: "plan.json")
        let plan = try SweepPlan(json: Data(AttestCLITests.plan.utf8))
        // 3 units × (10 calibration + 3 scenarios × 5) rounds.
        let total = plan.roundCount(in: try Shard("0/1"))
        #expect(total == 75)
        func sweep(_ extra: [String], into name: String) throws -> (CLI.Result, String) {
            let out = dir.appendingPathComponent(name).path
            let r = try CLI.run(["run", "--plan", planPath, "--out", out] + extra, tool: "attest-sweep")
            #expect(r.status == 0, "\(r.stderr)")
            return (r, try String(contentsOfFile: out + "/shard-0-of-1.jsonl", encoding: .utf8))
        }
        let (forced, withProgress) = try sweep(["--progress"], into: "on")
        #expect(forced.stdout.isEmpty)
        #expect(forced.stderr.hasPrefix("\r") && forced.stderr.hasSuffix("\n"))
        let last = try #require(forced.stderr.split(separator: "\r").last)
        #expect(last.hasPrefix("75/75 rounds  ") && last.contains(" rounds/s  in "), "\(last)")
        #expect(forced.stderr.split(separator: "\r").allSatisfy { $0.contains("/75 rounds  ") })

        let (quiet, plain) = try sweep([], into: "default")
        #expect(quiet.stderr.isEmpty)
        let (off, _) = try sweep(["--no-progress"], into: "off")
        #expect(off.stderr.isEmpty)
        #expect(withProgress == plain)
        #expect(plain == RoundRecord.jsonLines(try plan.run(shard: try Shard("0/1"))))
    }
}

/// `socsim attest run` (the default subcommand): rounds of the functional device.
@Suite struct AttestRunCLITests {
    static let small = ["--steps", "1024", "--window-words", "1024", "--timeout-cycles", "40000"]

    @Test func sameSeedSameBytesAndTheSummary() throws {
        let dir = try CLI.tempDir()
        let args = ["attest", "--rounds", "3", "--seed", "7", "--calibration-rounds", "10",
                    "--attacker", "honest", "--attacker", "tampered:bytes=4", "--attacker", "disabled"] + Self.small
        let a = try CLI.run(args)
        #expect(a.status == 0, "\(a.stderr)")
        let records = try RoundRecord.parseLines(a.stdout)
        #expect(records.count == 9)
        #expect(records.map(\.verdict) == [.trusted, .trusted, .trusted, .wrongAnswer, .wrongAnswer, .wrongAnswer,
                                           .noAnswer, .noAnswer, .noAnswer])
        // Without --out the summary goes to standard error, no progress line (not a terminal).
        #expect(a.stderr.hasPrefix("scenario ") && a.stderr.contains("\ndisabled "))
        let out = dir.appendingPathComponent("r.jsonl").path, html = dir.appendingPathComponent("r.html").path
        let b = try CLI.run(["attest", "run", "--out", out, "--report", html] + args.dropFirst())
        #expect(b.status == 0, "\(b.stderr)")
        #expect(try String(contentsOfFile: out, encoding: .utf8) == a.stdout)
        #expect(b.stdout == a.stderr)
        #expect(try String(contentsOfFile: html, encoding: .utf8).hasPrefix("<!DOCTYPE html>"))
    }

    /// The firmware on the cycle-exact SoC: the same seed gives the same bytes.
    @Test func modelDeviceRounds() throws {
        let args = ["attest", "--device", "model", "--rounds", "2", "--seed", "5", "--deadline", "20000",
                    "--steps", "256", "--window-words", "256", "--timeout-cycles", "40000",
                    "--attacker", "honest", "--attacker", "disabled"]
        let a = try CLI.run(args)
        #expect(a.status == 0, "\(a.stderr)")
        let records = try RoundRecord.parseLines(a.stdout)
        #expect(records.map(\.verdict) == [.trusted, .trusted, .noAnswer, .noAnswer])
        #expect(try CLI.run(args).stdout == a.stdout)
    }

    /// `--cycle-counts`: the waits are jumped over unless every cycle is stepped; the
    /// records are the same bytes either way.
    @Test func modelDeviceCycleCounts() throws {
        let args = ["attest", "--device", "model", "--rounds", "2", "--seed", "5", "--deadline", "20000",
                    "--steps", "256", "--window-words", "256", "--timeout-cycles", "40000",
                    "--wait-cycles", "30000-40000", "--cycle-counts"]
        func counts(_ stderr: String) -> (run: UInt64, jumped: UInt64, stepped: UInt64)? {
            guard let m = stderr.firstMatch(of: /cycles honest: run (\d+), jumped (\d+) \([0-9.]+ %\), stepped (\d+)/),
                  let r = UInt64(m.1), let j = UInt64(m.2), let s = UInt64(m.3) else { return nil }
            return (r, j, s)
        }
        let skipped = try CLI.run(args), stepped = try CLI.run(args + ["--step-every-cycle"])
        #expect(skipped.status == 0 && stepped.status == 0, "\(skipped.stderr)\(stepped.stderr)")
        #expect(skipped.stdout == stepped.stdout)
        let a = try #require(counts(skipped.stderr)), b = try #require(counts(stepped.stderr))
        #expect(a.run == a.jumped + a.stepped && b.run == b.stepped && b.jumped == 0)
        // the two waits of 30 000 cycles or more are mostly jumped over
        #expect(a.jumped > 50_000 && a.stepped < b.stepped)
    }

    @Test func devicesNotBuiltYetAreRefused() throws {
        let r = try CLI.run(["attest", "--device", "fpga"])
        #expect(r.status == 2)
        #expect(r.stderr.contains("unknown --device 'fpga'"))
        for d in ["transaction", "model", "rtl"] {
            let t = try CLI.run(["attest", "--device", d, "--link", "gen2x4"])
            #expect(t.status == 2 && t.stderr.contains("models a Gen1 x1 link only"), "\(d)")
        }
        let l = try CLI.run(["attest", "--link", "gen4x1"])
        #expect(l.status == 2 && l.stderr.contains("--link 'gen4x1'"))
        let a = try CLI.run(["attest", "--attacker", "teleport"])
        #expect(a.status == 2 && a.stderr.contains("unknown attacker 'teleport'"))
    }

    /// SIGINT: exit 130 and the finished rounds as whole lines.
    @Test func sigintLeavesValidJSONLines() throws {
        let dir = try CLI.tempDir()
        let out = dir.appendingPathComponent("r.jsonl").path
        let r = try WaveCLITests.interruptedRun(["attest", "--rounds", "100000", "--deadline", "2000", "--out", out] + Self.small,
                                                vcd: out)
        #expect(r.status == 130, "\(r.stderr)")
        let text = try String(contentsOfFile: out, encoding: .utf8)
        #expect(text.hasSuffix("\n"))
        let records = try RoundRecord.parseLines(text)
        #expect(records.count >= 1 && records.count < 100_000)
        #expect(records.map(\.round) == Array(1...records.count))
    }
}
