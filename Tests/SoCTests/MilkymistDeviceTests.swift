import Automaton
import LM32
import SimBus
import SimKernel
import SoC
import Testing

@Suite struct SoCDescriptionTests {
    static let fast = SlaveTiming(readCycles: 1, writeCycles: 1)

    func error(_ regions: [MapEntry], banks: [CSRBank] = [], irqs: [InterruptLine] = [],
               hertz: UInt64 = 80_000_000) -> SoCDescriptionError? {
        do { _ = try SoCDescription(name: "t", clockHertz: hertz, regions: regions, csrBanks: banks, interrupts: irqs); return nil }
        catch { return error }
    }

    @Test func milkymistIsValidAndAsDesigned() throws {
        let soc = try SoCDescription.milkymist()
        #expect(soc.clock.period == .ps(12_500))
        // Milkymist One's CFG as read from the RTL (reference §2.1), with EBA/DEBA at 0.
        #expect(soc.cpu == .milkymist)
        #expect(soc.cpu.cfg == 0x0912_05CF)
        #expect(soc.cpu.ebaReset == 0 && soc.cpu.debaReset == 0 && !soc.cpu.cycleCounter)
        #expect(soc.regions.map(\.base) == [0, 0x4000_0000, 0x6000_0000])
        #expect(soc.regions.map(\.size) == [0x1_0000, 0x100_0000, 0x1_0000])
        #expect(soc.csrBanks.map(\.name) == ["uart", "sysctl", "coprocessor", "pcie"])
        #expect(soc.interrupts.map(\.name) == ["uart", "gpio", "timer0", "timer1", "coprocessor", "pcie"])
        #expect(soc.uncachedCSRBase(bank: 1) == 0xE000_1000)
        #expect(soc.decode(0xC000_0010)?.name == "sdram")
        #expect(soc.decode(0x1000_0000) == nil)
        #expect(try SoCDescription.milkymist(sdramLatency: 3).region(.sdram)?.timing.readCycles == 3)
    }

    @Test func rejectsBadMaps() {
        let ram = MapEntry("ram", base: 0, size: 0x1000, kind: .bram, timing: Self.fast)
        #expect(error([ram, MapEntry("b", base: 0x800, size: 0x800, kind: .sdram, timing: Self.fast)])
                == .overlappingRegions("ram", "b"))
        #expect(error([MapEntry("m", base: 0x800, size: 0x1000, kind: .bram, timing: Self.fast)])
                == .misalignedRegion(region: "m", base: 0x800, size: 0x1000))
        #expect(error([MapEntry("m", base: 0, size: 0x3000, kind: .bram, timing: Self.fast)])
                == .sizeNotPowerOfTwo(region: "m", size: 0x3000))
        #expect(error([MapEntry("m", base: 0, size: 0, kind: .bram, timing: Self.fast)]) == .emptyRegion("m"))
        #expect(error([MapEntry("m", base: 0x8000_0000, size: 0x1000, kind: .bram, timing: Self.fast)])
                == .regionInUncachedAlias(region: "m", base: 0x8000_0000))
        #expect(error([ram, MapEntry("ram", base: 0x1000, size: 0x1000, kind: .bram, timing: Self.fast)])
                == .duplicateName("ram"))
        #expect(error([MapEntry("m", base: 0, size: 0x1000, kind: .bram, timing: SlaveTiming(readCycles: 0, writeCycles: 1))])
                == .badTiming(region: "m"))
        #expect(error([ram], hertz: 3) == .badClock(hertz: 3))
    }

    @Test func rejectsBadBanksAndLines() {
        let csr = MapEntry("csr", base: 0x6000_0000, size: 0x2000, kind: .csr, timing: Self.fast)
        let ram = MapEntry("ram", base: 0, size: 0x1000, kind: .bram, timing: Self.fast)
        #expect(error([ram], banks: [CSRBank(bank: 0, name: "uart", registers: UART.registerMap)]) == .missingCSRRegion)
        #expect(error([csr], banks: [CSRBank(bank: 2, name: "uart", registers: nil)])
                == .csrBankOutOfRange(device: "uart", bank: 2, banks: 2))
        #expect(error([csr], banks: [CSRBank(bank: 0, name: "a", registers: nil), CSRBank(bank: 0, name: "b", registers: nil)])
                == .duplicateCSRBank(0, "a", "b"))
        let big = try! RegisterMap("big", size: 0x2000) { Register("X", at: 0x1ffc) }
        #expect(error([csr], banks: [CSRBank(bank: 0, name: "big", registers: big)])
                == .registerMapTooLarge(device: "big", size: 0x2000))
        let banks = [CSRBank(bank: 0, name: "uart", registers: nil)]
        #expect(error([csr], banks: banks, irqs: [InterruptLine(32, "x", source: "uart")])
                == .interruptOutOfRange(line: "x", number: 32))
        #expect(error([csr], banks: banks, irqs: [InterruptLine(0, "x", source: "uart"), InterruptLine(0, "y", source: "uart")])
                == .duplicateInterrupt(0, "x", "y"))
        #expect(error([csr], banks: banks, irqs: [InterruptLine(1, "x", source: "gpu")])
                == .unknownInterruptSource(line: "x", source: "gpu"))
    }
}

