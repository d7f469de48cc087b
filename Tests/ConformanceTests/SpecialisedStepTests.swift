import Foundation
import Testing
import LM32
import LM32Asm
import LM32Cycle
import Conformance
import SoCSimTestSupport

/// The profile-specialised step (`CycleCore.stepUnobserved`, taken in a
/// `steady` cycle without observer or trace) is exact: `StepCheck` runs the
/// same programs and inputs once with it and once with the generic step and
/// requires the same registers after every cycle and the same memories at
/// checkpoints and at the end. Over the timing kernels (both bench profiles,
/// wait states (w, 3 − w)), the upstream unit tests (both profiles, wait
/// states 0 and 2), seeded random programs per bench profile and random SoC
/// programs (SPECIALISED_STEP_RANDOM=N programs per case, default 100;
/// `socsim step-check` runs more).
@Suite struct SpecialisedStepTests {
    static var count: UInt64 { UInt64(ProcessInfo.processInfo.environment["SPECIALISED_STEP_RANDOM"] ?? "") ?? 100 }

    /// Records a difference and checks that the comparison covered
    /// specialised cycles (at least 1 in `share`).
    static func expect(_ o: StepCheck.Outcome, _ what: String, share: UInt64) {
        print("specialised step, \(what): \(o.cycles) cycles, \(o.specialised) specialised")
        if let d = o.difference { Issue.record("\(what): \(d)") }
        #expect(o.specialised * share > o.cycles, "\(what): the comparison covers specialised cycles")
    }

    @Test(arguments: [CoreConfig.testbenchNoCache, .testbenchCache])
    func timingKernels(config: CoreConfig) throws {
        var all = StepCheck.Outcome()
        for k in TimingKernel.all {
            let img = try Linker.link([try Assembler.assemble(source: k.source, fileName: "\(k.name).S")], layout: .unitTests)
            for w in 0...3 {
                let stim = Stimulus(memory: img.segments.map { ($0.address, $0.bytes) },
                                    bench: BenchConfig(instructionWaitStates: w, dataWaitStates: 3 - w), maxCycles: 20_000)
                let o = StepCheck.bench(stim, config: config)
                if let d = o.difference { Issue.record("\(k.name) \(config.name) w\(w): \(d)") }
                all += o
            }
        }
        Self.expect(all, "timing kernels \(config.name)", share: 2)
    }

    @Test(arguments: [CoreConfig.testbenchNoCache, .testbenchCache])
    func unitTests(config: CoreConfig) throws {
        var all = StepCheck.Outcome()
        for t in try Upstream.nonMMUUnitTests() {
            let image = try UnitTestImages.build(t)
            for w in [0, 2] {
                let stim = Stimulus(memory: UnitTestImages.memory(image), bench: BenchConfig(waitStates: w), maxCycles: 400_000)
                let o = StepCheck.bench(stim, config: config)
                if let d = o.difference { Issue.record("\(t) \(config.name) w\(w): \(d)") }
                all += o
            }
        }
        Self.expect(all, "unit tests \(config.name)", share: 4)
    }

    @Test(arguments: [CoreConfig.testbenchNoCache, .testbenchCache])
    func benchRandomPrograms(config: CoreConfig) throws {
        var all = StepCheck.Outcome()
        for seed in 1...Self.count {
            let p = RandomProgram.generate(seed: seed)
            let img = try Linker.link([try Assembler.assemble(source: p.source, fileName: "random-\(seed).S")], layout: .unitTests)
            let o = StepCheck.bench(p.stimulus(memory: img.segments.map { ($0.address, $0.bytes) }, maxCycles: 60_000),
                                    config: config)
            if let d = o.difference { Issue.record("seed \(seed) \(config.name): \(d)") }
            all += o
        }
        Self.expect(all, "random programs \(config.name)", share: 10)
    }

    @Test func socRandomPrograms() throws {
        var all = StepCheck.Outcome()
        for seed in 1...Self.count {
            let p = RandomSoCProgram.generate(seed: seed)
            let img = try Linker.link([try Assembler.assemble(source: p.source, fileName: "random-soc-\(seed).S")])
            let o = try StepCheck.soc(p.stimulus(memory: img.segments.map { ($0.address, $0.bytes) }, maxCycles: 60_000))
            if let d = o.difference { Issue.record("SoC seed \(seed): \(d)") }
            all += o
        }
        Self.expect(all, "milkymist SoC", share: 10)
    }
}
