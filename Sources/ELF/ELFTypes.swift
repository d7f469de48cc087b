/// ELF32 big-endian model for EM_LATTICEMICO32 executables.
///
/// `ELFFile(bytes:)` reads and validates a file; `ELFExecutable.serialize()`
/// writes one. Both use the types below.

public enum ELFConstants {
    /// EM_LATTICEMICO32.
    public static let machineLM32: UInt16 = 138
    public static let headerSize = 52
    public static let programHeaderSize = 32
    public static let sectionHeaderSize = 40
    public static let symbolSize = 16

    public static let etExec: UInt16 = 2
    public static let ptLoad: UInt32 = 1

    public static let shtNull: UInt32 = 0
    public static let shtProgbits: UInt32 = 1
    public static let shtSymtab: UInt32 = 2
    public static let shtStrtab: UInt32 = 3
    public static let shtNobits: UInt32 = 8

    public static let shfWrite: UInt32 = 1
    public static let shfAlloc: UInt32 = 2
    public static let shfExecInstr: UInt32 = 4

    public static let pfX: UInt32 = 1
    public static let pfW: UInt32 = 2
    public static let pfR: UInt32 = 4

    public static let shnUndef: UInt16 = 0
    public static let shnLoReserve: UInt16 = 0xFF00
    public static let shnAbs: UInt16 = 0xFFF1
    public static let shnCommon: UInt16 = 0xFFF2

    public static let stbLocal: UInt8 = 0
    public static let stbGlobal: UInt8 = 1
    public static let stbWeak: UInt8 = 2
    public static let sttNoType: UInt8 = 0
    public static let sttObject: UInt8 = 1
    public static let sttFunc: UInt8 = 2
    public static let sttSection: UInt8 = 3
    public static let sttFile: UInt8 = 4
}

/// Why a file is not an acceptable LM32 ELF32 image. Every case names the
/// header field (or table entry field) at fault.
public enum ELFError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The file ends before `field` (which needs `needed` bytes at `offset`).
    case truncated(field: String, offset: UInt64, needed: UInt64, fileSize: UInt64)
    /// e_ident does not start with 0x7F 'E' 'L' 'F'.
    case badMagic(field: String)
    /// A header field holds a value this reader does not accept
    /// (class, data encoding, version, machine, type).
    case unsupported(field: String, value: UInt64, expected: String)
    /// A table or region lies (partly) outside the file.
    case outOfBounds(field: String, offset: UInt64, size: UInt64, fileSize: UInt64)
    /// An entry size field is not the ELF32 size.
    case badEntrySize(field: String, value: UInt64, expected: UInt64)
    /// A count or size is not believable (too large, inconsistent).
    case absurdValue(field: String, value: UInt64, reason: String)
    /// Two regions that must be disjoint overlap.
    case overlap(field: String, first: String, second: String)
    /// A string-table index is outside its table or unterminated.
    case badStringIndex(field: String, index: UInt64, tableSize: UInt64)
    /// A section index refers to no section (or to the wrong kind).
    case badSectionIndex(field: String, index: UInt64)

    /// The field at fault.
    public var field: String {
        switch self {
        case let .truncated(f, _, _, _), let .badMagic(f), let .unsupported(f, _, _),
             let .outOfBounds(f, _, _, _), let .badEntrySize(f, _, _), let .absurdValue(f, _, _),
             let .overlap(f, _, _), let .badStringIndex(f, _, _), let .badSectionIndex(f, _):
            return f
        }
    }

    public var description: String {
        func hex(_ v: UInt64) -> String { "0x" + String(v, radix: 16) }
        switch self {
        case let .truncated(f, o, n, s):
            return "\(f): file truncated (needs \(n) bytes at offset \(hex(o)), file has \(s))"
        case let .badMagic(f): return "\(f): not an ELF file (bad magic)"
        case let .unsupported(f, v, e): return "\(f): unsupported value \(v) (expected \(e))"
        case let .outOfBounds(f, o, n, s):
            return "\(f): region \(hex(o))+\(hex(n)) lies outside the file (size \(s))"
        case let .badEntrySize(f, v, e): return "\(f): entry size \(v), expected \(e)"
        case let .absurdValue(f, v, r): return "\(f): value \(v) rejected (\(r))"
        case let .overlap(f, a, b): return "\(f): \(a) overlaps \(b)"
        case let .badStringIndex(f, i, n): return "\(f): string index \(i) is invalid for a table of \(n) bytes"
        case let .badSectionIndex(f, i): return "\(f): section index \(i) is invalid"
        }
    }
}

public struct ELFProgramHeader: Equatable, Sendable {
    public var type: UInt32
    public var offset: UInt32
    public var vaddr: UInt32
    public var paddr: UInt32
    public var filesz: UInt32
    public var memsz: UInt32
    public var flags: UInt32
    public var align: UInt32

    public init(type: UInt32, offset: UInt32, vaddr: UInt32, paddr: UInt32, filesz: UInt32,
                memsz: UInt32, flags: UInt32, align: UInt32) {
        self.type = type; self.offset = offset; self.vaddr = vaddr; self.paddr = paddr
        self.filesz = filesz; self.memsz = memsz; self.flags = flags; self.align = align
    }
}

public struct ELFSectionHeader: Equatable, Sendable {
    public var name: String
    public var nameIndex: UInt32
    public var type: UInt32
    public var flags: UInt32
    public var addr: UInt32
    public var offset: UInt32
    public var size: UInt32
    public var link: UInt32
    public var info: UInt32
    public var addralign: UInt32
    public var entsize: UInt32
}

public struct ELFSymbol: Equatable, Sendable {
    public var name: String
    public var value: UInt32
    public var size: UInt32
    /// STB_* (upper nibble of st_info).
    public var binding: UInt8
    /// STT_* (lower nibble of st_info).
    public var type: UInt8
    public var other: UInt8
    /// st_shndx (SHN_ABS, SHN_UNDEF or a section index).
    public var sectionIndex: UInt16

    public init(name: String, value: UInt32, size: UInt32 = 0, binding: UInt8, type: UInt8 = ELFConstants.sttNoType,
                other: UInt8 = 0, sectionIndex: UInt16) {
        self.name = name; self.value = value; self.size = size; self.binding = binding
        self.type = type; self.other = other; self.sectionIndex = sectionIndex
    }

    public var isGlobal: Bool { binding != ELFConstants.stbLocal }
}

/// A loadable segment with its bytes materialised (`bytes.count == memsz`;
/// the part beyond `filesz` is zero, i.e. .bss).
public struct ELFLoadSegment: Equatable, Sendable {
    public var vaddr: UInt32
    public var paddr: UInt32
    public var flags: UInt32
    public var fileSize: UInt32
    public var bytes: [UInt8]
}
