import Foundation
import Testing
import LM32
import LM32Asm
import LM32Cycle
import Conformance

/// CONFORMANCE_DEBUG_SEED=S prints program S and the model's last retirements.
@Test func debugRandomSeed() throws {
    guard let s = ProcessInfo.processInfo.environment["CONFORMANCE_DEBUG_SEED"], let seed = UInt64(s) else { return }
    let p = RandomProgram.generate(seed: seed)
    print(p.source, p.interrupts, p.dataErrorWindow as Any)
    let img = try Linker.link([try Assembler.assemble(source: p.source, fileName: "r.S")], layout: .unitTests)
    let m = LM32CycleMachine(config: .testbenchNoCache, bench: BenchConfig(dataErrorWindow: p.dataErrorWindow))
    for seg in img.segments { m.load(seg.bytes, at: seg.address) }
    var last: [CycleRetirement] = []
    m.trace = { last.append($0); if last.count > 40 { last.removeFirst() } }
    m.runUntilEnd(maxCycles: 100_000)
    for r in last { print(r.cycle, String(r.pc, radix: 16), Disassembler.text(r.word, pc: r.pc), r.effects) }
}
