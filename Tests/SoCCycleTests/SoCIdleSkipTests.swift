import LM32
import LM32Cycle
import SoC
import SoCCycle
import Testing

/// Idle skipping on the SoC is exact: each run ends in the same cycle with
/// the same registers, retirement count and UART stream as stepping every
/// cycle, and skips only between device events.
@Suite struct SoCIdleSkipTests {
    static func run(_ image: ProgramImage, skipping: Bool, pins: UInt32 = 0, budget: UInt64)
        -> (MilkymistCycleMachine, MilkymistStop) {
        let m = try! MilkymistCycleMachine()
        m.load(image)
        m.idleSkipping = skipping
        m.drive(gpioPins: pins, at: 0)
        let stop = m.run(maxCycles: budget)
        return (m, stop)
    }

    static func expectSame(_ image: ProgramImage, pins: UInt32 = 0, budget: UInt64) -> UInt64 {
        let (fast, a) = run(image, skipping: true, pins: pins, budget: budget)
        let (slow, b) = run(image, skipping: false, pins: pins, budget: budget)
        #expect(a == b)
        #expect(fast.cycle == slow.cycle && fast.retiredCount == slow.retiredCount)
        #expect(fast.regs == slow.regs)
        #expect(fast.uartStream == slow.uartStream)
        #expect(slow.skippedCycles == 0)
        return fast.skippedCycles
    }

    @Test(arguments: MilkymistFirmware.cycleExactCases)
    func firmware(fw: MilkymistFirmware) throws {
        let soc = try SoCDescription.milkymist()
        let image = ProgramImage(try Toolchain.firmware(fw, for: soc))
        _ = Self.expectSame(image, pins: fw == .gpio ? 0x40 : 0, budget: 5_000_000)
    }

    /// Waiting for a slow timer in `bi .` with interrupts on: most cycles are
    /// skipped, and the ticks still come in their cycles.
    @Test func waitingForATimer() throws {
        let src = """
                .include "soc.inc"
                .global main
                .global irq_handler
        main:   mvhi r10, hi(SYSCTL_BASE)
                ori r10, r10, lo(SYSCTL_BASE)
                mvhi r1, hi(200000)
                ori r1, r1, lo(200000)
                sw (r10+SYSCTL_TIMER0_COMPARE), r1
                mvi r1, 1
                sli r1, r1, IRQ_TIMER0
                wcsr IM, r1
                mvi r1, 1
                wcsr IE, r1
                mvi r1, 3
                sw (r10+SYSCTL_TIMER0_CONTROL), r1
        1:      bi 1b
        irq_handler:
                mvi r1, 1
                sli r1, r1, IRQ_TIMER0
                wcsr IP, r1
                addi r20, r20, 1
                ret
        """
        let soc = try SoCDescription.milkymist()
        let image = ProgramImage(try Toolchain.linkFirmware([SourceFile(path: "wait.S", text: src)], for: soc))
        let skipped = Self.expectSame(image, budget: 3_000_017)
        #expect(skipped > 2_000_000, "skipped \(skipped)")
        let (m, _) = Self.run(image, skipping: true, budget: 3_000_017)
        #expect(m.regs[20] >= 14)
    }
}
