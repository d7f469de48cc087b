/// GNU ld-style linker: input sections of all objects concatenate in input
/// order (with their alignment) into the output sections of a `LinkLayout`.

public enum Linker {
    /// The location of the linker's own diagnostics (the layout's, not a source's).
    public static let nowhere = SourceLocation(file: "<linker>", line: 1, column: 1)
    /// Link objects into one image.
    public static func link(_ objects: [ObjectFile], layout: LinkLayout = .unitTests) throws(AssemblerError) -> LinkedImage {
        var l = LinkerRun(objects: objects, layout: layout)
        return try l.run()
    }
}

/// One output section rule: statements are lists of input-section patterns,
/// or the `_gp` assignment.
struct OutputRule {
    enum Step { case inputs([String]), gp }
    var name: String
    var kind: SectionKind
    var steps: [Step]
    var startSymbol: String?
    var endSymbols: [String]
    var alignStart: UInt32
    var alignEnd: UInt32

    static let standard: [OutputRule] = [
        OutputRule(name: ".text", kind: .text, steps: [.inputs([".text", ".stub", ".text.*", ".gnu.linkonce.t.*"])],
                   startSymbol: "_ftext", endSymbols: ["_etext"], alignStart: 1, alignEnd: 1),
        OutputRule(name: ".rodata", kind: .readOnlyData,
                   steps: [.inputs([".rodata", ".rodata.*", ".gnu.linkonce.r.*"]), .inputs([".rodata1"])],
                   startSymbol: "_frodata", endSymbols: ["_erodata"], alignStart: 4, alignEnd: 1),
        OutputRule(name: ".data", kind: .data,
                   steps: [.inputs([".data", ".data.*", ".gnu.linkonce.d.*"]), .inputs([".data1"]), .gp,
                           .inputs([".sdata", ".sdata.*", ".gnu.linkonce.s.*"])],
                   startSymbol: "_fdata", endSymbols: ["_edata"], alignStart: 4, alignEnd: 1),
        OutputRule(name: ".bss", kind: .bss,
                   steps: [.inputs([".dynsbss"]), .inputs([".sbss", ".sbss.*", ".gnu.linkonce.sb.*"]), .inputs([".scommon"]),
                           .inputs([".dynbss"]), .inputs([".bss", ".bss.*", ".gnu.linkonce.b.*"]), .inputs(["COMMON"])],
                   startSymbol: "_fbss", endSymbols: ["_ebss", "_end"], alignStart: 4, alignEnd: 4),
    ]

    static func matches(_ pattern: String, _ name: String) -> Bool {
        if pattern.hasSuffix("*") { return name.hasPrefix(pattern.dropLast()) }
        return pattern == name
    }
}

struct LinkerRun {
    let objects: [ObjectFile]
    let layout: LinkLayout
    /// Final address of each input section: [object][section].
    var bases: [[UInt32?]]
    var linkerSymbols: [String: UInt32] = [:]
    /// The output section each linker-defined symbol belongs to (nil: absolute).
    var linkerSymbolSections: [String: String] = [:]
    var globals: [String: (object: Int, symbol: Int)] = [:]
    /// Each object's symbols by name (first definition wins).
    let symbolIndex: [[String: Int]]
    /// Values of symbols set to expressions ("object:name"), once evaluated
    /// with the final addresses (they do not change after that).
    let expressionValues = Memo()
    final class Memo { var values: [String: Value?] = [:] }

    init(objects: [ObjectFile], layout: LinkLayout) {
        self.objects = objects; self.layout = layout
        bases = objects.map { Array(repeating: nil, count: $0.sections.count) }
        symbolIndex = objects.map { o in
            Dictionary(o.symbols.enumerated().map { ($0.element.name, $0.offset) }, uniquingKeysWith: { a, _ in a })
        }
    }

    static let nowhere = Linker.nowhere

