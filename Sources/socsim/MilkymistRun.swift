import ArgumentParser
import Conformance
import CycleWaves
import Foundation
import LM32
import LM32Cycle
import SoC
import SoCCycle
import Verilated
import Waves


/// `socsim run --soc …`: which machine runs the program.
struct SoCOptions: ParsableArguments {
    @Option(help: ArgumentHelp("""
        Machine: testbench (the upstream unit-test bench) or milkymist (the device SoC: BRAM, SDRAM, \
        CSR bridge, UART, sysctl). Default: milkymist without PROGRAM, testbench with one (or with the cycle model).
        """, valueName: "soc"))
    var soc: String?

    @Option(help: ArgumentHelp("""
        Embedded milkymist firmware to run without PROGRAM: \
        \(MilkymistFirmware.allCases.map(\.rawValue).joined(separator: ", ")) (default \(MilkymistFirmware.default.rawValue)).
        """, valueName: "name"))
    var firmware: String?

    @Option(name: .customLong("sdram-latency"), parsing: .unconditional, help: "milkymist: SDRAM access latency in cycles.")
    var sdramLatency: Int = SDRAM.defaultLatency

    /// Without --soc: the test bench for a PROGRAM or the cycle model, else milkymist.
    func usesMilkymist(programGiven: Bool, cycleModel: Bool) -> Bool {
        (soc ?? (programGiven || cycleModel ? "testbench" : "milkymist")) == "milkymist"
    }

