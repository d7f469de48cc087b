import SimBus

/// The endpoint's type-0 configuration space, declared with the register DSL.
///
/// Header: IDs, command/status (status error bits are write-one-to-clear), class code,
/// BAR0 (a 32-bit non-prefetchable memory BAR of `bar0Size` bytes: the base bits below the
/// size are read-only zero, so writing all ones reads back the size mask), capability
/// pointer, interrupt line/pin. Capabilities are placed by `CapabilityAllocator`: power
/// management, MSI (64-bit, one vector, optional per-vector mask) and PCI Express
/// (version 2, endpoint; device control with max payload and max read request size).

/// One capability structure before placement: its ID, its size in bytes, and its
/// registers after the 2-byte ID/next header, given the offset it is placed at.
public struct Capability: Sendable {
    public let id: UInt8
    public let name: String
    public let size: Int
    public let body: @Sendable (_ base: Int) -> [Register]

    public init(id: UInt8, name: String, size: Int, body: @escaping @Sendable (_ base: Int) -> [Register]) {
        self.id = id
        self.name = name
        self.size = size
        self.body = body
    }
}

/// A capability as placed: where it starts.
public struct PlacedCapability: Hashable, Sendable {
    public let id: UInt8
    public let name: String
    public let offset: Int
}

/// Places capabilities one after another, dword-aligned, in the PCI-compatible space
/// after the type-0 header (0x40...0xFF), and links them through their next pointers.
public struct CapabilityAllocator: Sendable {
    public let start: Int
    public let end: Int

    public init(start: Int = 0x40, end: Int = 0x100) {
        self.start = start
        self.end = end
    }

    public enum AllocationError: Error, Hashable, Sendable { case doesNotFit(String) }

    /// The placed capabilities and all their registers (ID and next pointer included).
    public func place(_ caps: [Capability]) throws(AllocationError) -> ([PlacedCapability], [Register]) {
        var offsets: [Int] = []
        var at = start
        for c in caps {
            guard at + c.size <= end else { throw .doesNotFit(c.name) }
            offsets.append(at)
            at = (at + c.size + 3) & ~3
        }
        var placed: [PlacedCapability] = []
        var registers: [Register] = []
        for (i, c) in caps.enumerated() {
            let base = offsets[i]
            let next = i + 1 < caps.count ? offsets[i + 1] : 0
            placed.append(PlacedCapability(id: c.id, name: c.name, offset: base))
            registers.append(Register("\(c.name).CAP_ID", at: base, bytes: 1) {
                Field("ID", bits: 0...7, .readOnly, reset: UInt64(c.id), "capability ID")
            })
            registers.append(Register("\(c.name).NEXT", at: base + 1, bytes: 1) {
                Field("POINTER", bits: 0...7, .readOnly, reset: UInt64(next), "next capability, 0 ends the list")
            })
            registers += c.body(base)
        }
        return (placed, registers)
    }
}

/// What the configuration space identifies itself as, and what it supports.
public struct ConfigSpaceOptions: Hashable, Sendable {
    public var vendorID: UInt16 = 0x1AB4
    public var deviceID: UInt16 = 0x0001
    public var revisionID: UInt8 = 0
    /// Base class, subclass, programming interface: 0x11_80_00 = "other signal processing controller".
    public var classCode: UInt32 = 0x11_80_00
    public var subsystemVendorID: UInt16 = 0x1AB4
    public var subsystemID: UInt16 = 0x0001
    /// BAR0 size in bytes: a power of two, at least 16 (4 KiB recommended and default).
    public var bar0Size: UInt32 = 4096
    /// Whether the MSI capability has per-vector masking (mask and pending bits).
    public var msiPerVectorMasking = false
    /// Max payload size supported, in bytes (Spartan-6 integrated block: 512).
    public var maxPayloadSupported = 512
    /// Link speed (1 = 2.5, 2 = 5, 3 = 8 GT/s) and width reported in the link registers.
    public var linkSpeed: UInt8 = 1
    public var linkWidth: UInt8 = 1

    public init() {}
}