@Suite struct UARTTests {
    @Test func transmitTimingFollowsTheDivisor() {
        var u = UART()
        // Reset: the enable16 counter starts at DIVISOR-1 = 42, so strobes come in cycles 42 + 43k.
        u.advance(to: 10)
        u.write(index: UART.rxtx, value: 0x41)                  // presented in cycle 10
        #expect(u.cycle == 11)
        #expect(u.sent == [UART.Sent(cycle: 10, byte: 0x41)])
        #expect(u.read(index: UART.stat) & 1 == 0)               // THRE cleared
        let done = 42 + 159 * 43                                 // the 160th strobe after the write
        u.advance(to: UInt64(done + 1))
        #expect(u.read(index: UART.stat) == 0)
        u.advance(to: UInt64(done + 2))
        #expect(u.read(index: UART.stat) == 0b101)               // THRE and TX_EVT
        #expect(u.transmitterIdle)
    }

    @Test func aSmallerDivisorSendsFaster() {
        var u = UART()
        u.write(index: UART.divisor, value: 10)                  // reload with 9 at the next strobe (cycle 42)
        u.advance(to: 100)
        u.write(index: UART.rxtx, value: 0x42)
        let done = 102 + 159 * 10                                // strobes at 42, 52, ..., 102, ...
        u.advance(to: UInt64(done + 1))
        #expect(!u.transmitterIdle)
        u.advance(to: UInt64(done + 2))
        #expect(u.transmitterIdle)
        // Same answer when advanced one cycle at a time.
        var v = UART()
        v.write(index: UART.divisor, value: 10)
        while v.cycle < 100 { v.tick(cycles: 1) }
        v.write(index: UART.rxtx, value: 0x42)
        while v.cycle < UInt64(done + 1) { v.tick(cycles: 1) }
        #expect(!v.transmitterIdle)
        v.tick(cycles: 1)
        #expect(v.transmitterIdle)
    }

    @Test func registerModesAndInterrupt() {
        var u = UART()
        u.write(index: UART.stat, value: 0)                      // THRE is read-only
        #expect(u.read(index: UART.stat) & 1 == 1)
        u.receive(0x5A)
        #expect(u.read(index: UART.rxtx) == 0x5A)
        #expect(u.read(index: UART.stat) == 0b011)
        #expect(u.interruptLines == 0)
        u.write(index: UART.ctrl, value: 1)                      // RX_IRQ_EN
        #expect(u.interruptLines == 1)
        u.write(index: UART.stat, value: 0b100)                  // W1C of TX_EVT leaves RX_EVT
        #expect(u.read(index: UART.stat) == 0b011)
        u.write(index: UART.stat, value: 0b010)
        #expect(u.read(index: UART.stat) == 0b001)
        #expect(u.interruptLines == 0)
        #expect(u.read(index: 8 + UART.stat) == 0b001)           // registers alias every 0x20 bytes
        #expect(u.read(index: UART.divisor) == 43)
        #expect(u.read(index: 7) == 0)
    }

