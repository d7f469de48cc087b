// Runs attestation sweep plans (docs/attestation.md, "Sweeps"), for the Slurm
// job array in scripts/slurm/; `socsim attest merge` joins its shards. The
// rounds are the transaction-level round driver's unless the plan names
// `"device": "functional"` (the attest firmware on the functional SoC).
import ArgumentParser
import Attestation
import Foundation
import ProgressLine

@main
struct AttestSweep: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "attest-sweep",
        abstract: "Sweep plans over the transaction-level round driver or, as the plan says, the functional device.",
        subcommands: [Run.self], defaultSubcommand: Run.self)

    struct Run: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Run one shard of a plan into DIR/shard-I-of-N.jsonl.")
        @Option(help: "The sweep plan (JSON).") var plan: String
        @Option(help: "I/N: the units whose index is I modulo N (0 <= I < N).") var shard: String = "0/1"
        @Option(help: "Output directory.") var out: String
        @Flag(inversion: .prefixedNo, help: ArgumentHelp(
            "Show rounds done, rounds per second and ETA on standard error, rewritten in place (default: when standard error is a terminal).",
            discussion: "Calibration rounds count. The records are the same bytes with or without it."))
        var progress: Bool?

        func run() throws {
            let plan = try loadPlan(self.plan)
            let shard = try Shard(self.shard)
            let records: [RoundRecord]
            if Progress.enabled(forced: progress) {
                let display = Progress(total: plan.roundCount(in: shard))
                records = try plan.run(shard: shard, roundDone: display.roundDone)
                display.finish()
            } else {
                records = try plan.run(shard: shard)
            }
            try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
            let path = "\(out)/shard-\(shard.index)-of-\(shard.count).jsonl"
            let data = Data(RoundRecord.jsonLines(records).utf8)
            // A symlink, FIFO or device at the path is written through, in
            // place (a rename would replace it with a regular file).
            if let type = try? FileManager.default.attributesOfItem(atPath: path)[.type] as? FileAttributeType, type != .typeRegular {
                try data.write(to: URL(fileURLWithPath: path))
                return
            }
            try data.write(to: URL(fileURLWithPath: path + ".part"))
            // Rename last, so that a merge never sees half a shard.
            _ = try? FileManager.default.removeItem(atPath: path)
            try FileManager.default.moveItem(atPath: path + ".part", toPath: path)
        }
    }
}

func loadPlan(_ path: String) throws -> SweepPlan {
    guard let data = FileManager.default.contents(atPath: path) else { throw ValidationError("cannot read \(path)") }
    return try SweepPlan(json: data)
}

extension SweepError: LocalizedError { public var errorDescription: String? { description } }