    mutating func run() throws(AssemblerError) -> LinkedImage {
        try collectGlobals()
        // Output sections: the standard four, with orphans after the one of their kind.
        var rules = OutputRule.standard
        var placed = Set<String>()
        for o in objects { for s in o.sections where s.kind != .nonAllocated {
            if placed.contains(s.name) || rules.contains(where: { r in r.steps.contains { step in
                if case .inputs(let ps) = step { return ps.contains { OutputRule.matches($0, s.name) } }
                return false } }) { continue }
            placed.insert(s.name)
            let anchor = { () -> String in
                switch s.kind { case .text: return ".text"; case .readOnlyData: return ".rodata"; case .bss: return ".bss"; default: return ".data" }
            }()
            var at = (rules.lastIndex { $0.name == anchor } ?? rules.count - 1) + 1
            while at < rules.count && !OutputRule.standard.contains(where: { $0.name == rules[at].name }) { at += 1 }
            rules.insert(OutputRule(name: s.name, kind: s.kind, steps: [.inputs([s.name])], startSymbol: nil,
                                    endSymbols: [], alignStart: 1, alignEnd: 1), at: at)
        } }

        var out: [LinkedImage.Section] = []
        var cursor: UInt64 = UInt64(layout.sectionStarts[".text"] ?? layout.textAddress)
        var taken = Set<String>()  // input sections already placed ("obj:sec")
        var inDataRegion = false
        for rule in rules {
            if !inDataRegion && rule.kind != .text {
                inDataRegion = true
                if let d = layout.dataRegionAddress { cursor = UInt64(d) }
            }
            if let s = layout.sectionStarts[rule.name] { cursor = UInt64(s) }
            // The output section is aligned to its most aligned input.
            var maxAlign: UInt32 = 1
            for (oi, o) in objects.enumerated() {
                for (si, s) in o.sections.enumerated() where !taken.contains("\(oi):\(si)") && ruleTakes(rule, s.name) {
                    maxAlign = max(maxAlign, s.alignment)
                }
            }
            cursor = Self.align(cursor, UInt64(maxAlign))
            let start = cursor
            cursor = Self.align(cursor, UInt64(rule.alignStart))
            if let sym = rule.startSymbol {
                linkerSymbols[sym] = UInt32(truncatingIfNeeded: cursor); linkerSymbolSections[sym] = rule.name
            }
            var pieces: [(UInt64, [UInt8])] = []
            for step in rule.steps {
                switch step {
                case .gp:
                    linkerSymbols["_gp"] = UInt32(truncatingIfNeeded: Self.align(cursor, UInt64(layout.gpAlignment)))
                    linkerSymbolSections["_gp"] = rule.name
                case .inputs(let patterns):
                    for (oi, o) in objects.enumerated() {
                        for (si, s) in o.sections.enumerated() where s.kind != .nonAllocated && !taken.contains("\(oi):\(si)")
                            && patterns.contains(where: { OutputRule.matches($0, s.name) }) {
                            taken.insert("\(oi):\(si)")
                            cursor = Self.align(cursor, UInt64(s.alignment))
                            bases[oi][si] = UInt32(truncatingIfNeeded: cursor)
                            if rule.kind != .bss { pieces.append((cursor, s.bytes)) }
                            cursor += UInt64(s.size)
                        }
                    }
                }
            }
            cursor = Self.align(cursor, UInt64(rule.alignEnd))
            for sym in rule.endSymbols {
                linkerSymbols[sym] = UInt32(truncatingIfNeeded: cursor); linkerSymbolSections[sym] = rule.name
            }
            guard cursor <= 1 << 32, cursor == start || start < 1 << 32 else {
                throw AssemblerError(Self.nowhere, "section '\(rule.name)' extends past the end of the 32-bit address space")
            }
            var bytes: [UInt8] = []
            if rule.kind != .bss {
                bytes = Array(repeating: 0, count: Int(cursor - start))
                for (addr, b) in pieces { bytes.replaceSubrange(Int(addr - start)..<Int(addr - start) + b.count, with: b) }
            }
            out.append(LinkedImage.Section(name: rule.name, kind: rule.kind, address: UInt32(truncatingIfNeeded: start),
                                           bytes: bytes, size: UInt32(cursor - start)))
        }
        if layout.gpAlignment > 0 && linkerSymbols["_gp"] == nil { linkerSymbols["_gp"] = 0 }
        if let top = layout.stackTop { linkerSymbols["_fstack"] = top }
        for (k, v) in layout.absoluteSymbols { linkerSymbols[k] = v }

        try checkPlacement(out)

        // Apply fixups.
        for (oi, o) in objects.enumerated() {
            for f in o.fixups {
                guard let base = bases[oi][f.section] else { continue }
                let value = try evaluate(f.expr, object: oi)
                let address = base &+ UInt32(f.offset)
                guard let idx = out.firstIndex(where: { $0.kind != .bss && address >= $0.address && UInt64(address) < UInt64($0.address) + UInt64($0.size) }) else { continue }
                let at = Int(address - out[idx].address)
                switch f.kind {
                case .data(let w):
                    for k in 0..<w { out[idx].bytes[at + k] = UInt8(truncatingIfNeeded: value >> (8 * (w - 1 - k))) }
                case .instruction(let spec, let ops, let slot):
                    let gp: Int64? = slot == .gp ? Int64(linkerSymbols["_gp"] ?? 0) : nil
                    let word = try encodeInstruction(spec, ops, slot: slot, value: value, pc: address, gpValue: gp, at: f.location)
                    for k in 0..<4 { out[idx].bytes[at + k] = UInt8(truncatingIfNeeded: word >> (8 * (3 - UInt32(k)))) }
                }
            }
        }

        // Symbols for the image.
        var syms: [LinkedImage.Symbol] = []
        var defined = Set<String>()
        for (oi, o) in objects.enumerated() {
            for (si, s) in o.symbols.enumerated() where !s.name.hasPrefix(".L") {
                // A global that lost to another definition (weak) is not in the output.
                if s.isGlobal, let g = globals[s.name], g.object != oi || g.symbol != si { continue }
                let v: Int64
                var section: String? = nil
                switch s.definition {
                case .label(let sec, let off):
                    guard let b = bases[oi][sec] else { continue }
                    v = Int64(b) + off
                    section = out.first { Int64($0.address) <= v && v <= Int64($0.address) + Int64($0.size) && $0.name == outputName(of: o.sections[sec].name, rules) }?.name
                case .absolute(let x): v = x
                case .expression(let x): v = try evaluate(x, object: oi)
                }
                syms.append(LinkedImage.Symbol(name: s.name, address: UInt32(truncatingIfNeeded: v), isGlobal: s.isGlobal, section: section))
                if s.isGlobal { defined.insert(s.name) }
            }
        }
        for (k, v) in linkerSymbols.sorted(by: { $0.key < $1.key }) where !defined.contains(k) {
            syms.append(LinkedImage.Symbol(name: k, address: v, isGlobal: true, section: linkerSymbolSections[k]))
        }

        // Entry point.
        let textStart = out.first { $0.name == ".text" }?.address ?? 0
        // Like ld: a global symbol or a number; otherwise warn and use the start of .text.
        var entry = textStart
        var warnings: [AssemblerError] = []
        let wanted = layout.entry ?? "_start"
        if let v = Self.number(wanted) { entry = v }
        else if let v = try? globalValue(wanted) { entry = UInt32(truncatingIfNeeded: v) }
        else if layout.entry != nil && !(wanted == "_start" && layout.entry == LinkLayout.unitTests.entry) {
            warnings.append(AssemblerError(Self.nowhere, "cannot find entry symbol '\(wanted)' (ld defaults to the start of .text, 0x\(String(textStart, radix: 16)))"))
        }
        var image = LinkedImage(sections: out, symbols: syms, entry: entry)
        image.warnings = objects.flatMap(\.warnings) + warnings
        return image
    }

