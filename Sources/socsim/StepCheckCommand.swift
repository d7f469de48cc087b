import ArgumentParser
import Conformance
import Foundation
import LM32
import LM32Asm

/// `socsim step-check`: seeded random programs run with the cycle model's
/// profile-specialised step and with the generic step, compared cycle by
/// cycle (`Conformance.StepCheck`).
struct StepCheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "step-check",
        abstract: "Check that the cycle model's specialised step gives the same state in every cycle as the generic step.",
        discussion: """
        Each seed makes the random program of `socsim conform --random` (bench: both profiles; SoC: the \
        milkymist SoC) and runs it twice on the cycle model without observer, once with the \
        profile-specialised step of steady cycles and once with the generic step: the registers must agree \
        after every cycle, memories, bus and devices every 4 096 cycles and at the end. No RTL needed. \
        Exit 1 on a difference.
        """)

    @Option(parsing: .unconditional, help: "Number of programs per machine.")
    var random: UInt64 = 300

    @Option(parsing: .unconditional, help: "First seed.")
    var seed: UInt64 = 1

    @Option(help: "soc, bench or both.")
    var machine: String = "both"

    @Option(help: "Cycle budget per program.")
    var maxCycles: UInt64 = 300_000

    @Flag(help: ArgumentHelp(
        "Check the instruction-level fast path against the per-cycle model instead (bench profiles).",
        discussion: "The state is compared at every hand-over and at the ends of seeded random chunks (FastPathCheck)."))
    var fastPath = false

    @Option(help: "With --fast-path: the longest random chunk (cycles) between forced hand-overs.")
    var maxChunk: UInt64 = 200

    @Flag(help: "With --fast-path: check the replay alone, without running loop iterations as traces.")
    var noTraces = false

    @Flag(help: ArgumentHelp("With --fast-path: loop-heavy random programs (loops of 16-200 iterations).",
                             discussion: "Their iterations repeat, so that traces run; a stream of programs of their own."))
    var loops = false

    func validate() throws {
        guard ["soc", "bench", "both"].contains(machine) else { throw ValidationError("--machine is soc, bench or both") }
        guard maxChunk > 0 else { throw ValidationError("--max-chunk is at least 1") }
        if fastPath && machine == "soc" { throw ValidationError("--fast-path runs on the bench profiles (--machine bench)") }
        if (noTraces || loops) && !fastPath { throw ValidationError("--no-traces and --loops go with --fast-path") }
    }

    func run() throws {
        var failed = false
        let cases: [(String, CoreConfig?)] = [("testbench-nocache", .testbenchNoCache), ("testbench-cache", .testbenchCache),
                                              ("milkymist", nil)]
        if fastPath {
            try runFastPath()
            return
        }
        for (name, config) in cases where machine == "both" || (machine == "bench") == (config != nil) {
            var all = StepCheck.Outcome(), differences = 0
            for s in seed..<(seed + random) {
                let o: StepCheck.Outcome
                do {
                    if let config {
                        let p = RandomProgram.generate(seed: s)
                        let img = try Linker.link([try Assembler.assemble(source: p.source, fileName: "random-\(s).S")], layout: .unitTests)
                        o = StepCheck.bench(p.stimulus(memory: img.segments.map { ($0.address, $0.bytes) }, maxCycles: maxCycles),
                                            config: config)
                    } else {
                        let p = RandomSoCProgram.generate(seed: s)
                        let img = try Linker.link([try Assembler.assemble(source: p.source, fileName: "random-soc-\(s).S")])
                        o = try StepCheck.soc(p.stimulus(memory: img.segments.map { ($0.address, $0.bytes) }, maxCycles: maxCycles))
                    }
                } catch { throw InputError("random program \(s) (\(name)): \(error)") }
                if let d = o.difference {
                    differences += 1
                    print("DIFFERENT: \(name) seed \(s): \(d)")
                }
                all += o
            }
            print("\(name): \(random) programs, \(differences) differences; \(all.cycles) cycles, \(all.specialised) specialised")
            failed = failed || differences > 0
        }
        if failed { throw ExitCode(1) }
    }

    /// `--fast-path`: `FastPathCheck` over the random programs, both bench profiles.
    func runFastPath() throws {
        var failed = false
        for config in [CoreConfig.testbenchNoCache, .testbenchCache] {
            var all = FastPathCheck.Outcome(), differences = 0
            for s in seed..<(seed + random) {
                let o: FastPathCheck.Outcome
                do {
                    let p = RandomProgram.generate(seed: s, loops: loops)
                    let img = try Linker.link([try Assembler.assemble(source: p.source, fileName: "random-\(s).S")], layout: .unitTests)
                    o = FastPathCheck.bench(p.stimulus(memory: img.segments.map { ($0.address, $0.bytes) }, maxCycles: maxCycles),
                                            config: config, seed: s, maxChunk: maxChunk, traces: !noTraces)
                } catch { throw InputError("random program \(s) (\(config.name)): \(error)") }
                if let d = o.difference {
                    differences += 1
                    print("DIFFERENT: \(config.name) seed \(s): \(d)")
                }
                all += o
            }
            print("\(config.name): \(random) programs, \(differences) differences; \(all.cycles) cycles, "
                  + "\(all.fastCycles) on the fast path (\(all.replayedCycles) replayed), \(all.dividerCycles) with the divider "
                  + "running, \(all.divideCycles) as divides' recurrence, \(all.traceIterations) loop iterations as traces, "
                  + "\(all.handOvers) hand-overs compared")
            failed = failed || differences > 0
        }
        if failed { throw ExitCode(1) }
    }
}
