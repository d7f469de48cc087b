import Testing
import LM32Asm
import SoC
import Conformance

/// The SoC program generator on its own (no RTL): every program assembles,
/// is deterministic in its seed, and runs to its end on the functional
/// milkymist machine — it reaches devices, SDRAM, unmapped addresses and
/// interrupts, so the lock-step runs exercise what they are meant to.
@Suite struct RandomSoCProgramTests {
    @Test func deterministicInTheSeed() {
        let a = RandomSoCProgram.generate(seed: 42), b = RandomSoCProgram.generate(seed: 42)
        #expect(a.source == b.source)
        #expect(a.gpio.map(\.cycle) == b.gpio.map(\.cycle) && a.gpio.map(\.pins) == b.gpio.map(\.pins))
        #expect(RandomSoCProgram.generate(seed: 43).source != a.source)
    }

    @Test func programsAssembleAndEndOnTheFunctionalSoC() throws {
        var halted = 0, uartBytes = 0, interrupts = 0
        let count = 200
        for seed in 1...UInt64(count) {
            let p = RandomSoCProgram.generate(seed: seed)
            let obj = try Assembler.assemble(source: p.source, fileName: "random-soc-\(seed).S")
            let image = try Linker.link([obj])
            let m = try MilkymistMachine()
            for s in image.segments { m.load(s.bytes, at: s.address) }
            m.core.setPC(0)
            if m.run(maxCycles: 300_000) == .halted { halted += 1 }
            uartBytes += m.uartOutput.count
            interrupts += Int(m.core.register(27))
        }
        #expect(halted * 10 >= count * 9, "\(halted) of \(count) programs reached their end")
        #expect(uartBytes > count / 2, "the programs send bytes")
        #expect(interrupts > count / 4, "the programs take interrupts (\(interrupts))")
        print("random SoC programs: \(halted) of \(count) ended, \(uartBytes) UART bytes, \(interrupts) interrupts")
    }
}
