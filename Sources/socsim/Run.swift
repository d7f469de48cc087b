import ArgumentParser
import Foundation
import ELF
import LM32
import LM32Asm
import LM32Cycle
import SoC


/// Linker placement flags shared by `run` and `asm` (GNU ld spelling).
struct LinkOptions: ParsableArguments {
    @Option(name: .customLong("Ttext", withSingleDash: true), parsing: .unconditional, help: ArgumentHelp("Address of .text.", valueName: "addr"))
    var ttext: String?
    @Option(name: .customLong("Tdata", withSingleDash: true), parsing: .unconditional, help: ArgumentHelp("Address of .data.", valueName: "addr"))
    var tdata: String?
    @Option(name: .customLong("Tbss", withSingleDash: true), parsing: .unconditional, help: ArgumentHelp("Address of .bss.", valueName: "addr"))
    var tbss: String?
    @Option(name: .customLong("section-start"), help: ArgumentHelp("Place a section: NAME=ADDR (repeatable).", valueName: "name=addr"))
    var sectionStart: [String] = []
    @Option(name: .customLong("entry"), help: ArgumentHelp("Entry symbol (default _start).", valueName: "symbol"))
    var entry: String?
    @Option(name: .customShort("I"), help: ArgumentHelp("Add a directory to the .include search path.", valueName: "dir"))
    var includes: [String] = []
}

extension LinkOptions {
    /// The unit tests' layout with these flags applied.
    func layout() throws -> LinkLayout {
        var args: [String] = []
        if let ttext { args += ["-Ttext", ttext] }
        if let tdata { args += ["-Tdata", tdata] }
        if let tbss { args += ["-Tbss", tbss] }
        for s in sectionStart { args += ["--section-start", s] }
        if let entry { args += ["--entry", entry] }
        var layout = LinkLayout.unitTests
        do { try layout.apply(arguments: args) } catch { throw InputError(error.description) }
        return layout
    }

    /// Assemble and link; assembler errors become input errors (exit 2).
    func build(_ sources: [SourceFile]) throws -> LinkedImage {
        let layout = try layout()
        do { return try refusingWarnings(try Toolchain.link(sources: sources, includePaths: includes, layout: layout)) }
        catch let e as InputError { throw e }
        catch { throw InputError("\(error)") }
    }
}

/// The assembler's and linker's warnings are errors here (GNU as's
/// --fatal-warnings, ld's --fatal-warnings): a value truncated to fit its
/// `.byte` or an entry symbol that does not exist is a mistake the run would
/// hide. Each is printed as `file:line:column: error: …`.
func refusingWarnings(_ image: LinkedImage) throws -> LinkedImage {
    guard !image.warnings.isEmpty else { return image }
    throw InputError(image.warnings.map { w in
        w.location == Linker.nowhere ? "socsim: error: " + w.message : w.description
    }.joined(separator: "\n"))
}

/// Parse a number as GNU tools accept it: decimal, 0x hex, 0 octal, 0b binary.
func parseNumber(_ s: String, what: String) throws -> UInt32 {
    let t = s.lowercased()
    let v: UInt64?
    if t.hasPrefix("0x") { v = UInt64(t.dropFirst(2), radix: 16) }
    else if t.hasPrefix("0b") { v = UInt64(t.dropFirst(2), radix: 2) }
    else if t.count > 1 && t.hasPrefix("0") { v = UInt64(t.dropFirst(), radix: 8) }
    else { v = UInt64(t) }
    guard let v, v <= UInt64(UInt32.max) else { throw ValidationError("invalid \(what) '\(s)'") }
    return UInt32(v)
}