public struct ConfigSpace: Hashable, Sendable {
    public static let pmCapabilityID: UInt8 = 0x01
    public static let msiCapabilityID: UInt8 = 0x05
    public static let pcieCapabilityID: UInt8 = 0x10

    public private(set) var registers: RegisterFile
    public let capabilities: [PlacedCapability]
    public let options: ConfigSpaceOptions
    /// The routing ID captured from the last configuration write received (bus and
    /// device numbers are assigned by enumeration).
    public private(set) var capturedID: PCIeID?

    public init(_ options: ConfigSpaceOptions = ConfigSpaceOptions()) {
        precondition(options.bar0Size >= 16 && options.bar0Size & (options.bar0Size - 1) == 0,
                     "BAR0 size must be a power of two of at least 16 bytes")
        guard let mpsSupported = PCIeSize.encoding(bytes: options.maxPayloadSupported) else {
            preconditionFailure("max payload supported must be 128...4096, a power of two")
        }
        self.options = options
        let (placed, capRegisters): ([PlacedCapability], [Register])
        do {
            (placed, capRegisters) = try CapabilityAllocator().place([
                Self.powerManagement(),
                Self.msi(masking: options.msiPerVectorMasking),
                Self.pciExpress(mpsSupported: mpsSupported, speed: options.linkSpeed, width: options.linkWidth),
            ])
        } catch {
            preconditionFailure("capabilities do not fit: \(error)")
        }
        capabilities = placed
        let sizeBits = options.bar0Size.trailingZeroBitCount
        let o = options
        let header: [Register] = [
            Register("VENDOR_ID", at: 0x00, bytes: 2) { Field("ID", bits: 0...15, .readOnly, reset: UInt64(o.vendorID)) },
            Register("DEVICE_ID", at: 0x02, bytes: 2) { Field("ID", bits: 0...15, .readOnly, reset: UInt64(o.deviceID)) },
            Register("COMMAND", at: 0x04, bytes: 2) {
                Field("IO_SPACE", bit: 0, .readOnly, "no I/O BARs")
                Field("MEMORY_SPACE", bit: 1, .readWrite, "decode BAR0")
                Field("BUS_MASTER", bit: 2, .readWrite, "may issue memory requests and MSI")
                Field("PARITY_ERROR_RESPONSE", bit: 6, .readWrite, tagged: true)
                Field("SERR_ENABLE", bit: 8, .readWrite, tagged: true)
                Field("INTX_DISABLE", bit: 10, .readWrite)
            },
            Register("STATUS", at: 0x06, bytes: 2) {
                Field("INTERRUPT_STATUS", bit: 3, .readOnly)
                Field("CAPABILITIES_LIST", bit: 4, .readOnly, reset: 1)
                Field("MASTER_DATA_PARITY_ERROR", bit: 8, .writeOneToClear)
                Field("SIGNALED_TARGET_ABORT", bit: 11, .writeOneToClear)
                Field("RECEIVED_TARGET_ABORT", bit: 12, .writeOneToClear)
                Field("RECEIVED_MASTER_ABORT", bit: 13, .writeOneToClear, "an unsupported-request completion arrived")
                Field("SIGNALED_SYSTEM_ERROR", bit: 14, .writeOneToClear)
                Field("DETECTED_PARITY_ERROR", bit: 15, .writeOneToClear, "a poisoned TLP arrived")
            },
            Register("REVISION_ID", at: 0x08, bytes: 1) { Field("ID", bits: 0...7, .readOnly, reset: UInt64(o.revisionID)) },
            Register("PROG_IF", at: 0x09, bytes: 1) { Field("CLASS", bits: 0...7, .readOnly, reset: UInt64(o.classCode & 0xFF)) },
            Register("SUBCLASS", at: 0x0A, bytes: 1) { Field("CLASS", bits: 0...7, .readOnly, reset: UInt64((o.classCode >> 8) & 0xFF)) },
            Register("BASE_CLASS", at: 0x0B, bytes: 1) { Field("CLASS", bits: 0...7, .readOnly, reset: UInt64((o.classCode >> 16) & 0xFF)) },
            Register("CACHE_LINE_SIZE", at: 0x0C, bytes: 1) { Field("SIZE", bits: 0...7, .readWrite, "no effect on PCIe") },
            Register("LATENCY_TIMER", at: 0x0D, bytes: 1),
            Register("HEADER_TYPE", at: 0x0E, bytes: 1) { Field("TYPE", bits: 0...7, .readOnly, reset: 0, "type 0, single function") },
            Register("BIST", at: 0x0F, bytes: 1),
            Register("BAR0", at: 0x10, bytes: 4) {
                Field("SPACE", bit: 0, .readOnly, reset: 0, "0 = memory")
                Field("TYPE", bits: 1...2, .readOnly, reset: 0, "00 = 32-bit")
                Field("PREFETCHABLE", bit: 3, .readOnly, reset: 0)
                if sizeBits > 4 { Field("SIZE", bits: 4...(sizeBits - 1), .readOnly, reset: 0, "zero bits below the size") }
                Field("BASE", bits: sizeBits...31, .readWrite, "base address")
            },
            Register("SUBSYSTEM_VENDOR_ID", at: 0x2C, bytes: 2) { Field("ID", bits: 0...15, .readOnly, reset: UInt64(o.subsystemVendorID)) },
            Register("SUBSYSTEM_ID", at: 0x2E, bytes: 2) { Field("ID", bits: 0...15, .readOnly, reset: UInt64(o.subsystemID)) },
            Register("CAPABILITIES_POINTER", at: 0x34, bytes: 1) {
                Field("POINTER", bits: 0...7, .readOnly, reset: UInt64(placed.first?.offset ?? 0))
            },
            Register("INTERRUPT_LINE", at: 0x3C, bytes: 1) { Field("LINE", bits: 0...7, .readWrite) },
            Register("INTERRUPT_PIN", at: 0x3D, bytes: 1) { Field("PIN", bits: 0...7, .readOnly, reset: 0, "0 = no INTx; MSI only") },
        ]
        do {
            registers = RegisterFile(try RegisterMap("type0-config", size: 4096, registers: header + capRegisters))
        } catch {
            preconditionFailure("configuration space declaration: \(error)")
        }
    }

