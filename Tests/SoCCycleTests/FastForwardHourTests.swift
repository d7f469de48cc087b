import LM32
import SoC
import SoCCycle
import Testing

/// One simulated hour (80 MHz × 3 600 s = 288·10⁹ cycles) of firmware
/// waiting for 72 timer periods of 4·10⁹ cycles, polling a tick count that
/// the interrupt handler raises: fast-forward takes 72 jumps, and the halt
/// cycle is exact. Stepping 288·10⁹ cycles is out of reach, so the same
/// firmware with a period P ≡ 4·10⁹ (mod 2 520, a multiple of every loop
/// period up to 10 cycles) is stepped: the runs differ only in the length
/// of each wait, so the halts differ by exactly 72 × (4·10⁹ − P).
@Suite struct FastForwardHourTests {
    static func firmware(period: UInt64) -> String {
        """
                .include "soc.inc"
                .global main
                .global irq_handler
        main:   mvhi r10, hi(SYSCTL_BASE)
                ori r10, r10, lo(SYSCTL_BASE)
                mvhi r1, hi(\(period))
                ori r1, r1, lo(\(period))
                sw (r10+SYSCTL_TIMER0_COMPARE), r1
                sw (r10+SYSCTL_TIMER0_COUNTER), r0
                mvi r1, 1 << IRQ_TIMER0
                wcsr IM, r1
                mvi r1, 1
                wcsr IE, r1
                mvi r1, SYSCTL_TIMER0_CONTROL_ENABLE_MASK | SYSCTL_TIMER0_CONTROL_AUTORESTART_MASK
                sw (r10+SYSCTL_TIMER0_CONTROL), r1
                mvhi r2, hi(ticks)
                ori r2, r2, lo(ticks)
        1:      lw r3, (r2+0)
                cmpgui r4, r3, 71
                be r4, r0, 1b
                sw (r10+SYSCTL_TIMER0_CONTROL), r0
                wcsr IE, r0
                ret
        irq_handler:
                mvi r1, 1 << IRQ_TIMER0
                wcsr IP, r1
                mvhi r2, hi(ticks)
                ori r2, r2, lo(ticks)
                lw r3, (r2+0)
                addi r3, r3, 1
                sw (r2+0), r3
                ret
                .data
        ticks:  .word 0
        """
    }

    static func run(period: UInt64, skipping: Bool) throws -> MilkymistCycleMachine {
        let soc = try SoCDescription.milkymist()
        let image = ProgramImage(try Toolchain.linkFirmware([SourceFile(path: "hour.S", text: firmware(period: period))], for: soc))
        let m = MilkymistCycleMachine(soc: soc)
        m.load(image)
        m.idleSkipping = skipping
        #expect(m.run(maxCycles: 300_000_000_000) == .halted)
        return m
    }

    @Test func anHourOfTimerWaitIsExact() throws {
        let hourPeriod: UInt64 = 4_000_000_000
        let small = 20 * 2520 + hourPeriod % 2520
        let hour = try Self.run(period: hourPeriod, skipping: true)
        let stepped = try Self.run(period: small, skipping: false)
        #expect(hour.skipStats.jumps == 72)
        #expect(hour.cycle >= 72 * hourPeriod)
        #expect(hour.cycle - stepped.cycle == 72 * (hourPeriod - small))
        #expect(hour.regs == stepped.regs)
        // the same small period fast-forwarded agrees with stepping in every bit
        let fast = try Self.run(period: small, skipping: true)
        #expect(fast.sameState(as: stepped))
    }
}
