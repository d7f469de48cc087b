import Foundation
import Testing
import LM32
import LM32Asm
@testable import LM32Cycle
@testable import SoCCycle
import Conformance
import SoC

/// The held-pipeline fast path (`CycleCore.stalledStep`) is exact: the
/// same random programs and inputs, run once with it and once with every
/// cycle evaluated in full, give the same observation and the same
/// registers in every cycle, and the same memories at checkpoints and at
/// the end. No RTL needed; the lock-step tests check the fast path against
/// the RTL as well, since it is on by default. STALL_FAST_PATH_RANDOM=N
/// changes the number of programs per case (default 60).
@Suite struct StallFastPathTests {
    static var count: UInt64 { UInt64(ProcessInfo.processInfo.environment["STALL_FAST_PATH_RANDOM"] ?? "") ?? 60 }

    /// Cycles compared, and those with the whole pipeline held (stall bits all set).
    struct Tally {
        var held = 0, cycles: UInt64 = 0
        func report(_ what: String) {
            print("stall fast path, \(what): \(StallFastPathTests.count) programs, \(cycles) cycles, \(held) with the pipeline held")
            #expect(held * 10 > Int(cycles), "the comparison covers held cycles")
        }
    }

    /// Runs both machines cycle by cycle, comparing them, and counts into `tally`.
    static func compare(step: () -> Void, observations: () -> (CycleObservation, CycleObservation),
                        sameRegisters: () -> Bool, sameState: () -> Bool, done: () -> Bool,
                        maxCycles: UInt64, label: String, tally: inout Tally) {
        var k: UInt64 = 0
        defer { tally.cycles += k }
        while k < maxCycles && !done() {
            step()
            let (f, s) = observations()
            if f != s {
                Issue.record("\(label): observations differ in cycle \(k)\nfast: \(f)\nfull: \(s)")
                return
            }
            if f.stall == 31 { tally.held += 1 }
            if !sameRegisters() {
                Issue.record("\(label): registers differ after cycle \(k)")
                return
            }
            if k % 4096 == 0 && !sameState() {
                Issue.record("\(label): memories differ after cycle \(k)")
                return
            }
            k += 1
        }
        #expect(sameState(), "\(label): final state")
    }

    @Test(arguments: [CoreConfig.testbenchNoCache, .testbenchCache])
    func benchRandomPrograms(config: CoreConfig) throws {
        var tally = Tally()
        for seed in 1...Self.count {
            let p = RandomProgram.generate(seed: seed)
            let img = try Linker.link([try Assembler.assemble(source: p.source, fileName: "random-\(seed).S")], layout: .unitTests)
            let stim = p.stimulus(memory: img.segments.map { ($0.address, $0.bytes) }, maxCycles: 60_000)
            func machine(_ fast: Bool) -> LM32CycleMachine {
                let m = LM32CycleMachine(config: config, bench: stim.bench)
                for (a, bytes) in stim.memory { m.load(bytes, at: a) }
                m.stallFastPath = fast
                return m
            }
            let fast = machine(true), full = machine(false)
            var fo = CycleObservation(), so = CycleObservation()
            fast.observer = { fo = $0 }
            full.observer = { so = $0 }
            var changes = stim.interrupts.map { (cycle: $0.cycle, lines: Optional($0.lines), brk: Bool?.none) }
            for c in stim.externalBreaks { changes += [(c, nil, true), (c + 1, nil, false)] }
            changes.sort { $0.cycle < $1.cycle }
            var schedule = changes[...]
            var lines: UInt32 = 0, brk = false
            Self.compare(
                step: {
                    while let n = schedule.first, n.cycle <= fast.cycle {
                        if let l = n.lines { lines = l }
                        if let b = n.brk { brk = b }
                        schedule = schedule.dropFirst()
                    }
                    for m in [fast, full] { m.interruptLines = lines; m.extBreak = brk; m.step() }
                },
                observations: { (fo, so) },
                sameRegisters: { fast.core.sameRegisters(as: full.core) },
                sameState: { fast.core.sameState(asMachineWith: full.core) },
                done: { fast.ended && full.ended },
                maxCycles: stim.maxCycles, label: "seed \(seed) \(config.name)", tally: &tally)
        }
        tally.report(config.name)
    }

    @Test func socRandomPrograms() throws {
        var tally = Tally()
        for seed in 1...Self.count {
            let p = RandomSoCProgram.generate(seed: seed)
            let img = try Linker.link([try Assembler.assemble(source: p.source, fileName: "random-soc-\(seed).S")])
            let stim = p.stimulus(memory: img.segments.map { ($0.address, $0.bytes) }, maxCycles: 60_000)
            func machine(_ fast: Bool) throws -> MilkymistCycleMachine {
                let m = try MilkymistCycleMachine(sdramLatency: stim.sdramLatency)
                for (a, bytes) in stim.memory { m.load(bytes, at: a) }
                for g in stim.gpio { m.drive(gpioPins: g.pins, at: g.cycle) }
                m.stallFastPath = fast
                return m
            }
            let fast = try machine(true), full = try machine(false)
            var fo = CycleObservation(), so = CycleObservation()
            fast.observer = { fo = $0 }
            full.observer = { so = $0 }
            Self.compare(
                step: { fast.step(); full.step() },
                observations: { (fo, so) },
                sameRegisters: { fast.machine.core.sameRegisters(as: full.machine.core) },
                sameState: { fast.machine.core.sameState(asMachineWith: full.machine.core) },
                done: { fast.halted && full.halted },
                maxCycles: stim.maxCycles, label: "SoC seed \(seed)", tally: &tally)
        }
        tally.report("milkymist SoC")
    }
}