    @Test func taggedFieldsAreReportedOnce() {
        var u = UART()
        u.write(index: UART.ctrl, value: 4)
        u.write(index: UART.ctrl, value: 4)
        #expect(u.unmodelledWrites == ["CTRL.THRU"])
    }

    @Test func writingWhileBusyCutsTheByteOff() {
        var u = UART()
        u.write(index: UART.rxtx, value: 1)
        u.tick(cycles: 100)
        u.write(index: UART.rxtx, value: 2)
        #expect(u.overruns == 1)
        #expect(u.sent.map(\.byte) == [1, 2])
    }
}

@Suite struct SysctlTests {
    @Test func oneShotTimer() {
        var s = Sysctl()
        s.write(index: Sysctl.timerCompare[0], value: 10)
        s.write(index: Sysctl.timerCounter[0], value: 0)
        s.write(index: Sysctl.timerControl[0], value: 1)         // lands at the end of cycle 2
        #expect(s.cycle == 3)
        s.advance(to: 13)
        #expect(s.read(index: Sysctl.timerCounter[0]) == 10)
        #expect(s.read(index: Sysctl.timerControl[0]) == 1)
        #expect(s.interruptLines == 0)
        s.advance(to: 14)                                        // the match cycle's edge: pulse, one-shot ends
        #expect(s.interruptLines == 1 << 2)
        #expect(s.read(index: Sysctl.timerControl[0]) == 0)
        s.advance(to: 15)
        #expect(s.interruptLines == 0)
        #expect(s.read(index: Sysctl.timerCounter[0]) == 10)
    }

    @Test func autoRestartPeriodIsCompare() {
        var s = Sysctl()
        s.write(index: Sysctl.timerCompare[1], value: 5)
        s.write(index: Sysctl.timerCounter[1], value: 0)
        s.write(index: Sysctl.timerControl[1], value: 3)
        var pulses: [UInt64] = []
        while s.cycle < 40 {
            s.tick(cycles: 1)
            if s.interruptLines & (1 << 3) != 0 { pulses.append(s.cycle) }
        }
        #expect(pulses == [9, 14, 19, 24, 29, 34, 39])
        #expect(s.read(index: Sysctl.timerControl[1]) == 3)
    }

    @Test func closedFormAdvanceEqualsCycleByCycle() {
        var rng = SplitMix64(seed: 4)
        for _ in 0..<2000 {
            var t = SysctlTimer()
            t.enable = rng.next() & 1 == 0
            t.autoRestart = rng.next() & 1 == 0
            t.compare = UInt32(rng.next() % 40)
            t.counter = UInt32(rng.next() % 50)
            let n = rng.next() % 120 + 1
            var a = t, b = t
            let seenA = a.advance(by: n)
            var seenB = false
            for _ in 0..<n { if b.advance(by: 1) { seenB = true } }
            #expect(a == b && seenA == seenB, "\(t) by \(n)")
        }
    }

    @Test func readOnlyRegistersIgnoreWritesAndSystemIDResets() {
        var s = Sysctl()
        s.write(index: 0x74 / 4, value: 1)                       // FREQUENCY
        #expect(s.read(index: 0x74 / 4) == 80_000_000)
        s.write(index: Sysctl.gpioIn, value: 0xFF)
        #expect(s.read(index: Sysctl.gpioIn) == 0)
        #expect(s.read(index: Sysctl.systemIDIndex) == Sysctl.systemID)
        #expect(s.read(index: 32 + Sysctl.systemIDIndex) == Sysctl.systemID)   // aliases every 0x80 bytes
        #expect(!s.resetRequested)
        s.write(index: Sysctl.systemIDIndex, value: 0)
        #expect(s.resetRequested)
        #expect(s.read(index: Sysctl.timerCompare[0]) == 0xFFFF_FFFF)
    }

