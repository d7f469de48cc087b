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
private func lockStepText(_ r: SoCLockStepResult) -> String {
    [r.divergence.map { "\($0)" }, r.uartMismatch.map { "\($0)" }, r.gpioMismatch.map { "GPIO \($0)" }, r.hostMismatch]
        .compactMap { $0 }.joined(separator: "; ")
}

@Suite struct SoCConformance {
    static func image(_ f: MilkymistFirmware) throws -> LinkedImage {
        try Toolchain.firmware(f, for: try SoCDescription.milkymist())
    }

    @Test(arguments: MilkymistFirmware.cycleExactCases)
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

    /// The hostile storm against the running `dma` firmware in SoC lock-step
    /// (docs/pcie-endpoint.md, "The hostile storm in SoC lock-step"): 1 024 packets, one
    /// window of 64 batches; no divergence, every invariant holds on both sides.
    @Test func hostileStormAgainstTheRunningFirmwareInLockStep() throws {
        let r = try SoCLockStepStorm.run(tlps: 1_024, seed: 3, library: try RTLLibrary.load(RTLSoCProfile.milkymist))
        #expect(r.violations.isEmpty, "\(r.text)")
        #expect(r.cycles == 40_000 + 64 * 800 + 100_000 + 20_000 + 2_000)
        let counters = Dictionary(uniqueKeysWithValues: r.counters)
        for name in ["MALFORMED", "UNSUPPORTED_REQUESTS", "UNEXPECTED_COMPLETIONS", "POISONED", "BAR0_WRITES", "COMPLETIONS"] {
            #expect((counters[name] ?? 0) > 0, "\(name) never counted")
        }
    }