    func ruleTakes(_ rule: OutputRule, _ name: String) -> Bool {
        rule.steps.contains { if case .inputs(let ps) = $0 { return ps.contains { OutputRule.matches($0, name) } }; return false }
    }

    func outputName(of input: String, _ rules: [OutputRule]) -> String {
        rules.first { ruleTakes($0, input) }?.name ?? input
    }

    static func align(_ v: UInt64, _ a: UInt64) -> UInt64 { a <= 1 ? v : (v + a - 1) / a * a }

    static func number(_ s: String) -> UInt32? {
        if s.hasPrefix("0x") || s.hasPrefix("0X") { return UInt32(s.dropFirst(2), radix: 16) }
        return UInt32(s)
    }

    mutating func collectGlobals() throws(AssemblerError) {
        for (oi, o) in objects.enumerated() {
            for (si, s) in o.symbols.enumerated() where s.isGlobal {
                if let prev = globals[s.name] {
                    let p = objects[prev.object].symbols[prev.symbol]
                    // As ld: a weak definition yields to a strong one; two weak ones keep the first.
                    if s.isWeak { continue }
                    if p.isWeak { globals[s.name] = (oi, si); continue }
                    throw AssemblerError(s.location, "duplicate definition of global symbol '\(s.name)'",
                                         notes: [.init(location: p.location, message: "first defined here")])
                }
                globals[s.name] = (oi, si)
            }
        }
    }