struct Run: BundledPositionals {
    static let configuration = CommandConfiguration(
        abstract: "Run a program on the functional LM32 core: the unit-test bench or the milkymist SoC.",
        discussion: """
        PROGRAM is one or more assembly sources (.S/.s, assembled and linked on the fly, text at 0 and data \
        at 0x8000 unless placement flags say otherwise), an ELF executable (.elf or any file starting with \
        the ELF magic), a flat binary (.bin) or a Verilog hex file (.hex), the last two placed at --load-addr. \
        Without PROGRAM the embedded default firmware runs on the milkymist SoC (--soc, --firmware) and its \
        UART output goes to standard output; there, assembly sources are linked after the boot stub and may \
        `.include "soc.inc"` (see `socsim header --asm`), and the run ends when the firmware halts. \
        `--soc milkymist --cycle` runs it on the cycle-exact core instead (bus, CSR and device timing \
        of docs/soc.md, "Cycle contract"; the CPU starts at its reset vector); `--vcd FILE` there writes its \
        VCD with the SoC top's names (docs/waves.md).

        The program's writes to the character port (0xFF000000) go to standard output; test-device \
        verdicts (0xFFFF0000) print as `TC <name> OK` / `TC <name> FAILED`. Exit status: 0 when the program \
        ended itself and no test case failed, 1 when a test case failed or a milkymist firmware halted after an unexpected exception, 3 when --max-cycles ran out first, \
        130 after SIGINT (the trace is flushed and valid).
        """)

    @Argument(help: "Program file(s).")
    var program: [String] = []

    @Option(name: .customLong("load-addr"), parsing: .unconditional, help: "Load address for .bin and .hex programs.")
    var loadAddress: String?

    @Option(name: .customLong("max-cycles"), parsing: .unconditional, help: "Stop after this many cycles.")
    var maxCycles: UInt64 = 100_000_000

    @Option(help: ArgumentHelp("Write the instruction trace (docs/trace-format.md) to this file.", valueName: "file"))
    var trace: String?

    @Option(help: "CPU profile: testbench-cache, testbench-nocache or milkymist (default: testbench-cache on the test bench, the SoC's own CPU on the SoC).")
    var profile: String?

    /// The CPU on the test bench: --profile, else testbench-cache.
    var benchConfig: CoreConfig { profile.flatMap(CoreConfig.profile(named:)) ?? .testbenchCache }

    @Flag(help: "Print host time and simulation speed to standard error (for benchmarks).")
    var stats = false

    @OptionGroup var link: LinkOptions

    @OptionGroup var waves: CycleRunOptions

    @OptionGroup var socOptions: SoCOptions

    mutating func validate() throws {
        program = ArgumentBundling.unbundle(program)
        try waves.validate()
        try socOptions.validate(programGiven: !program.isEmpty, cycleModel: waves.usesCycleModel, rtl: waves.rtl)
        if socOptions.usesMilkymist(programGiven: !program.isEmpty, cycleModel: waves.usesCycleModel) && waves.waitStates != 0 {
            throw ValidationError("--wait-states is for the test bench (the milkymist SoC's beats take their regions' cycles)")
        }
        if let profile, CoreConfig.profile(named: profile) == nil {
            throw ValidationError("unknown profile '\(profile)' (known: \(CoreConfig.profiles.map(\.name).joined(separator: ", ")))")
        }
        let kinds = Set(program.map { ProgramKind(path: $0) })
        if kinds.count > 1 || (kinds.first != .assembly && program.count > 1) {
            throw ValidationError("several programs can only be assembly sources linked together")
        }
        if loadAddress != nil && !(kinds.contains(.binary) || kinds.contains(.hex)) {
            throw ValidationError("--load-addr applies to .bin and .hex programs only")
        }
        if maxCycles == 0 { throw ValidationError("--max-cycles must be positive") }
    }