    static func powerManagement() -> Capability {
        Capability(id: pmCapabilityID, name: "PM", size: 8) { base in [
            Register("PM.PMC", at: base + 2, bytes: 2) { Field("VERSION", bits: 0...2, .readOnly, reset: 3) },
            Register("PM.PMCSR", at: base + 4, bytes: 2) {
                Field("POWER_STATE", bits: 0...1, .readWrite, "D0-D3hot", tagged: true)
                Field("NO_SOFT_RESET", bit: 3, .readOnly, reset: 1)
            },
        ] }
    }

    static func msi(masking: Bool) -> Capability {
        Capability(id: msiCapabilityID, name: "MSI", size: masking ? 0x18 : 0x0E) { base in
            var regs = [
                Register("MSI.CONTROL", at: base + 2, bytes: 2) {
                    Field("ENABLE", bit: 0, .readWrite)
                    Field("MULTIPLE_MESSAGE_CAPABLE", bits: 1...3, .readOnly, reset: 0, "one vector")
                    Field("MULTIPLE_MESSAGE_ENABLE", bits: 4...6, .readWrite)
                    Field("ADDRESS_64", bit: 7, .readOnly, reset: 1)
                    Field("PER_VECTOR_MASKING", bit: 8, .readOnly, reset: masking ? 1 : 0)
                },
                Register("MSI.ADDRESS_LO", at: base + 4, bytes: 4) { Field("ADDRESS", bits: 2...31, .readWrite) },
                Register("MSI.ADDRESS_HI", at: base + 8, bytes: 4) { Field("ADDRESS", bits: 0...31, .readWrite) },
                Register("MSI.DATA", at: base + 0x0C, bytes: 2) { Field("DATA", bits: 0...15, .readWrite) },
            ]
            if masking {
                regs.append(Register("MSI.MASK", at: base + 0x10, bytes: 4) { Field("MASK", bit: 0, .readWrite) })
                regs.append(Register("MSI.PENDING", at: base + 0x14, bytes: 4) { Field("PENDING", bit: 0, .readOnly) })
            }
            return regs
        }
    }

