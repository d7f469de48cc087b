// The verilated Milkymist-style SoC (RTL/soc/, profile milkymist): firmware
// output against the functional MilkymistMachine, and the cycle contract of
// docs/soc.md checked from observe(). Needs RTL/build/milkymist; a missing
// library FAILS with the loader's message (never skipped).
import LM32Asm
import SoC
import Testing
import Verilated

/// The embedded firmware or a test program linked for the SoC (boot stub first).
func socImage(_ program: MilkymistFirmware) throws -> ProgramImage {
    ProgramImage(try Toolchain.firmware(program, for: try SoCDescription.milkymist()))
}

func socImage(main source: String) throws -> ProgramImage {
    ProgramImage(try Toolchain.linkFirmware([SourceFile(path: "<test>/main.S", text: source)],
                                            for: try SoCDescription.milkymist()))
}

/// A fresh verilated SoC holding `image` (entry 0: the CPU's reset vector), in cycle 0.
func makeSoC(_ image: ProgramImage, sdramLatency: UInt8? = nil, gpio: UInt8 = 0) throws -> RTLSoC {
    #expect(image.entry == 0)
    let soc = try RTLSoC(options: socOptions())
    for s in image.segments { try soc.load(s.bytes, at: s.address) }
    if let sdramLatency { try soc.setSDRAMLatency(sdramLatency) }
    try soc.setGPIOInputs(gpio)
    try soc.reset()
    return soc
}

/// The functional machine's UART text for `image` (halting within `budget`).
func functionalUART(_ image: ProgramImage, budget: UInt64 = 3_000_000,
                    before: ((MilkymistMachine) -> Void)? = nil) throws -> String {
    let m = try MilkymistMachine()
    m.load(image)
    before?(m)
    var bytes: [UInt8] = []                 // across system resets (uartOutput restarts with the UART)
    m.onUARTByte = { bytes.append($0.byte) }
    let stop = m.run(maxCycles: budget)
    #expect(stop == .halted)
    return String(decoding: bytes, as: UTF8.self)
}

/// One Wishbone beat of one master, replayed from observations with the
/// contract's arbiter (D bus = master 0 over I bus = master 1).
struct Beat: Equatable {
    var master: Int        // 0 D, 1 I
    var adr: UInt32
    var we: Bool
    var rise: UInt64       // first cycle with CYC & STB for this beat
    var grant: UInt64      // first granted cycle of the beat
    var end: UInt64        // ACK or ERR cycle
    var err: Bool
    var datR: UInt32
    var datW: UInt32
    var granted: Int       // granted cycles up to and including `end`
}

func beats(_ obs: [RTLObservation]) -> [Beat] {
    var out: [Beat] = []
    var owner: Int? = nil
    var open: [Beat?] = [nil, nil]
    for o in obs {
        let buses = [o.dbus, o.ibus]
        let cyc = buses.map { $0.cyc != 0 }
        let g: Int?
        if let ow = owner, cyc[ow] { g = ow } else { g = cyc[0] ? 0 : cyc[1] ? 1 : nil }
        owner = g
        for m in 0..<2 {
            let b = buses[m]
            guard b.cyc != 0 && b.stb != 0 else { open[m] = nil; continue }
            if open[m] == nil {
                open[m] = Beat(master: m, adr: b.adr, we: b.we != 0, rise: o.cycle, grant: UInt64.max, end: 0,
                               err: false, datR: 0, datW: b.dat_w, granted: 0)
            }
            if g == m {
                if open[m]!.grant == UInt64.max { open[m]!.grant = o.cycle }
                open[m]!.granted += 1
            }
            if b.ack != 0 || b.err != 0 {
                var done = open[m]!
                done.end = o.cycle
                done.err = b.err != 0
                done.datR = b.dat_r
                out.append(done)
                open[m] = nil
            }
        }
    }
    return out
}

