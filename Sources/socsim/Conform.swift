import ArgumentParser
import Conformance
import CycleWaves
import Foundation
import LM32
import LM32Asm
import LM32Cycle
import SoC
import Verilated
import Waves

/// `socsim conform`: the cycle-exact model and the verilated RTL in lock-step.
struct Conform: BundledPositionals {
    static let configuration = CommandConfiguration(
        abstract: "Run programs on the cycle-exact model and on the RTL in lock-step and compare every cycle.",
        discussion: """
        Both sides get identical stimuli (program, wait states, interrupt schedule). Every cycle the \
        comparison covers retirements and instruction words, register writes, both Wishbone ports \
        (address, data, select, CTI, WE, ACK/ERR), exception entries, stage PCs, valid/stall/kill, \
        IE/IM/IP and the cycle counter. At the first divergence it prints the cycle, the field, both \
        values and the last 16 retired instructions of each side, writes both VCDs of the run (with \
        --vcd-dir: NAME-rtl.vcd from Verilator, NAME-model.vcd from the model, same signal names and \
        times, so `socsim wave diff` compares them) and exits 1.

        PROGRAM: assembly sources linked with the unit tests' layout (text at 0, data at 0x8000). \
        --random N: N seeded random programs (seeds S … S+N−1, which must not pass 2^64−1; each program draws its own wait \
        states, interrupt pulses, bus-error windows and breaks), on every profile unless --profile \
        picks one. The RTL libraries come from RTL/build.sh (or $SOCSIM_RTL_LIB_DIR).

        --profile milkymist: the cycle-exact core on the milkymist SoC against the verilated SoC \
        (RTL/soc/): PROGRAM is firmware linked after the boot stub as `socsim run` links it \
        (without PROGRAM or with --firmware: the embedded firmware), random programs also drive \
        the UART, timers, GPIO, the automaton coprocessor, SDRAM and unmapped addresses \
        (Conformance.RandomSoCProgram), and \
        after the cycles the UART streams (bytes and cycle stamps) and GPIO outputs must agree too.
        """)

    @Argument(help: "Assembly sources to run (omit with --random).")
    var program: [String] = []

    @Option(help: "With --profile milkymist: an embedded firmware (\(MilkymistFirmware.cycleExactCases.map(\.rawValue).joined(separator: ", "))) instead of PROGRAM.")
    var firmware: String?

    @Option(name: .customLong("sdram-latency"), parsing: .unconditional, help: "With --profile milkymist: SDRAM cycles per beat for PROGRAM.")
    var sdramLatency: Int = SDRAM.defaultLatency

    @Option(parsing: .unconditional, help: "Run N random programs.")
    var random: UInt64?

    @Option(parsing: .unconditional, help: "First seed of --random.")
    var seed: UInt64 = 1

    @Option(help: "testbench-cache, testbench-nocache or milkymist (default: the cache profile for a program, all three for --random).")
    var profile: String?

    @Option(name: .customLong("wait-states"), parsing: .unconditional, help: "Wait states on both buses for PROGRAM (0–3).")
    var waitStates: Int = 0

    @Option(name: .customLong("max-cycles"), parsing: .unconditional, help: "Cycle budget per program.")
    var maxCycles: UInt64 = 1_000_000

    @Option(name: .customLong("vcd-dir"), help: "Write both VCDs of a run (NAME-rtl.vcd, NAME-model.vcd) into this directory (for --random: of diverging runs only).")
    var vcdDirectory: String?

    @Flag(name: .customLong("unobserved-model"), help: "Bench profiles: step the model without an observer, a cycle at a time, comparing the observation peeked before each cycle: steady cycles take the specialised step (docs/lm32-timing.md). Not on the SoC, whose peeked observation lacks the devices' write-cycle fields.")
    var unobservedModel = false

    @OptionGroup var link: LinkOptions

    var onSoC: Bool { profile == RTLSoCProfile.milkymist.rawValue }