    @Test func gpioSynchroniserAndInterruptPulse() {
        var s = Sysctl()
        s.write(index: Sysctl.gpioInten, value: 1)
        s.write(index: Sysctl.gpioOut, value: 3)
        #expect(s.gpioOutputs == 3)
        func pulses(after pins: UInt32) -> [UInt64] {
            let start = s.cycle
            s.gpioPins = pins
            var high: [UInt64] = []
            for _ in 0..<8 {
                s.tick(cycles: 1)
                if s.interruptLines & 2 != 0 { high.append(s.cycle - start) }
            }
            return high
        }
        // Pin in cycle 0, synchronised in 2, the registered IRQ high in 3 only.
        #expect(pulses(after: 1) == [3])
        #expect(s.read(index: Sysctl.gpioIn) == 1)
        #expect(pulses(after: 3) == [])                          // input 1 is not enabled
        #expect(pulses(after: 2) == [3])                         // input 0 fell
        #expect(s.read(index: Sysctl.gpioIn) == 2)
        s.gpioPins = 0
        s.tick(cycles: 1000)                                     // long advances settle too
        #expect(s.read(index: Sysctl.gpioIn) == 0)
        #expect(s.interruptLines == 0)
    }
}

@Suite struct MilkymistBusTests {
    @Test func decodingAliasesAndBusErrors() throws {
        let m = try MilkymistMachine()
        m.load([0xDE, 0xAD, 0xBE, 0xEF], at: 0x100)
        #expect(m.bus.read(0x8000_0100, sel: 0xF) == .ok(0xDEAD_BEEF))
        #expect(m.bus.write(0xC000_0000, data: 7, sel: 0xF))
        #expect(m.bus.read(0x4000_0000, sel: 0xF) == .ok(7))
        #expect(m.bus.read(0xE000_1000 + 0x7C, sel: 0xF) == .ok(Sysctl.systemID))
        #expect(m.bus.read(0xE000_2000, sel: 0xF) == .ok(0))          // reserved bank: reads 0
        #expect(m.bus.read(0x1000_0000, sel: 0xF) == .error)
        #expect(m.bus.fetch(0x6001_0000) == .error)
        #expect(!m.bus.write(0x2000_0000, data: 0, sel: 0xF))
    }

    func runFirmware(_ body: String) throws -> String {
        let m = try MilkymistMachine()
        let src = SourceFile(path: "t.S", text: ".include \"soc.inc\"\n.global main\nmain:\n" + body)
        m.load(ProgramImage(try Toolchain.linkFirmware([src], for: m.soc)))
        #expect(m.run(maxCycles: 500_000) == .halted)
        return String(decoding: m.uartOutput, as: UTF8.self)
    }

    @Test func unmappedAccessesRaiseBusErrors() throws {
        // A load and a store to an unmapped address: data bus error (EID 4).
        #expect(try runFirmware("mvhi r1, 0x1000\nlw r2, (r1+0)\nret\n").hasPrefix("exception 4 at ea 0x"))
        #expect(try runFirmware("mvhi r1, 0x2000\nsw (r1+0), r0\nnop\nret\n").hasPrefix("exception 4 at ea 0x"))
        // A jump there: instruction bus error (EID 2) with ea = the target.
        #expect(try runFirmware("mvhi r1, 0x1000\ncall r1\nret\n") == "exception 2 at ea 0x10000000\n")
    }

    @Test func systemIDWriteResetsTheCPU() throws {
        // The program writes SYSTEM_ID once (a flag in SDRAM survives the reset), then halts.
        let out = try runFirmware("""
            mvhi r1, hi(SDRAM_BASE)
            lw r2, (r1+0)
            bne r2, r0, 1f
            mvi r2, 1
            sw (r1+0), r2
            mvhi r3, hi(SYSCTL_BASE)
            ori r3, r3, lo(SYSCTL_BASE)
            sw (r3+SYSCTL_SYSTEM_ID), r0
            2: bi 2b
            1: mvi r1, 82
            addi sp, sp, -4
            sw (sp+4), ra
            calli uart_putc
            lw ra, (sp+4)
            addi sp, sp, 4
            ret

            """)
        #expect(out == "R")
    }
}

