import LM32
import LM32Cycle
import SimKernel
import SoC
import SoCCycle

/// Seeded random waiting firmware, run twice on the cycle model: once with
/// idle skipping (fast-forward) and once stepping every cycle; the whole
/// machine state must be the same at the end. Each scenario waits a few
/// rounds in one kind of loop, with or without interrupts, and an interrupt
/// (timer, UART byte done, or a harness pulse on the bench), a UART byte or
/// a timer value ends the wait — or nothing does and the budget ends the run.
public struct IdleScenario: Sendable, CustomStringConvertible {
    /// How the firmware waits.
    public enum Loop: String, Sendable, CaseIterable {
        /// `bi .` (ends only through the budget or, with IE off, the halt).
        case branchToSelf
        /// A word in memory that the interrupt handler sets.
        case memoryFlag
        /// UART STAT.THRE after writing a byte (a CSR whose value changes at a known cycle).
        case uartTHRE
        /// Timer 0's COUNTER compared in software (changes every cycle: stepped).
        case timerCounter
    }
    /// What raises the interrupt (SoC) when interrupts are on.
    public enum InterruptSource: String, Sendable { case timer, uartByte }

    public let seed: UInt64
    public let machine: Machine
    public let loop: Loop
    public let interruptsOn: Bool
    public let source: String
    public let budget: UInt64

    public enum Machine: Sendable, Equatable {
        /// The milkymist SoC with this SDRAM latency.
        case soc(sdramLatency: Int)
        /// The test bench: profile, wait states and the harness's interrupt pulses.
        case bench(profile: String, waitStates: Int, pulses: [UInt64])
    }

    public var description: String {
        let m: String
        switch machine {
        case .soc(let l): m = "soc sdram-latency \(l)"
        case let .bench(p, w, pulses): m = "bench \(p) wait-states \(w) pulses \(pulses)"
        }
        return "seed \(seed): \(m), \(loop.rawValue), IE \(interruptsOn ? "on" : "off"), \(budget) cycles"
    }

