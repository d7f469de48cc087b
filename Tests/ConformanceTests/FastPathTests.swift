import Foundation
import Testing
import LM32
import LM32Asm
import LM32Cycle
import Conformance
import SoCSimTestSupport

/// The instruction-level fast path (`LM32CycleMachine.fastPath`, both bench
/// profiles) is exact: `FastPathCheck` runs the same programs and inputs on a
/// machine with the fast path and on one without, and requires the same
/// registers and register file at every hand-over (natural, and forced at
/// the ends of seeded random chunks) and the same whole state every 64
/// hand-overs and at the end. The timing kernels' and random programs'
/// loops replay part of their fast-path cycles from the control table
/// (FastReplay.swift); the unit tests, straight-line code, replay none. Over the timing kernels (wait states
/// (w, 3 − w)), the upstream unit tests (wait states 0 and 2) and seeded
/// random programs (FAST_PATH_RANDOM=N, default 200; `socsim step-check
/// --fast-path` runs more). With caches the fast path runs while both
/// caches are checking; misses, refills and flushes are the per-cycle
/// model's, so the shares asked of it are smaller there.
@Suite struct FastPathTests {
    static var count: UInt64 { UInt64(ProcessInfo.processInfo.environment["FAST_PATH_RANDOM"] ?? "") ?? 200 }

    /// Records a difference and checks that the comparison covered fast-path
    /// cycles (at least 1 in `share`), of those replayed ones (at least 1
    /// in `replayShare`) and hand-overs.
    static func expect(_ o: FastPathCheck.Outcome, _ what: String, share: UInt64, replayShare: UInt64?) {
        print("fast path, \(what): \(o.cycles) cycles, \(o.fastCycles) on the fast path (\(o.replayedCycles) replayed), "
              + "\(o.dividerCycles) with the divider running, \(o.divideCycles) as divides' recurrence, "
              + "\(o.handOvers) hand-overs")
        if let d = o.difference { Issue.record("\(what): \(d)") }
        #expect(o.fastCycles * share > o.cycles, "\(what): the comparison covers fast-path cycles")
        if let r = replayShare {
            #expect(o.replayedCycles * r > o.fastCycles, "\(what): the comparison covers replayed cycles")
        }
        #expect(o.handOvers > 0, "\(what): hand-overs were compared")
    }

    static let profiles: [CoreConfig] = [.testbenchNoCache, .testbenchCache, .milkymist]

    @Test(arguments: profiles) func timingKernels(_ config: CoreConfig) throws {
        var all = FastPathCheck.Outcome()
        for k in TimingKernel.all {
            let img = try Linker.link([try Assembler.assemble(source: k.source, fileName: "\(k.name).S")], layout: .unitTests)
            for w in 0...3 {
                let stim = Stimulus(memory: img.segments.map { ($0.address, $0.bytes) },
                                    bench: BenchConfig(instructionWaitStates: w, dataWaitStates: 3 - w), maxCycles: 20_000)
                for (seed, chunk) in [(UInt64(w), UInt64(40)), (UInt64(w + 10), 2_000)] {
                    let o = FastPathCheck.bench(stim, config: config, seed: seed, maxChunk: chunk)
                    if let d = o.difference { Issue.record("\(k.name) w\(w) chunks ≤ \(chunk): \(d)") }
                    all += o
                }
            }
        }
        // (with caches the short kernels are mostly cold misses and refills)
        Self.expect(all, "timing kernels, \(config.name)", share: config.icache ? 100 : 2, replayShare: config.icache ? nil : 8)
    }

    @Test(arguments: profiles) func unitTests(_ config: CoreConfig) throws {
        var all = FastPathCheck.Outcome()
        for t in try Upstream.nonMMUUnitTests() {
            let image = try UnitTestImages.build(t)
            for w in [0, 2] {
                let stim = Stimulus(memory: UnitTestImages.memory(image), bench: BenchConfig(waitStates: w), maxCycles: 400_000)
                let o = FastPathCheck.bench(stim, config: config, seed: UInt64(w), maxChunk: 500)
                if let d = o.difference { Issue.record("\(t) w\(w): \(d)") }
                all += o
            }
        }
        // straight-line code: no control state repeats, nothing to replay
        Self.expect(all, "unit tests, \(config.name)", share: config.icache ? 200 : 4, replayShare: nil)
    }

