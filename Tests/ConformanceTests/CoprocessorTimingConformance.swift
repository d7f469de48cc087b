import Testing
import Automaton
import LM32Asm
import SoC
import Conformance
import Verilated

/// The coprocessor's timing and its parameter errors on the SoC, model
/// against RTL in lock-step (docs/automaton.md, "Timing", "Errors"): a
/// program programs one run, waits for IRQ 4 polling IP (no bus traffic:
/// its loop is cached before START), then stores STATUS, CYCLES and
/// STEPS_DONE as it reads them. The lock-step compares every cycle (the
/// stores included), so the RTL's counts are the model's; the model's are
/// checked against the formula `CYCLES = 1 + 2·states·L(table) + S·L(window)`
/// (one step every L cycles: BRAM L = 2, SDRAM its latency) and the error
/// codes against the table of the doc.
@Suite struct CoprocessorTimingConformance {
    /// Where the program stores what it read: STATUS, CYCLES, STEPS_DONE.
    static let results: UInt32 = 0xA000
    static let bramWindow: UInt32 = 0xC000, sdramWindow: UInt32 = 0x4000_0000
    static let states = 3

    /// The program: `parameters` are (register, value) writes before START;
    /// `table`: TABLE_ADDR is the program's table.
    static func program(_ parameters: [(String, UInt32)], table: Bool) -> String {
        var p = """
                .include "soc.inc"
                .global main
        main:   mvhi    r10, hi(COPROCESSOR_BASE)
                ori     r10, r10, lo(COPROCESSOR_BASE)
                mvhi    r11, hi(\(results))
                ori     r11, r11, lo(\(results))

        """
        for (register, value) in parameters {
            p += "        mvhi    r1, \(value >> 16)\n        ori     r1, r1, \(value & 0xFFFF)\n"
            p += "        sw      (r10+COPROCESSOR_\(register)), r1\n"
        }
        if table {
            p += "        mvhi    r1, hi(table)\n        ori     r1, r1, lo(table)\n"
            p += "        sw      (r10+COPROCESSOR_TABLE_ADDR), r1\n"
        }
        p += """
                mvi     r5, 1               # first pass: through the loop without waiting (it gets cached)
                .align  16
        wait:   rcsr    r2, IP
                andi    r2, r2, 1 << IRQ_COPROCESSOR
                or      r2, r2, r5
                be      r2, r0, wait
                bne     r5, r0, arm
                lw      r1, (r10+COPROCESSOR_STATUS)
                sw      (r11+0), r1
                lw      r1, (r10+COPROCESSOR_CYCLES)
                sw      (r11+4), r1
                lw      r1, (r10+COPROCESSOR_STEPS_DONE)
                sw      (r11+8), r1
                ret
                .align  16
        arm:    mvi     r5, 0
                mvi     r1, COPROCESSOR_CTRL_START_MASK | COPROCESSOR_CTRL_IRQ_EN_MASK
                nop
                nop
                sw      (r10+COPROCESSOR_CTRL), r1      # START, then back to the cached loop
                bi      wait
                nop
                nop

                .section .rodata
                .align  4
        table:  .word   0x9e3779b9, 2 | 5 << 8 | 1 << 16 | 2 << 24
                .word   0x00000007, 7 | 30 << 8 | 2 << 16 | 0 << 24
                .word   0xdeadbeef, 3 | 0 << 8 | 0 << 16 | 1 << 24
        table_end:

        """
        return p
    }

    /// Run `parameters` in lock-step at `latency`; the model's STATUS,
    /// CYCLES and STEPS_DONE as the CPU stored them.
    static func run(_ parameters: [(String, UInt32)], latency: Int, table: Bool = true) throws
        -> (status: UInt32, cycles: UInt32, steps: UInt32) {
        let soc = try SoCDescription.milkymist(sdramLatency: latency)
        let source = program(parameters, table: table)
        let img = try Toolchain.linkFirmware([SourceFile(path: "coprocessor-timing.S", text: source)], for: soc)
        // the windows' words
        var memory = img.segments.map { ($0.address, $0.bytes) }
        let words: [UInt8] = (0..<1024).flatMap { (i: Int) -> [UInt8] in [UInt8(i & 0xFF), UInt8(i >> 8), 0x5A, 0xA5] }
        memory += [(bramWindow, words), (sdramWindow, words)]
        let stim = SoCStimulus(memory: memory, sdramLatency: latency, maxCycles: 400_000)
        let lib = try RTLLibrary.load(RTLSoCProfile.milkymist)
        var model: [UInt32] = []
        let r = try SoCLockStep.run(stim, library: lib, observe: { o in
            if o.dbus.ack && o.dbus.we && o.dbus.adr & ~3 >= results && o.dbus.adr < results + 12 { model.append(o.dbus.datW) }
        })
        if let d = r.divergence { Issue.record("\(d)") }
        #expect(r.halted)
        try #require(model.count == 3, "the program stored its three results")
        return (model[0], model[1], model[2])
    }

    static func challenge(source: UInt32, words: UInt32 = 256, steps: UInt32) -> [(String, UInt32)] {
        [("NONCE_LO", 0x1234_5678), ("NONCE_HI", 0x9ABC_DEF0), ("WINDOW_BASE", 0x0010_0000), ("WINDOW_WORDS", words),
         ("SOURCE", source), ("STEPS", steps), ("STATES", UInt32(states)), ("ENV_COUNT", 0)]
    }

    /// One step every L cycles: BRAM (L = 2) and SDRAM at latencies 1, 3
    /// and 8; the run's cycles are the formula's, in the model and the RTL.
    @Test(arguments: [(false, 1), (false, 3), (false, 8), (true, 1), (true, 8)])
    func stepsPerCycle(bram: Bool, latency: Int) throws {
        let steps: UInt32 = 500
        let r = try Self.run(Self.challenge(source: bram ? Self.bramWindow : Self.sdramWindow, steps: steps), latency: latency)
        let window = bram ? 2 : latency
        #expect(r.status == 2, "DONE, no error")
        #expect(r.steps == steps)
        #expect(r.cycles == UInt32(1 + 2 * Self.states * 2 + Int(steps) * window))
    }

    /// Bad programming ends the run in its check cycle (CYCLES 1) with the
    /// documented code, in the model and the RTL alike.
    @Test(arguments: [
        ("window outside memory", AutomatonError.windowRange, [("SOURCE", UInt32(0x2000_0000))], true),
        ("window across BRAM's end", .windowRange, [("SOURCE", 0xFFF0)], true),
        ("zero steps", .zeroSteps, [("STEPS", 0)], true),
        ("length not a power of two", .windowLength, [("WINDOW_WORDS", 48)], true),
        ("table unmapped", .tableAddress, [("TABLE_ADDR", 0x2000_0000)], false),
        ("state count 0", .stateCount, [("STATES", 0)], true),
        ("environment count 17", .environmentCount, [("ENV_COUNT", 17)], true),
    ] as [(String, AutomatonError, [(String, UInt32)], Bool)])
    func badProgramming(what: String, error: AutomatonError, change: [(String, UInt32)], table: Bool) throws {
        var p = Self.challenge(source: Self.sdramWindow, steps: 100)
        for (register, value) in change { p.removeAll { $0.0 == register }; p.append((register, value)) }
        let r = try Self.run(p, latency: 3, table: table)
        #expect(r.status == UInt32(error.rawValue) << 8 | 2, "\(what): DONE with \(error)")
        #expect(r.cycles == 1 && r.steps == 0, "\(what)")
    }
}
