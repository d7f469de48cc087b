import Testing
@testable import LM32Cycle
import LM32

/// Idle skipping is exact: the same program run with skipping (and the fast
/// path) and without (on the per-cycle model) ends in the identical state
/// (cycle, cycle counter, retirement count, every register of the model),
/// also when an interrupt ends the idling.
@Suite struct IdleSkipTests {
    static let spinThenInterrupt = """
        xor r0, r0, r0
        bi main
    """ + "\n" + String(repeating: "    nop\n", count: 46) + """
        # EID 6 at 0xc0: count, acknowledge, return
        addi r5, r5, 1
        rcsr r6, IP
        wcsr IP, r6
        eret
    main:
        mvi r1, 1
        wcsr IM, r1
        wcsr IE, r1
    1:  bi 1b
    """

    @Test(arguments: [CoreConfig.testbenchNoCache, .testbenchCache], [0, 1, 2, 3])
    func skippingEqualsStepping(config: CoreConfig, waits: Int) throws {
        let img = try assemble(Self.spinThenInterrupt)
        #expect(img.address(of: "main") == 0xD0)
        func machine(skipping: Bool) -> LM32CycleMachine {
            let m = LM32CycleMachine(config: config, bench: BenchConfig(waitStates: waits))
            for s in img.segments { m.load(s.bytes, at: s.address) }
            m.idleSkipping = skipping
            // the probe runs on the fast path where it can: the reference
            // steps every cycle on the per-cycle model
            m.fastPath = skipping
            return m
        }
        let fast = machine(skipping: true), slow = machine(skipping: false)
        for m in [fast, slow] {
            m.run(cycles: 1_000_003)
            m.interruptLines = 1
            m.run(cycles: 3)
            m.interruptLines = 0
            m.run(cycles: 500_011)
        }
        #expect(fast.core.sameState(asMachineWith: slow.core))
        #expect(fast.cycle == 1_500_017)
        #expect(fast.skippedCycles > 1_400_000 && slow.skippedCycles == 0)
        #expect(fast.regs[5] >= 1, "the interrupt was taken")
    }
}
