/// A register-declaration mechanism: registers and their fields are declared as data,
/// with access modes and reset values, validated when the map is built, and served by
/// one engine that implements each access mode once.
///
/// Shared by PCI configuration space (PCIe) and the SoC's CSR devices (SoC): a device
/// declares its registers once, and the model, `socsim map`, the Markdown tables and the
/// firmware headers all come from that declaration.
///
/// ```swift
/// let map = try RegisterMap("uart", size: 0x1000) {
///     Register("CTRL", at: 0x00) {
///         Field("EN", bit: 0, .readWrite)
///         Field("IRQ", bit: 1, .writeOneToClear)
///     }
/// }
/// ```
/// Bytes no field covers read as zero and ignore writes (reserved).

/// How a field responds to bus writes. Hardware-side updates (`RegisterFile.set`) bypass it.
public enum AccessMode: String, Hashable, Sendable, CaseIterable {
    /// Reads return the value; writes store the written bits.
    case readWrite = "RW"
    /// Reads return the value; writes are ignored.
    case readOnly = "RO"
    /// Reads return the value; writing 1 to a bit clears it, writing 0 leaves it.
    case writeOneToClear = "RW1C"
    /// Reads return the value; a write leaves it unchanged but is an action the device
    /// performs (e.g. the UART's RXTX: a write transmits, a read returns the last byte
    /// received; sysctl's SYSTEM_ID: a write resets the system).
    case readOnlyWriteAction = "RO/WA"
}

public struct Field: Hashable, Sendable {
    public let name: String
    /// Bit positions within the register (0 = least significant).
    public let bits: ClosedRange<Int>
    public let access: AccessMode
    /// Value of the field (not shifted) after reset.
    public let reset: UInt64
    public let summary: String
    /// Declared but not modelled: accesses behave per `access`, and the first bus write to
    /// it is recorded once in `RegisterFile.unmodelledWrites` for the caller to log.
    public let tagged: Bool

    public init(_ name: String, bits: ClosedRange<Int>, _ access: AccessMode, reset: UInt64 = 0, _ summary: String = "",
                tagged: Bool = false) {
        self.name = name
        self.bits = bits
        self.access = access
        self.reset = reset
        self.summary = summary
        self.tagged = tagged
    }

    public init(_ name: String, bit: Int, _ access: AccessMode, reset: UInt64 = 0, _ summary: String = "",
                tagged: Bool = false) {
        self.init(name, bits: bit...bit, access, reset: reset, summary, tagged: tagged)
    }

    public var width: Int { bits.count }
    /// The field's bits in register position.
    public var mask: UInt64 { (width >= 64 ? ~0 : (1 << UInt64(width)) - 1) << UInt64(bits.lowerBound) }
}

public struct Register: Hashable, Sendable {
    public let name: String
    /// Byte offset in the register map.
    public let offset: Int
    /// Size in bytes, 1...8. Bytes are little-endian: byte `offset` holds bits 7:0.
    public let bytes: Int
    public let fields: [Field]
    /// One line for the generated tables and headers.
    public let summary: String

    public init(_ name: String, at offset: Int, bytes: Int = 4, _ summary: String = "",
                @FieldBuilder fields: () -> [Field] = { [] }) {
        self.name = name
        self.offset = offset
        self.bytes = bytes
        self.summary = summary
        self.fields = fields()
    }

    public init(_ name: String, at offset: Int, bytes: Int = 4, _ summary: String = "", fields: [Field]) {
        self.name = name
        self.offset = offset
        self.bytes = bytes
        self.summary = summary
        self.fields = fields
    }

    /// The register's value after reset.
    public var resetValue: UInt64 { fields.reduce(0) { $0 | $1.reset << UInt64($1.bits.lowerBound) } }

    public func field(_ name: String) -> Field? { fields.first { $0.name == name } }
}