@Suite struct ArbiterTests {
    @Test func fixedPriorityHoldsTheGrantWhileCYCIsHigh() {
        var a = FixedPriorityArbiter(count: 4)
        #expect(a.arbitrate(requests: 0b1100) == 2)
        #expect(a.arbitrate(requests: 0b1101) == 2)            // the owner keeps it
        #expect(a.arbitrate(requests: 0b1001) == 0)            // released: highest priority wins
        #expect(a.arbitrate(requests: 0b1000) == 3)
        #expect(a.arbitrate(requests: 0) == nil)
        #expect(a.owner == nil)
    }

    /// A yielding master (the coprocessor) keeps the bus only inside a beat:
    /// after its ACK or ERR a higher-priority requester gets it; a
    /// non-yielding owner keeps it across its beats while it holds CYC.
    @Test func aYieldingMasterIsArbitratedAgainAfterEachBeat() throws {
        var a = FixedPriorityArbiter(count: 3, yielding: 0b100)
        #expect(a.arbitrate(requests: 0b100) == 2)
        #expect(a.arbitrate(requests: 0b101) == 2)                     // inside its beat: kept
        #expect(a.arbitrate(requests: 0b101, beatEnded: true) == 0)    // its beat ended: the data port
        #expect(a.arbitrate(requests: 0b111, beatEnded: true) == 0)    // not yielding: kept across beats
        #expect(a.arbitrate(requests: 0b100, beatEnded: true) == 2)
        #expect(a.arbitrate(requests: 0b100, beatEnded: true) == 2)    // alone: its next beat at once
        #expect(try SoCDescription.milkymist().masters.map(\.yielding) == [false, false, true, true])
    }
}

@Suite struct MilkymistIntegrationTests {
    @Test func timerPulseSetsIPWithInterruptsOff() throws {
        // IE = 0: the pulse is latched in IP (sticky) and nothing is taken.
        let m = try MilkymistMachine()
        let src = SourceFile(path: "t.S", text: """
            .include "soc.inc"
            .global main
            main:   mvhi r1, hi(SYSCTL_BASE)
                    ori r1, r1, lo(SYSCTL_BASE)
                    mvi r2, 50
                    sw (r1+SYSCTL_TIMER1_COMPARE), r2
                    mvi r2, SYSCTL_TIMER1_CONTROL_ENABLE_MASK
                    sw (r1+SYSCTL_TIMER1_CONTROL), r2
            1:      lw r2, (r1+SYSCTL_TIMER1_CONTROL)
                    bne r2, r0, 1b
                    ret
            """)
        m.load(ProgramImage(try Toolchain.linkFirmware([src], for: m.soc)))
        #expect(m.run(maxCycles: 10_000) == .halted)
        #expect(m.core.ip == 1 << 3)
        #expect(m.core.ie & 1 == 0)
    }

    @Test func headersComeFromTheDescription() throws {
        let soc = try SoCDescription.milkymist()
        let c = soc.cHeader()
        #expect(c.contains("#define SYSCTL_BASE 0xe0001000u"))
        #expect(c.contains("#define IRQ_TIMER0 2u"))
        #expect(c.contains("#define UART_STAT_THRE_MASK 0x1u"))
        #expect(c.contains("#define SYSCTL_TIMER1_COUNTER 0x028"))
        let asm = soc.asmInclude()
        #expect(asm.contains(".equ SDRAM_BASE, 0x40000000"))
        #expect(asm.contains(".equ SYSCTL_SYSTEM_ID, 0x07c"))
        // The wire layout of docs/automaton.md, from ChallengeMessage and AnswerMessage.
        #expect(asm.contains(".equ CHALLENGE_SIZE, \(ChallengeMessage.size)"))
        #expect(asm.contains(".equ CHALLENGE_TABLE_OFFSET, \(ChallengeMessage.tableOffset)"))
        #expect(asm.contains(".equ ANSWER_MAGIC, 0x31525541"))
        // Every register of every device appears in the map listing, header and include.
        for b in soc.csrBanks {
            for r in b.registers?.registers ?? [] {
                let name = RegisterMap.identifier(b.name) + "_" + RegisterMap.identifier(r.name)
                #expect(c.contains("#define \(name) "))
                #expect(asm.contains(".equ \(name), "))
                #expect(soc.mapListing().contains("| \(r.name) |"))
            }
        }
    }

