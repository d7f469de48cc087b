/// Why a TLP cannot be decoded or encoded. Every case names the header field at fault
/// (`field`), and `description` says what is wrong in words a log reader can act on.
public enum TLPError: Error, Hashable, Sendable, CustomStringConvertible {
    /// Fewer bytes than the header the Fmt field announces (or than DW0).
    case truncatedHeader(bytes: Int, needed: Int)
    /// Fmt/Type names a TLP the specification defines but this model does not handle
    /// (TLP prefixes, I/O, locked, type-1 configuration, atomics, other messages).
    case unsupportedFormatType(fmt: UInt8, type: UInt8)
    /// Fmt/Type is not a valid encoding (reserved, or a kind with the wrong header size).
    case reservedFormatType(fmt: UInt8, type: UInt8)
    /// A reserved bit or field is not zero.
    case reservedBitSet(field: String)
    /// The bytes after the header do not match Length (plus the digest when TD = 1).
    case payloadLengthMismatch(lengthField: Int, payloadBytes: Int)
    /// A TLP kind without data is followed by bytes.
    case unexpectedPayload(bytes: Int)
    /// TD = 1 but the TLP is too short to end with the ECRC dword.
    case missingDigest(bytes: Int)
    /// A value does not fit its field, or is outside the range the field allows.
    case fieldOutOfRange(field: String, value: UInt64)
    /// A memory address with bits 1:0 set.
    case misalignedAddress(UInt64)
    /// A 4DW memory header whose address is below 4 GiB (requesters must use 3DW).
    case fourDWHeaderBelow4GiB(UInt64)
    /// First/Last DW BE not allowed for this Length (and address).
    case illegalByteEnables(first: UInt8, last: UInt8, length: Int, rule: String)
    /// A memory request whose bytes cross a 4 KiB boundary.
    case crosses4KiB(address: UInt64, bytes: Int)
    /// Completion Status is a reserved encoding.
    case reservedCompletionStatus(UInt8)
    /// A CplD with a status other than successful completion.
    case dataWithUnsuccessfulStatus(CompletionStatus)
    /// A CplD carrying more dwords than Byte Count and Lower Address leave room for.
    case completionExceedsByteCount(length: Int, byteCount: Int, lowerAddress: UInt8)
    /// A configuration request with a field other than the one value allowed.
    case configRequestField(field: String, value: UInt64)
    /// A message code this model does not handle.
    case unsupportedMessageCode(UInt8)
    /// Message routing not allowed for the message.
    case illegalMessageRouting(UInt8)

    /// The header field at fault.
    public var field: String {
        switch self {
        case .truncatedHeader: "Fmt"
        case .unsupportedFormatType, .reservedFormatType: "Fmt/Type"
        case .reservedBitSet(let f): f
        case .payloadLengthMismatch: "Length"
        case .unexpectedPayload: "Fmt"
        case .missingDigest: "TD"
        case .fieldOutOfRange(let f, _): f
        case .misalignedAddress, .fourDWHeaderBelow4GiB: "Address"
        case .illegalByteEnables: "First/Last DW BE"
        case .crosses4KiB: "Address/Length"
        case .reservedCompletionStatus, .dataWithUnsuccessfulStatus: "Completion Status"
        case .completionExceedsByteCount: "Length/Byte Count"
        case .configRequestField(let f, _): f
        case .unsupportedMessageCode: "Message Code"
        case .illegalMessageRouting: "Type (message routing)"
        }
    }

    public var description: String {
        let what: String
        switch self {
        case .truncatedHeader(let have, let need):
            what = "\(have) bytes, but the header needs \(need)"
        case .unsupportedFormatType(let fmt, let type):
            what = "Fmt \(bin(fmt, 3)) Type \(bin(type, 5)) is a TLP kind this model does not handle"
        case .reservedFormatType(let fmt, let type):
            what = "Fmt \(bin(fmt, 3)) Type \(bin(type, 5)) is a reserved encoding"
        case .reservedBitSet:
            what = "reserved bits must be 0"
        case .payloadLengthMismatch(let l, let p):
            what = "Length says \(l) DW (\(l * 4) bytes) but \(p) payload bytes follow the header"
        case .unexpectedPayload(let n):
            what = "this TLP kind has no data, but \(n) bytes follow the header"
        case .missingDigest(let n):
            what = "TD is set but only \(n) bytes follow the header, leaving no room for the ECRC dword"
        case .fieldOutOfRange(_, let v):
            what = "value \(v) (0x\(String(v, radix: 16))) is out of range"
        case .misalignedAddress(let a):
            what = "0x\(String(a, radix: 16)) is not dword-aligned"
        case .fourDWHeaderBelow4GiB(let a):
            what = "0x\(String(a, radix: 16)) is below 4 GiB, so the request must use a 3DW header"
        case .illegalByteEnables(let f, let l, let len, let rule):
            what = "First BE \(bin(f, 4)), Last BE \(bin(l, 4)) with Length \(len): \(rule)"
        case .crosses4KiB(let a, let n):
            what = "\(n) bytes at 0x\(String(a, radix: 16)) cross a 4 KiB boundary"
        case .reservedCompletionStatus(let s):
            what = "\(bin(s, 3)) is a reserved status"
        case .dataWithUnsuccessfulStatus(let s):
            what = "a completion with status \(s) must not carry data"
        case .completionExceedsByteCount(let len, let bc, let la):
            what = "\(len) DW of data, but Byte Count \(bc) from Lower Address 0x\(String(la, radix: 16)) needs at most \((Int(la & 3) + bc + 3) / 4)"
        case .configRequestField(_, let v):
            what = "value \(v) is not allowed in a configuration request"
        case .unsupportedMessageCode(let c):
            what = "0x\(hex(c, width: 2)) is not a message this model handles (vendor-defined 0x7E/0x7F)"
        case .illegalMessageRouting(let r):
            what = "routing \(bin(r, 3)) is not allowed for a vendor-defined message"
        }
        return "\(field): \(what)"
    }
}

func bin<T: BinaryInteger>(_ v: T, _ width: Int) -> String {
    let s = String(v, radix: 2)
    return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
}