@Suite struct SoCLoadingTests {
    @Test func libraryDescribesTheSoC() throws {
        let lib = try RTLLibrary.load(.milkymist)
        #expect(lib.profile == "milkymist")
        #expect(lib.isSoC)
        #expect(lib.hasCaches)
        #expect(lib.features & UInt32(SOCSIM_FEATURE_CYCLE_COUNTER) == 0)
        #expect(lib.ramBytes == 0x1_0000)
        #expect(lib.sdramBase == 0x4000_0000 && lib.sdramBytes == 0x100_0000)
        #expect(!(try RTLLibrary.load(.testbenchCache)).isSoC)
        let soc = try RTLSoC(library: lib, options: socOptions())
        let o = try soc.observe()
        #expect(o.cycle == 0 && o.reset == 0 && o.gpio_out == 0 && o.uart_thre == 1 && o.uart_tx == 1)
        #expect(soc.sdramLatency == 8)
    }

    @Test func missingLibraryNamesTheBuildCommand() throws {
        #expect {
            _ = try RTLLibrary.load(.milkymist, directory: "/nonexistent/socsim-rtl")
        } throws: { error in
            (error as? RTLError)?.description.contains("RTL/build.sh milkymist") ?? false
        }
    }

    @Test func memoryByAddressInBRAMAndSDRAM() throws {
        let soc = try RTLSoC(options: socOptions())
        try soc.load([1, 2, 3, 4], at: 0xFFFC)
        try soc.load([5, 6, 7, 8], at: 0xC0FF_FFFC)          // bit 31 ignored: SDRAM's last word
        #expect(try soc.readWord(at: 0xFFFC) == 0x0102_0304)
        #expect(try soc.readWord(at: 0x40FF_FFFC) == 0x0506_0708)
        #expect(throws: RTLError.self) { try soc.load([0], at: 0x1_0000) }
        #expect(throws: RTLError.self) { try soc.load([0, 0], at: 0x40FF_FFFF) }
        #expect(throws: RTLError.self) { _ = try soc.readMemory(at: 0x2000_0000, count: 4) }
    }
}