    func checkPlacement(_ out: [LinkedImage.Section]) throws(AssemblerError) {
        let live = out.filter { $0.size > 0 }
        for i in live.indices {
            for j in live.indices where j > i {
                let a = live[i], b = live[j]
                if UInt64(a.address) < UInt64(b.address) + UInt64(b.size) && UInt64(b.address) < UInt64(a.address) + UInt64(a.size) {
                    throw AssemblerError(Self.nowhere, "section '\(b.name)' [0x\(String(b.address, radix: 16))..0x\(String(UInt64(b.address) + UInt64(b.size), radix: 16))) overlaps section '\(a.name)' [0x\(String(a.address, radix: 16))..0x\(String(UInt64(a.address) + UInt64(a.size), radix: 16)))")
                }
            }
        }
        for s in live {
            let end = UInt64(s.address) + UInt64(s.size)
            let limit = s.kind == .text ? layout.textRegionEnd : layout.dataRegionEnd
            if let limit, end > UInt64(limit), layout.sectionStarts[s.name] == nil {
                throw AssemblerError(Self.nowhere, "section '\(s.name)' ends at 0x\(String(end, radix: 16)), past the end of its memory region (0x\(String(limit, radix: 16)))")
            }
        }
    }

    // MARK: Evaluation with final addresses

    /// `e`, an expression of object `oi`, with final addresses (0 when not absolute).
    func evaluate(_ e: Expr, object oi: Int) throws(AssemblerError) -> Int64 {
        let v = try Evaluator.evaluate(concrete(e, object: oi), scope: oi, memo: &expressionValues.values) { (name, loc, oi) throws(AssemblerError) in
            try resolve(name, object: oi, at: loc)
        }
        guard case .absolute(let x)? = v else { return 0 }
        return x
    }

    /// `e` with the section offsets of object `oi` replaced by addresses.
    func concrete(_ e: Expr, object oi: Int) -> Expr {
        let bases = self.bases[oi]
        return Self.substitute(e) { s, o in Int64(bases[s] ?? 0) + o }
    }

    static func substitute(_ e: Expr, _ f: (Int, Int64) -> Int64) -> Expr {
        switch e {
        case .number, .symbol: return e
        case .location(let s, let o): return .number(f(s, o))
        case .unary(let op, let a, let l): return .unary(op, substitute(a, f), l)
        case .binary(let op, let a, let b, let l): return .binary(op, substitute(a, f), substitute(b, f), l)
        }
    }

    func resolution(of s: ObjectSymbol, object oi: Int) -> Resolution<Int> {
        switch s.definition {
        case .label(let sec, let off): return .value(.absolute(Int64(bases[oi][sec] ?? 0) + off))
        case .absolute(let v): return .value(.absolute(v))
        case .expression(let x):
            return .expand(concrete(x, object: oi), key: "\(oi):\(s.name)", name: s.name, definedAt: s.location, scope: oi)
        }
    }

    /// A name used in object `oi`: its own local symbol, a global, a linker
    /// symbol, or 0 for a weak reference.
    func resolve(_ name: String, object oi: Int, at loc: SourceLocation) throws(AssemblerError) -> Resolution<Int> {
        if let i = symbolIndex[oi][name], !objects[oi].symbols[i].isGlobal {
            return resolution(of: objects[oi].symbols[i], object: oi)
        }
        if let g = globals[name] { return resolution(of: objects[g.object].symbols[g.symbol], object: g.object) }
        if let v = linkerSymbols[name] { return .value(.absolute(Int64(v))) }
        if objects[oi].weakReferences.contains(name) { return .value(.absolute(0)) }
        throw AssemblerError(loc, "undefined reference to '\(name)'")
    }

    func globalValue(_ name: String) throws(AssemblerError) -> Int64 {
        if let g = globals[name] {
            let s = objects[g.object].symbols[g.symbol]
            return try evaluate(.symbol(name, s.location), object: g.object)
        }
        if let v = linkerSymbols[name] { return Int64(v) }
        throw AssemblerError(Self.nowhere, "undefined symbol '\(name)'")
    }
}