    static func pciExpress(mpsSupported: UInt8, speed: UInt8, width: UInt8) -> Capability {
        Capability(id: pcieCapabilityID, name: "PCIE", size: 0x3C) { base in [
            Register("PCIE.CAPABILITIES", at: base + 2, bytes: 2) {
                Field("VERSION", bits: 0...3, .readOnly, reset: 2)
                Field("DEVICE_TYPE", bits: 4...7, .readOnly, reset: 0, "PCI Express endpoint")
            },
            Register("PCIE.DEVICE_CAPABILITIES", at: base + 4, bytes: 4) {
                Field("MAX_PAYLOAD_SUPPORTED", bits: 0...2, .readOnly, reset: UInt64(mpsSupported))
                Field("EXTENDED_TAG", bit: 5, .readOnly, reset: 0, "5-bit tags only")
                Field("ROLE_BASED_ERROR", bit: 15, .readOnly, reset: 1)
            },
            Register("PCIE.DEVICE_CONTROL", at: base + 8, bytes: 2) {
                Field("CORRECTABLE_ERROR_REPORTING", bit: 0, .readWrite, tagged: true)
                Field("NON_FATAL_ERROR_REPORTING", bit: 1, .readWrite, tagged: true)
                Field("FATAL_ERROR_REPORTING", bit: 2, .readWrite, tagged: true)
                Field("UNSUPPORTED_REQUEST_REPORTING", bit: 3, .readWrite, tagged: true)
                Field("RELAXED_ORDERING", bit: 4, .readWrite, reset: 1)
                Field("MAX_PAYLOAD_SIZE", bits: 5...7, .readWrite, reset: 0, "000 = 128 B ... 101 = 4096 B")
                Field("EXTENDED_TAG", bit: 8, .readOnly, reset: 0)
                Field("NO_SNOOP", bit: 11, .readWrite, reset: 1)
                Field("MAX_READ_REQUEST_SIZE", bits: 12...14, .readWrite, reset: 2, "000 = 128 B ... 101 = 4096 B")
            },
            Register("PCIE.DEVICE_STATUS", at: base + 0x0A, bytes: 2) {
                Field("CORRECTABLE_ERROR", bit: 0, .writeOneToClear)
                Field("NON_FATAL_ERROR", bit: 1, .writeOneToClear)
                Field("FATAL_ERROR", bit: 2, .writeOneToClear)
                Field("UNSUPPORTED_REQUEST", bit: 3, .writeOneToClear)
                Field("TRANSACTIONS_PENDING", bit: 5, .readOnly)
            },
            Register("PCIE.LINK_CAPABILITIES", at: base + 0x0C, bytes: 4) {
                Field("MAX_LINK_SPEED", bits: 0...3, .readOnly, reset: UInt64(speed))
                Field("MAX_LINK_WIDTH", bits: 4...9, .readOnly, reset: UInt64(width))
            },
            Register("PCIE.LINK_CONTROL", at: base + 0x10, bytes: 2) {
                Field("ASPM_CONTROL", bits: 0...1, .readWrite, tagged: true)
                Field("READ_COMPLETION_BOUNDARY", bit: 3, .readWrite, "0 = 64 B, 1 = 128 B")
                Field("COMMON_CLOCK", bit: 6, .readWrite)
                Field("EXTENDED_SYNCH", bit: 7, .readWrite)
            },
            Register("PCIE.LINK_STATUS", at: base + 0x12, bytes: 2) {
                Field("CURRENT_LINK_SPEED", bits: 0...3, .readOnly, reset: UInt64(speed))
                Field("NEGOTIATED_LINK_WIDTH", bits: 4...9, .readOnly, reset: UInt64(width))
            },
            Register("PCIE.DEVICE_CAPABILITIES_2", at: base + 0x24, bytes: 4) {
                Field("COMPLETION_TIMEOUT_RANGES", bits: 0...3, .readOnly, reset: 0, "default range only")
            },
            Register("PCIE.DEVICE_CONTROL_2", at: base + 0x28, bytes: 2) {
                Field("COMPLETION_TIMEOUT_VALUE", bits: 0...3, .readOnly, reset: 0, "default range (50 us - 50 ms)")
            },
        ] }
    }