    /// The storm reports a difference on the stream as a broken run: one `tx_data` bit of
    /// the model flipped during the storm is named.
    @Test func theStormReportsADivergence() throws {
        var cycle: UInt64 = 0, flipped = false
        let r = try SoCLockStepStorm.run(tlps: 256, seed: 3, library: try RTLLibrary.load(RTLSoCProfile.milkymist)) { o in
            cycle += 1
            if cycle > 41_000 && !flipped && o.pcieTxValid {
                o.pcieTxData ^= 1
                flipped = true
            }
        }
        #expect(flipped)
        #expect(r.violations.count == 1 && r.violations[0].hasPrefix("model and RTL: ") && r.violations[0].contains("pcie"),
                "\(r.violations)")
        #expect(r.summary.contains("diverged"))
    }

    /// The `dma` firmware with a modelled host on each side, which enumerates its endpoint
    /// before cycle 0 and answers its DMA: every cycle agrees, the stream outputs included,
    /// and so do the packets and MSIs the two hosts received.
    @Test func dmaFirmwareWithTheHostInLockStep() throws {
        let lib = try RTLLibrary.load(RTLSoCProfile.milkymist)
        let img = try Self.image(.dma)
        let stim = SoCStimulus(memory: img.segments.map { ($0.address, $0.bytes) }, maxCycles: 600_000, pcie: PCIeSetup())
        var txBeats = 0, dmaBeats = 0
        let r = try SoCLockStep.run(stim, library: lib, observe: { o in
            if o.pcieTxValid { txBeats += 1 }
            if o.pcieAck { dmaBeats += 1 }
        })
        #expect(r.agrees, "\(lockStepText(r))")
        #expect(r.halted)
        #expect(String(decoding: r.uart.map(\.byte), as: UTF8.self).contains("dma: to host 3391 cycles, back 3537 cycles, data equal, MSI sent"))
        // 8 MWr of 128 bytes and 2 MRd and an MSI leave on the stream; 2 KiB move by DMA beats
        #expect(txBeats > 8 * 32 && dmaBeats >= 512, "\(txBeats) stream beats, \(dmaBeats) DMA beats")
    }

    /// The cycle-exact endpoint's default reset is the RTL SoC's as the harnesses make it, so
    /// that the two SoCs run alone meet the PCIe user clock at the same phase.
    @Test func theRTLResetHoldsTheStandardEdges() throws {
        let soc = try SoCDescription.milkymist()
        let rtl = try RTLSoC(library: try RTLLibrary.load(RTLSoCProfile.milkymist), options: .init(soc: soc))
        try rtl.reset()
        #expect(rtl.resetEdges == PCIeSetup.standardResetEdges)
        #expect(PCIeSetup().resetEdges == PCIeSetup.standardResetEdges)
    }

    @Test func randomProgramsInLockStep() throws {
        let env = ProcessInfo.processInfo.environment
        let count = UInt64(env["SOC_CONFORMANCE_RANDOM"] ?? "") ?? 200
        let first = UInt64(env["SOC_CONFORMANCE_SEED"] ?? "") ?? 1
        let lib = try RTLLibrary.load(RTLSoCProfile.milkymist)
        var failures = 0, halted = 0, uartBytes = 0, cycles: UInt64 = 0, interrupts = 0, busErrors = 0, resets = 0
        // accesses to bank 3 (the endpoint), those of them reads of a register not 0, cycles of IRQ 5
        var endpointAccesses = 0, endpointReads = 0, endpointIrqCycles = 0
        var unhalted: [UInt64] = []
        for seed in first..<first + count where failures < 3 {
            let p = RandomSoCProgram.generate(seed: seed)
            let img = try Linker.link([try Assembler.assemble(source: p.source, fileName: "random-soc-\(seed).S")])
            let stim = p.stimulus(memory: img.segments.map { ($0.address, $0.bytes) })
            let r = try SoCLockStep.run(stim, library: lib, observe: { o in
                if o.excW != 0 && o.eidW == 6 { interrupts += 1 }
                if o.dbus.err { busErrors += 1 }
                if o.reset { resets += 1 }
                if o.dbus.ack && o.dbus.adr & 0x7FFF_F000 == 0x6000_3000 {
                    endpointAccesses += 1
                    if !o.dbus.we && o.dbus.datR != 0 { endpointReads += 1 }
                }
                if o.pcieIrq { endpointIrqCycles += 1 }
            })
            cycles += r.cycles
            if !r.agrees {
                failures += 1
                Issue.record("seed \(seed): \(r.divergence.map { "\($0)" } ?? "") \(r.uartMismatch.map { "\($0)" } ?? "") \(r.gpioMismatch.map { "GPIO \($0)" } ?? "")\n\(p.source)")
            }
            if r.halted { halted += 1 } else { unhalted.append(seed) }
            uartBytes += r.uart.count
        }
        print("SoC lock-step: \(count) random programs, \(cycles) cycles, \(halted) halted, \(uartBytes) UART bytes, \(interrupts) interrupts, \(busErrors) data-bus errors, \(resets) system resets, \(endpointAccesses) endpoint accesses (\(endpointReads) reads not 0), \(endpointIrqCycles) cycles of IRQ 5; not halted within the budget: \(unhalted)")
        #expect(halted * 10 >= Int(count) * 9, "most programs reach their end (\(halted) of \(count))")
        #expect(uartBytes > Int(count) / 2 && interrupts > Int(count) && busErrors > Int(count) / 4 && resets > Int(count) / 10,
                "the programs send bytes, take interrupts, get bus errors and reset the SoC")
        #expect(endpointAccesses > Int(count) / 10, "the programs reach the endpoint's registers")
    }

    /// Random programs that drive the automaton coprocessor (a third of
    /// their blocks besides the ordinary mix): challenges over BRAM, SDRAM and
    /// the code at every SDRAM latency of the generator, bad programming,
    /// ABORT and writes while busy, IRQ 4 among the timers', CPU stores into
    /// windows being read, a system reset in the middle of a run. Model and
    /// RTL agree on every cycle (the coprocessor's CSR port, master and IRQ
    /// included). SOC_COPROCESSOR_RANDOM=N changes the number (default 500).
    @Test func coprocessorProgramsInLockStep() throws {
        let env = ProcessInfo.processInfo.environment
        let count = UInt64(env["SOC_COPROCESSOR_RANDOM"] ?? "") ?? 500
        let lib = try RTLLibrary.load(RTLSoCProfile.milkymist)
        var failures = 0, halted = 0, beats = 0, irqs = 0, cycles: UInt64 = 0
        var starts = 0, busy = 0
        for seed in 1_000_001..<1_000_001 + count where failures < 3 {
            let p = RandomSoCProgram.generate(seed: seed, length: 24, coprocessorPercent: 35)
            let img = try Linker.link([try Assembler.assemble(source: p.source, fileName: "random-cop-\(seed).S")])
            var irq = false
            let r = try SoCLockStep.run(p.stimulus(memory: img.segments.map { ($0.address, $0.bytes) }), library: lib, observe: { o in
                if o.copAck { beats += 1 }
                if o.copCyc { busy += 1 }
                if o.copIrq && !irq { irqs += 1 }
                irq = o.copIrq
                if o.copCsrWe && o.copCsrAdr == 0 && o.copCsrDatW & 1 != 0 { starts += 1 }
            })
            cycles += r.cycles
            if !r.agrees {
                failures += 1
                Issue.record("seed \(seed): \(r.divergence.map { "\($0)" } ?? "") \(r.uartMismatch.map { "\($0)" } ?? "")\n\(p.source)")
            }
            if r.halted { halted += 1 }
        }
        print("SoC lock-step, coprocessor programs: \(count) programs, \(cycles) cycles, \(halted) halted, \(starts) STARTs, \(beats) coprocessor beats in \(busy) cycles of its CYC, \(irqs) IRQ 4 rises")
        #expect(halted * 10 >= Int(count) * 9, "most programs reach their end (\(halted) of \(count))")
        #expect(starts > Int(count) && beats > Int(count) * 50 && irqs > Int(count) / 10,
                "the programs start runs that read and interrupt")
    }

    /// The comparison covers the coprocessor: a model observation with one
    /// wrong coprocessor ACK, address or IRQ is reported at that cycle.
    @Test(arguments: ["cop_ack", "cop_adr", "cop_irq", "cop_csr_dat_r"])
    func aWrongCoprocessorSignalIsReported(field: String) throws {
        let lib = try RTLLibrary.load(RTLSoCProfile.milkymist)
        let img = try Self.image(.automaton)
        var first: UInt64? = nil
        let stim = SoCStimulus(memory: img.segments.map { ($0.address, $0.bytes) }, maxCycles: 4_000_000)
        let r = try SoCLockStep.run(stim, library: lib, mutate: { o in
            guard first == nil else { return }
            switch field {
            case "cop_ack": if o.copAck { o.copAck = false; first = o.cycle }
            case "cop_adr": if o.copCyc && o.copAdr & 0xFFF == 0x40 { o.copAdr ^= 4; first = o.cycle }
            case "cop_irq": if o.copIrq { o.copIrq = false; first = o.cycle }
            default: if o.copCsrRe && o.copCsrAdr == 12 { o.copCsrDatR ^= 1; first = o.cycle }
            }
        })
        let d = try #require(r.divergence)
        #expect(d.cycle == first)
        #expect(d.field == field)
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
