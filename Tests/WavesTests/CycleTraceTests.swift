import Conformance
import CycleWaves
import Foundation
import LM32
import LM32Asm
import LM32Cycle
import SoC
import SoCCycle
import Testing
import Waves

/// The cycle-exact model's instruction trace (`socsim run --cycle --trace`)
/// against the retirements of its own VCD: every cycle whose `retire` is 1
/// is one trace line with that cycle, `pc_w` and `insn_w`, and no other
/// cycle is, over random programs on the bench profiles and the SoC.
@Suite struct CycleTraceTests {
    /// Programs per profile: 25 in the suite (about 15 s in a debug build);
    /// SOCSIM_TRACE_PROGRAMS=200 runs the sample of issue 17 (docs/trace-format.md).
    static let programs = ProcessInfo.processInfo.environment["SOCSIM_TRACE_PROGRAMS"].flatMap { UInt64($0) } ?? 25

    struct Line: Equatable, CustomStringConvertible {
        var cycle: UInt64, pc: UInt32, word: UInt32
        var description: String { "\(cycle) 0x\(String(pc, radix: 16)) 0x\(String(word, radix: 16))" }
    }

    /// Retirements read back from a model VCD: (cycle, pc_w, insn_w) of
    /// every cycle in [0, cycles) whose values show retire = 1.
    /// Where two traces first differ, for a failure message.
    static func firstDifference(_ a: [Line], _ b: [Line]) -> String {
        if let (x, y) = zip(a, b).first(where: { $0 != $1 }) { return "\(x) vs \(y)" }
        return "the end (\(a.count) vs \(b.count) lines)"
    }

    static func retirements(vcd bytes: [UInt8], top: CycleVCDTop, cycles: UInt64) throws -> [Line] {
        let f = try VCDReader.parse(bytes)
        let scope = "TOP.\(top.module)."
        let retire = try #require(f.signal(named: scope + "retire")), pc = try #require(f.signal(named: scope + "pc_w"))
        let insn = try #require(f.signal(named: scope + "insn_w"))
        let times = CycleVCD(writer: VCDWriter { _ in }, top: top)
        var out: [Line] = []
        for k in 0..<cycles {
            let t = times.valueTime(k)
            guard f.value(of: retire, at: t)?.integer == 1 else { continue }
            out.append(Line(cycle: k, pc: UInt32(f.value(of: pc, at: t)?.integer ?? 0xFFFF_FFFF),
                            word: UInt32(f.value(of: insn, at: t)?.integer ?? 0xFFFF_FFFF)))
        }
        return out
    }

    /// A VCD of a run kept in memory, with the trace beside it.
    final class Recording {
        var trace: [Line] = []
        let vcd: CycleVCD
        init(top: CycleVCDTop) {
            let box = Box()
            vcd = CycleVCD(writer: VCDWriter(version: "test") { box.bytes += $0 }, top: top)
            self.box = box
        }
        private let box: Box
        final class Box { var bytes: [UInt8] = [] }
        func finish(next: CycleObservation) throws -> [UInt8] {
            try vcd.finish(next: next)
            return box.bytes
        }
    }

    @Test(arguments: [CoreConfig.testbenchCache, CoreConfig.testbenchNoCache])
    func benchTraceIsTheVCDsRetirements(profile: CoreConfig) throws {
        for seed in 1...Self.programs {
            let program = RandomProgram.generate(seed: seed)
            let image = try Linker.link([try Assembler.assemble(source: program.source, fileName: "random-\(seed).S")], layout: .unitTests)
            let stimulus = program.stimulus(memory: image.segments.map { ($0.address, $0.bytes) })
            let m = LM32CycleMachine(config: profile, bench: stimulus.bench)
            for (a, b) in stimulus.memory { m.load(b, at: a) }
            let top = CycleVCDTop.bench(stimulus.bench)
            let r = Recording(top: top)
            var vcdError: Error?
            m.observer = { o in do { try r.vcd.record(o) } catch { vcdError = error } }
            m.trace = { r.trace.append(Line(cycle: $0.cycle, pc: $0.pc, word: $0.word)) }
            m.runUntilEnd(maxCycles: 20_000)
            let bytes = try r.finish(next: m.peekObservation())
            if let vcdError { throw vcdError }
            let fromVCD = try Self.retirements(vcd: bytes, top: top, cycles: m.cycle)
            #expect(!r.trace.isEmpty)
            #expect(r.trace == fromVCD, "seed \(seed) \(profile.name): first difference at \(Self.firstDifference(r.trace, fromVCD))")
        }
    }

    @Test func socTraceIsTheVCDsRetirements() throws {
        for seed in 1...Self.programs {
            let program = RandomSoCProgram.generate(seed: seed)
            let image = try Linker.link([try Assembler.assemble(source: program.source, fileName: "random-soc-\(seed).S")])
            let stimulus = program.stimulus(memory: image.segments.map { ($0.address, $0.bytes) })
            let m = try MilkymistCycleMachine(sdramLatency: stimulus.sdramLatency)
            for (a, b) in stimulus.memory { m.load(b, at: a) }
            let top = CycleVCDTop.soc(sdramLatency: stimulus.sdramLatency,
                                      clock: try SoCDescription.milkymist(sdramLatency: stimulus.sdramLatency).clock)
            let r = Recording(top: top)
            var vcdError: Error?
            m.observer = { o in do { try r.vcd.record(o) } catch { vcdError = error } }
            m.trace = { r.trace.append(Line(cycle: $0.cycle, pc: $0.pc, word: $0.word)) }
            _ = m.run(maxCycles: 20_000)
            let bytes = try r.finish(next: m.peekObservation())
            if let vcdError { throw vcdError }
            let fromVCD = try Self.retirements(vcd: bytes, top: top, cycles: m.cycle)
            #expect(!r.trace.isEmpty)
            #expect(r.trace == fromVCD, "SoC seed \(seed): first difference at \(Self.firstDifference(r.trace, fromVCD))")
        }
    }
}