@resultBuilder
public enum FieldBuilder {
    public static func buildExpression(_ f: Field) -> [Field] { [f] }
    public static func buildExpression(_ fs: [Field]) -> [Field] { fs }
    public static func buildBlock(_ parts: [Field]...) -> [Field] { parts.flatMap { $0 } }
    public static func buildOptional(_ p: [Field]?) -> [Field] { p ?? [] }
    public static func buildEither(first p: [Field]) -> [Field] { p }
    public static func buildEither(second p: [Field]) -> [Field] { p }
    public static func buildArray(_ ps: [[Field]]) -> [Field] { ps.flatMap { $0 } }
}

@resultBuilder
public enum RegisterBuilder {
    public static func buildExpression(_ r: Register) -> [Register] { [r] }
    public static func buildExpression(_ rs: [Register]) -> [Register] { rs }
    public static func buildBlock(_ parts: [Register]...) -> [Register] { parts.flatMap { $0 } }
    public static func buildOptional(_ p: [Register]?) -> [Register] { p ?? [] }
    public static func buildEither(first p: [Register]) -> [Register] { p }
    public static func buildEither(second p: [Register]) -> [Register] { p }
    public static func buildArray(_ ps: [[Register]]) -> [Register] { ps.flatMap { $0 } }
}

/// A declaration the register map rejects at construction.
public enum RegisterMapError: Error, Hashable, Sendable, CustomStringConvertible {
    case badRegisterSize(register: String, bytes: Int)
    case registerOutsideMap(register: String, offset: Int, mapSize: Int)
    case misalignedRegister(register: String, offset: Int)
    case overlappingRegisters(String, String)
    case duplicateName(String)
    case fieldOutsideRegister(register: String, field: String)
    case overlappingFields(register: String, String, String)
    case resetValueTooWide(register: String, field: String, value: UInt64)

    public var description: String {
        switch self {
        case .badRegisterSize(let r, let n): "\(r): size \(n) bytes, must be 1...8"
        case .registerOutsideMap(let r, let o, let s): "\(r): offset 0x\(String(o, radix: 16)) is outside the \(s)-byte map"
        case .misalignedRegister(let r, let o): "\(r): offset 0x\(String(o, radix: 16)) is not aligned to the register size"
        case .overlappingRegisters(let a, let b): "\(a) and \(b) overlap"
        case .duplicateName(let n): "\(n) is declared twice"
        case .fieldOutsideRegister(let r, let f): "\(r).\(f): bits lie outside the register"
        case .overlappingFields(let r, let a, let b): "\(r): fields \(a) and \(b) overlap"
        case .resetValueTooWide(let r, let f, let v): "\(r).\(f): reset value 0x\(String(v, radix: 16)) does not fit the field"
        }
    }
}

/// A validated set of register declarations.
public struct RegisterMap: Hashable, Sendable {
    public let name: String
    public let size: Int
    /// In offset order.
    public let registers: [Register]
    /// For each byte of the map: index of the register covering it, or -1.
    let byteOwner: [Int16]

    public init(_ name: String, size: Int, @RegisterBuilder registers: () -> [Register]) throws(RegisterMapError) {
        try self.init(name, size: size, registers: registers())
    }

    public init(_ name: String, size: Int, registers: [Register]) throws(RegisterMapError) {
        self.name = name
        self.size = size
        let sorted = registers.sorted { $0.offset < $1.offset }
        var owner = [Int16](repeating: -1, count: size)
        var names = Set<String>()
        for (i, r) in sorted.enumerated() {
            guard (1...8).contains(r.bytes) else { throw .badRegisterSize(register: r.name, bytes: r.bytes) }
            guard r.offset >= 0, r.offset + r.bytes <= size else {
                throw .registerOutsideMap(register: r.name, offset: r.offset, mapSize: size)
            }
            if r.bytes & (r.bytes - 1) == 0, r.offset % r.bytes != 0 {
                throw .misalignedRegister(register: r.name, offset: r.offset)
            }
            guard names.insert(r.name).inserted else { throw .duplicateName(r.name) }
            for b in r.offset ..< r.offset + r.bytes {
                if owner[b] >= 0 { throw .overlappingRegisters(sorted[Int(owner[b])].name, r.name) }
                owner[b] = Int16(i)
            }
            var fieldNames = Set<String>()
            var used: UInt64 = 0
            for f in r.fields {
                guard f.bits.lowerBound >= 0, f.bits.upperBound < r.bytes * 8 else {
                    throw .fieldOutsideRegister(register: r.name, field: f.name)
                }
                guard fieldNames.insert(f.name).inserted else { throw .duplicateName("\(r.name).\(f.name)") }
                if used & f.mask != 0 {
                    let other = r.fields.first { $0.name != f.name && $0.mask & f.mask != 0 }!
                    throw .overlappingFields(register: r.name, other.name, f.name)
                }
                used |= f.mask
                if f.width < 64, f.reset >> UInt64(f.width) != 0 {
                    throw .resetValueTooWide(register: r.name, field: f.name, value: f.reset)
                }
            }
        }
        self.registers = sorted
        self.byteOwner = owner
    }

