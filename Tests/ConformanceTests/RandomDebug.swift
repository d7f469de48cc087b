import Foundation
import Testing
import LM32
import LM32Asm
import LM32Cycle
import Conformance
import SimKernel

/// CONFORMANCE_DEBUG_SEED=S prints program S and the model's last retirements.
@Test func debugRandomSeed() throws {
    guard let s = ProcessInfo.processInfo.environment["CONFORMANCE_DEBUG_SEED"], let seed = UInt64(s) else { return }
    let p = RandomProgram.generate(seed: seed)
    print(p.source, p.interrupts, p.dataErrorWindow as Any)
    let img = try Linker.link([try Assembler.assemble(source: p.source, fileName: "r.S")], layout: .unitTests)
    var rng = SplitMix64(seed: seed ^ 0x5EED)
    let iw = Int.random(in: 0...3, using: &rng), dw = Int.random(in: 0...3, using: &rng)
    let cfg: CoreConfig = ProcessInfo.processInfo.environment["CONFORMANCE_DEBUG_CACHE"] != nil ? .testbenchCache : .testbenchNoCache
    let m = LM32CycleMachine(config: cfg, bench: BenchConfig(instructionWaitStates: iw, dataWaitStates: dw,
                                                             instructionErrorWindow: p.instructionErrorWindow, dataErrorWindow: p.dataErrorWindow))
    for seg in img.segments { m.load(seg.bytes, at: seg.address) }
    var last: [CycleRetirement] = []
    m.trace = { last.append($0); if last.count > 40 { last.removeFirst() } }
    var sched = p.interrupts[...]
    while !m.ended && m.cycle < 100_000 {
        if let f = sched.first, f.cycle == m.cycle { m.interruptLines = f.lines; sched = sched.dropFirst() }
        m.extBreak = p.externalBreaks.contains(m.cycle)
        m.step()
    }
    print("ext breaks \(p.externalBreaks)")
    for r in last { print(r.cycle, String(r.pc, radix: 16), Disassembler.text(r.word, pc: r.pc), r.effects) }
}

/// CONFORMANCE_STATS=N prints what the first N random programs exercise on the model.
@Test func randomProgramCoverage() throws {
    guard let s = ProcessInfo.processInfo.environment["CONFORMANCE_STATS"], let n = UInt64(s) else { return }
    var eids = [Int](repeating: 0, count: 8)
    var ops: [Op: Int] = [:]
    var cycles: UInt64 = 0
    for seed in 1...n {
        let p = RandomProgram.generate(seed: seed)
        let img = try Linker.link([try Assembler.assemble(source: p.source, fileName: "r.S")], layout: .unitTests)
        let m = LM32CycleMachine(config: .testbenchCache, bench: BenchConfig(instructionErrorWindow: p.instructionErrorWindow, dataErrorWindow: p.dataErrorWindow))
        for seg in img.segments { m.load(seg.bytes, at: seg.address) }
        m.trace = { r in
            for case let .exception(e) in r.effects { eids[e] += 1 }
            ops[Op.decode(r.word), default: 0] += 1
        }
        var sched = p.interrupts[...]
        while !m.ended && m.cycle < 300_000 {
            if let f = sched.first, f.cycle == m.cycle { m.interruptLines = f.lines; sched = sched.dropFirst() }
            m.step()
        }
        cycles += m.cycle
    }
    print("cycles \(cycles); exceptions by EID \(eids); opcodes retired: \(ops.count) of \(Op.allCases.count)")
    print(Op.allCases.filter { ops[$0] == nil })
}