    /// The scenario of `seed` on the SoC (`bench` false) or the test bench.
    public static func generate(seed: UInt64, bench: Bool) -> IdleScenario {
        var rng = SplitMix64(seed: seed)
        func int(_ r: ClosedRange<Int>) -> Int { Int.random(in: r, using: &rng) }
        let rounds = int(1...3)
        let ie = int(0...3) != 0
        let uncached = int(0...1) == 1 ? "0x8000" : "0"
        if bench {
            let loop: Loop = int(0...1) == 0 ? .branchToSelf : .memoryFlag
            let budget = UInt64(int(20_000...120_000))
            var pulses: [UInt64] = []
            var t: UInt64 = 0
            for _ in 0..<int(0...4) {
                t += UInt64(int(200...30_000))
                if t < budget { pulses.append(t) }
            }
            let profile = int(0...1) == 0 ? CoreConfig.testbenchCache.name : CoreConfig.testbenchNoCache.name
            let flag = "0x\(String(0x8000 + 4 * int(0...63), radix: 16))"
            let wait = loop == .branchToSelf ? ["1:  bi 1b"] : ["1:  lw r3, (r23+0)", "    be r3, r0, 1b"]
            let body = [
                "    mvhi r23, \(uncached)", "    ori r23, r23, \(flag)",
                "    mvi r1, 1", "    wcsr IM, r1", "    mvi r20, \(rounds)",
                "2:  sw (r23+0), r0", "    mvi r1, \(ie ? 1 : 0)", "    wcsr IE, r1"] + wait + [
                "    wcsr IE, r0", "    addi r20, r20, -1", "    bne r20, r0, 2b",
                "done:", "    mvhi r12, 0xffff", "    sw (r12+0), r0", "9:  bi 9b"]
            let vectors = Generator.vectors(interrupt: ["rcsr r26, IP", "wcsr IP, r26", "mvi r26, 1", "sw (r23+0), r26"])
            return IdleScenario(seed: seed, machine: .bench(profile: profile, waitStates: int(0...3), pulses: pulses),
                                loop: loop, interruptsOn: ie, source: (vectors + body).joined(separator: "\n") + "\n",
                                budget: budget)
        }
        let loop = Loop.allCases[int(0...3)]
        let src: InterruptSource = int(0...1) == 0 ? .timer : .uartByte
        // waits from shorter than a probe to several probes long
        let compare = int(1_000...90_000)
        let divisor = int(1...400)
        let flagAddress = int(0...1) == 0 ? "flag" : "SDRAM_BASE + 0x\(String(0x1000 + 4 * int(0...255), radix: 16))"
        var lines = [
            "    .include \"soc.inc\"", "    .text", "    .global main", "    .global irq_handler", "main:",
            "    mvhi r10, hi(SYSCTL_BASE)", "    ori r10, r10, lo(SYSCTL_BASE)",
            "    mvhi r11, hi(UART_BASE)", "    ori r11, r11, lo(UART_BASE)",
            "    mvi r1, \(divisor)", "    sw (r11+UART_DIVISOR), r1",
            "    mvhi r12, hi(\(flagAddress))", "    ori r12, r12, lo(\(flagAddress))",
            "    mvhi r1, \(uncached)", "    or r12, r12, r1",
            "    mvi r20, \(rounds)",
            "2:  sw (r12+0), r0"]
        // in flight while waiting: a byte on the UART (unless THRE is what is polled, which sends its own)
        if int(0...1) == 1 && loop != .uartTHRE { lines += ["    mvi r1, 0x41", "    sw (r11+UART_RXTX), r1"] }
        switch src {
        case .timer:
            lines += ["    mvhi r1, hi(\(compare))", "    ori r1, r1, lo(\(compare))",
                      "    sw (r10+SYSCTL_TIMER0_COMPARE), r1", "    sw (r10+SYSCTL_TIMER0_COUNTER), r0",
                      "    mvi r1, 1 << IRQ_TIMER0", "    wcsr IM, r1",
                      "    mvi r1, SYSCTL_TIMER0_CONTROL_ENABLE_MASK | \(int(0...1) == 1 ? "SYSCTL_TIMER0_CONTROL_AUTORESTART_MASK" : "0")",
                      "    sw (r10+SYSCTL_TIMER0_CONTROL), r1"]
        case .uartByte:
            lines += ["    mvi r1, 1 << IRQ_UART", "    wcsr IM, r1", "    mvi r1, UART_CTRL_TX_IRQ_EN_MASK",
                      "    sw (r11+UART_CTRL), r1", "    mvi r1, 0x5a", "    sw (r11+UART_RXTX), r1"]
        }
        lines += ["    mvi r1, \(ie ? 1 : 0)", "    wcsr IE, r1"]
        switch loop {
        case .branchToSelf: lines += ["1:  bi 1b"]
        case .memoryFlag: lines += ["1:  lw r3, (r12+0)", "    be r3, r0, 1b"]
        case .uartTHRE:
            lines += ["    mvi r1, 0x33", "    sw (r11+UART_RXTX), r1",
                      "1:  lw r3, (r11+UART_STAT)", "    andi r3, r3, UART_STAT_THRE_MASK", "    be r3, r0, 1b"]
        case .timerCounter:
            lines += ["    mvhi r4, hi(\(compare / 2))", "    ori r4, r4, lo(\(compare / 2))",
                      "1:  lw r3, (r10+SYSCTL_TIMER0_COUNTER)",
                      "    cmpgu r5, r3, r4", "    be r5, r0, 1b"]
        }
        lines += ["    wcsr IE, r0", "    addi r20, r20, -1", "    bne r20, r0, 2b",
                  "3:  lw r3, (r11+UART_STAT)", "    andi r3, r3, UART_STAT_THRE_MASK", "    be r3, r0, 3b", "    ret",
                  "irq_handler:",
                  "    rcsr r1, IP", "    wcsr IP, r1",
                  "    sw (r10+SYSCTL_TIMER0_CONTROL), r0",
                  "    sw (r11+UART_CTRL), r0", "    mvi r1, UART_STAT_TX_EVT_MASK", "    sw (r11+UART_STAT), r1",
                  "    mvi r3, 1", "    sw (r12+0), r3", "    addi r21, r21, 1", "    ret",
                  "    .data", "flag: .word 0"]
        return IdleScenario(seed: seed, machine: .soc(sdramLatency: int(1...6)), loop: loop, interruptsOn: ie,
                            source: lines.joined(separator: "\n") + "\n", budget: UInt64(int(30_000...150_000)))
    }

    /// The outcome of one check.
    public struct Outcome: Sendable {
        public var same: Bool
        public var cycles: UInt64
        public var skips: IdleSkipStats
    }

    /// Run the scenario with and without idle skipping and compare the whole
    /// machine state at the end.
    public func check() throws -> Outcome {
        switch machine {
        case .soc(let latency):
            let soc = try SoCDescription.milkymist(sdramLatency: latency)
            let image = ProgramImage(try Toolchain.linkFirmware([SourceFile(path: "idle.S", text: source)], for: soc))
            func run(_ skipping: Bool) -> MilkymistCycleMachine {
                let m = MilkymistCycleMachine(soc: soc)
                m.load(image)
                m.idleSkipping = skipping
                _ = m.run(maxCycles: budget)
                return m
            }
            let fast = run(true), slow = run(false)
            return Outcome(same: fast.sameState(as: slow), cycles: fast.cycle, skips: fast.skipStats)
        case let .bench(profile, waits, pulses):
            let image = try Toolchain.link(sources: [SourceFile(path: "idle.S", text: source)])
            func run(_ skipping: Bool) -> LM32CycleMachine {
                let m = LM32CycleMachine(config: CoreConfig.profile(named: profile)!, bench: BenchConfig(waitStates: waits))
                for s in image.segments { m.load(s.bytes, at: s.address) }
                m.idleSkipping = skipping
                for p in pulses {
                    m.runUntilEnd(maxCycles: p - m.cycle)
                    if m.ended { return m }
                    m.interruptLines = 1
                    m.runUntilEnd(maxCycles: 2)
                    m.interruptLines = 0
                }
                if m.cycle < budget { m.runUntilEnd(maxCycles: budget - m.cycle) }
                return m
            }
            let fast = run(true), slow = run(false)
            return Outcome(same: fast.sameState(as: slow), cycles: fast.cycle, skips: fast.skipStats)
        }
    }
}