    func run() throws {
        if socOptions.usesMilkymist(programGiven: !program.isEmpty, cycleModel: waves.usesCycleModel) {
            return try runMilkymist(socOptions) { soc in try milkymistImage(socOptions, soc: soc, other: loadProgram) }
        }
        let image = try loadProgram()
        try requireFit(image, in: LoadableMemory.testbench)
        if waves.usesCycleModel {
            try whileWatchingSIGINT { interrupted in
                try waves.run(image: image, profile: benchConfig, maxCycles: maxCycles,
                              trace: trace, stats: stats, interrupted: interrupted)
            }
            return
        }
        let machine = TestbenchMachine(config: benchConfig)
        machine.load(image)

        let traceFile = try attachTrace(to: machine.core, image: image)
        var device = TestDeviceText()
        let out = Console.output
        machine.bus.onEvent = { event in
            switch event {
            case .character(let c): device.character(c)
            case let .testCase(name, passed): device.result(name, passed: passed)
            case .finish: break
            }
            out.write(device.take())
        }

        let started = DispatchTime.now().uptimeNanoseconds
        let reason = whileWatchingSIGINT { interrupted in
            machine.run(maxCycles: maxCycles, shouldStop: { interrupted() || traceFile?.failure != nil })
        }
        let elapsed = DispatchTime.now().uptimeNanoseconds - started
        try traceFile?.close()
        // the functional core takes one cycle per instruction
        let cycles = machine.core.retired
        let stop: RunReport.Stop = switch reason {
        case .finished: .ended
        case .cycleLimit: .cycleLimit
        case .interrupted: .interrupted
        }
        try RunReport(stop: stop, cycles: cycles, measured: "\(cycles) instructions", rateCount: cycles, rateUnit: "instructions",
                      endLine: "program ended after \(cycles) cycles", failures: device.failures).finish(stats: stats, elapsed: elapsed)
    }

    /// --trace FILE: the functional core's instruction trace
    /// (docs/trace-format.md) into FILE; nil without --trace. A failed
    /// write stops the run (the file's `failure`) and `close()` throws it.
    func attachTrace(to core: LM32Core, image: ProgramImage) throws -> OutputFile? {
        guard let (file, sink) = try openTrace(trace, image: image) else { return nil }
        core.trace = sink
        return file
    }

    func loadProgram() throws -> ProgramImage {
        if program.isEmpty {
            return ProgramImage(try link.build([SourceFile(path: Firmware.defaultName, text: Firmware.defaultSource)]))
        }
        switch ProgramKind(path: program[0]) {
        case .assembly:
            let sources = try program.map { path -> SourceFile in
                SourceFile(path: path, text: String(decoding: try readFile(path), as: UTF8.self))
            }
            return ProgramImage(try link.build(sources))
        case .elf:
            let bytes = try readFile(program[0])
            do { return ProgramImage(elf: try ELFFile(bytes: bytes)) }
            catch { throw InputError("\(program[0]): \(error)") }
        case .binary:
            let base = try loadAddress.map { try parseNumber($0, what: "load address") } ?? 0
            return ProgramImage.binary(try readFile(program[0]), at: base)
        case .hex:
            let base = try loadAddress.map { try parseNumber($0, what: "load address") } ?? 0
            do {
                return try ProgramImage.verilogHex(bytes: try readFile(program[0]), base: base)
            } catch {
                throw InputError("\(program[0]):\(error)")
            }
        }
    }
}

enum ProgramKind: Hashable {
    case assembly, elf, binary, hex
    init(path: String) {
        let ext = (path as NSString).pathExtension.lowercased()
        switch ext {
        case "s": self = .assembly
        case "bin": self = .binary
        case "hex", "vh", "vmem": self = .hex
        default: self = .elf
        }
    }
}

/// --trace FILE: the file and the sink that writes the trace format
/// (docs/trace-format.md) into it, labels from the image's symbols; nil
/// without --trace.
func openTrace(_ path: String?, image: ProgramImage) throws -> (OutputFile, TextTraceSink)? {
    guard let path else { return nil }
    let file = try OutputFile(path: path)
    return (file, TextTraceSink(symbol: image.label(for:)) { file.write($0) })
}

extension TextTraceSink {
    /// A retirement of the cycle-exact model, at its true clock cycle.
    func retire(_ r: CycleRetirement) { retire(Retirement(cycle: r.cycle, pc: r.pc, word: r.word, effects: r.effects)) }
}
