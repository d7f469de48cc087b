import Foundation
import LM32Asm

/// One assembly source: its path (for diagnostics and `.include`) and text.
public struct SourceFile: Sendable {
    public var path: String
    public var text: String
    public init(path: String, text: String) { self.path = path; self.text = text }
}

/// Assemble-and-link as one step, as `socsim run` and `socsim asm` do it.
public enum Toolchain {
    /// Assemble each source and link them, in order, with `layout`. `readFile`
    /// supplies `.include`d files by path (default: the file system).
    public static func link(sources: [SourceFile], includePaths: [String] = [],
                            layout: LinkLayout = .unitTests,
                            readFile: Assembler.ReadSource? = nil) throws(AssemblerError) -> LinkedImage {
        var objects: [ObjectFile] = []
        for s in sources {
            objects.append(try Assembler.assemble(source: s.text, fileName: s.path, includePaths: includePaths,
                                                  readFile: readFile))
        }
        return try Linker.link(objects, layout: layout)
    }

    /// The default firmware, assembled and linked.
    public static func defaultFirmware() throws(AssemblerError) -> LinkedImage {
        try link(sources: [SourceFile(path: Firmware.defaultName, text: Firmware.defaultSource)])
    }
}

extension ProgramImage {
    /// A linked image as a loadable program (`.bss` is zero-filled RAM).
    public init(_ linked: LinkedImage) {
        self.init(segments: linked.segments.map { Segment(address: $0.address, bytes: $0.bytes) },
                  entry: linked.entry,
                  symbols: linked.symbols.map { (address: $0.address, name: $0.name) })
    }
}

extension Toolchain {
    /// The name firmware sources `.include` for the SoC's generated constants.
    public static let socIncludeName = "soc.inc"

    /// Link firmware for `soc`: the boot stub first, then `sources`, with the
    /// unit-test layout (text at 0, data at 0x8000, stack at 0xFFFC: all in
    /// BRAM). `.include "soc.inc"` reads a file of that name when one exists
    /// on disk where the assembler looks, and otherwise gets `soc.asmInclude()`.
    public static func linkFirmware(_ sources: [SourceFile], for soc: SoCDescription, includePaths: [String] = [],
                                    layout: LinkLayout = .unitTests) throws(AssemblerError) -> LinkedImage {
        let generated = soc.asmInclude()
        let boot = SourceFile(path: MilkymistFirmware.bootName, text: MilkymistFirmware.bootSource)
        return try link(sources: [boot] + sources, includePaths: includePaths, layout: layout) { path in
            if let text = try Assembler.readTextFile(path) { return text }
            return (path as NSString).lastPathComponent == socIncludeName ? generated : nil
        }
    }

    /// One of the embedded programs, linked for `soc`.
    public static func firmware(_ program: MilkymistFirmware, for soc: SoCDescription) throws(AssemblerError) -> LinkedImage {
        try linkFirmware([program.sourceFile], for: soc)
    }
}