    // MARK: bus side

    /// Reads configuration dword `register` (0...1023), little-endian: byte 0 of the
    /// dword is bits 7:0.
    public func read(dword register: Int) -> UInt32 {
        UInt32(truncatingIfNeeded: registers.read(at: register * 4, count: 4))
    }

    /// Writes configuration dword `register` with the enabled bytes of `value`.
    public mutating func write(dword register: Int, value: UInt32, firstBE: UInt8 = 0xF) {
        registers.write(at: register * 4, count: 4, value: UInt64(value), byteEnables: firstBE & 0xF)
    }

    /// Answers a CfgRd0 or CfgWr0 (nil for any other TLP). The completer ID is the
    /// target of the request; a write also captures it as the function's routing ID.
    public mutating func handle(_ tlp: TLP) -> TLP? {
        switch tlp {
        case .configRead(let h):
            return RequestRules.configReadCompletion(for: h, completer: h.target, value: read(dword: Int(h.register)))
        case .configWrite(let h, let payload):
            let value = UInt32(payload[0]) | UInt32(payload[1]) << 8 | UInt32(payload[2]) << 16 | UInt32(payload[3]) << 24
            write(dword: Int(h.register), value: value, firstBE: h.firstBE)
            capturedID = h.target
            return RequestRules.completionWithoutData(for: tlp, completer: h.target, status: .successful)
        default:
            return nil
        }
    }

    // MARK: decoded state for the endpoint

    public var memorySpaceEnabled: Bool { registers.value(of: "COMMAND", "MEMORY_SPACE") == 1 }
    public var busMasterEnabled: Bool { registers.value(of: "COMMAND", "BUS_MASTER") == 1 }

    /// BAR0's assigned base address.
    public var bar0Base: UInt32 { UInt32(registers.value(of: "BAR0")) & ~(options.bar0Size - 1) }

    /// Whether a memory request address falls in BAR0 (and memory decoding is on).
    public func bar0Contains(_ address: UInt64) -> Bool {
        memorySpaceEnabled && address >= UInt64(bar0Base) && address < UInt64(bar0Base) + UInt64(options.bar0Size)
    }

    public var msiEnabled: Bool { registers.value(of: "MSI.CONTROL", "ENABLE") == 1 }
    public var msiAddress: UInt64 { registers.value(of: "MSI.ADDRESS_HI") << 32 | registers.value(of: "MSI.ADDRESS_LO") }
    public var msiData: UInt16 { UInt16(registers.value(of: "MSI.DATA")) }
    public var msiMasked: Bool { options.msiPerVectorMasking && registers.value(of: "MSI.MASK", "MASK") == 1 }

    /// Max payload size in bytes; a reserved encoding (110, 111) counts as 128.
    public var maxPayloadSize: Int {
        PCIeSize.bytes(encoding: UInt8(registers.value(of: "PCIE.DEVICE_CONTROL", "MAX_PAYLOAD_SIZE"))) ?? 128
    }

    /// Max read request size in bytes; a reserved encoding counts as 128.
    public var maxReadRequestSize: Int {
        PCIeSize.bytes(encoding: UInt8(registers.value(of: "PCIE.DEVICE_CONTROL", "MAX_READ_REQUEST_SIZE"))) ?? 128
    }

    /// Read completion boundary in bytes (64 or 128).
    public var readCompletionBoundary: Int {
        registers.value(of: "PCIE.LINK_CONTROL", "READ_COMPLETION_BOUNDARY") == 1 ? 128 : 64
    }

    // MARK: hardware side

    /// Sets a status bit the device raises (software clears it by writing 1).
    public mutating func raise(_ register: String, _ field: String) { registers.set(register, field, to: 1) }
}
