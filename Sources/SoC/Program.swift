import ELF

/// A program ready to load: bytes at addresses, an entry point and symbols.
public struct ProgramImage: Sendable, Equatable {
    public struct Segment: Sendable, Equatable {
        public var address: UInt32
        public var bytes: [UInt8]
        public init(address: UInt32, bytes: [UInt8]) { self.address = address; self.bytes = bytes }
    }
    public var segments: [Segment]
    public var entry: UInt32
    /// Symbol addresses, sorted by address, then by preference (see `rank`),
    /// then by name: the first symbol at an address is the one that labels it.
    public var symbols: [(address: UInt32, name: String)]

    /// Symbols that linker scripts define (`linker.ld`'s section bounds) label
    /// an address only when nothing else does.
    static let linkerScriptSymbols: Set<String> = [
        "_ftext", "_etext", "_frodata", "_erodata", "_fdata", "_edata", "_gp", "_fbss", "_ebss", "_end",
        "_fstack", "__DYNAMIC",
    ]

    static func rank(_ name: String) -> Int {
        if linkerScriptSymbols.contains(name) { return 2 }
        if name.hasPrefix(".L") || name.hasPrefix("__") { return 1 }
        return 0
    }

    public init(segments: [Segment], entry: UInt32, symbols: [(address: UInt32, name: String)] = []) {
        self.segments = segments
        self.entry = entry
        self.symbols = symbols.sorted {
            ($0.address, Self.rank($0.name), $0.name) < ($1.address, Self.rank($1.name), $1.name)
        }
    }

    public static func == (a: ProgramImage, b: ProgramImage) -> Bool {
        a.segments == b.segments && a.entry == b.entry
            && a.symbols.map(\.address) == b.symbols.map(\.address) && a.symbols.map(\.name) == b.symbols.map(\.name)
    }

    /// The name of the symbol exactly at `address`, preferring global-looking
    /// names (no leading `.L`) and the first in sorted order.
    public func symbol(at address: UInt32) -> String? {
        var lo = 0, hi = symbols.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if symbols[mid].address < address { lo = mid + 1 } else { hi = mid }
        }
        return lo < symbols.count && symbols[lo].address == address ? symbols[lo].name : nil
    }

    /// objdump's name for an address: the nearest symbol at or below it,
    /// as `name` or `name+0xoff` (nil when no symbol precedes it).
    public func label(for address: UInt32) -> String? {
        var lo = 0, hi = symbols.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if symbols[mid].address <= address { lo = mid + 1 } else { hi = mid }
        }
        guard lo > 0 else { return nil }
        // the preferred symbol at that address is the first of its run
        var i = lo - 1
        let a = symbols[i].address
        while i > 0 && symbols[i - 1].address == a { i -= 1 }
        let off = address - a
        return off == 0 ? symbols[i].name : symbols[i].name + "+0x" + String(off, radix: 16)
    }

    /// A loaded ELF executable: its PT_LOAD segments at their physical
    /// addresses (bss zero-filled), entry point and symbols.
    public init(elf: ELFFile) {
        self.init(segments: elf.loadSegments.map { Segment(address: $0.paddr, bytes: $0.bytes) },
                  entry: elf.entry,
                  symbols: elf.symbols.filter { !$0.name.isEmpty && $0.type != ELFConstants.sttSection && $0.type != ELFConstants.sttFile }
                      .map { (address: $0.value, name: $0.name) })
    }
}

extension ProgramImage {
    /// A flat binary placed at `address`.
    public static func binary(_ bytes: [UInt8], at address: UInt32) -> ProgramImage {
        ProgramImage(segments: [Segment(address: address, bytes: bytes)], entry: address)
    }

    /// A byte-wise Verilog hex file as `objcopy -O verilog` writes it
    /// (`VerilogHex`); `base` is added to addresses. The entry is the first
    /// segment's address.
    public static func verilogHex(_ text: String, base: UInt32 = 0) throws(HexFormatError) -> ProgramImage {
        try verilogHex(bytes: Array(text.utf8), base: base)
    }

    public static func verilogHex(bytes: [UInt8], base: UInt32 = 0) throws(HexFormatError) -> ProgramImage {
        let segments = try VerilogHex.parse(bytes, base: base).map { Segment(address: $0.address, bytes: $0.bytes) }
        return ProgramImage(segments: segments, entry: segments.first?.address ?? base)
    }
}

extension TestbenchMachine {
    /// Load a program image and start at its entry point.
    public func load(_ image: ProgramImage) {
        for s in image.segments { load(s.bytes, at: s.address) }
        core.setPC(image.entry)
    }
}

/// A memory a program image may be loaded into.
public struct LoadableMemory: Sendable, Equatable {
    public var name: String
    public var base: UInt32
    public var size: UInt32
    public init(name: String, base: UInt32, size: UInt32) { self.name = name; self.base = base; self.size = size }

    /// The test bench's RAM (as the RTL bench's loader: one 64 KiB block at 0).
    public static let testbench = [LoadableMemory(name: "RAM", base: 0, size: UInt32(TestbenchBus.ramSize))]
}

extension SoCDescription {
    /// BRAM and SDRAM, where a firmware image is loaded (bit 31, the
    /// uncached alias, is not decoded).
    public var loadableMemories: [LoadableMemory] {
        regions.filter { $0.kind == .bram || $0.kind == .sdram }.map { LoadableMemory(name: $0.name, base: $0.base, size: $0.size) }
    }
}

extension ProgramImage {
    /// Why the image cannot be loaded into `memories`, or nil when it can:
    /// each segment must lie inside one memory, as the RTL's loaders require
    /// (a loader that wrapped addresses would overwrite other bytes). Bits in
    /// `undecoded` are ignored.
    public func misplacement(in memories: [LoadableMemory], undecoded: UInt32 = 0) -> String? {
        for s in segments where !s.bytes.isEmpty {
            let start = UInt64(s.address & ~undecoded), end = start + UInt64(s.bytes.count)
            if memories.contains(where: { start >= UInt64($0.base) && end <= UInt64($0.base) + UInt64($0.size) }) { continue }
            func hex(_ v: UInt64) -> String { "0x" + String(v, radix: 16) }
            let known = memories.map { "\($0.name) [\(hex(UInt64($0.base))), \(hex(UInt64($0.base) + UInt64($0.size))))" }
            return "the \(s.bytes.count)-byte segment at \(hex(UInt64(s.address))) does not fit in memory "
                + "(the image must lie in \(known.joined(separator: " or ")))"
        }
        return nil
    }
}
