import LM32
import LM32Asm
import LM32Cycle

/// Assemble a small program (linked with the unit tests' layout: .text at 0).
func assemble(_ source: String) throws -> LinkedImage {
    let obj = try Assembler.assemble(source: source, fileName: "test.S")
    return try Linker.link([obj], layout: .unitTests)
}

/// Run `image` on a fresh cycle model until the test device's end write (or
/// `maxCycles`), returning the retirements.
func run(_ image: LinkedImage, config: CoreConfig, waits: Int = 0, maxCycles: UInt64 = 100_000,
         setup: ((LM32CycleMachine) -> Void)? = nil) -> (machine: LM32CycleMachine, retired: [CycleRetirement]) {
    let m = LM32CycleMachine(config: config, bench: BenchConfig(waitStates: waits))
    for s in image.segments { m.load(s.bytes, at: s.address) }
    var retired: [CycleRetirement] = []
    m.trace = { retired.append($0) }
    setup?(m)
    while !m.ended && m.cycle < maxCycles { m.step() }
    return (m, retired)
}

/// The retirement cycle of the first instruction at `pc` (after `after`).
func retireCycle(_ r: [CycleRetirement], pc: UInt32, after: UInt64 = 0) -> UInt64? {
    r.first { $0.pc == pc && $0.cycle >= after }?.cycle
}

/// Program end: a store to the test device's CTRL register, then spin.
let epilogue = """
    mvhi r12, 0xffff
    sw (r12+0), r0
9:  bi 9b
"""
