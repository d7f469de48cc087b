import ArgumentParser
import Foundation
import LM32Asm
import SoC

struct Asm: BundledPositionals {
    static let configuration = CommandConfiguration(
        abstract: "Assemble and link LM32 sources into an ELF, a flat binary or a Verilog hex file.",
        discussion: """
        Sources are assembled as GNU as would (no C preprocessor) and linked in order. Without placement \
        flags the layout is the upstream unit tests' linker.ld: .text at 0; .rodata, .data and .bss from \
        0x8000; _gp, _fstack = 0xFFFC. A flat binary starts at the lowest loaded address; gaps are zero.
        """)

    enum Format: String, ExpressibleByArgument, CaseIterable { case elf, bin, hex }

    @Argument(help: "Assembly sources (.S/.s).")
    var sources: [String]

    @Option(name: .shortAndLong, help: "Output file.")
    var output: String

    @Option(help: "Output format: elf, bin (flat binary) or hex (Verilog hex, as objcopy -O verilog). Default: from the output's extension, else elf.")
    var format: Format?

    @OptionGroup var link: LinkOptions

    mutating func validate() throws {
        sources = ArgumentBundling.unbundle(sources)
        if sources.isEmpty { throw ValidationError("no source files") }
    }

    func run() throws {
        let files = try sources.map { SourceFile(path: $0, text: String(decoding: try readFile($0), as: UTF8.self)) }
        let image = try link.build(files)
        let fmt = format ?? {
            switch (output as NSString).pathExtension.lowercased() {
            case "bin": return .bin
            case "hex", "vh": return .hex
            default: return .elf
            }
        }()
        let bytes: [UInt8]
        switch fmt {
        case .elf: bytes = image.elf()
        case .bin: bytes = image.binary()
        case .hex: bytes = Array(image.verilogHex().utf8)
        }
        try OutputFile.write(bytes, to: output)
    }
}
