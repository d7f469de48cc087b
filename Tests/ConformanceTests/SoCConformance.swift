import Foundation
import Testing
import LM32Asm
import SoC
import Conformance
import Verilated

/// The cycle-exact LM32 on the milkymist SoC against the verilated SoC
/// (RTL/soc/), in lock-step: every cycle's pipeline, bus and CSR
/// observations, then the UART streams (bytes and cycle stamps) and the
/// GPIO outputs. Needs RTL/build/milkymist; a missing library FAILS with
/// the loader's message. SOC_CONFORMANCE_RANDOM=N changes the number of
/// random programs (default 200), SOC_CONFORMANCE_SEED the first seed.
@Suite struct SoCConformance {
    static func image(_ f: MilkymistFirmware) throws -> LinkedImage {
        try Toolchain.firmware(f, for: try SoCDescription.milkymist())
    }

    @Test(arguments: MilkymistFirmware.allCases)
    func firmwareInLockStep(firmware: MilkymistFirmware) throws {
        let lib = try RTLLibrary.load(RTLSoCProfile.milkymist)
        let img = try Self.image(firmware)
        // the GPIO firmware waits for input 0 to change
        let gpio: [(cycle: UInt64, pins: UInt32)] = firmware == .gpio ? [(400_000, 1)] : []
        let stim = SoCStimulus(memory: img.segments.map { ($0.address, $0.bytes) }, gpio: gpio, maxCycles: 4_000_000)
        let r = try SoCLockStep.run(stim, library: lib)
        if let d = r.divergence { Issue.record("\(firmware): \(d)") }
        if let u = r.uartMismatch { Issue.record("\(firmware): \(u)") }
        if let g = r.gpioMismatch { Issue.record("\(firmware): GPIO_OUT model 0x\(String(g.model, radix: 16)), RTL 0x\(String(g.rtl, radix: 16))") }
        #expect(r.halted, "\(firmware) halts within the budget")
        #expect(!r.uart.isEmpty, "\(firmware) prints")
    }

    @Test func randomProgramsInLockStep() throws {
        let env = ProcessInfo.processInfo.environment
        let count = UInt64(env["SOC_CONFORMANCE_RANDOM"] ?? "") ?? 200
        let first = UInt64(env["SOC_CONFORMANCE_SEED"] ?? "") ?? 1
        let lib = try RTLLibrary.load(RTLSoCProfile.milkymist)
        var failures = 0, halted = 0, uartBytes = 0, cycles: UInt64 = 0, interrupts = 0, busErrors = 0, resets = 0
        var unhalted: [UInt64] = []
        for seed in first..<first + count where failures < 3 {
            let p = RandomSoCProgram.generate(seed: seed)
            let img = try Linker.link([try Assembler.assemble(source: p.source, fileName: "random-soc-\(seed).S")])
            let stim = p.stimulus(memory: img.segments.map { ($0.address, $0.bytes) })
            let r = try SoCLockStep.run(stim, library: lib, observe: { o in
                if o.excW != 0 && o.eidW == 6 { interrupts += 1 }
                if o.dbus.err { busErrors += 1 }
                if o.reset { resets += 1 }
            })
            cycles += r.cycles
            if !r.agrees {
                failures += 1
                Issue.record("seed \(seed): \(r.divergence.map { "\($0)" } ?? "") \(r.uartMismatch.map { "\($0)" } ?? "") \(r.gpioMismatch.map { "GPIO \($0)" } ?? "")\n\(p.source)")
            }
            if r.halted { halted += 1 } else { unhalted.append(seed) }
            uartBytes += r.uart.count
        }
        print("SoC lock-step: \(count) random programs, \(cycles) cycles, \(halted) halted, \(uartBytes) UART bytes, \(interrupts) interrupts, \(busErrors) data-bus errors, \(resets) system resets; not halted within the budget: \(unhalted)")
        #expect(halted * 10 >= Int(count) * 9, "most programs reach their end (\(halted) of \(count))")
        #expect(uartBytes > Int(count) / 2 && interrupts > Int(count) && busErrors > Int(count) / 4 && resets > Int(count) / 10,
                "the programs send bytes, take interrupts, get bus errors and reset the SoC")
    }

    /// The comparison can fail: a model observation with one wrong D-bus
    /// ACK cycle is reported at that cycle.
    @Test func aWrongLatencyIsReported() throws {
        let lib = try RTLLibrary.load(RTLSoCProfile.milkymist)
        let img = try Self.image(.hello)
        var first: UInt64? = nil
        let stim = SoCStimulus(memory: img.segments.map { ($0.address, $0.bytes) }, maxCycles: 200_000)
        let r = try SoCLockStep.run(stim, library: lib, mutate: { o in
            if o.dbus.cyc && o.dbus.ack && first == nil { first = o.cycle; o.dbus.ack = false }
        })
        let d = try #require(r.divergence)
        #expect(d.cycle == first)
        #expect(d.field == "dbus.ack")
    }
}
