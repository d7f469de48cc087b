import ELF

/// A linked program: output sections at their addresses, symbols, entry.
public struct LinkedImage: Sendable {
    public struct Section: Sendable, Equatable {
        public var name: String
        public var kind: SectionKind
        public var address: UInt32
        /// Contents (empty for `.bss`).
        public var bytes: [UInt8]
        /// Size in memory.
        public var size: UInt32
    }

    public struct Symbol: Sendable, Equatable {
        public var name: String
        public var address: UInt32
        public var isGlobal: Bool
        /// The output section, or nil for an absolute symbol.
        public var section: String?
    }

    /// A loadable piece of memory: contents at an address (`.bss` excluded;
    /// it is zero-filled memory of `LinkedImage.Section.size` bytes).
    public struct Segment: Sendable, Equatable {
        public var address: UInt32
        public var bytes: [UInt8]
    }

    public var sections: [Section]
    public var symbols: [Symbol]
    public var entry: UInt32
    /// Non-fatal diagnostics (e.g. an entry symbol that was not found).
    public var warnings: [AssemblerError] = []

    public init(sections: [Section], symbols: [Symbol], entry: UInt32) {
        self.sections = sections; self.symbols = symbols; self.entry = entry
    }

    /// Sections with contents, by address.
    public var segments: [Segment] {
        sections.filter { $0.kind != .bss && !$0.bytes.isEmpty }
            .sorted { $0.address < $1.address }
            .map { Segment(address: $0.address, bytes: $0.bytes) }
    }

    /// The address of a symbol (globals first).
    public func address(of name: String) -> UInt32? {
        (symbols.first { $0.name == name && $0.isGlobal } ?? symbols.first { $0.name == name })?.address
    }

    public func section(named name: String) -> Section? { sections.first { $0.name == name } }

    /// `count` bytes at `address` from the loaded contents (zeros in gaps and .bss).
    public func bytes(at address: UInt32, count: Int) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count)
        for s in sections where s.kind != .bss {
            for i in 0..<count {
                let a = UInt64(address) + UInt64(i)
                if a >= UInt64(s.address) && a < UInt64(s.address) + UInt64(s.bytes.count) {
                    out[i] = s.bytes[Int(a - UInt64(s.address))]
                }
            }
        }
        return out
    }

    /// The big-endian word at `address`.
    public func word(at address: UInt32) -> UInt32 {
        bytes(at: address, count: 4).reduce(0) { $0 << 8 | UInt32($1) }
    }

    /// Flat binary as `objcopy -O binary` writes it: from the lowest loaded
    /// address to the end of the highest, gaps zero (.bss not included).
    public func binary() -> [UInt8] {
        let segs = segments
        guard let lo = segs.map(\.address).min() else { return [] }
        let hi = segs.map { UInt64($0.address) + UInt64($0.bytes.count) }.max()!
        var out = [UInt8](repeating: 0, count: Int(hi - UInt64(lo)))
        for s in segs {
            let at = Int(s.address - lo)
            out.replaceSubrange(at..<at + s.bytes.count, with: s.bytes)
        }
        return out
    }

    /// Verilog hex as `objcopy -O verilog` writes it: per section an
    /// `@AAAAAAAA` line, then up to 16 bytes per line (upper-case hex,
    /// space separated), CR LF line ends.
    public func verilogHex() -> String {
        var out = ""
        let digits = Array("0123456789ABCDEF")
        func hex2(_ b: UInt8) -> String { String([digits[Int(b >> 4)], digits[Int(b & 15)]]) }
        for s in segments {
            out += "@" + hex2(UInt8(s.address >> 24)) + hex2(UInt8((s.address >> 16) & 0xFF))
                + hex2(UInt8((s.address >> 8) & 0xFF)) + hex2(UInt8(s.address & 0xFF)) + "\r\n"
            var i = 0
            while i < s.bytes.count {
                let chunk = s.bytes[i..<min(i + 16, s.bytes.count)]
                out += chunk.map(hex2).joined(separator: " ") + "\r\n"
                i += 16
            }
        }
        return out
    }

    /// An ELF32 executable (EM_LATTICEMICO32) with sections and symbols.
    public func elf() -> [UInt8] {
        var secs: [ELFExecutable.Section] = []
        for s in sections where s.kind != .nonAllocated {
            let kind: ELFExecutable.SectionKind
            switch s.kind {
            case .text: kind = .text
            case .readOnlyData: kind = .readOnlyData
            case .bss: kind = .bss
            default: kind = .data
            }
            secs.append(.init(name: s.name, kind: kind, address: s.address, bytes: s.bytes, size: s.size, alignment: 4))
        }
        let syms = symbols.map { s in
            ELFExecutable.Symbol(name: s.name, value: s.address, isGlobal: s.isGlobal, type: ELFConstants.sttNoType, section: s.section)
        }
        return ELFExecutable(entry: entry, sections: secs, symbols: syms).serialize()
    }
}
