/// ELF32 big-endian reader with strict validation. Every loop is bounded by a
/// count that has already been checked against the file size.

/// Bounds-checked big-endian access to the file bytes.
struct ByteView {
    let bytes: [UInt8]
    var size: UInt64 { UInt64(bytes.count) }

    func require(_ field: String, _ offset: UInt64, _ count: UInt64) throws(ELFError) {
        let (end, overflow) = offset.addingReportingOverflow(count)
        if overflow || end > size {
            throw .truncated(field: field, offset: offset, needed: count, fileSize: size)
        }
    }
    func u8(_ field: String, _ o: UInt64) throws(ELFError) -> UInt8 {
        try require(field, o, 1)
        return bytes[Int(o)]
    }
    func u16(_ field: String, _ o: UInt64) throws(ELFError) -> UInt16 {
        try require(field, o, 2)
        let i = Int(o)
        return UInt16(bytes[i]) << 8 | UInt16(bytes[i + 1])
    }
    func u32(_ field: String, _ o: UInt64) throws(ELFError) -> UInt32 {
        try require(field, o, 4)
        let i = Int(o)
        return UInt32(bytes[i]) << 24 | UInt32(bytes[i + 1]) << 16 | UInt32(bytes[i + 2]) << 8 | UInt32(bytes[i + 3])
    }
    /// A region that must lie inside the file (reported as out of bounds, not truncated).
    func region(_ field: String, _ offset: UInt64, _ count: UInt64) throws(ELFError) -> ArraySlice<UInt8> {
        let (end, overflow) = offset.addingReportingOverflow(count)
        if overflow || end > size {
            throw .outOfBounds(field: field, offset: offset, size: count, fileSize: size)
        }
        return bytes[Int(offset)..<Int(end)]
    }
}

/// A parsed, validated ELF32 big-endian LM32 file.
public struct ELFFile: Equatable, Sendable {
    public var type: UInt16
    public var machine: UInt16
    public var entry: UInt32
    public var flags: UInt32
    public var programHeaders: [ELFProgramHeader]
    public var sections: [ELFSectionHeader]
    /// The symbols of `.symtab` (without the null entry at index 0).
    public var symbols: [ELFSymbol]
    /// The raw file.
    public var bytes: [UInt8]

    /// Largest memory image materialised for one segment, and for all of them
    /// together (bss included): 64 MiB, four times the largest memory a
    /// program loads into (the SoC's 16 MiB SDRAM), as large as the largest
    /// input file socsim reads. A few header bytes can declare this much bss,
    /// so it bounds what a hostile file costs.
    public static let maxSegmentSize: UInt32 = 64 << 20