    mutating func validate() throws {
        program = ArgumentBundling.unbundle(program)
        if let profile, RTLProfile(rawValue: profile) == nil && RTLSoCProfile(rawValue: profile) == nil {
            let known = RTLProfile.allCases.map(\.rawValue) + RTLSoCProfile.allCases.map(\.rawValue)
            throw ValidationError("unknown profile '\(profile)' (known: \(known.joined(separator: ", ")))")
        }
        if onSoC && unobservedModel { throw ValidationError("--unobserved-model is for the bench profiles") }
        if onSoC {
            if random != nil && (!program.isEmpty || firmware != nil) { throw ValidationError("give PROGRAM, --firmware or --random N, not two") }
            if !program.isEmpty && firmware != nil { throw ValidationError("give PROGRAM or --firmware, not both") }
            if let f = firmware, MilkymistFirmware(rawValue: f) == nil {
                throw ValidationError("unknown firmware '\(f)' (known: \(MilkymistFirmware.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            if !(1...255).contains(sdramLatency) { throw ValidationError("--sdram-latency must be 1…255") }
        } else {
            if (random == nil) == program.isEmpty { throw ValidationError("give assembly sources or --random N, not both") }
            if firmware != nil { throw ValidationError("--firmware needs --profile milkymist") }
        }
        if !(0...3).contains(waitStates) { throw ValidationError("--wait-states must be 0…3") }
        if let random { try validateSeeds(first: seed, count: random) }
    }

    static func config(_ p: RTLProfile) -> CoreConfig { p == .testbenchCache ? .testbenchCache : .testbenchNoCache }

    func library(_ p: RTLProfile) throws -> RTLLibrary {
        do { return try RTLLibrary.load(p) } catch { throw InputError("\(error)") }
    }

    func run() throws {
        if onSoC {
            if let random { try runRandomSoC(count: random) } else { try runSoCProgram() }
        } else if let random { try runRandom(count: random) } else { try runProgram() }
    }

    private func runProgram() throws {
        let p = RTLProfile(rawValue: profile ?? RTLProfile.testbenchCache.rawValue)!
        let sources = try program.map { SourceFile(path: $0, text: String(decoding: try readFile($0), as: UTF8.self)) }
        let image = try link.build(sources)
        let stimulus = Stimulus(memory: image.segments.map { ($0.address, $0.bytes) },
                                bench: BenchConfig(waitStates: waitStates), maxCycles: maxCycles)
        let r = try lockStep(stimulus, profile: p, library: library(p), name: "program")
        if let d = r.divergence {
            print("DIVERGENCE (\(p.rawValue), wait states \(waitStates)):\n\(d)")
            if let v = vcdPath("program") { print("VCDs: \(v.rtl) \(v.model)") }
            throw ExitCode(Exit.simulationFailure)
        }
        print("\(p.rawValue), wait states \(waitStates): no divergence over \(r.cycles) cycles, \(r.retired) retirements\(r.ended ? "" : " (cycle budget reached before the program ended)")")
    }

    private func runRandom(count: UInt64) throws {
        let profiles = profile.map { [RTLProfile(rawValue: $0)!] } ?? RTLProfile.allCases
        var divergences = 0, cycles: UInt64 = 0, unfinished = 0
        for p in profiles {
            let lib = try library(p)
            for s in seed...seed + (count - 1) {
                let program = RandomProgram.generate(seed: s)
                let image: LinkedImage
                do {
                    image = try Linker.link([try Assembler.assemble(source: program.source, fileName: "random-\(s).S")], layout: .unitTests)
                } catch { throw InputError("random program \(s) does not assemble: \(error)") }
                let stimulus = program.stimulus(memory: image.segments.map { ($0.address, $0.bytes) })
                let vcd = vcdPath("random-\(p.rawValue)-\(s)")
                let r = try lockStep(stimulus, profile: p, library: lib, name: "random-\(p.rawValue)-\(s)")
                cycles += r.cycles
                if !r.ended { unfinished += 1 }
                if let d = r.divergence {
                    divergences += 1
                    print("DIVERGENCE seed \(s) (\(p.rawValue), wait states i\(stimulus.bench.instructionWaitStates) d\(stimulus.bench.dataWaitStates)):\n\(d)")
                    if let vcd { print("VCDs: \(vcd.rtl) \(vcd.model)") }
                    print("program:\n\(program.source)")
                } else if let vcd {
                    // keep only diverging runs' waves
                    try? FileManager.default.removeItem(atPath: vcd.rtl)
                    try? FileManager.default.removeItem(atPath: vcd.model)
                }
            }
        }
        print("\(count) random programs (seeds \(seed)…\(seed + (count - 1))) × \(profiles.count) profile(s): "
              + "\(divergences) divergences, \(cycles) cycles compared, \(unfinished) programs ran out their budget without ending")
        if profile == nil { try runRandomSoC(count: count, failAtEnd: divergences > 0) }
        if divergences > 0 { throw ExitCode(Exit.simulationFailure) }
    }

    // MARK: the milkymist SoC

    private func socLibrary() throws -> RTLLibrary {
        do { return try RTLLibrary.load(RTLSoCProfile.milkymist) } catch { throw InputError("\(error)") }
    }

    private func runSoCProgram() throws {
        let soc = try SoCDescription.milkymist(sdramLatency: sdramLatency)
        let image: LinkedImage
        if program.isEmpty {
            let fw = firmware.flatMap(MilkymistFirmware.init(rawValue:)) ?? .default
            do { image = try Toolchain.firmware(fw, for: soc) } catch { throw InputError(error.description) }
        } else {
            let sources = try program.map { SourceFile(path: $0, text: String(decoding: try readFile($0), as: UTF8.self)) }
            do { image = try refusingWarnings(try Toolchain.linkFirmware(sources, for: soc, includePaths: link.includes, layout: try link.layout())) }
            catch let e as InputError { throw e } catch { throw InputError("\(error)") }
        }
        // a firmware using the endpoint gets the modelled host on both sides, which enumerates the
        // device before cycle 0; otherwise the host stays idle
        let endpoint = program.isEmpty && (firmware.flatMap(MilkymistFirmware.init(rawValue:)) ?? .default).needsEndpoint
        let stimulus = SoCStimulus(memory: image.segments.map { ($0.address, $0.bytes) }, sdramLatency: sdramLatency,
                                   maxCycles: maxCycles, pcie: endpoint ? PCIeSetup() : nil)
        let r = try socLockStep(stimulus, library: socLibrary(), name: "program")
        if !r.agrees {
            print("DIVERGENCE (milkymist, SDRAM latency \(sdramLatency)):\n\(Self.describe(r))")
            if let v = vcdPath("program") { print("VCDs: \(v.rtl) \(v.model)") }
            throw ExitCode(Exit.simulationFailure)
        }
        let text = String(decoding: r.uart.map(\.byte), as: UTF8.self)
        print("milkymist, SDRAM latency \(sdramLatency): no divergence over \(r.cycles) cycles, \(r.retired) retirements, "
              + "\(r.uart.count) UART bytes with equal stamps\(r.halted ? "" : " (cycle budget reached before the firmware halted)")")
        if !text.isEmpty { print("UART: \(text.debugDescription)") }
    }

    /// Random SoC programs; `failAtEnd` carries an earlier failure of the bench profiles.
    private func runRandomSoC(count: UInt64, failAtEnd: Bool = false) throws {
        let lib = try socLibrary()
        var divergences = 0, cycles: UInt64 = 0, unfinished = 0
        for s in seed...seed + (count - 1) {
            let program = RandomSoCProgram.generate(seed: s)
            let image: LinkedImage
            do { image = try Linker.link([try Assembler.assemble(source: program.source, fileName: "random-soc-\(s).S")]) }
            catch { throw InputError("random SoC program \(s) does not assemble: \(error)") }
            let stimulus = program.stimulus(memory: image.segments.map { ($0.address, $0.bytes) }, maxCycles: min(maxCycles, 300_000))
            let latency = stimulus.sdramLatency
            let name = "random-milkymist-\(s)"
            let r = try socLockStep(stimulus, library: lib, name: name)
            cycles += r.cycles
            if !r.halted { unfinished += 1 }
            if !r.agrees {
                divergences += 1
                print("DIVERGENCE seed \(s) (milkymist, SDRAM latency \(latency)):\n\(Self.describe(r))")
                if let v = vcdPath(name) { print("VCDs: \(v.rtl) \(v.model)") }
                print("program:\n\(program.source)")
            } else if let v = vcdPath(name) {
                // keep only diverging runs' waves
                try? FileManager.default.removeItem(atPath: v.rtl)
                try? FileManager.default.removeItem(atPath: v.model)
            }
        }
        print("\(count) random SoC programs (seeds \(seed)…\(seed + (count - 1))) on milkymist: \(divergences) divergences, "
              + "\(cycles) cycles compared, \(unfinished) programs ran out their budget without halting")
        if divergences > 0 || failAtEnd { throw ExitCode(Exit.simulationFailure) }
    }

    static func describe(_ r: SoCLockStepResult) -> String { r.mismatch }

    /// One SoC lock-step run; with --vcd-dir, the RTL's and the model's VCDs
    /// of it (the model's with socsim_soc_top's names).
    private func socLockStep(_ stimulus: SoCStimulus, library: RTLLibrary, name: String) throws -> SoCLockStepResult {
        guard let paths = vcdPath(name) else { return try SoCLockStep.run(stimulus, library: library) }
        let clock = try SoCDescription.milkymist(sdramLatency: stimulus.sdramLatency).clock
        let top = CycleVCDTop.soc(sdramLatency: stimulus.sdramLatency, clock: clock)
        return try withModelVCD(paths.model, top: top, profile: RTLSoCProfile.milkymist.rawValue) { record in
            let r = try reportingRTLVCDErrors { try SoCLockStep.run(stimulus, library: library, rtlVCD: paths.rtl, observe: record) }
            return (r, r.nextObservation)
        }
    }

    /// Run `body` with an observer that writes the model's VCD to `path`;
    /// the file ends with the observation `body` returns beside its result.
    private func withModelVCD<R>(_ path: String, top: CycleVCDTop, profile: String,
                                 _ body: (@escaping (CycleObservation) -> Void) throws -> (R, CycleObservation)) throws -> R {
        let file = try OutputFile(path: path)
        let writer = VCDWriter(version: CycleVCD.versionLine(profile: profile, top: top)) { try file.write($0) }
        let waves = CycleVCD(writer: writer, top: top)
        let (result, next) = try body { waves.observe($0) }
        try file.close(after: waves.finishObserving(next: next))
        return result
    }

    private func vcdPath(_ name: String) -> (rtl: String, model: String)? {
        guard let vcdDirectory else { return nil }
        try? FileManager.default.createDirectory(atPath: vcdDirectory, withIntermediateDirectories: true)
        let base = (vcdDirectory as NSString).appendingPathComponent(name)
        return (base + "-rtl.vcd", base + "-model.vcd")
    }

    /// One lock-step run; with --vcd-dir, the RTL's and the model's VCDs of it.
    private func lockStep(_ stimulus: Stimulus, profile p: RTLProfile, library: RTLLibrary, name: String) throws -> LockStepResult {
        guard let paths = vcdPath(name) else {
            return try LockStep.run(stimulus, config: Self.config(p), library: library, unobserved: unobservedModel)
        }
        return try withModelVCD(paths.model, top: .bench(stimulus.bench), profile: p.rawValue) { record in
            let r = try reportingRTLVCDErrors {
                try LockStep.run(stimulus, config: Self.config(p), library: library, rtlVCD: paths.rtl, observe: record,
                             unobserved: unobservedModel)
            }
            return (r, r.nextObservation)
        }
    }
}
