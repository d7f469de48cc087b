import ArgumentParser
import Attestation
import Foundation

/// `socsim attest`: plays attestation rounds (`run`, the default subcommand), and
/// summarises, reports and merges round records (JSON Lines, docs/attestation.md).
struct AttestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "attest",
        abstract: "Play attestation rounds (run, the default); summarise, report and merge their records (JSON Lines).",
        subcommands: [Run.self, Report.self, Merge.self], defaultSubcommand: Run.self)

    static func records(_ path: String) throws -> [RoundRecord] {
        do { return try RoundRecord.parseLines(String(decoding: try readFile(path), as: UTF8.self)) }
        catch let e as RecordError { throw InputError("\(path): \(e)") }
    }

    static func write(_ text: String, to path: String) throws {
        try OutputFile.write(Array(text.utf8), to: path)
    }

    struct Report: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the summary table of a records file; write the HTML report and CSV on request.")
        @Option(name: .customLong("in"), help: "Round records, JSON Lines.") var input: String
        @Option(help: "Write the self-contained HTML report here.") var out: String?
        @Option(help: "Write the records as CSV here.") var csv: String?

        func run() throws {
            let records = try AttestCommand.records(input)
            let report = HTMLReport(title: "Attestation rounds: \((input as NSString).lastPathComponent)", records: records)
            print(ScenarioSummary.table(report.summaries), terminator: "")
            if let out { try AttestCommand.write(report.html, to: out) }
            if let csv { try AttestCommand.write(RoundRecord.csv(records), to: csv) }
        }
    }

    struct Merge: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Join DIR's shard-*.jsonl into one records file in run order (job, round).",
            discussion: "With --plan, every round of every job of the plan must be there exactly once.")
        @Argument(help: "The directory of shard-*.jsonl files.") var dir: String
        @Option(help: "The sweep plan the shards ran (JSON).") var plan: String?
        @Option(help: "Output file (default DIR/merged.jsonl).") var out: String?

        func run() throws {
            let names: [String]
            do {
                names = try FileManager.default.contentsOfDirectory(atPath: dir)
                    .filter { $0.hasPrefix("shard-") && $0.hasSuffix(".jsonl") }.sorted()
            } catch { throw InputError("cannot list '\(dir)'") }
            guard !names.isEmpty else { throw InputError("no shard-*.jsonl in '\(dir)'") }
            var records: [RoundRecord] = []
            for n in names { records += try AttestCommand.records("\(dir)/\(n)") }
            let merged: [RoundRecord]
            do {
                if let plan {
                    merged = try SweepPlan(json: Data(try readFile(plan))).merge(records)
                } else {
                    merged = try RoundRecord.merged(records)
                }
            } catch let e as SweepError { throw InputError(e.description) }
            try AttestCommand.write(RoundRecord.jsonLines(merged), to: out ?? "\(dir)/merged.jsonl")
            print("\(names.count) shards, \(merged.count) rounds")
        }
    }
}
