import ArgumentParser
import CycleWaves
import Foundation
import LM32
import LM32Cycle
import SoC
import Verilated
import Waves

/// `socsim run` options of the cycle-exact model and its VCD.
struct CycleRunOptions: ParsableArguments {
    @Flag(name: .customLong("cycle"), help: """
        Run the cycle-exact LM32 model (implied by --vcd); with --soc milkymist on the SoC, \
        cycle-exact per docs/soc.md (default firmware without PROGRAM).
        """)
    var cycle = false

    @Option(help: ArgumentHelp("Write a VCD of the cycle-exact model with the names of its RTL top: the test bench, or with --soc milkymist the SoC (implies --cycle).", valueName: "file"))
    var vcd: String?

    @Option(help: ArgumentHelp(
        "Write the same waves as GTKWave's FST (compressed), with GTKWave's FST writer (implies --cycle; docs/waves.md, \"FST\").",
        valueName: "file"))
    var fst: String?

    @Option(name: .customLong("vcd-from"), parsing: .unconditional, help: ArgumentHelp("First cycle written to the VCD.", valueName: "cycle"))
    var vcdFrom: UInt64 = 0

    @Option(name: .customLong("vcd-to"), parsing: .unconditional, help: ArgumentHelp("Last cycle written to the VCD.", valueName: "cycle"))
    var vcdTo: UInt64?

    @Option(name: .customLong("vcd-scope"), help: ArgumentHelp(
        "Only signals under this scope or with this full name, e.g. TOP.socsim_tb_top.lm32 (repeatable, or comma-separated).",
        valueName: "scope"))
    var vcdScope: [String] = []

    @Flag(name: .customLong("vcd-thread"), inversion: .prefixedNo, help: ArgumentHelp(
        "Format the model's VCD on a thread of its own while the model runs (the same bytes either way)."))
    var vcdThread = true

    @Option(name: .customLong("vcd-max-bytes"), help: ArgumentHelp(
        "Stop the run when the VCD reaches this size; it ends cleanly at that cycle and the exit status is 3 (0: no limit).",
        valueName: "bytes"))
    var vcdMaxBytes: UInt64 = defaultVCDMaxBytes

    @Flag(name: .customLong("fast-path"), inversion: .prefixedNo, help: ArgumentHelp(
        "Bench profiles: run steady stretches on the instruction-level fast path (docs/lm32-fastpath.md); --no-fast-path steps every cycle through the per-cycle model (the same results)."))
    var fastPath = true

    @Option(name: .customLong("wait-states"), parsing: .unconditional, help: ArgumentHelp("Bench wait states on both buses (cycle model).", valueName: "n"))
    var waitStates: Int = 0

    @Flag(name: .customLong("rtl"), help: ArgumentHelp(
        "Run the Verilator build of the RTL test bench instead (RTL/build/<profile>, see docs/rtl.md); --vcd is then Verilator's own VCD."))
    var rtl = false

    var usesCycleModel: Bool { cycle || vcdPath != nil || rtl }

    var scopes: [String] { vcdScope.flatMap { $0.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) } }.filter { !$0.isEmpty } }

    func validate() throws {
        if vcdPath == nil && (vcdFrom != 0 || vcdTo != nil || !vcdScope.isEmpty || vcdMaxBytes != defaultVCDMaxBytes) {
            throw ValidationError("--vcd-from, --vcd-to, --vcd-scope and --vcd-max-bytes need --vcd or --fst")
        }
        if let vcdTo, vcdTo < vcdFrom { throw ValidationError("--vcd-to must not be before --vcd-from") }
        if !(0...255).contains(waitStates) { throw ValidationError("--wait-states must be 0...255") }
        if rtl && (vcdFrom != 0 || vcdTo != nil || !vcdScope.isEmpty) {
            throw ValidationError("--vcd-from, --vcd-to and --vcd-scope apply to the model's VCD, not to --rtl")
        }
        if rtl && cycle { throw ValidationError("--rtl and --cycle exclude each other") }
        if waitStates != 0 && !usesCycleModel { throw ValidationError("--wait-states applies to the cycle model (--cycle or --vcd)") }
    }

    /// Run `image` on the cycle model from reset (the RTL's reset PC, 0),
    /// writing the VCD if asked. Exit codes as the functional run.
    func run(image: ProgramImage, profile: CoreConfig, maxCycles: UInt64, trace: String?, stats: Bool,
             interrupted: () -> Bool) throws {
        if rtl {
            if trace != nil { throw ValidationError("--trace is for the models (functional or --cycle), not --rtl") }
            return try runRTL(image: image, profile: profile, maxCycles: maxCycles, stats: stats, interrupted: interrupted)
        }
        let bench = BenchConfig(waitStates: waitStates)
        let machine = LM32CycleMachine(config: profile, bench: bench)
        machine.fastPath = fastPath
        for s in image.segments { machine.load(s.bytes, at: s.address) }

        let traced = try openTrace(trace, image: image)
        let traceFile = traced?.0
        if let sink = traced?.1 { machine.trace = { sink.retire($0) } }
        let opened = try openVCD(profile: profile.name, top: .bench(bench))
        let file = opened?.file
        var waves = opened?.vcd
        if let w = waves { observe(machine, with: w) }

        let started = DispatchTime.now().uptimeNanoseconds
        var wasInterrupted = false
        // Chunks keep SIGINT latency low; after each one the VCD is flushed
        // only when its buffer fills (the writer bounds its memory).
        let chunk: UInt64 = 1 << 14
        var full: UInt64?
        while !machine.ended && machine.cycle < maxCycles {
            if interrupted() { wasInterrupted = true; break }
            if waves != nil, let file, let bytes = vcdFull(file.bytesWritten) { full = bytes; break }
            // at most a chunk stepped; a jump over an idle span (no VCD) costs nothing
            machine.runUntilEnd(maxCycles: maxCycles - machine.cycle, stepBudget: chunk)
            if waves?.error != nil || traceFile?.failure != nil { break }
            if let vcdTo, machine.cycle > vcdTo, let w = waves {
                // past the window: finish the file and drop the observer
                try w.finish()
                machine.batchObserver = nil
                machine.observer = nil
                waves = nil
            }
        }
        let elapsed = DispatchTime.now().uptimeNanoseconds - started
        // the file ends with the values of the cycle the run stopped in, as the RTL's
        let writeError = waves?.finishObserving(next: machine.peekObservation())
        try file?.close(after: writeError)
        try traceFile?.close()
        warnIfWindowMissed(stoppedIn: machine.cycle)
        try finishFST()

        var device = TestDeviceText()
        for e in machine.benchEvents {
            switch e {
            case .character(_, let c): device.character(c)
            case let .result(_, name, value): device.result(name, passed: value == 0)
            case .end: break
            }
        }
        Console.output.write(device.text)
        let cycles = machine.cycle
        try RunReport(stop: wasInterrupted ? .interrupted : machine.ended ? .ended : full.map { vcdLimitStop($0) } ?? .cycleLimit, cycles: cycles,
                      measured: "\(cycles) cycles, \(machine.retiredCount) instructions", rateCount: cycles,
                      endLine: "program ended after \(cycles) cycles", failures: device.failures,
                      statsDetail: skipLine(machine.skipStats))
            .finish(stats: stats, elapsed: elapsed)
    }
}

