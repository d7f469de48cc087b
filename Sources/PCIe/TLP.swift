/// Transaction Layer Packets as values.
///
/// Every kind of TLP the endpoint deals with is one case of `TLP`, carrying a header
/// struct for that kind (and a payload where the kind has one). All of them are plain
/// `Sendable`, `Hashable` value types, so copying and equality see every field.
///
/// The values hold *meaning*, not encodings: a read's length is a dword count from
/// 1 to 1024, a completion's byte count is 1 to 4096, a memory address is a full
/// 64-bit byte address. Spec quirks (Length 0 = 1024, Byte Count 0 = 4096, the choice
/// of a 3DW or 4DW header, reserved bits) live only in `TLPCodec`.
///
/// Payloads are bytes in wire order: payload byte 0 is the lowest address.

/// A PCI function's routing ID: bus[15:8], device[7:3], function[2:0].
public struct PCIeID: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var rawValue: UInt16

    public init(rawValue: UInt16) { self.rawValue = rawValue }

    /// - Precondition: `device < 32`, `function < 8`.
    public init(bus: UInt8, device: UInt8, function: UInt8) {
        precondition(device < 32, "device number is 5 bits")
        precondition(function < 8, "function number is 3 bits")
        rawValue = UInt16(bus) << 8 | UInt16(device) << 3 | UInt16(function)
    }

    public var bus: UInt8 { UInt8(rawValue >> 8) }
    public var device: UInt8 { UInt8((rawValue >> 3) & 0x1F) }
    public var function: UInt8 { UInt8(rawValue & 0x7) }

    public static func < (a: PCIeID, b: PCIeID) -> Bool { a.rawValue < b.rawValue }

    /// `bb:dd.f` in hexadecimal, as lspci prints it.
    public var description: String {
        hex(bus, width: 2) + ":" + hex(device, width: 2) + "." + String(function)
    }
}

/// Header fields every TLP kind carries in DW0 (plus the optional digest dword).
public struct TLPFlags: Hashable, Sendable {
    /// Traffic class, 0...7.
    public var trafficClass: UInt8
    /// Attr[1]: relaxed ordering.
    public var relaxedOrdering: Bool
    /// Attr[0]: no snoop.
    public var noSnoop: Bool
    /// EP: the payload is poisoned.
    public var poisoned: Bool
    /// The ECRC dword after the payload. Present exactly when TD = 1. The codec
    /// carries it unchanged; it does not compute or check the CRC.
    public var digest: UInt32?

    public init(trafficClass: UInt8 = 0, relaxedOrdering: Bool = false, noSnoop: Bool = false,
                poisoned: Bool = false, digest: UInt32? = nil) {
        self.trafficClass = trafficClass
        self.relaxedOrdering = relaxedOrdering
        self.noSnoop = noSnoop
        self.poisoned = poisoned
        self.digest = digest
    }

    public static let none = TLPFlags()
}

/// MRd: a memory read request. The header is 3DW when `address < 4 GiB`, else 4DW.
public struct MemoryReadHeader: Hashable, Sendable {
    public var requester: PCIeID
    public var tag: UInt8
    /// Dword-aligned byte address (bits 1:0 are zero).
    public var address: UInt64
    /// Dwords requested, 1...1024.
    public var length: Int
    public var firstBE: UInt8
    public var lastBE: UInt8
    public var flags: TLPFlags

    public init(requester: PCIeID, tag: UInt8, address: UInt64, length: Int,
                firstBE: UInt8, lastBE: UInt8, flags: TLPFlags = .none) {
        self.requester = requester
        self.tag = tag
        self.address = address
        self.length = length
        self.firstBE = firstBE
        self.lastBE = lastBE
        self.flags = flags
    }
}

/// MWr: a posted memory write. Length is the payload's dword count.
public struct MemoryWriteHeader: Hashable, Sendable {
    public var requester: PCIeID
    public var tag: UInt8
    /// Dword-aligned byte address (bits 1:0 are zero).
    public var address: UInt64
    public var firstBE: UInt8
    public var lastBE: UInt8
    public var flags: TLPFlags