    /// Parse and validate. Throws `ELFError` naming the field at fault.
    public init(bytes: [UInt8]) throws(ELFError) {
        let v = ByteView(bytes: bytes)
        self.bytes = bytes
        // e_ident
        try v.require("e_ident", 0, 16)
        guard bytes[0] == 0x7F, bytes[1] == 0x45, bytes[2] == 0x4C, bytes[3] == 0x46 else {
            throw .badMagic(field: "e_ident[EI_MAG]")
        }
        guard bytes[4] == 1 else { throw .unsupported(field: "e_ident[EI_CLASS]", value: UInt64(bytes[4]), expected: "1 (ELFCLASS32)") }
        guard bytes[5] == 2 else { throw .unsupported(field: "e_ident[EI_DATA]", value: UInt64(bytes[5]), expected: "2 (ELFDATA2MSB)") }
        guard bytes[6] == 1 else { throw .unsupported(field: "e_ident[EI_VERSION]", value: UInt64(bytes[6]), expected: "1 (EV_CURRENT)") }
        try v.require("ELF header", 0, UInt64(ELFConstants.headerSize))
        type = try v.u16("e_type", 16)
        machine = try v.u16("e_machine", 18)
        guard machine == ELFConstants.machineLM32 else {
            throw .unsupported(field: "e_machine", value: UInt64(machine), expected: "138 (EM_LATTICEMICO32)")
        }
        let version = try v.u32("e_version", 20)
        guard version == 1 else { throw .unsupported(field: "e_version", value: UInt64(version), expected: "1 (EV_CURRENT)") }
        guard type == 1 || type == 2 else {
            throw .unsupported(field: "e_type", value: UInt64(type), expected: "1 (ET_REL) or 2 (ET_EXEC)")
        }
        entry = try v.u32("e_entry", 24)
        let phoff = UInt64(try v.u32("e_phoff", 28))
        let shoff = UInt64(try v.u32("e_shoff", 32))
        flags = try v.u32("e_flags", 36)
        let ehsize = try v.u16("e_ehsize", 40)
        let phentsize = try v.u16("e_phentsize", 42)
        let phnum = UInt64(try v.u16("e_phnum", 44))
        let shentsize = try v.u16("e_shentsize", 46)
        let shnum = UInt64(try v.u16("e_shnum", 48))
        let shstrndx = UInt64(try v.u16("e_shstrndx", 50))
        guard ehsize == UInt16(ELFConstants.headerSize) else {
            throw .badEntrySize(field: "e_ehsize", value: UInt64(ehsize), expected: UInt64(ELFConstants.headerSize))
        }

        // Program header table.
        var phdrs: [ELFProgramHeader] = []
        if phnum > 0 {
            guard phentsize == UInt16(ELFConstants.programHeaderSize) else {
                throw .badEntrySize(field: "e_phentsize", value: UInt64(phentsize), expected: UInt64(ELFConstants.programHeaderSize))
            }
            guard phnum < 0xFFFF else { throw .absurdValue(field: "e_phnum", value: phnum, reason: "PN_XNUM is not supported") }
            guard phoff >= UInt64(ELFConstants.headerSize) else {
                throw .overlap(field: "e_phoff", first: "program header table", second: "ELF header")
            }
            _ = try v.region("e_phoff", phoff, phnum * 32)
            phdrs.reserveCapacity(Int(phnum))
            for i in 0..<phnum {
                let b = phoff + i * 32
                let f = "program header \(i)"
                let ph = ELFProgramHeader(
                    type: try v.u32("\(f) p_type", b), offset: try v.u32("\(f) p_offset", b + 4),
                    vaddr: try v.u32("\(f) p_vaddr", b + 8), paddr: try v.u32("\(f) p_paddr", b + 12),
                    filesz: try v.u32("\(f) p_filesz", b + 16), memsz: try v.u32("\(f) p_memsz", b + 20),
                    flags: try v.u32("\(f) p_flags", b + 24), align: try v.u32("\(f) p_align", b + 28))
                if ph.type == ELFConstants.ptLoad {
                    _ = try v.region("\(f) p_offset/p_filesz", UInt64(ph.offset), UInt64(ph.filesz))
                    guard ph.filesz <= ph.memsz else {
                        throw .absurdValue(field: "\(f) p_filesz", value: UInt64(ph.filesz), reason: "larger than p_memsz \(ph.memsz)")
                    }
                    guard ph.memsz <= ELFFile.maxSegmentSize else {
                        throw .absurdValue(field: "\(f) p_memsz", value: UInt64(ph.memsz), reason: "larger than \(ELFFile.maxSegmentSize) bytes")
                    }
                    guard UInt64(ph.vaddr) + UInt64(ph.memsz) <= 1 << 32 else {
                        throw .absurdValue(field: "\(f) p_vaddr/p_memsz", value: UInt64(ph.vaddr), reason: "segment wraps past 4 GiB")
                    }
                    guard UInt64(ph.paddr) + UInt64(ph.memsz) <= 1 << 32 else {
                        throw .absurdValue(field: "\(f) p_paddr/p_memsz", value: UInt64(ph.paddr), reason: "segment wraps past 4 GiB")
                    }
                    if ph.align > 1 && ph.align & (ph.align - 1) != 0 {
                        throw .absurdValue(field: "\(f) p_align", value: UInt64(ph.align), reason: "not a power of two")
                    }
                }
                phdrs.append(ph)
            }
            let total = phdrs.filter { $0.type == ELFConstants.ptLoad }.reduce(UInt64(0)) { $0 + UInt64($1.memsz) }
            guard total <= UInt64(ELFFile.maxSegmentSize) else {
                throw .absurdValue(field: "p_memsz (all PT_LOAD segments)", value: total, reason: "more than \(ELFFile.maxSegmentSize) bytes in total")
            }
            // Loadable segments must not overlap in (physical) memory.
            let loads = phdrs.enumerated().filter { $0.element.type == ELFConstants.ptLoad && $0.element.memsz > 0 }
                .sorted { $0.element.paddr < $1.element.paddr }
            if loads.count > 1 {
                for k in 1..<loads.count {
                    let a = loads[k - 1], b = loads[k]
                    if UInt64(a.element.paddr) + UInt64(a.element.memsz) > UInt64(b.element.paddr) {
                        throw .overlap(field: "program header \(b.offset) p_paddr",
                                       first: "segment \(b.offset)", second: "segment \(a.offset)")
                    }
                }
            }
        }
        programHeaders = phdrs

        // Section header table.
        var shdrs: [ELFSectionHeader] = []
        if shoff != 0 {
            guard shnum > 0 else { throw .absurdValue(field: "e_shnum", value: 0, reason: "extended section numbering is not supported") }
            guard shentsize == UInt16(ELFConstants.sectionHeaderSize) else {
                throw .badEntrySize(field: "e_shentsize", value: UInt64(shentsize), expected: UInt64(ELFConstants.sectionHeaderSize))
            }
            guard shoff >= UInt64(ELFConstants.headerSize) else {
                throw .overlap(field: "e_shoff", first: "section header table", second: "ELF header")
            }
            _ = try v.region("e_shoff", shoff, shnum * 40)
            if phnum > 0 {
                let pEnd = phoff + phnum * 32, sEnd = shoff + shnum * 40
                if phoff < sEnd && shoff < pEnd {
                    throw .overlap(field: "e_shoff", first: "section header table", second: "program header table")
                }
            }
            shdrs.reserveCapacity(Int(shnum))
            for i in 0..<shnum {
                let b = shoff + i * 40
                let f = "section header \(i)"
                let sh = ELFSectionHeader(
                    name: "", nameIndex: try v.u32("\(f) sh_name", b), type: try v.u32("\(f) sh_type", b + 4),
                    flags: try v.u32("\(f) sh_flags", b + 8), addr: try v.u32("\(f) sh_addr", b + 12),
                    offset: try v.u32("\(f) sh_offset", b + 16), size: try v.u32("\(f) sh_size", b + 20),
                    link: try v.u32("\(f) sh_link", b + 24), info: try v.u32("\(f) sh_info", b + 28),
                    addralign: try v.u32("\(f) sh_addralign", b + 32), entsize: try v.u32("\(f) sh_entsize", b + 36))
                if sh.type != ELFConstants.shtNobits && sh.type != ELFConstants.shtNull {
                    _ = try v.region("\(f) sh_offset/sh_size", UInt64(sh.offset), UInt64(sh.size))
                }
                if sh.addralign > 1 && sh.addralign & (sh.addralign - 1) != 0 {
                    throw .absurdValue(field: "\(f) sh_addralign", value: UInt64(sh.addralign), reason: "not a power of two")
                }
                shdrs.append(sh)
            }
            // File contents of sections must not overlap each other or the header tables.
            var regions: [(start: UInt64, end: UInt64, what: String)] = [
                (0, UInt64(ELFConstants.headerSize), "ELF header"),
                (shoff, shoff + shnum * 40, "section header table"),
            ]
            if phnum > 0 { regions.append((phoff, phoff + phnum * 32, "program header table")) }
            for (i, sh) in shdrs.enumerated() where sh.type != ELFConstants.shtNobits && sh.type != ELFConstants.shtNull && sh.size > 0 {
                regions.append((UInt64(sh.offset), UInt64(sh.offset) + UInt64(sh.size), "section \(i)"))
            }
            regions.sort { $0.start < $1.start }
            for k in 1..<regions.count where regions[k].start < regions[k - 1].end {
                let field = regions[k].what.hasPrefix("section ") && !regions[k].what.hasSuffix("table")
                    ? "section header \(regions[k].what.dropFirst(8)) sh_offset" : regions[k].what
                throw .overlap(field: field, first: regions[k].what, second: regions[k - 1].what)
            }
            // Section names.
            if shstrndx != 0 {
                guard shstrndx < shnum else { throw .badSectionIndex(field: "e_shstrndx", index: shstrndx) }
                let strSec = shdrs[Int(shstrndx)]
                guard strSec.type == ELFConstants.shtStrtab else {
                    throw .badSectionIndex(field: "e_shstrndx", index: shstrndx)
                }
                let table = try v.region("section header \(shstrndx) sh_offset/sh_size", UInt64(strSec.offset), UInt64(strSec.size))
                for i in shdrs.indices {
                    shdrs[i].name = try ELFFile.string(in: table, at: shdrs[i].nameIndex, field: "section header \(i) sh_name")
                }
            }
        } else if shnum != 0 {
            throw .absurdValue(field: "e_shnum", value: shnum, reason: "section headers present but e_shoff is 0")
        }
        sections = shdrs

        // Symbol table.
        var syms: [ELFSymbol] = []
        if let symIndex = shdrs.firstIndex(where: { $0.type == ELFConstants.shtSymtab }) {
            let st = shdrs[symIndex]
            let f = "section header \(symIndex)"
            guard st.entsize == UInt32(ELFConstants.symbolSize) else {
                throw .badEntrySize(field: "\(f) sh_entsize", value: UInt64(st.entsize), expected: 16)
            }
            guard st.size % 16 == 0 else {
                throw .absurdValue(field: "\(f) sh_size", value: UInt64(st.size), reason: "not a multiple of the entry size")
            }
            guard UInt64(st.link) < shnum, shdrs[Int(st.link)].type == ELFConstants.shtStrtab else {
                throw .badSectionIndex(field: "\(f) sh_link", index: UInt64(st.link))
            }
            let strSec = shdrs[Int(st.link)]
            let strtab = try v.region("section header \(st.link) sh_offset/sh_size", UInt64(strSec.offset), UInt64(strSec.size))
            let count = UInt64(st.size / 16)
            if count > 1 {
                syms.reserveCapacity(Int(count - 1))
                for i in 1..<count {
                    let b = UInt64(st.offset) + i * 16
                    let sf = "symbol \(i)"
                    let nameIndex = try v.u32("\(sf) st_name", b)
                    let info = try v.u8("\(sf) st_info", b + 12)
                    let shndx = try v.u16("\(sf) st_shndx", b + 14)
                    if shndx != ELFConstants.shnUndef && shndx < ELFConstants.shnLoReserve && UInt64(shndx) >= shnum {
                        throw .badSectionIndex(field: "\(sf) st_shndx", index: UInt64(shndx))
                    }
                    syms.append(ELFSymbol(
                        name: try ELFFile.string(in: strtab, at: nameIndex, field: "\(sf) st_name"),
                        value: try v.u32("\(sf) st_value", b + 4), size: try v.u32("\(sf) st_size", b + 8),
                        binding: info >> 4, type: info & 15, other: try v.u8("\(sf) st_other", b + 13),
                        sectionIndex: shndx))
                }
            }
        }
        symbols = syms
    }