    @Test func systemResetRestartsTheDevicesAtTheCurrentCycle() {
        var u = UART(cycle: 1000)
        u.advance(to: 1010)
        u.write(index: UART.rxtx, value: 0x41)
        u.advance(to: 1042 + 159 * 43 + 2)
        #expect(u.transmitterIdle)
        var early = UART(cycle: 1000)
        early.advance(to: 1010)
        early.write(index: UART.rxtx, value: 0x41)
        early.advance(to: 1042 + 159 * 43 + 1)
        #expect(!early.transmitterIdle)
    }
}

@Suite struct TimedAccessTests {
    @Test func csrAccessesSampleAndLandAtTheBridgeCycles() throws {
        let m = try MilkymistMachine(sdramLatency: 5)
        let bus = m.bus
        let t0 = 0xE000_1000 as UInt32
        // Timer 0 free-running from cycle 10 (the write lands at the end of 11).
        #expect(bus.access(t0 + 0x10, write: true, data: 1, start: 10) == (.ok(0), 11))
        // ENABLE is 1 from cycle 12, so COUNTER during c is c - 12: a read starting at 100 samples cycle 101, ACK in 103.
        #expect(bus.access(t0 + 0x18, write: false, start: 100) == (.ok(89), 103))
        // A write of COUNTER starting at 200 lands at the end of 201: during 202 it reads 7.
        _ = bus.access(t0 + 0x18, write: true, data: 7, start: 200)
        #expect(bus.access(t0 + 0x18, write: false, start: 201) == (.ok(7), 204))
        #expect(bus.access(t0 + 0x18, write: false, start: 209) == (.ok(15), 212))
        // Memories: their slave timing; unmapped: ERR in the first cycle.
        #expect(bus.access(0x4000_0000, write: true, data: 9, start: 300) == (.ok(0), 304))
        #expect(bus.access(0xC000_0000, write: false, start: 310) == (.ok(9), 314))
        #expect(bus.access(0x0000_0000, write: false, start: 320).ack == 321)
        #expect(bus.access(0x1000_0000, write: false, start: 330) == (.error, 330))
    }
}

@Suite struct UARTReceiveTests {
    @Test func aFrameOnTheRxPinArrivesAtTheStrobeTiming() {
        var u = UART()
        u.drive(rx: 0x5A, at: 100)                   // bits of 16 x 43 = 688 cycles
        // Strobes at 42 + 43k; the start bit is seen (pin at t - 2) at 128; the stop bit
        // is sampled 10 + 9 x 16 strobes later, at 128 + 154 x 43 = 6750.
        u.advance(to: 6751)
        #expect(u.read(index: UART.stat) & 2 == 0)
        #expect(u.read(index: UART.rxtx) == 0x5A)
        u.advance(to: 6752)
        #expect(u.read(index: UART.stat) & 2 == 2)
        // The same, one cycle at a time, and a second byte after the first.
        var v = UART()
        v.drive(rx: 0x5A, at: 100)
        v.drive(rx: 0xC3, at: 100 + 10 * 688 + 50)
        var events: [UInt64] = []
        var bytes: [UInt32] = []
        while v.cycle < 20_000 {
            v.tick(cycles: 1)
            if v.read(index: UART.stat) & 2 != 0 {
                events.append(v.cycle)
                bytes.append(v.read(index: UART.rxtx))
                v.write(index: UART.stat, value: 2)
            }
        }
        #expect(events.first == 6752)
        #expect(bytes == [0x5A, 0xC3])
    }

    @Test func aBadStopBitIsDropped() {
        var u = UART()
        u.drive(rx: 0x00, at: 100, bitCycles: 1000)  // a slower sender: the stop-bit sample (6750) sees a data bit
        u.advance(to: 13_000)
        #expect(u.read(index: UART.stat) & 2 == 0)
        // The receiver then restarts on the still-low line (at 6793); that frame's stop
        // sample (13415) sees the idle line, so a garbled byte arrives, as in the RTL.
        u.advance(to: 13_417)
        #expect(u.read(index: UART.stat) & 2 == 2)
    }
}