    public init(requester: PCIeID, tag: UInt8, address: UInt64, firstBE: UInt8, lastBE: UInt8,
                flags: TLPFlags = .none) {
        self.requester = requester
        self.tag = tag
        self.address = address
        self.firstBE = firstBE
        self.lastBE = lastBE
        self.flags = flags
    }
}

/// Completion status, DW1[15:13].
public enum CompletionStatus: UInt8, Hashable, Sendable, CaseIterable, CustomStringConvertible {
    case successful = 0b000
    case unsupportedRequest = 0b001
    case configurationRequestRetry = 0b010
    case completerAbort = 0b100

    public var description: String {
        switch self {
        case .successful: "SC"
        case .unsupportedRequest: "UR"
        case .configurationRequestRetry: "CRS"
        case .completerAbort: "CA"
        }
    }
}

/// Cpl / CplD header.
public struct CompletionHeader: Hashable, Sendable {
    public var completer: PCIeID
    public var status: CompletionStatus
    /// BCM: set only by PCI-X bridges.
    public var byteCountModified: Bool
    /// Bytes still to be returned for the request, counting this completion: 1...4096.
    public var byteCount: Int
    public var requester: PCIeID
    public var tag: UInt8
    /// Low 7 bits of the byte address of the first valid byte, 0...127.
    public var lowerAddress: UInt8
    public var flags: TLPFlags

    public init(completer: PCIeID, status: CompletionStatus = .successful, byteCountModified: Bool = false,
                byteCount: Int, requester: PCIeID, tag: UInt8, lowerAddress: UInt8,
                flags: TLPFlags = .none) {
        self.completer = completer
        self.status = status
        self.byteCountModified = byteCountModified
        self.byteCount = byteCount
        self.requester = requester
        self.tag = tag
        self.lowerAddress = lowerAddress
        self.flags = flags
    }
}

/// CfgRd0 / CfgWr0 header. Length is always 1 and Last BE 0000; TC and Attr are 0.
public struct ConfigRequestHeader: Hashable, Sendable {
    public var requester: PCIeID
    public var tag: UInt8
    public var firstBE: UInt8
    /// The function addressed (bus, device, function in DW2[31:16]).
    public var target: PCIeID
    /// Dword index into the 4 KiB configuration space: extended register number
    /// (bits 9:6) and register number (bits 5:0), 0...1023.
    public var register: UInt16
    /// Only `poisoned` and `digest` may be set; TC and attributes must be 0.
    public var flags: TLPFlags

    public init(requester: PCIeID, tag: UInt8, firstBE: UInt8 = 0xF, target: PCIeID, register: UInt16,
                flags: TLPFlags = .none) {
        self.requester = requester
        self.tag = tag
        self.firstBE = firstBE
        self.target = target
        self.register = register
        self.flags = flags
    }

    /// Byte offset of the dword in configuration space.
    public var byteOffset: Int { Int(register) * 4 }
}

/// How a vendor-defined message is routed (Type[2:0]), with the target ID where routed by ID.
public enum VendorMessageRouting: Hashable, Sendable {
    case toRootComplex          // 000
    case byID(PCIeID)           // 010, DW2[31:16] = target
    case broadcast              // 011
    case local                  // 100

    var code: UInt8 {
        switch self {
        case .toRootComplex: 0b000
        case .byID: 0b010
        case .broadcast: 0b011
        case .local: 0b100
        }
    }
}

/// Msg / MsgD with Message Code 0x7E (vendor-defined type 0, unsupported is an error
/// at the receiver) or 0x7F (type 1, silently dropped when unsupported).
public struct VendorMessageHeader: Hashable, Sendable {
    public var requester: PCIeID
    public var tag: UInt8
    public var routing: VendorMessageRouting
    /// `false`: Vendor_Defined Type 0 (code 0x7E); `true`: Type 1 (0x7F).
    public var type1: Bool
    /// DW2[15:0].
    public var vendorID: UInt16
    /// DW3, vendor-defined.
    public var vendorData: UInt32
    public var flags: TLPFlags