    @Test(arguments: profiles) func randomPrograms(_ config: CoreConfig) throws {
        var all = FastPathCheck.Outcome()
        for seed in 1...Self.count {
            let p = RandomProgram.generate(seed: seed)
            let img = try Linker.link([try Assembler.assemble(source: p.source, fileName: "random-\(seed).S")], layout: .unitTests)
            let o = FastPathCheck.bench(p.stimulus(memory: img.segments.map { ($0.address, $0.bytes) }, maxCycles: 60_000),
                                        config: config, seed: seed, maxChunk: seed % 2 == 0 ? 30 : 1_000)
            if let d = o.difference { Issue.record("seed \(seed): \(d)") }
            all += o
        }
        Self.expect(all, "random programs, \(config.name)", share: 10, replayShare: 4)
        #expect(all.dividerCycles > 0, "random programs, \(config.name): the divider's cycles covered")
        #expect(all.divideCycles > 0, "random programs, \(config.name): divides' recurrence covered")
    }

    /// Loop-heavy random programs (`RandomProgram.generate(loops:)`): loops
    /// of 16–200 iterations over the random mix, so that iterations repeat
    /// and run as traces, with hand-overs forced inside and between them.
    @Test(arguments: [CoreConfig.testbenchNoCache, .testbenchCache]) func randomLoops(_ config: CoreConfig) throws {
        var all = FastPathCheck.Outcome()
        for seed in UInt64(1)...30 {
            let p = RandomProgram.generate(seed: seed, loops: true)
            let img = try Linker.link([try Assembler.assemble(source: p.source, fileName: "loops-\(seed).S")], layout: .unitTests)
            let o = FastPathCheck.bench(p.stimulus(memory: img.segments.map { ($0.address, $0.bytes) }, maxCycles: 60_000),
                                        config: config, seed: seed, maxChunk: seed % 2 == 0 ? 1_000 : 20_000)
            if let d = o.difference { Issue.record("seed \(seed): \(d)") }
            all += o
        }
        print("random loops, \(config.name): \(all.traceIterations) iterations run as traces and kept")
        Self.expect(all, "random loops, \(config.name)", share: 10, replayShare: nil)
        #expect(all.traceIterations * 1_000 > all.cycles, "random loops, \(config.name): iterations run as traces")
    }

    /// A loop-heavy program (`socsim step-check --fast-path --loops`, seed
    /// 9275) whose loop stores and then loads: a load writes only some of
    /// the data bus master's registers, so a run must keep the store's
    /// (`TraceStep.keepsBus`); with only the iteration's last access
    /// keeping them, the state after a hand-over differed (dDatO, wbDataM).
    @Test func storeThenLoadKeepsTheStoresBusRegisters() throws {
        let p = RandomProgram.generate(seed: 9275, loops: true)
        let img = try Linker.link([try Assembler.assemble(source: p.source, fileName: "loops-9275.S")], layout: .unitTests)
        let o = FastPathCheck.bench(p.stimulus(memory: img.segments.map { ($0.address, $0.bytes) }, maxCycles: 20_000),
                                    config: .testbenchCache, seed: 9275, maxChunk: 20_000)
        if let d = o.difference { Issue.record("\(d)") }
        #expect(o.traceIterations > 0, "iterations ran as traces")
    }