    static func string(in table: ArraySlice<UInt8>, at index: UInt32, field: String) throws(ELFError) -> String {
        let start = table.startIndex + Int(index)
        guard UInt64(index) < UInt64(table.count) else {
            throw .badStringIndex(field: field, index: UInt64(index), tableSize: UInt64(table.count))
        }
        guard let end = table[start...].firstIndex(of: 0) else {
            throw .badStringIndex(field: field, index: UInt64(index), tableSize: UInt64(table.count))
        }
        return String(decoding: table[start..<end], as: UTF8.self)
    }

    /// The PT_LOAD segments with their memory images (bss zero-filled).
    public var loadSegments: [ELFLoadSegment] {
        programHeaders.filter { $0.type == ELFConstants.ptLoad }.map { ph in
            var data = [UInt8](repeating: 0, count: Int(ph.memsz))
            data[..<Int(ph.filesz)] = bytes[Int(ph.offset)..<Int(ph.offset) + Int(ph.filesz)]
            return ELFLoadSegment(vaddr: ph.vaddr, paddr: ph.paddr, flags: ph.flags, fileSize: ph.filesz, bytes: data)
        }
    }

    /// The section named `name`, if any.
    public func section(named name: String) -> ELFSectionHeader? { sections.first { $0.name == name } }

    /// The file bytes of a section (empty for SHT_NOBITS).
    public func contents(of section: ELFSectionHeader) -> [UInt8] {
        if section.type == ELFConstants.shtNobits || section.type == ELFConstants.shtNull { return [] }
        return Array(bytes[Int(section.offset)..<Int(section.offset) + Int(section.size)])
    }

    /// The value of the first symbol named `name`.
    public func symbol(named name: String) -> ELFSymbol? { symbols.first { $0.name == name } }
}
