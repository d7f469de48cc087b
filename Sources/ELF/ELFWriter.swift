/// ELF32 big-endian executable writer: one PT_LOAD per allocated section with
/// contents or memory size, section headers, and a symbol table (locals first,
/// as the ELF specification requires).

public struct ELFExecutable: Sendable {
    public enum SectionKind: Sendable, Equatable {
        /// Code: SHF_ALLOC | SHF_EXECINSTR.
        case text
        /// Read-only data: SHF_ALLOC.
        case readOnlyData
        /// Writable data: SHF_ALLOC | SHF_WRITE.
        case data
        /// Zero-initialised: SHT_NOBITS, SHF_ALLOC | SHF_WRITE.
        case bss
    }

    public struct Section: Sendable {
        public var name: String
        public var kind: SectionKind
        public var address: UInt32
        /// Contents; ignored for `.bss` (use `size`).
        public var bytes: [UInt8]
        /// Memory size (for `.bss`); for the others `bytes.count`.
        public var size: UInt32
        public var alignment: UInt32

        public init(name: String, kind: SectionKind, address: UInt32, bytes: [UInt8] = [], size: UInt32? = nil, alignment: UInt32 = 4) {
            self.name = name; self.kind = kind; self.address = address; self.bytes = kind == .bss ? [] : bytes
            self.size = size ?? UInt32(bytes.count); self.alignment = max(1, alignment)
        }
    }

    public struct Symbol: Sendable {
        public var name: String
        public var value: UInt32
        public var size: UInt32
        public var isGlobal: Bool
        public var type: UInt8
        /// The section the symbol belongs to (by name); nil = absolute.
        public var section: String?

        public init(name: String, value: UInt32, size: UInt32 = 0, isGlobal: Bool, type: UInt8 = ELFConstants.sttNoType, section: String?) {
            self.name = name; self.value = value; self.size = size; self.isGlobal = isGlobal; self.type = type; self.section = section
        }
    }

    public var entry: UInt32
    public var sections: [Section]
    public var symbols: [Symbol]
    public var flags: UInt32 = 0

    public init(entry: UInt32, sections: [Section], symbols: [Symbol]) {
        self.entry = entry; self.sections = sections; self.symbols = symbols
    }