    public init(requester: PCIeID, tag: UInt8 = 0, routing: VendorMessageRouting, type1: Bool = true,
                vendorID: UInt16, vendorData: UInt32 = 0, flags: TLPFlags = .none) {
        self.requester = requester
        self.tag = tag
        self.routing = routing
        self.type1 = type1
        self.vendorID = vendorID
        self.vendorData = vendorData
        self.flags = flags
    }

    public var messageCode: UInt8 { type1 ? 0x7F : 0x7E }
}

/// One TLP. Payload-carrying cases hold their bytes in wire order.
public enum TLP: Hashable, Sendable {
    /// MRd, 3DW or 4DW by address.
    case memoryRead(MemoryReadHeader)
    /// MWr, 3DW or 4DW by address. An MSI is one of these (see `TLP.msi`).
    case memoryWrite(MemoryWriteHeader, payload: [UInt8])
    /// Cpl: a completion without data (any status).
    case completion(CompletionHeader)
    /// CplD: a completion with data (status SC).
    case completionWithData(CompletionHeader, payload: [UInt8])
    /// CfgRd0.
    case configRead(ConfigRequestHeader)
    /// CfgWr0 with its one dword of data.
    case configWrite(ConfigRequestHeader, payload: [UInt8])
    /// Vendor-defined message: Msg when the payload is empty, MsgD otherwise.
    case vendorMessage(VendorMessageHeader, payload: [UInt8])

    /// An MSI: a one-dword posted write of the 16-bit message data (zero-extended,
    /// payload byte 0 = data bits 7:0, as the address is little-endian memory).
    public static func msi(requester: PCIeID, address: UInt64, data: UInt16, flags: TLPFlags = .none) -> TLP {
        .memoryWrite(MemoryWriteHeader(requester: requester, tag: 0, address: address,
                                       firstBE: 0xF, lastBE: 0, flags: flags),
                     payload: [UInt8(data & 0xFF), UInt8(data >> 8), 0, 0])
    }

    public var flags: TLPFlags {
        switch self {
        case .memoryRead(let h): h.flags
        case .memoryWrite(let h, _): h.flags
        case .completion(let h), .completionWithData(let h, _): h.flags
        case .configRead(let h), .configWrite(let h, _): h.flags
        case .vendorMessage(let h, _): h.flags
        }
    }

    /// The payload bytes (empty for kinds without data).
    public var payload: [UInt8] {
        switch self {
        case .memoryRead, .completion, .configRead: []
        case .memoryWrite(_, let p), .completionWithData(_, let p), .configWrite(_, let p),
             .vendorMessage(_, let p): p
        }
    }

    /// The short name the specification uses.
    public var mnemonic: String {
        switch self {
        case .memoryRead: "MRd"
        case .memoryWrite: "MWr"
        case .completion: "Cpl"
        case .completionWithData: "CplD"
        case .configRead: "CfgRd0"
        case .configWrite: "CfgWr0"
        case .vendorMessage(_, let p): p.isEmpty ? "Msg" : "MsgD"
        }
    }

    /// Flow-control class.
    public var flowControlClass: FlowControlClass {
        switch self {
        case .memoryWrite, .vendorMessage: .posted
        case .memoryRead, .configRead, .configWrite: .nonPosted
        case .completion, .completionWithData: .completion
        }
    }

    /// Header size in bytes (12 or 16) as the codec will encode it.
    public var headerBytes: Int {
        switch self {
        case .memoryRead(let h): h.address > 0xFFFF_FFFF ? 16 : 12
        case .memoryWrite(let h, _): h.address > 0xFFFF_FFFF ? 16 : 12
        case .completion, .completionWithData, .configRead, .configWrite: 12
        case .vendorMessage: 16
        }
    }

    /// Header + payload + digest: the TLP's size at the transaction layer.
    public var sizeInBytes: Int { headerBytes + payload.count + (flags.digest == nil ? 0 : 4) }
}

/// Flow-control class of a TLP: which header/data credit pair it consumes.
public enum FlowControlClass: String, Hashable, Sendable, CaseIterable {
    case posted, nonPosted, completion
}

func hex<T: BinaryInteger>(_ v: T, width: Int) -> String {
    let s = String(v, radix: 16, uppercase: false)
    return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
}
