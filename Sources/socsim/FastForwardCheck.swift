import ArgumentParser
import Conformance
import Foundation

/// `socsim fast-forward-check`: seeded random waiting firmware run with idle
/// skipping and stepping every cycle, the whole machine state compared.
struct FastForwardCheck: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fast-forward-check",
        abstract: "Check that fast-forward (idle skipping) ends in the same whole machine state as stepping every cycle.",
        discussion: """
        Each seed makes a waiting program (Conformance.IdleScenario): bi ., a polled memory flag (cached or \
        not, BRAM or SDRAM), UART THRE or timer 0's counter, interrupts on or off, a timer, a UART byte or a \
        harness pulse ending the wait, random SDRAM latency or wait states. It runs twice on the cycle model; \
        CPU, caches, bus, memories and devices must agree at the end. Exit 1 on a difference.
        """)

    @Option(parsing: .unconditional, help: "Number of scenarios per machine.")
    var random: UInt64 = 300

    @Option(parsing: .unconditional, help: "First seed.")
    var seed: UInt64 = 1

    @Option(help: "soc, bench or both.")
    var machine: String = "both"

    @Flag(help: "Print each scenario.")
    var verbose = false

    func validate() throws {
        guard ["soc", "bench", "both"].contains(machine) else { throw ValidationError("--machine is soc, bench or both") }
    }

    func run() throws {
        var total = 0
        for bench in [false, true] where machine == "both" || (machine == "bench") == bench {
            var differences = 0
            var cycles: UInt64 = 0, skipped: UInt64 = 0, jumps: UInt64 = 0
            for s in seed..<(seed + random) {
                let scenario = IdleScenario.generate(seed: s, bench: bench)
                let o = try scenario.check()
                cycles += o.cycles; skipped += o.skips.skipped; jumps += o.skips.jumps
                if !o.same {
                    differences += 1
                    print("DIFFERENT: \(scenario)")
                } else if verbose {
                    print("same: \(scenario): \(o.cycles) cycles, \(o.skips.skipped) skipped in \(o.skips.jumps) jumps")
                }
            }
            print("\(bench ? "bench" : "soc"): \(random) scenarios, \(differences) differences; \(cycles) cycles, \(skipped) skipped in \(jumps) jumps")
            total += differences
        }
        if total > 0 { throw ExitCode(1) }
    }
}