    public func register(_ name: String) -> Register? { registers.first { $0.name == name } }

    /// A Markdown table of every register and field, for the firmware and driver teams.
    public func markdown() -> String {
        var lines = ["| offset | register | bits | field | access | reset | description |",
                     "|---|---|---|---|---|---|---|"]
        for r in registers {
            let off = "0x" + offsetHex(r.offset)
            if r.fields.isEmpty {
                lines.append("| \(off) | \(r.name) | | | | 0 | reserved |")
            }
            for f in r.fields.sorted(by: { $0.bits.lowerBound > $1.bits.lowerBound }) {
                let bits = f.width == 1 ? "\(f.bits.lowerBound)" : "\(f.bits.upperBound):\(f.bits.lowerBound)"
                lines.append("| \(off) | \(r.name) | \(bits) | \(f.name) | \(f.access.rawValue) | 0x\(String(f.reset, radix: 16)) | \(f.summary) |")
            }
        }
        return lines.joined(separator: "\n")
    }

    /// A C header for firmware: one `#define` per register offset, and per field its
    /// shift and mask, named `PREFIX_REGISTER[_FIELD]` (dots become underscores).
    public func cHeader(prefix: String) -> String {
        func ident(_ s: String) -> String {
            String(s.uppercased().map { $0.isLetter || $0.isNumber ? $0 : "_" })
        }
        let guardName = ident(prefix) + "_REGS_H"
        var lines = ["/* Generated from the \(name) register map. Do not edit. */",
                     "#ifndef \(guardName)", "#define \(guardName)", ""]
        for r in registers {
            let base = ident(prefix) + "_" + ident(r.name)
            lines.append("#define \(base) 0x\(offsetHex(r.offset))")
            for f in r.fields {
                lines.append("#define \(base)_\(ident(f.name))_SHIFT \(f.bits.lowerBound)")
                lines.append("#define \(base)_\(ident(f.name))_MASK 0x\(String(f.mask, radix: 16))u")
            }
        }
        lines += ["", "#endif"]
        return lines.joined(separator: "\n") + "\n"
    }

