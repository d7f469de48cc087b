import ArgumentParser
import Attestation
import Foundation
import PCIe
import ProgressLine

extension AttestCommand {
    /// `socsim attest [run]`: plays rounds (docs/attestation.md, "socsim attest").
    struct Run: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Play attestation rounds: calibrate, then each scenario; JSON Lines, summary, CSV, HTML.",
            discussion: """
            Devices: `functional` (default) runs the attest firmware on the functional SoC \
            with the PCIe endpoint, link, root complex and host model on one scheduler; \
            `model` runs it on the cycle-exact SoC with the cycle-exact endpoint, the same \
            host behind its TLP stream (Gen1 x1), the waits skipped exactly; \
            `rtl` runs it on the verilated RTL SoC with the RTL endpoint and the same host, \
            every cycle stepped (RTL/build.sh milkymist); \
            `transaction` is the transaction-level round driver (no firmware, no endpoint; \
            Gen1 x1 only).

            Without --deadline the deadline is calibrated on --calibration-rounds honest \
            rounds of their own seed (max + ceil((max - min)/4) + 2 device cycles). \
            The records go to --out, else to standard output; the summary table to \
            standard output with --out, else to standard error. On SIGINT the records of \
            the rounds finished are complete lines (exit 130).
            """)

        @Option(help: "functional, model, rtl or transaction.") var device = "functional"
        @Option(help: "Rounds per scenario.") var rounds = 100
        @Option(help: "Seed of the device's challenges and the host's jitter.") var seed: UInt64 = 1
        @Option(name: .customLong("attacker"), help: ArgumentHelp(
            "A scenario: NAME[:key=value,...] (docs/attackers.md); repeat for several (default: honest).",
            valueName: "spec")) var attackers: [String] = []
        @Option(help: "The PCIe link: gen1x1, gen2x4, ... (functional device; the others are Gen1 x1).") var link = "gen1x1"
        @Option(help: "Automaton steps per challenge (default \(DriverConfig().plan.steps)).") var steps: UInt32?
        @Option(help: "Window length in words, a power of two (default \(DriverConfig().plan.windowWords)).") var windowWords: UInt32?
        @Flag(help: "Calibrate the deadline on honest rounds (the default without --deadline).") var calibrate = false
        @Option(help: "Honest rounds for the calibration.") var calibrationRounds = 200
        @Option(help: "Judge against this deadline in device cycles instead of calibrating.") var deadline: UInt64?
        @Option(help: "No doorbell this many device cycles after the send: no answer (default \(DriverConfig().timeoutCycles)).")
        var timeoutCycles: UInt64?
        @Option(help: ArgumentHelp("The random wait before each challenge: MIN-MAX device cycles (default \(DriverConfig().minWaitCycles)-\(DriverConfig().maxWaitCycles)).",
                                   valueName: "min-max")) var waitCycles: String?
        @Option(help: "Write the records (JSON Lines) here instead of standard output.") var out: String?
        @Option(help: "Write the records as CSV here.") var csv: String?
        @Option(help: "Write the self-contained HTML report here.") var report: String?
        @Flag(help: "Model device: step every cycle of the waits instead of skipping them (the same records, slower).")
        var stepEveryCycle = false
        @Flag(help: ArgumentHelp("After each scenario, print its device's cycles on standard error: run, jumped over, stepped.",
                                 discussion: "Where a firmware device's host time goes; the records are the same bytes."))
        var cycleCounts = false
        @Flag(inversion: .prefixedNo, help: ArgumentHelp(
            "Show rounds done, rounds per second and ETA on standard error (default: when it is a terminal).",
            discussion: "Calibration rounds count. The records are the same bytes with or without it."))
        var progress: Bool?

        func validate() throws {
            guard let kind = DeviceKind(rawValue: device) else {
                throw ValidationError("unknown --device '\(device)' (functional, model, rtl, transaction)")
            }
            if stepEveryCycle && kind != .model { throw ValidationError("--step-every-cycle is for --device model") }
            if rounds < 1 { throw ValidationError("--rounds must be at least 1") }
            if calibrationRounds < 1 { throw ValidationError("--calibration-rounds must be at least 1") }
            if calibrate && deadline != nil { throw ValidationError("--calibrate and --deadline exclude each other") }
            if steps == 0 { throw ValidationError("--steps must be positive") }
            if let w = windowWords, w == 0 || w & (w - 1) != 0 || w > 1 << 30 {
                throw ValidationError("--window-words must be a power of two from 1 to 2^30")
            }
            if timeoutCycles == 0 { throw ValidationError("--timeout-cycles must be positive") }
            if let waitCycles { _ = try Self.waits(waitCycles) }
            let l = try Self.link(link)
            if [.transaction, .model, .rtl].contains(kind) && (l.generation != .gen1 || l.width != 1) {
                throw ValidationError("the \(kind == .transaction ? "transaction-level driver" : "\(kind) device's endpoint") models a Gen1 x1 link only")
            }
            for a in attackers { _ = try Self.attacker(a) }
        }

        /// `genG` `x` `W`: generation 1 to 3, a supported width.
        static func link(_ text: String) throws -> LinkConfiguration {
            let parts = text.lowercased().split(separator: "x", maxSplits: 1)
            guard parts.count == 2, parts[0].hasPrefix("gen"), let g = Int(parts[0].dropFirst(3)),
                  let generation = LinkGeneration(rawValue: g), let w = Int(parts[1]),
                  LinkConfiguration.supportedWidths.contains(w) else {
                throw ValidationError("--link '\(text)' is not genGxW with G 1 to 3 and W one of \(LinkConfiguration.supportedWidths.map(String.init).joined(separator: ", "))")
            }
            return LinkConfiguration(generation: generation, width: w)
        }

        /// `MIN-MAX` with MIN ≤ MAX < 2^32.
        static func waits(_ text: String) throws -> (UInt64, UInt64) {
            let parts = text.split(separator: "-", omittingEmptySubsequences: false)
            guard parts.count == 2, let lo = UInt64(parts[0]), let hi = UInt64(parts[1]), lo <= hi, hi <= UInt64(UInt32.max) else {
                throw ValidationError("--wait-cycles '\(text)' is not MIN-MAX with MIN <= MAX < 2^32")
            }
            return (lo, hi)
        }

        /// One scenario's `--cycle-counts` line.
        static func line(_ c: CycleCounts, scenario: String) -> String {
            let share = c.run == 0 ? 0 : Double(c.jumped) / Double(c.run) * 100
            return "cycles \(scenario): run \(c.run), jumped \(c.jumped) (\(String(format: "%.2f", share)) %), stepped \(c.stepped)\n"
        }

        static func attacker(_ spec: String) throws -> Attacker {
            do { return try Attacker(specification: spec) } catch { throw ValidationError(error.description) }
        }

        func run() throws {
            var config = DriverConfig()
            if let steps { config.plan.steps = steps }
            if let windowWords { config.plan.windowWords = windowWords }
            if let timeoutCycles { config.timeoutCycles = timeoutCycles }
            if let waitCycles { (config.minWaitCycles, config.maxWaitCycles) = try Self.waits(waitCycles) }
            config.pcieLink = try Self.link(link)
            let scenarios = try (attackers.isEmpty ? ["honest"] : attackers).map(Self.attacker)
            let experiment = Experiment(config: config, calibrationRounds: calibrationRounds, rounds: rounds, seed: seed,
                                        device: DeviceKind(rawValue: device)!)

            let sink = try out.map { try OutputFile(path: $0) }
            func emit(_ line: String) throws {
                if let sink { try sink.write(Array(line.utf8)) } else { Console.output.write(Data(line.utf8)) }
            }
            let display = Progress.enabled(forced: progress)
                ? Progress(total: (deadline == nil ? calibrationRounds : 0) + scenarios.count * rounds) : nil
            var records: [RoundRecord] = []
            var writeError: Error?
            let interrupted: Bool = try whileWatchingSIGINT { interrupted in
                do {
                    let judgedBy: UInt64
                    if let deadline {
                        judgedBy = deadline
                    } else {
                        let honest = try experiment.device.make(config: config, attacker: .none, seed: experiment.calibrationSeed,
                                                               stepEveryCycle: stepEveryCycle)
                        var calibration: [RoundRecord] = []
                        try honest.play(rounds: calibrationRounds, scenario: "calibration", deadlineCycles: config.timeoutCycles) {
                            calibration.append($0)
                            display?.roundDone()
                            return !interrupted()
                        }
                        if interrupted() { return true }
                        guard let c = Calibration(honest: calibration) else { throw ExperimentError.noHonestAnswer }
                        judgedBy = c.deadlineCycles
                    }
                    for a in scenarios {
                        let d = try experiment.device.make(config: config, attacker: a, seed: seed, stepEveryCycle: stepEveryCycle)
                        try d.play(rounds: rounds, scenario: a.specification, deadlineCycles: judgedBy) { r in
                            records.append(r)
                            do { try emit(r.jsonLine + "\n") } catch { writeError = error; return false }
                            display?.roundDone()
                            return !interrupted()
                        }
                        if cycleCounts, let c = d.cycleCounts { Console.error.write(Data(Self.line(c, scenario: a.specification).utf8)) }
                        if writeError != nil || interrupted() { return interrupted() }
                    }
                    return false
                } catch let e as ExperimentError {
                    switch e {
                    case .configuration, .challenge: throw InputError(e.description)
                    case .device, .noHonestAnswer:
                        Console.error.write(Data("socsim: \(e.description)\n".utf8))
                        throw ExitCode(Exit.simulationFailure)
                    }
                }
            }
            display?.finish()
            if let sink { try sink.close(after: writeError) } else if let writeError { throw writeError }
            if interrupted { throw ExitCode(Exit.interrupted) }

            let summary = HTMLReport(title: "Attestation rounds: \(device) device, seed \(seed)", records: records)
            let table = ScenarioSummary.table(summary.summaries)
            if out != nil { print(table, terminator: "") } else { Console.error.write(Data(table.utf8)) }
            if let csv { try AttestCommand.write(RoundRecord.csv(records), to: csv) }
            if let report { try AttestCommand.write(summary.html, to: report) }
        }
    }
}