    /// Serialise to bytes.
    public func serialize() -> [UInt8] {
        var out = ByteWriter()
        let loadable = sections.filter { $0.size > 0 }
        let phnum = loadable.count
        // Layout: header, program headers, section contents, string tables, symtab, section headers.
        var offset = UInt32(ELFConstants.headerSize + ELFConstants.programHeaderSize * phnum)
        var fileOffsets: [UInt32] = []
        for s in sections {
            // Keep offset congruent with the address modulo the alignment.
            let a = max(s.alignment, 4)
            let want = s.address % a
            while offset % a != want { offset += 1 }
            fileOffsets.append(offset)
            if s.kind != .bss { offset += UInt32(s.bytes.count) }
        }
        // Strings.
        var shstr = StringTable()
        var strtab = StringTable()
        let sectionNameIndex = sections.map { shstr.add($0.name) }
        let symtabName = shstr.add(".symtab"), strtabName = shstr.add(".strtab"), shstrtabName = shstr.add(".shstrtab")
        let locals = symbols.filter { !$0.isGlobal }, globals = symbols.filter { $0.isGlobal }
        let ordered = locals + globals
        var symBytes = ByteWriter()
        symBytes.zero(16)
        let sectionIndexByName = Dictionary(sections.enumerated().map { ($0.element.name, UInt16($0.offset + 1)) }, uniquingKeysWith: { a, _ in a })
        for s in ordered {
            symBytes.u32(strtab.add(s.name))
            symBytes.u32(s.value)
            symBytes.u32(s.size)
            symBytes.u8((s.isGlobal ? ELFConstants.stbGlobal : ELFConstants.stbLocal) << 4 | s.type)
            symBytes.u8(0)
            symBytes.u16(s.section.flatMap { sectionIndexByName[$0] } ?? ELFConstants.shnAbs)
        }
        while offset % 4 != 0 { offset += 1 }
        let symOffset = offset; offset += UInt32(symBytes.bytes.count)
        let strOffset = offset; offset += UInt32(strtab.bytes.count)
        let shstrOffset = offset; offset += UInt32(shstr.bytes.count)
        while offset % 4 != 0 { offset += 1 }
        let shoff = offset
        let shnum = sections.count + 4
        let symtabIndex = sections.count + 1

        // ELF header.
        out.bytes += [0x7F, 0x45, 0x4C, 0x46, 1, 2, 1, 0]
        out.zero(8)
        out.u16(ELFConstants.etExec)
        out.u16(ELFConstants.machineLM32)
        out.u32(1)
        out.u32(entry)
        out.u32(phnum > 0 ? UInt32(ELFConstants.headerSize) : 0)
        out.u32(shoff)
        out.u32(flags)
        out.u16(UInt16(ELFConstants.headerSize))
        out.u16(UInt16(ELFConstants.programHeaderSize))
        out.u16(UInt16(phnum))
        out.u16(UInt16(ELFConstants.sectionHeaderSize))
        out.u16(UInt16(shnum))
        out.u16(UInt16(shnum - 1))
        // Program headers.
        for (i, s) in sections.enumerated() where s.size > 0 {
            out.u32(ELFConstants.ptLoad)
            out.u32(fileOffsets[i])
            out.u32(s.address)
            out.u32(s.address)
            out.u32(s.kind == .bss ? 0 : UInt32(s.bytes.count))
            out.u32(s.size)
            switch s.kind {
            case .text: out.u32(ELFConstants.pfR | ELFConstants.pfX)
            case .readOnlyData: out.u32(ELFConstants.pfR)
            case .data, .bss: out.u32(ELFConstants.pfR | ELFConstants.pfW)
            }
            out.u32(max(s.alignment, 4))
        }
        // Contents.
        for (i, s) in sections.enumerated() where s.kind != .bss {
            out.pad(to: Int(fileOffsets[i]))
            out.bytes += s.bytes
        }
        out.pad(to: Int(symOffset))
        out.bytes += symBytes.bytes
        out.bytes += strtab.bytes
        out.bytes += shstr.bytes
        out.pad(to: Int(shoff))
        // Section headers.
        out.zero(ELFConstants.sectionHeaderSize)
        for (i, s) in sections.enumerated() {
            out.u32(sectionNameIndex[i])
            out.u32(s.kind == .bss ? ELFConstants.shtNobits : ELFConstants.shtProgbits)
            switch s.kind {
            case .text: out.u32(ELFConstants.shfAlloc | ELFConstants.shfExecInstr)
            case .readOnlyData: out.u32(ELFConstants.shfAlloc)
            case .data, .bss: out.u32(ELFConstants.shfAlloc | ELFConstants.shfWrite)
            }
            out.u32(s.address)
            out.u32(fileOffsets[i])
            out.u32(s.size)
            out.u32(0); out.u32(0)
            out.u32(s.alignment)
            out.u32(0)
        }
        func header(_ name: UInt32, _ type: UInt32, _ off: UInt32, _ size: Int, link: UInt32 = 0, info: UInt32 = 0, align: UInt32 = 1, entsize: UInt32 = 0) {
            out.u32(name); out.u32(type); out.u32(0); out.u32(0); out.u32(off); out.u32(UInt32(size))
            out.u32(link); out.u32(info); out.u32(align); out.u32(entsize)
        }
        header(symtabName, ELFConstants.shtSymtab, symOffset, symBytes.bytes.count,
               link: UInt32(symtabIndex + 1), info: UInt32(locals.count + 1), align: 4, entsize: 16)
        header(strtabName, ELFConstants.shtStrtab, strOffset, strtab.bytes.count)
        header(shstrtabName, ELFConstants.shtStrtab, shstrOffset, shstr.bytes.count)
        return out.bytes
    }
}

struct ByteWriter {
    var bytes: [UInt8] = []
    mutating func u8(_ v: UInt8) { bytes.append(v) }
    mutating func u16(_ v: UInt16) { bytes.append(UInt8(v >> 8)); bytes.append(UInt8(v & 0xFF)) }
    mutating func u32(_ v: UInt32) {
        bytes.append(UInt8(v >> 24)); bytes.append(UInt8((v >> 16) & 0xFF))
        bytes.append(UInt8((v >> 8) & 0xFF)); bytes.append(UInt8(v & 0xFF))
    }
    mutating func zero(_ n: Int) { bytes.append(contentsOf: repeatElement(0, count: n)) }
    mutating func pad(to n: Int) { if bytes.count < n { zero(n - bytes.count) } }
}

struct StringTable {
    var bytes: [UInt8] = [0]
    var index: [String: UInt32] = ["": 0]
    mutating func add(_ s: String) -> UInt32 {
        if let i = index[s] { return i }
        let i = UInt32(bytes.count)
        bytes += Array(s.utf8); bytes.append(0)
        index[s] = i
        return i
    }
}