    /// The same names as `cHeader` as GNU-as `.equ` lines, for firmware that
    /// `.include`s them (no header guard: include it once).
    public func asmEquates(prefix: String) -> String {
        var lines = ["# \(name) register map"]
        for r in registers {
            let base = Self.identifier(prefix) + "_" + Self.identifier(r.name)
            lines.append(".equ \(base), 0x\(offsetHex(r.offset))")
            for f in r.fields {
                lines.append(".equ \(base)_\(Self.identifier(f.name))_SHIFT, \(f.bits.lowerBound)")
                lines.append(".equ \(base)_\(Self.identifier(f.name))_MASK, 0x\(String(f.mask, radix: 16))")
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// An identifier for generated headers: upper case, anything but letters and digits becomes `_`.
    public static func identifier(_ s: String) -> String {
        String(s.uppercased().map { $0.isLetter || $0.isNumber ? $0 : "_" })
    }
}

/// The state of a register map: one value per register, accessed by bytes with the
/// declared access modes (bus side) or by field without them (hardware side).
public struct RegisterFile: Hashable, Sendable {
    public let map: RegisterMap
    private var values: [UInt64]
    /// `REGISTER.FIELD` of each tagged (unmodelled) field, in the order they were first
    /// written by the bus; each appears once however often it is written.
    public private(set) var unmodelledWrites: [String] = []

    public init(_ map: RegisterMap) {
        self.map = map
        values = map.registers.map(\.resetValue)
    }

    public mutating func reset() { values = map.registers.map(\.resetValue) }

    /// Reads `count` bytes (1...8) at `offset` as a little-endian value; undeclared bytes read 0.
    public func read(at offset: Int, count: Int) -> UInt64 {
        var v: UInt64 = 0
        for i in 0..<count { v |= UInt64(byte(at: offset + i)) << UInt64(8 * i) }
        return v
    }

    public func byte(at offset: Int) -> UInt8 {
        guard offset >= 0, offset < map.size else { return 0 }
        let owner = Int(map.byteOwner[offset])
        guard owner >= 0 else { return 0 }
        let r = map.registers[owner]
        return UInt8(truncatingIfNeeded: values[owner] >> UInt64(8 * (offset - r.offset)))
    }

    /// A bus write of `count` bytes (1...8) at `offset`, little-endian `value`; `byteEnables`
    /// bit i enables byte `offset + i`. Each field applies its access mode to the enabled bits.
    public mutating func write(at offset: Int, count: Int, value: UInt64, byteEnables: UInt8 = 0xFF) {
        // Gather, per register, the written bits and their values.
        var touched: [Int: (mask: UInt64, bits: UInt64)] = [:]
        for i in 0..<count where byteEnables >> UInt8(i) & 1 == 1 {
            let at = offset + i
            guard at >= 0, at < map.size else { continue }
            let owner = Int(map.byteOwner[at])
            guard owner >= 0 else { continue }
            let shift = UInt64(8 * (at - map.registers[owner].offset))
            let byte = (value >> UInt64(8 * i)) & 0xFF
            var t = touched[owner] ?? (0, 0)
            t.mask |= 0xFF << shift
            t.bits |= byte << shift
            touched[owner] = t
        }
        for index in touched.keys.sorted() {
            let t = touched[index]!
            var v = values[index]
            for f in map.registers[index].fields {
                let m = f.mask & t.mask
                if f.tagged, m != 0 {
                    let name = map.registers[index].name + "." + f.name
                    if !unmodelledWrites.contains(name) { unmodelledWrites.append(name) }
                }
                switch f.access {
                case .readWrite: v = (v & ~m) | (t.bits & m)
                case .readOnly, .readOnlyWriteAction: break
                case .writeOneToClear: v &= ~(t.bits & m)
                }
            }
            values[index] = v
        }
    }

    /// The value of a whole register.
    public func value(of register: String) -> UInt64 {
        values[index(of: register)]
    }

    /// The value of one field (not shifted).
    public func value(of register: String, _ field: String) -> UInt64 {
        let (i, f) = locate(register, field)
        return (values[i] & f.mask) >> UInt64(f.bits.lowerBound)
    }

    /// Hardware-side update of one field, whatever its access mode (e.g. a status bit the
    /// device sets, which software then clears by writing 1).
    public mutating func set(_ register: String, _ field: String, to value: UInt64) {
        let (i, f) = locate(register, field)
        precondition(f.width >= 64 || value >> UInt64(f.width) == 0, "\(register).\(field): value too wide")
        values[i] = (values[i] & ~f.mask) | (value << UInt64(f.bits.lowerBound))
    }

    private func index(of register: String) -> Int {
        guard let i = map.registers.firstIndex(where: { $0.name == register }) else {
            preconditionFailure("no register \(register) in \(map.name)")
        }
        return i
    }

    private func locate(_ register: String, _ field: String) -> (Int, Field) {
        let i = index(of: register)
        guard let f = map.registers[i].field(field) else { preconditionFailure("no field \(register).\(field)") }
        return (i, f)
    }
}

/// An offset as at least three hexadecimal digits, lower case.
private func offsetHex(_ v: Int) -> String {
    let s = String(v, radix: 16)
    return String(repeating: "0", count: max(0, 3 - s.count)) + s
}
