import Automaton
import LM32
import SimBus
import SoC
import Testing

/// The embedded firmware on the milkymist SoC (functional core, one cycle per
/// retired instruction): each program prints its expected UART output and
/// halts within its cycle budget (about 5 % above what it takes today; the
/// UART's 6 840+ cycles per byte dominate).
@Suite struct MilkymistFirmwareTests {
    static func run(_ program: MilkymistFirmware, budget: UInt64,
                    before: ((MilkymistMachine) -> Void)? = nil) throws -> (MilkymistMachine, MilkymistStop, String) {
        let machine = try MilkymistMachine()
        machine.load(ProgramImage(try Toolchain.firmware(program, for: machine.soc)))
        before?(machine)
        let stop = machine.run(maxCycles: budget)
        return (machine, stop, String(decoding: machine.uartOutput, as: UTF8.self))
    }

    @Test func hello() throws {
        let (m, stop, out) = try Self.run(.hello, budget: 750_000)
        #expect(stop == .halted, "output so far: \(out)")
        #expect(out == """
            Hello from the LM32 on SoCSim.
            1 + 2 + ... + 100 = 5050
            sysctl: system id 0x00015353, clock 80000000 Hz

            """)
        // Every byte waits for the previous one: its 160th enable16 strobe (43 cycles
        // apart, the first at the earliest one cycle after the write), THRE two cycles later.
        let sent = m.bus.uart.sent
        for (a, b) in zip(sent, sent.dropFirst()) { #expect(b.cycle - a.cycle >= 159 * 43 + 3) }
        #expect(m.bus.uart.overruns == 0)
    }

    @Test func timerTicks() throws {
        let (m, stop, out) = try Self.run(.timer, budget: 480_000)
        #expect(stop == .halted, "output so far: \(out)")
        #expect(out == "timer0: counting ticks\ntimer0: 10 ticks of 8000 cycles\n")
        #expect(!m.bus.sysctl.timers[0].enable)
    }

    @Test func gpioTimesOutWithoutInput() throws {
        let (m, stop, out) = try Self.run(.gpio, budget: 440_000) { $0.bus.sysctl.gpioPins = 0x40 }
        #expect(stop == .halted, "output so far: \(out)")
        #expect(out == "gpio: out 0x00000003, in 0x00000040\ngpio: no input change\n")
        #expect(m.bus.sysctl.gpioOutputs == 0)
    }

    @Test func gpioSeesAButtonPress() throws {
        let m = try MilkymistMachine()
        m.load(ProgramImage(try Toolchain.firmware(.gpio, for: m.soc)))
        // Press input 0 once the program has printed its first line and waits.
        var stop = MilkymistStop.cycleLimit
        while !m.uartOutput.contains(10) && stop == .cycleLimit {
            stop = m.run(maxCycles: m.cycle + 1000)
        }
        m.bus.sysctl.gpioPins = 1
        stop = m.run(maxCycles: m.cycle + 2_000_000)
        #expect(stop == .halted)
        #expect(String(decoding: m.uartOutput, as: UTF8.self)
                == "gpio: out 0x00000003, in 0x00000000\ngpio: input changed, in 0x00000001\n")
    }

    @Test func cacheFlush() throws {
        let (_, stop, out) = try Self.run(.cacheFlush, budget: 650_000)
        #expect(stop == .halted, "output so far: \(out)")
        #expect(out == "cache flush: code copied to SDRAM returned 0x600dc0de, data through the uncached alias ok\n")
    }
}

/// The `dma` firmware with the PCIe endpoint and its modelled host (docs/pcie-endpoint.md).
@Suite struct MilkymistDMAFirmwareTests {
    @Test func dmaRoundTripThroughTheModelledHost() throws {
        let (m, stop, out) = try MilkymistFirmwareTests.run(.dma, budget: 460_000)
        #expect(stop == .halted, "output so far: \(out)")
        // To the host: 8 MWr of 128 bytes, 148 bytes each on the wire at 250 MB/s
        // (4 736 ns = 379 cycles) plus the polling loop's granularity. Back: 2 MRd of
        // 512 bytes, 600 ns host latency, 16 CplD of 64 bytes (84 bytes each on the wire).
        #expect(out == "dma: to host 384 cycles, back 492 cycles, data equal, MSI sent\n")
        guard let pcie = m.bus.devices.pcie else {
            Issue.record("the functional machine has no PCIe endpoint")
            return
        }
        // The host holds the buffer: word i = 0x00010203 + i * 0x01010101, big-endian.
        let host = pcie.system.hostMemory(0x1000_0000, count: 1024)
        let expected = (0..<256).flatMap { i -> [UInt8] in
            let w = UInt32(0x0001_0203) &+ UInt32(i) &* 0x0101_0101
            return [UInt8(w >> 24), UInt8((w >> 16) & 0xFF), UInt8((w >> 8) & 0xFF), UInt8(w & 0xFF)]
        }
        #expect(host == expected)
        #expect(pcie.system.host.interrupts.count == 1 && pcie.system.host.interrupts.first?.data == 0x41)
        #expect(pcie.system.endpoint.counter(.msiSent) == 1)
        // DMA_DONE is pending; with its enable set, IRQ 5 is raised.
        #expect(m.bus.interruptLines & (1 << 5) == 0)
        m.bus.write(0xE000_3000 + 0x12C, data: 1, sel: 0xF)
        #expect(m.bus.interruptLines & (1 << 5) != 0)
    }

    /// `attest` on its own: no hypervisor answers, so its round ends without an answer;
    /// the challenge it wrote into the mailbox decodes as the wire layout says.
    @Test func attestAloneSendsADecodableChallengeAndGetsNoAnswer() throws {
        let (m, stop, out) = try MilkymistFirmwareTests.run(.attest, budget: 900_000) { m in
            let program = try? Toolchain.firmware(.attest, for: m.soc)
            guard let rounds = program?.address(of: "cfg_rounds") else { return }
            m.load([0, 0, 0, 1], at: rounds)
        }
        #expect(stop == .halted, "output so far: \(out)")
        #expect(out == "attest: round 0 id 1 no-answer\nattest: rounds 1 trusted 0 wrong-answer 0 late 0 no-answer 1\n")
        let pcie = try #require(m.bus.devices.pcie)
        let challenge = try ChallengeMessage(bytes: pcie.system.hostMemory(0x1_0000_0000, count: ChallengeMessage.size))
        #expect(challenge.id == 1 && challenge.steps == 4_096 && challenge.table.entries.count == 64)
        #expect(challenge.window == (try Window(base: 0x0040_0000, words: 1_024)) && challenge.environmentTests.isEmpty)
        #expect(pcie.system.host.interrupts.count == 1)
        #expect(pcie.system.endpoint.csrRead("VERDICT_NO_ANSWER") == 1)
    }
}

/// Hostile host traffic while the LM32 runs the `dma` firmware in endless rounds (docs/pcie-endpoint.md, "Hostile storm").
@Suite struct MilkymistPCIeStormTests {
    @Test func firmwareKeepsRunningAndTheGoldenImageStays() throws {
        let r = try MilkymistPCIeStorm.run(tlps: 3_000, seed: 2)
        #expect(r.violations == [], "\(r.text)")
        let counters = Dictionary(uniqueKeysWithValues: r.counters)
        for name in ["MALFORMED", "UNSUPPORTED_REQUESTS", "UNEXPECTED_COMPLETIONS", "BAR0_WRITES", "COMPLETIONS"] {
            #expect((counters[name] ?? 0) > 0, "\(name) never counted")
        }
    }
}