@Suite struct SoCFirmwareOnRTL {
    @Test(arguments: [MilkymistFirmware.hello, .timer, .cacheFlush])
    func firmwarePrintsWhatTheFunctionalMachinePrints(program: MilkymistFirmware) throws {
        let image = try socImage(program)
        let expected = try functionalUART(image)
        let soc = try makeSoC(image)
        let stop = try soc.run(maxCycles: 3_000_000)
        #expect(stop == .halted, "RTL output so far: \(soc.uartText)")
        #expect(soc.uartText == expected)
        #expect(!expected.isEmpty)
        // Bytes wait for THRE: at least 160 strobes of 43 cycles apart.
        for (a, b) in zip(soc.uart, soc.uart.dropFirst()) { #expect(b.cycle - a.cycle >= 159 * 43 + 3) }
    }

    @Test func gpioTimesOutWithoutInput() throws {
        let image = try socImage(.gpio)
        let expected = try functionalUART(image) { $0.bus.sysctl.gpioPins = 0x40 }
        #expect(expected == "gpio: out 0x00000003, in 0x00000040\ngpio: no input change\n")
        let soc = try makeSoC(image, gpio: 0x40)
        #expect(try soc.run(maxCycles: 3_000_000) == .halted)
        #expect(soc.uartText == expected)
        #expect(try soc.gpioOutputs() == 0)
    }

    @Test func gpioSeesAButtonPress() throws {
        let soc = try makeSoC(try socImage(.gpio))
        // Press input 0 once the first line is out and the program waits.
        var sawPattern = false
        while !soc.uartText.contains("\n") && soc.cycle < 2_000_000 {
            try soc.step(1000)
            if try soc.gpioOutputs() == 3 { sawPattern = true }
        }
        #expect(sawPattern)
        try soc.setGPIOInputs(1)
        #expect(try soc.run(maxCycles: soc.cycle + 2_000_000) == .halted)
        #expect(soc.uartText == "gpio: out 0x00000003, in 0x00000000\ngpio: input changed, in 0x00000001\n")
    }

    /// Each UART byte's stamp is the ACK cycle of its RXTX write (the D-bus
    /// write to UART_BASE + RXTX), and the bridge reports it when stepping.
    @Test func uartStampsAreTheRXTXWriteACKCycles() throws {
        let soc = try makeSoC(try socImage(.hello))
        let obs = try soc.stepObserving(30_000)
        let writes = beats(obs).filter { $0.master == 0 && $0.we && $0.adr & 0x7FFF_FFFF == 0x6000_0000 && !$0.err }
        let events = soc.takeUART()
        #expect(writes.count >= 3)
        #expect(events.map(\.cycle) == writes.map(\.end))
        #expect(events.map(\.byte) == writes.map { UInt8(truncatingIfNeeded: $0.datW) })
        #expect(String(decoding: events.map(\.byte), as: UTF8.self).hasPrefix("Hel"))
        for o in obs where o.uart_tx_wr != 0 { #expect(events.contains(RTLUARTByte(cycle: o.cycle, byte: o.uart_tx_data))) }
    }
}

@Suite struct SoCCycleContract {
    /// A store to an unmapped address: ERR in the first cycle of the beat, the
    /// CPU takes the data-bus-error exception (EID 4), and the boot stub
    /// reports it as the functional machine does.
    @Test func unmappedStoreIsABusErrorInTheFirstCycle() throws {
        let image = try socImage(main: """
                    .text
                    .global main
            main:   mvhi    r1, 0x2000
                    mvi     r2, 0x55
                    sw      (r1+0), r2
                    ret
            """)
        let soc = try makeSoC(image)
        let obs = try soc.stepObserving(3000)
        let bad = beats(obs).filter { $0.adr == 0x2000_0000 }
        #expect(bad.count == 1)
        if let b = bad.first {
            #expect(b.master == 0 && b.we && b.err)
            #expect(b.end == b.rise && b.grant == b.rise)
            #expect(b.datR == 0)
            let at = try #require(obs.firstIndex { $0.cycle == b.end })
            #expect(obs[at].dbus.ack == 0)
        }
        let exc = obs.filter { $0.exc_w != 0 }
        #expect(exc.first?.eid_w == 4)
        #expect(try soc.run(maxCycles: 2_000_000) == .halted)
        let expected = try functionalUART(image)
        #expect(expected.hasPrefix("exception 4 at ea 0x"))
        #expect(soc.uartText == expected)
    }

    static let accessProgram = """
                .text
                .global main
        main:   mvhi    r11, 0xe000             # sysctl, uncached
                ori     r11, r11, 0x1000
                mvhi    r12, 0x8000             # BRAM 0x8000, uncached
                ori     r12, r12, 0x8000
                mvhi    r13, 0xc000             # SDRAM 0x40000000, uncached
                mvi     r1, 1
                sw      (r11+0x10), r1          # TIMER0_CONTROL = ENABLE
                mvi     r5, 2
        1:      lw      r1, (r11+0x18)          # CSR read: TIMER0_COUNTER
                sw      (r11+0x50), r1          # CSR write: DBG_SCRATCHPAD
                lw      r2, (r12+0)             # BRAM read
                sw      (r12+4), r2             # BRAM write
                lw      r3, (r13+0)             # SDRAM read
                sw      (r13+4), r3             # SDRAM write
                addi    r5, r5, -1
                bne     r5, r0, 1b
                ret
        """

    /// Beat lengths of the contract from the CYC rise to ACK, for the second
    /// pass of a loop (I-cache warm: the D bus is granted at once): CSR read
    /// 4, CSR write 2, BRAM 2 and 2, SDRAM the latency. A CSR read of
    /// TIMER0_COUNTER returns the counter during the beat's 2nd cycle: the
    /// CONTROL write lands at the end of its ACK cycle w, so that is g + 1 -
    /// (w + 1) for a beat granted in cycle g.
    @Test(arguments: [UInt8(8), 3, 1])
    func beatLengthsAndCSRSampling(sdramLatency: UInt8) throws {
        let soc = try makeSoC(try socImage(main: Self.accessProgram), sdramLatency: sdramLatency)
        let obs = try soc.stepObserving(4000)
        let d = beats(obs).filter { $0.master == 0 && $0.adr & 0x8000_0000 != 0 }
        let control = try #require(d.first { $0.adr == 0xE000_1010 && $0.we })
        #expect(control.end - control.grant + 1 == 2)
        let loop = d.filter { $0.rise > control.end }
        try #require(loop.count == 12)
        let n = UInt64(sdramLatency)
        let expected: [(UInt32, Bool, UInt64)] = [(0xE000_1018, false, 4), (0xE000_1050, true, 2),
                                                  (0x8000_8000, false, 2), (0x8000_8004, true, 2),
                                                  (0xC000_0000, false, n), (0xC000_0004, true, n)]
        for (i, b) in loop.enumerated() {
            let (adr, we, cycles) = expected[i % 6]
            #expect(b.adr == adr && b.we == we)
            #expect(b.granted == Int(cycles) && b.end - b.grant + 1 == cycles && !b.err)
            if i >= 6 { #expect(b.rise == b.grant, "second pass: no I-bus contention") }
            if i % 6 == 0 { #expect(b.datR == UInt32(b.grant - control.end), "counter sampled in the 2nd cycle") }
        }
        // The scratchpad holds the last counter read; SDRAM word 1 the word 0 (zero).
        #expect(try soc.readWord(at: 0x4000_0004) == 0)
    }
}

@Suite struct SoCSystemReset {
    /// A SYSTEM_ID write landing at the end of cycle w: the SoC reset is high
    /// during w+1 (no beat answered), w+2 is a new cycle 0 for CPU and devices
    /// (the bridge's cycle count keeps running), memories keep their contents.
    @Test func systemIDWriteResetsTheSoC() throws {
        let image = try socImage(main: """
                    .include "soc.inc"
                    .text
                    .global main
            main:   addi    sp, sp, -4
                    sw      (sp+4), ra
                    mvhi    r1, hi(again)
                    ori     r1, r1, lo(again)
                    lw      r2, (r1+0)
                    bne     r2, r0, 1f
                    mvi     r2, 1
                    sw      (r1+0), r2
                    mvi     r1, 65                  # 'A'
                    calli   uart_putc
                    mvi     r1, 66                  # 'B'
                    calli   uart_putc
                    mvhi    r11, hi(SYSCTL_BASE)
                    ori     r11, r11, lo(SYSCTL_BASE)
                    sw      (r11+SYSCTL_SYSTEM_ID), r0
            2:      bi      2b
            1:      mvi     r1, 67                  # 'C' after the reset
                    calli   uart_putc
                    lw      ra, (sp+4)
                    addi    sp, sp, 4
                    ret
                    .data
            again:  .word   0
            """)
        let expected = try functionalUART(image)
        #expect(expected == "ABC")
        let soc = try makeSoC(image)
        let obs = try soc.stepObserving(40_000)
        let w = try #require(beats(obs).first { $0.we && $0.adr == 0xE000_107C })
        let at = try #require(obs.firstIndex { $0.cycle == w.end })
        #expect(obs[at].reset == 0 && obs[at + 1].reset == 1 && obs[at + 2].reset == 0)
        #expect(obs[at + 1].dbus.ack == 0 && obs[at + 1].ibus.ack == 0)
        #expect(obs[at + 2].cycle == w.end + 2)
        #expect(try soc.run(maxCycles: 200_000) == .halted)
        #expect(soc.uartText == expected)
        #expect(soc.uart.last!.cycle > w.end + 2)
    }
}

/// Device timing of docs/soc.md, hand-computed and read from observe().
@Suite struct SoCDeviceTimingOnRTL {
    /// THRE reads 1 again from T + 2, T = the 160th enable16 strobe after the
    /// RXTX write; with the reset divisor 43 the strobes come in cycles
    /// 42 + 43k (the counter starts at 42 in cycle 0).
    @Test func uartTHREReturnsTwoCyclesAfterThe160thStrobe() throws {
        let soc = try makeSoC(try socImage(.hello))
        var obs: [RTLObservation] = []
        for _ in 0..<5 { obs += try soc.stepObserving(6000) }
        let events = soc.takeUART()
        try #require(events.count >= 3)
        for e in events.dropLast() {
            let w = e.cycle
            let first = w < 42 ? 42 : 42 + ((w - 42) / 43 + 1) * 43      // first strobe after w
            let t = first + 159 * 43
            let idx = try #require(obs.firstIndex { $0.cycle == w })
            let back = try #require(obs[(idx + 1)...].first { $0.uart_thre != 0 })
            #expect(back.cycle == t + 2, "byte \(e.byte) written in \(w)")
            #expect(obs[idx + 1].uart_thre == 0)
        }
    }

    /// The GPIO interrupt line is high for exactly one cycle, 3 cycles after
    /// the pin changes (two flip-flops, then the IRQ register); GPIO_IN shows
    /// the pin after 2.
    @Test func gpioInterruptThreeCyclesAfterThePin() throws {
        let soc = try makeSoC(try socImage(.gpio))
        while !soc.uartText.contains("\n") && soc.cycle < 2_000_000 { try soc.step(1000) }
        try soc.step(200)                     // GPIO_INTEN and IM are set by now
        let c = soc.cycle
        try soc.setGPIOInputs(1)              // the pin is 1 from cycle c
        let obs = try soc.stepObserving(8)
        let high = obs.filter { $0.interrupt & 2 != 0 }.map(\.cycle)
        #expect(high == [c + 3])
    }

    /// Timer 0 in auto-restart with COMPARE 8000: one-cycle pulses on line 2,
    /// 8000 cycles apart.
    @Test func timerPulsesEveryCOMPARECycles() throws {
        let soc = try makeSoC(try socImage(.timer))
        var pulses: [UInt64] = []
        while pulses.count < 4 && soc.cycle < 200_000 {
            let obs = try soc.stepObserving(4000)
            pulses += obs.filter { $0.interrupt & 4 != 0 }.map(\.cycle)
        }
        try #require(pulses.count >= 4)
        for (a, b) in zip(pulses, pulses.dropFirst()) { #expect(b - a == 8000) }
    }
}

@Suite struct SoCUARTReceiveOnRTL {
    /// An 8N1 frame on the rx pin at our baud rate: RX_EVT (seen as the UART
    /// interrupt line with RX_IRQ_EN) rises in the same cycle as in the Swift
    /// UART model driven with the same frame, and RXTX holds the byte.
    @Test(arguments: [(UInt8(0x5A), UInt64(5000)), (0xA5, 5017), (0x00, 6001)])
    func receivedByteRaisesRXEventWhenTheModelDoes(byte: UInt8, start: UInt64) throws {
        let image = try socImage(main: """
                    .include "soc.inc"
                    .text
                    .global main
            main:   mvhi    r1, hi(UART_BASE)
                    ori     r1, r1, lo(UART_BASE)
                    mvi     r2, UART_CTRL_RX_IRQ_EN_MASK
                    sw      (r1+UART_CTRL), r2
            1:      lw      r3, (r1+UART_STAT)
                    andi    r3, r3, UART_STAT_RX_EVT_MASK
                    be      r3, r0, 1b
                    lw      r3, (r1+UART_RXTX)
                    sw      (r1+UART_RXTX), r3          # echo
                    ret
            """)
        let soc = try makeSoC(image)
        try soc.step(start - soc.cycle)
        let bit = 16 * UInt64(UART.resetDivisor)
        var obs: [RTLObservation] = []
        for k in 0..<10 {
            try soc.setUARTRx(k == 0 ? false : k == 9 ? true : (byte >> UInt8(k - 1)) & 1 != 0)
            obs += try soc.stepObserving(Int(bit))
        }
        obs += try soc.stepObserving(200)
        let rtl = try #require(obs.first { $0.interrupt & 1 != 0 }).cycle

        var model = UART()
        model.write(index: UART.ctrl, value: 1)
        model.drive(rx: byte, at: start)
        while model.interruptLines & 1 == 0 && model.cycle < start + 20 * bit { model.advance(to: model.cycle + 1) }
        #expect(rtl == model.cycle)
        #expect(model.read(index: UART.rxtx) == UInt32(byte))
        #expect(try soc.run(maxCycles: soc.cycle + 100_000) == .halted)
        #expect(soc.uart.map(\.byte) == [byte])
    }
}