    /// The speed benchmark's workloads (bench/fastpath/run.sh): `bench/loop.S`
    /// and `bench/fastpath/compiled.S` (calls, 4 KiB of loads and stores
    /// that miss and refill the data cache, divides, a jump table), with
    /// the bench's default wait states; with traces (the default) and the
    /// replay alone.
    @Test(arguments: profiles, [true, false]) func benchmarkWorkloads(_ config: CoreConfig, traces: Bool) throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        var all = FastPathCheck.Outcome()
        for (i, path) in ["bench/loop.S", "bench/fastpath/compiled.S"].enumerated() {
            let source = try String(contentsOf: root.appendingPathComponent(path), encoding: .utf8)
            let img = try Linker.link([try Assembler.assemble(source: source, fileName: path)], layout: .unitTests)
            let stim = Stimulus(memory: img.segments.map { ($0.address, $0.bytes) }, bench: BenchConfig(), maxCycles: 150_000)
            for chunk in [UInt64(300), 20_000] {
                let o = FastPathCheck.bench(stim, config: config, seed: UInt64(i) * 2 + chunk, maxChunk: chunk, traces: traces)
                if let d = o.difference { Issue.record("\(path) chunks ≤ \(chunk), traces \(traces): \(d)") }
                all += o
            }
        }
        Self.expect(all, "benchmark workloads, \(config.name), traces \(traces)", share: 2, replayShare: 2)
        // compiled.S divides 32 times a round: the comparison covers the
        // divider's cycles in episodes and its recurrence (`stepDivide`)
        // after a hand-over inside a divide
        #expect(all.dividerCycles > 0, "benchmark workloads, \(config.name): the divider's cycles covered")
        #expect(all.divideCycles > 0, "benchmark workloads, \(config.name): divides' recurrence covered")
    }

    /// Code written while it runs: a loop stores one of two encodings over
    /// an instruction ahead of it, alternating, 0 to 4 instructions before
    /// it is fetched, so the same control state meets a different fetched
    /// word each time round (the replay's fetched-word input).
    @Test(arguments: profiles) func selfModifyingCode(_ config: CoreConfig) throws {
        var all = FastPathCheck.Outcome()
        for gap in 0...4 {
            let source = Self.selfModifying(gap: gap)
            let img = try Linker.link([try Assembler.assemble(source: source, fileName: "smc-\(gap).S")], layout: .unitTests)
            for w in 0...3 {
                let stim = Stimulus(memory: img.segments.map { ($0.address, $0.bytes) },
                                    bench: BenchConfig(instructionWaitStates: w, dataWaitStates: 3 - w), maxCycles: 15_000)
                for chunk in [UInt64(50), 3_000] {
                    let o = FastPathCheck.bench(stim, config: config, seed: UInt64(gap * 8 + w), maxChunk: chunk)
                    if let d = o.difference { Issue.record("gap \(gap) w\(w) chunks ≤ \(chunk): \(d)") }
                    all += o
                }
            }
        }
        Self.expect(all, "self-modifying code, \(config.name)", share: 2, replayShare: 2)
    }

    /// The instruction cache's contents change between episodes: a loop in
    /// a function called round after round, and between the rounds one of
    /// the loop's words rewritten (two encodings of `addi`, alternating)
    /// and the instruction cache flushed (`wcsr ICC`). The replay's
    /// per-episode stamps of the edges the cache's hit and word select
    /// (`FastNode.stamp`) must not outlive their episode: a stale one
    /// replays the old word (a mutation that keeps them fails here).
    @Test(arguments: profiles) func instructionCacheChangesBetweenEpisodes(_ config: CoreConfig) throws {
        let source = Self.icacheChanges
        let img = try Linker.link([try Assembler.assemble(source: source, fileName: "icache-flush.S")], layout: .unitTests)
        let stim = Stimulus(memory: img.segments.map { ($0.address, $0.bytes) }, bench: BenchConfig(), maxCycles: 8_000)
        var all = FastPathCheck.Outcome()
        for chunk in [UInt64(100), 20_000] {
            let o = FastPathCheck.bench(stim, config: config, seed: chunk, maxChunk: chunk)
            if let d = o.difference { Issue.record("chunks ≤ \(chunk): \(d)") }
            all += o
        }
        Self.expect(all, "instruction cache changes, \(config.name)", share: 2, replayShare: 2)
    }

    /// `selfModifyingCode`'s program: a loop that rewrites an instruction
    /// `gap` instructions ahead of it.
    static func selfModifying(gap: Int) -> String {
        return """
                    xor     r0, r0, r0
                    mvhi    r1, hi(target)
                    ori     r1, r1, lo(target)
                    mvhi    r4, hi(words)
                    ori     r4, r4, lo(words)
                    lw      r5, (r4+0)
                    lw      r6, (r4+4)
                    mvi     r7, 300
            loop:   sw      (r1+0), r5

            """ + String(repeating: "        addi r9, r9, 1\n", count: gap) + """
            target: addi    r3, r3, 7
                    mv      r8, r5
                    mv      r5, r6
                    mv      r6, r8
                    addi    r7, r7, -1
                    bne     r7, r0, loop
            1:      bi      1b
                    .align  4
            words:  .word   0x34630001, 0x34630002
            """
    }

    /// `instructionCacheChangesBetweenEpisodes`' program.
    static let icacheChanges = """
                    xor     r0, r0, r0
                    mvhi    r10, hi(step)
                    ori     r10, r10, lo(step)
                    mvhi    r5, 0x3484
                    ori     r5, r5, 5
                    mvhi    r6, 0x3484
                    ori     r6, r6, 3
                    mvi     r7, 12
            round:  calli   near
                    sw      (r10+0), r5
                    mv      r8, r5
                    mv      r5, r6
                    mv      r6, r8
                    wcsr    ICC, r0
                    addi    r7, r7, -1
                    bne     r7, r0, round
            1:      bi      1b
            near:   mvi     r3, 30
            step:   addi    r4, r4, 3
                    xor     r9, r9, r4
                    addi    r3, r3, -1
                    bne     r3, r0, step
                    ret
            """

    /// Loop iterations run as traces (`LM32CycleMachine.traces`,
    /// FastTrace.swift) against the per-cycle model, over the benchmark
    /// workloads, the self-modifying loop, the instruction cache changing
    /// between episodes and random programs, both bench profiles; the
    /// comparison must cover iterations run as traces and kept.
    @Test(arguments: [CoreConfig.testbenchNoCache, .testbenchCache]) func traces(_ config: CoreConfig) throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        var programs: [(name: String, source: String, cycles: UInt64, random: RandomProgram?)] = []
        for path in ["bench/loop.S", "bench/fastpath/compiled.S"] {
            programs.append((path, try String(contentsOf: root.appendingPathComponent(path), encoding: .utf8), 150_000, nil))
        }
        for gap in 0...4 { programs.append(("smc-\(gap).S", Self.selfModifying(gap: gap), 15_000, nil)) }
        programs.append(("icache-flush.S", Self.icacheChanges, 8_000, nil))
        for seed in UInt64(1)...40 {
            let p = RandomProgram.generate(seed: seed)
            programs.append(("random-\(seed).S", p.source, 60_000, p))
        }
        var all = FastPathCheck.Outcome()
        for (i, (name, source, cycles, random)) in programs.enumerated() {
            let img = try Linker.link([try Assembler.assemble(source: source, fileName: name)], layout: .unitTests)
            let memory = img.segments.map { ($0.address, $0.bytes) }
            let stim = random?.stimulus(memory: memory, maxCycles: cycles)
                ?? Stimulus(memory: memory, bench: BenchConfig(), maxCycles: cycles)
            for chunk in [UInt64(300), 20_000] {
                let o = FastPathCheck.bench(stim, config: config, seed: UInt64(i) &* 7 &+ chunk, maxChunk: chunk, traces: true)
                if let d = o.difference { Issue.record("\(name) chunks ≤ \(chunk): \(d)") }
                all += o
            }
        }
        print("traces, \(config.name): \(all.cycles) cycles, \(all.fastCycles) on the fast path, "
              + "\(all.traceIterations) iterations run as traces and kept, \(all.handOvers) hand-overs")
        Self.expect(all, "traces, \(config.name)", share: 2, replayShare: nil)
        #expect(all.traceIterations * 100 > all.cycles, "traces, \(config.name): iterations run as traces")
    }

    /// The traces' shadow (`LM32CycleMachine.traceShadow`) on the benchmark
    /// workloads: every iteration a trace starts is run functionally beside
    /// the replay and agrees with it (registers, data cache, RAM, counters,
    /// the data bus master), and runs leave their trace exactly where the
    /// replay's path does.
    @Test(arguments: [CoreConfig.testbenchNoCache, .testbenchCache]) func traceShadow(_ config: CoreConfig) throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        for path in ["bench/loop.S", "bench/fastpath/compiled.S"] {
            let source = try String(contentsOf: root.appendingPathComponent(path), encoding: .utf8)
            let img = try Linker.link([try Assembler.assemble(source: source, fileName: path)], layout: .unitTests)
            let m = LM32CycleMachine(config: config, bench: BenchConfig())
            for seg in img.segments { m.load(seg.bytes, at: seg.address) }
            m.traceShadow = true
            m.run(cycles: 300_000)
            let r = m.traceShadowReport
            print("trace shadow, \(path), \(config.name): \(r.traces) traces, \(r.checked) iterations checked, \(r.exits) exits")
            if let f = r.failure { Issue.record("\(path), \(config.name): \(f)") }
            #expect(r.checked > 1_000 && r.exits > 0, "\(path), \(config.name): iterations and exits checked")
        }
    }

}
