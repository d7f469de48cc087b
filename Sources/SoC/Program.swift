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

/// A malformed Verilog hex file.
public struct HexFormatError: Error, Equatable, CustomStringConvertible {
    public var line: Int
    public var column: Int
    public var message: String
    public var description: String { "\(line):\(column): \(message)" }
}

extension ProgramImage {
    /// A flat binary placed at `address`.
    public static func binary(_ bytes: [UInt8], at address: UInt32) -> ProgramImage {
        ProgramImage(segments: [Segment(address: address, bytes: bytes)], entry: address)
    }

    /// A byte-wise Verilog hex file as `objcopy -O verilog` writes it:
    /// `@ADDRESS` lines (hex byte address) followed by hex bytes separated by
    /// white space; `//` comments are allowed. `base` is added to addresses.
    public static func verilogHex(_ text: String, base: UInt32 = 0) throws(HexFormatError) -> ProgramImage {
        try verilogHex(bytes: Array(text.utf8), base: base)
    }

    /// The same from the file's bytes, in one pass (time linear in the size
    /// whatever the line lengths). Lines end at LF, CR LF, CR, VT or FF;
    /// columns count characters (UTF-8 sequences), from 1.
    public static func verilogHex(bytes b: [UInt8], base: UInt32 = 0) throws(HexFormatError) -> ProgramImage {
        var segments: [Segment] = []
        var current: Segment?
        var lineNo = 1, col = 1
        var i = 0
        func isBreak(_ c: UInt8) -> Bool { c >= 10 && c <= 13 }
        while i < b.count {
            let c = b[i]
            if isBreak(c) {
                i += c == 13 && i + 1 < b.count && b[i + 1] == 10 ? 2 : 1
                lineNo += 1; col = 1
                continue
            }
            if c == 32 || c == 9 { i += 1; col += 1; continue }
            if c == UInt8(ascii: "/") && i + 1 < b.count && b[i + 1] == UInt8(ascii: "/") {
                while i < b.count && !isBreak(b[i]) { i += 1 }
                continue
            }
            // a token: up to white space, a line break or the end
            let start = i, startCol = col
            while i < b.count, b[i] != 32, b[i] != 9, !isBreak(b[i]) {
                if b[i] & 0xC0 != 0x80 { col += 1 }
                i += 1
            }
            let token = b[start..<i]
            func text() -> String { String(decoding: token.prefix(64), as: UTF8.self) }
            if c == UInt8(ascii: "@") {
                var a: UInt32 = 0
                for d in token.dropFirst() {
                    guard let v = hexDigit(d), a >> 28 == 0 else {
                        throw HexFormatError(line: lineNo, column: startCol, message: "bad address '\(text())'")
                    }
                    a = a << 4 | UInt32(v)
                }
                if token.count < 2 { throw HexFormatError(line: lineNo, column: startCol, message: "bad address '\(text())'") }
                if let s = current, !s.bytes.isEmpty { segments.append(s) }
                current = Segment(address: base &+ a, bytes: [])
            } else {
                guard token.count == 2, let hi = hexDigit(token.first!), let lo = hexDigit(token.last!) else {
                    throw HexFormatError(line: lineNo, column: startCol, message: "expected a two-digit hex byte, found '\(text())'")
                }
                if current == nil { current = Segment(address: base, bytes: []) }
                current!.bytes.append(hi << 4 | lo)
                if current!.bytes.count > 1 << 28 {
                    throw HexFormatError(line: lineNo, column: startCol, message: "segment larger than 256 MiB")
                }
            }
        }
        if let s = current, !s.bytes.isEmpty { segments.append(s) }
        return ProgramImage(segments: segments, entry: segments.first?.address ?? base)
    }

    private static func hexDigit(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
        default: nil
        }
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