extension CycleRunOptions {
    /// The same run on the verilated RTL: reset as the RTL harnesses do it
    /// (two cycles at creation, load, two more), so cycle 0 starts at
    /// 50 000 ps in its VCD as in the model's.
    func runRTL(image: ProgramImage, profile: CoreConfig, maxCycles: UInt64, stats: Bool, interrupted: () -> Bool) throws {
        guard let p = RTLProfile(rawValue: profile.name) else { throw InputError("no RTL build for profile \(profile.name)") }
        let m: RTLModel
        do {
            m = try RTLModel(profile: p, options: .init(clock: BenchConfig.clock))
            for s in image.segments { try m.writeMemory(s.bytes, at: s.address) }
            var inputs = RTLInputs.idle
            inputs.i_wait = UInt8(waitStates)
            inputs.d_wait = UInt8(waitStates)
            try m.setInputs(inputs)
            try m.reset()
        } catch {
            throw InputError("\(error) (build the RTL with RTL/build.sh or ./scripts/test.sh)")
        }
        if let vcdPath { try m.startOutputVCD(path: vcdPath) }
        let started = DispatchTime.now().uptimeNanoseconds
        var device = TestDeviceText()
        var nameAddress: UInt32 = 0
        var cycles: UInt64 = 0
        var ended = false, wasInterrupted = false
        var full: UInt64?
        while cycles < maxCycles && !ended {
            if interrupted() { wasInterrupted = true; break }
            if let vcdPath, let bytes = vcdFull(fileSize(vcdPath)) { full = bytes; break }
            // shorter steps while Verilator writes its VCD (2.5 KB a cycle): --vcd-max-bytes is checked between them
            let n = try m.step(min(maxCycles - cycles, vcdPath == nil ? 1 << 14 : 1 << 10), until: .testDevice)
            cycles += n
            let o = try m.observe()
            let ev = o.events
            if ev.contains(.character) { device.character(UInt8(truncatingIfNeeded: o.tdev_data)) }
            if ev.contains(.testName) { nameAddress = o.tdev_data }
            if ev.contains(.testResult) {
                device.result((try? m.readCString(at: nameAddress)) ?? "?", passed: o.tdev_data == 0)
            }
            if ev.contains(.testEnd) { ended = true }
        }
        if ended {
            // The model's run steps through the end write's cycle: one more
            // edge, so both runs make as many and their VCDs end alike.
            try m.step(1)
            cycles += 1
        }
        let elapsed = DispatchTime.now().uptimeNanoseconds - started
        try m.stopOutputVCD()
        try finishFST()
        Console.output.write(device.text)
        try RunReport(stop: wasInterrupted ? .interrupted : ended ? .ended : full.map { vcdLimitStop($0) } ?? .cycleLimit, cycles: cycles,
                      measured: "RTL \(cycles) cycles", rateCount: cycles,
                      endLine: "program ended after \(cycles) cycles", failures: device.failures)
            .finish(stats: stats, elapsed: elapsed)
    }
}

/// The --stats line of idle skipping (fast-forward) of a cycle-model run.
func skipLine(_ s: IdleSkipStats) -> String {
    "socsim: \(s.skipped) cycles skipped as idle in \(s.jumps) jumps\n"
}