    func validate(programGiven: Bool, cycleModel: Bool, rtl: Bool) throws {
        if let soc, soc != "testbench", soc != "milkymist" {
            throw ValidationError("unknown SoC '\(soc)' (known: testbench, milkymist)")
        }
        if let firmware {
            guard MilkymistFirmware(rawValue: firmware) != nil else {
                throw ValidationError("unknown firmware '\(firmware)' (known: \(MilkymistFirmware.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            if programGiven { throw ValidationError("--firmware and PROGRAM exclude each other") }
            if !usesMilkymist(programGiven: programGiven, cycleModel: cycleModel) { throw ValidationError("--firmware needs --soc milkymist") }
        }
        if sdramLatency < 1 { throw ValidationError("--sdram-latency must be at least 1") }
    }
}

extension Run {
    /// Run on the milkymist SoC (functional core: one device cycle per
    /// retired instruction). UART bytes go to standard output as they are sent.
    func runMilkymist(_ options: SoCOptions, buildImage: (SoCDescription) throws -> ProgramImage) throws {
        let soc: SoCDescription
        do { soc = try .milkymist(sdramLatency: options.sdramLatency) } catch { throw InputError(error.description) }
        let image = try buildImage(soc)
        try requireFit(image, in: soc.loadableMemories, undecoded: SoCDescription.uncachedAliasBit)
        // The SoC's own CPU unless --profile names one (validated).
        let config = profile.flatMap(CoreConfig.profile(named:)) ?? soc.cpu
        // the endpoint's modelled host enumerates the device for a firmware that uses it (a
        // PROGRAM sees the endpoint as reset left it, its host idle)
        let endpoint = options.firmware.flatMap(MilkymistFirmware.init(rawValue:))?.needsEndpoint == true
        if waves.rtl {
            return try runMilkymistRTL(soc: soc, image: image, sdramLatency: options.sdramLatency, endpoint: endpoint)
        }
        if waves.cycle || waves.vcdPath != nil {
            let pcie = endpoint ? PCIeSetup() : nil
            return try runMilkymistCycle(soc: soc, config: config, image: image, sdramLatency: options.sdramLatency, pcie: pcie)
        }
        let machine = MilkymistMachine(soc: soc, config: config)
        machine.load(image)

        let traceFile = try attachTrace(to: machine.core, image: image)
        let out = Console.output
        machine.onUARTByte = { out.write(Data([$0.byte])) }

        let started = DispatchTime.now().uptimeNanoseconds
        let stop = whileWatchingSIGINT { interrupted in
            machine.run(maxCycles: maxCycles, shouldStop: { interrupted() || traceFile?.failure != nil })
        }
        let elapsed = DispatchTime.now().uptimeNanoseconds - started
        try traceFile?.close()
        try finishMilkymist(stop, cycles: machine.cycle, instructions: nil, elapsed: elapsed, timing: "functional timing",
                            uart: machine.bus.uart, sysctl: machine.bus.sysctl,
                            fatal: stop == .halted && Self.isFatalHalt(at: machine.core.pc, in: image))
    }

    /// Run on the milkymist SoC with the cycle-exact core (`--cycle`): the
    /// cycle contract of docs/soc.md, from reset at the CPU's reset vector.
    /// UART bytes go to standard output as they are sent.
    func runMilkymistCycle(soc: SoCDescription, config: CoreConfig, image: ProgramImage, sdramLatency: Int,
                           pcie: PCIeSetup?) throws {
        let machine = MilkymistCycleMachine(soc: soc, config: config, pcie: pcie)
        machine.load(image)
        let out = Console.output
        machine.onUARTByte = { out.write(Data([$0.byte])) }
        // --trace: every cycle stepped (no idle skipping), retirements at their true cycles
        let traced = try openTrace(trace, image: image)
        let traceFile = traced?.0
        if let sink = traced?.1 { machine.trace = { sink.retire($0) } }

        // --vcd: socsim_soc_top's names (CycleVCD's SoC top), the window and scopes of the bench's
        let opened = try waves.openVCD(profile: config.name,
                                       top: .soc(sdramLatency: sdramLatency, cycleCounter: config.cycleCounter, clock: soc.clock))
        let file = opened?.file
        var vcd = opened?.vcd
        if let w = vcd { waves.observe(machine, with: w) }

        var writeError: Error?
        let started = DispatchTime.now().uptimeNanoseconds
        let stop = whileWatchingSIGINT { interrupted in
            // past the window the observer is dropped (the run goes on at full speed)
            let limit = vcd == nil ? maxCycles : min(maxCycles, waves.vcdTo.map { $0 + 1 } ?? .max)
            let w = vcd
            let traceFailed = { traceFile?.failure != nil }
            var s = machine.run(maxCycles: limit, shouldStop: {
                interrupted() || w?.error != nil || traceFailed() || file.flatMap { waves.vcdFull($0.bytesWritten) } != nil
            })
            if s == .cycleLimit && limit < maxCycles && w?.error == nil {
                writeError = w?.finishObserving()
                machine.batchObserver = nil
                machine.observer = nil
                vcd = nil
                s = machine.run(maxCycles: maxCycles, shouldStop: { interrupted() || traceFailed() })
            }
            return s
        }
        let elapsed = DispatchTime.now().uptimeNanoseconds - started
        let full = vcd == nil ? nil : file.flatMap { waves.vcdFull($0.bytesWritten) }
        // the file ends with the values of the cycle the run stopped in, as the RTL's
        if writeError == nil { writeError = vcd?.finishObserving(next: machine.peekObservation()) }
        try file?.close(after: writeError)
        try traceFile?.close()
        waves.warnIfWindowMissed(stoppedIn: machine.cycle)
        try waves.finishFST()

        try finishMilkymist(stop, cycles: machine.cycle, instructions: machine.retiredCount, elapsed: elapsed,
                            timing: "cycle-exact", uart: machine.devices.uart, sysctl: machine.devices.sysctl,
                            fatal: machine.haltPC.map { Self.isFatalHalt(at: $0, in: image) } ?? false, skips: machine.skipStats,
                            vcdFull: full)
    }

    /// Run on the verilated SoC (`--rtl`, RTL/build/milkymist): from reset at
    /// the reset vector, until the same halt as the cycle-exact machine's (a
    /// `bi .` retires in cycle h without an exception, IE.IE = 0 and THRE = 1
    /// during h; the run stops after h), so both make as many edges and their
    /// VCDs (`--vcd`: Verilator's own) end alike. UART bytes go to standard output.
    func runMilkymistRTL(soc description: SoCDescription, image: ProgramImage, sdramLatency: Int, endpoint: Bool) throws {
        if trace != nil { throw ValidationError("--trace is for the models (functional or --cycle), not --rtl") }
        if let profile, profile != CoreConfig.milkymist.name {
            throw ValidationError("the RTL SoC has the milkymist CPU (no --profile \(profile))")
        }
        guard sdramLatency <= 255 else { throw ValidationError("--sdram-latency must be at most 255 for the RTL") }
        let soc: RTLSoC
        do {
            soc = try RTLSoC(options: .init(soc: description))
            try soc.setSDRAMLatency(UInt8(sdramLatency))
            for s in image.segments { try soc.load(s.bytes, at: s.address) }
            try soc.reset()
        } catch {
            throw InputError("\(error) (build the RTL with RTL/build.sh milkymist or ./scripts/test.sh)")
        }
        // the modelled host on the endpoint's streams, driven a cycle at a time
        var host: RTLSoCHost? = nil
        if endpoint {
            let h = try RTLSoCHost(rtl: soc, soc: description)
            _ = try h.enumerateBeforeCycleZero()
            host = h
        }
        if let vcd = waves.vcdPath { try soc.model.startOutputVCD(path: vcd) }
        let out = Console.output
        let started = DispatchTime.now().uptimeNanoseconds
        var cycles: UInt64 = 0
        var fatal = false
        var full: UInt64?
        let stop: MilkymistStop = try whileWatchingSIGINT { interrupted in
            while cycles < maxCycles {
                if interrupted() { return .interrupted }
                if let vcd = waves.vcdPath, let bytes = waves.vcdFull(fileSize(vcd)) { full = bytes; return .interrupted }
                let o: RTLObservation
                if let host {
                    o = try host.step()
                    cycles += 1
                    if o.retire == 0 && o.uart_tx_wr == 0 { continue }
                } else {
                    cycles += try soc.step(maxCycles - cycles, until: .retire)
                    o = try soc.observe()
                }
                let bytes = soc.takeUART()
                if !bytes.isEmpty { out.write(Data(bytes.map(\.byte))) }
                if o.retire != 0 && o.insn_w == 0xE000_0000 && o.exc_w == 0 && o.ie & 1 == 0 && o.uart_thre != 0 && o.cop_cyc == 0 {
                    fatal = Self.isFatalHalt(at: o.pc_w, in: image)
                    // through the halting cycle, as the model
                    if let host { try host.step() } else { try soc.step(1) }
                    cycles += 1
                    return .halted
                }
            }
            return .cycleLimit
        }
        let elapsed = DispatchTime.now().uptimeNanoseconds - started
        try soc.model.stopOutputVCD()
        try waves.finishFST()
        try reportMilkymist(stop, cycles: cycles, instructions: nil, elapsed: elapsed, timing: "RTL", fatal: fatal, vcdFull: full)
    }

    /// Warnings, --stats and the stop line of a milkymist run; the exit code.
    private func finishMilkymist(_ stop: MilkymistStop, cycles: UInt64, instructions: UInt64?, elapsed: UInt64,
                                 timing: String, uart: UART, sysctl: Sysctl, fatal: Bool, skips: IdleSkipStats? = nil,
                                 vcdFull: UInt64? = nil) throws {
        let err = Console.error
        for field in uart.unmodelledWrites.map({ "uart." + $0 }) + sysctl.unmodelledWrites.map({ "sysctl." + $0 }) {
            err.write(Data("socsim: warning: the firmware wrote \(field), which is declared but not modelled\n".utf8))
        }
        try reportMilkymist(stop, cycles: cycles, instructions: instructions, elapsed: elapsed, timing: timing,
                            fatal: fatal, skips: skips, vcdFull: vcdFull)
    }

    /// --stats and the stop line of a milkymist run; the exit code. A halt
    /// at the boot stub's `_fatal_halt` (`fatal`), after an exception no
    /// handler expected, is a failed run: exit 1.
    private func reportMilkymist(_ stop: MilkymistStop, cycles: UInt64, instructions: UInt64?, elapsed: UInt64,
                                 timing: String, fatal: Bool, skips: IdleSkipStats? = nil,
                                 vcdFull: UInt64? = nil) throws {
        // a run stopped by --vcd-max-bytes stops as if interrupted
        let s: RunReport.Stop = switch stop {
        case .halted: .ended
        case .cycleLimit: .cycleLimit
        case .interrupted: vcdFull.map { waves.vcdLimitStop($0) } ?? .interrupted
        }
        let how = fatal ? " after an unexpected exception" : ""
        try RunReport(stop: s, cycles: cycles,
                      measured: instructions.map { "\(cycles) cycles, \($0) instructions" } ?? "\(cycles) cycles",
                      rateCount: cycles, endLine: "firmware halted\(how) after \(cycles) cycles (\(timing))",
                      failures: fatal ? 1 : 0, statsDetail: skips.map(skipLine))
            .finish(stats: stats, elapsed: elapsed)
    }

    /// The firmware halted in the boot stub's `_fatal_halt` loop (its
    /// address or the uncached alias of it).
    static func isFatalHalt(at pc: UInt32, in image: ProgramImage) -> Bool {
        guard let fatal = image.symbols.first(where: { $0.name == "_fatal_halt" }) else { return false }
        return (pc ^ fatal.address) & ~SoCDescription.uncachedAliasBit == 0
    }

    /// The program for the milkymist SoC: the embedded firmware without
    /// PROGRAM; assembly sources linked after the boot stub (they define
    /// `main` and may `.include "soc.inc"`); other formats loaded as they are.
    func milkymistImage(_ options: SoCOptions, soc: SoCDescription, other: () throws -> ProgramImage) throws -> ProgramImage {
        if program.isEmpty {
            let fw = options.firmware.flatMap(MilkymistFirmware.init(rawValue:)) ?? .default
            do { return ProgramImage(try Toolchain.firmware(fw, for: soc)) } catch { throw InputError(error.description) }
        }
        guard ProgramKind(path: program[0]) == .assembly else { return try other() }
        let sources = try program.map { SourceFile(path: $0, text: String(decoding: try readFile($0), as: UTF8.self)) }
        let layout = try link.layout()
        do { return ProgramImage(try refusingWarnings(try Toolchain.linkFirmware(sources, for: soc, includePaths: link.includes, layout: layout))) }
        catch let e as InputError { throw e }
        catch { throw InputError("\(error)") }
    }
}
