import Foundation
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
    /// bench/fastforward/hour.S with timer period `period`.
    static func firmware(period: UInt64) throws -> String {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../bench/fastforward/hour.S").standardized.path
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let line = ".equ    PERIOD, 4000000000"
        #expect(text.contains(line))
        return text.replacingOccurrences(of: line, with: ".equ    PERIOD, \(period)")
    }

    static func run(period: UInt64, skipping: Bool) throws -> MilkymistCycleMachine {
        let soc = try SoCDescription.milkymist()
        let image = ProgramImage(try Toolchain.linkFirmware([SourceFile(path: "hour.S", text: try firmware(period: period))], for: soc))
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
