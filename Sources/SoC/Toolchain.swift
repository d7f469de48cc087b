import LM32Asm

/// One assembly source: its path (for diagnostics and `.include`) and text.
public struct SourceFile: Sendable {
    public var path: String
    public var text: String
    public init(path: String, text: String) { self.path = path; self.text = text }
}

/// Assemble-and-link as one step, as `socsim run` and `socsim asm` do it.
public enum Toolchain {
    /// Assemble each source and link them, in order, with `layout`.
    public static func link(sources: [SourceFile], includePaths: [String] = [],
                            layout: LinkLayout = .unitTests) throws(AssemblerError) -> LinkedImage {
        var objects: [ObjectFile] = []
        for s in sources {
            objects.append(try Assembler.assemble(source: s.text, fileName: s.path, includePaths: includePaths))
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
