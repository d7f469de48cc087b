/// Where the linker puts things: GNU ld-style placement. The `unitTests`
/// preset reproduces the upstream unit tests' linker.ld.
public struct LinkLayout: Sendable, Equatable {
    /// Start of `.text` (the first output section).
    public var textAddress: UInt32
    /// Start of the data region (`.rodata`, then `.data`, then `.bss`);
    /// nil: right after `.text`, as GNU ld's default script does.
    public var dataRegionAddress: UInt32?
    /// Explicit output-section addresses (`-Ttext`, `-Tdata`, `-Tbss`,
    /// `--section-start NAME=ADDR`); they override the two above.
    public var sectionStarts: [String: UInt32]
    /// Entry symbol or number (`--entry`); nil: `_start` if defined, else the start of `.text`.
    public var entry: String?
    /// Value of `_fstack` (provided unless an object defines it); nil: not defined.
    public var stackTop: UInt32?
    /// `_gp = ALIGN(gpAlignment)` after the `.data` input sections.
    public var gpAlignment: UInt32
    /// Extra absolute symbols the script defines (linker.ld has `__DYNAMIC = 0`).
    public var absoluteSymbols: [String: UInt32]
    /// Highest address + 1 of each region, for overflow checks (nil: unchecked).
    public var textRegionEnd: UInt32?
    public var dataRegionEnd: UInt32?

    public init(textAddress: UInt32 = 0, dataRegionAddress: UInt32? = nil, sectionStarts: [String: UInt32] = [:],
                entry: String? = nil, stackTop: UInt32? = nil, gpAlignment: UInt32 = 16,
                absoluteSymbols: [String: UInt32] = [:], textRegionEnd: UInt32? = nil, dataRegionEnd: UInt32? = nil) {
        self.textAddress = textAddress; self.dataRegionAddress = dataRegionAddress; self.sectionStarts = sectionStarts
        self.entry = entry; self.stackTop = stackTop; self.gpAlignment = gpAlignment
        self.absoluteSymbols = absoluteSymbols; self.textRegionEnd = textRegionEnd; self.dataRegionEnd = dataRegionEnd
    }

    /// GNU ld's default placement: everything back to back from address 0.
    public static let sequential = LinkLayout()

    /// The upstream unit tests' linker.ld: `pmem` 0x0000–0x7FFF holds .text;
    /// `dmem` 0x8000–0xFFFF holds .rodata, .data (with `_gp = ALIGN(16)`
    /// before .sdata) and .bss; `_fstack` = 0xFFFC; ENTRY(_start).
    public static let unitTests = LinkLayout(
        textAddress: 0, dataRegionAddress: 0x8000, entry: "_start", stackTop: 0xFFFC, gpAlignment: 16,
        absoluteSymbols: ["__DYNAMIC": 0], textRegionEnd: 0x8000, dataRegionEnd: 0x10000)

    /// Apply GNU ld command-line flags: `-Ttext ADDR`, `-Tdata ADDR`, `-Tbss ADDR`,
    /// `--section-start NAME=ADDR`, `--entry SYM` / `-e SYM` (also the `=` forms).
    /// Addresses are hexadecimal, with or without `0x`, as ld reads them.
    public mutating func apply(arguments: [String]) throws(AssemblerError) {
        var i = 0
        func fail(_ msg: String) -> AssemblerError {
            AssemblerError(SourceLocation(file: "<command line>", line: 1, column: i + 1), msg)
        }
        func value(_ flag: String) throws(AssemblerError) -> String {
            let a = arguments[i]
            if a.count > flag.count, a.hasPrefix(flag) {
                var v = String(a.dropFirst(flag.count))
                if v.hasPrefix("=") { v.removeFirst() }
                return v
            }
            guard i + 1 < arguments.count else { throw fail("missing value after \(flag)") }
            i += 1
            return arguments[i]
        }
        func address(_ s: String) throws(AssemblerError) -> UInt32 {
            var t = Substring(s)
            if t.hasPrefix("0x") || t.hasPrefix("0X") { t = t.dropFirst(2) }
            guard !t.isEmpty, let v = UInt32(t, radix: 16) else { throw fail("invalid address '\(s)' (expected a hexadecimal number)") }
            return v
        }
        while i < arguments.count {
            let a = arguments[i]
            if a.hasPrefix("-Ttext") { sectionStarts[".text"] = try address(value("-Ttext")) }
            else if a.hasPrefix("-Tdata") { sectionStarts[".data"] = try address(value("-Tdata")) }
            else if a.hasPrefix("-Tbss") { sectionStarts[".bss"] = try address(value("-Tbss")) }
            else if a.hasPrefix("--section-start") {
                let v = try value("--section-start")
                guard let eq = v.firstIndex(of: "="), eq != v.startIndex else { throw fail("expected NAME=ADDRESS after --section-start") }
                sectionStarts[String(v[..<eq])] = try address(String(v[v.index(after: eq)...]))
            }
            else if a.hasPrefix("--entry") { entry = try value("--entry") }
            else if a.hasPrefix("-e") { entry = try value("-e") }
            else { throw fail("unknown linker option '\(a)'") }
            i += 1
        }
    }
}
