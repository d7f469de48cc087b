/// Text and JSON views of TLPs and the parsing behind `socsim tlp`, kept in the library
/// so the command stays thin and the logic is unit-tested.

import SimKernel

/// One named header field and its value, in header order.
public struct TLPFieldValue: Hashable, Sendable {
    public enum Value: Hashable, Sendable {
        case int(Int)
        /// An unsigned value printed in hexadecimal with at least `digits` digits.
        case hex(UInt64, digits: Int)
        case bool(Bool)
        case text(String)
        case bytes([UInt8])
    }

    public var name: String
    public var value: Value

    public init(_ name: String, _ value: Value) {
        self.name = name
        self.value = value
    }

    public var text: String {
        switch value {
        case .int(let v): String(v)
        case .hex(let v, let d): "0x" + hex(v, width: d)
        case .bool(let b): b ? "1" : "0"
        case .text(let s): s
        case .bytes(let b): b.isEmpty ? "(none)" : TLPFormatter.hexString(b, groupDwords: true)
        }
    }

    public var json: String {
        switch value {
        case .int(let v): String(v)
        case .hex(let v, let d): "\"0x" + hex(v, width: d) + "\""
        case .bool(let b): b ? "true" : "false"
        case .text(let s): TLPFormatter.jsonString(s)
        case .bytes(let b): "\"" + TLPFormatter.hexString(b, groupDwords: false) + "\""
        }
    }
}

/// Why command-line input could not be turned into a TLP. `field` names the option or
/// header field at fault.
public struct TLPInputError: Error, Hashable, Sendable, CustomStringConvertible {
    public var field: String
    public var message: String

    public init(field: String, _ message: String) {
        self.field = field
        self.message = message
    }

    public init(_ error: TLPError) {
        field = error.field
        message = error.description
    }

    public var description: String { message.hasPrefix(field + ":") ? message : "\(field): \(message)" }
}

public enum TLPFormatter {
    // MARK: field lists

    /// The fields of a TLP in header order, with the decoded (not raw) values.
    public static func describe(_ tlp: TLP) -> [TLPFieldValue] {
        var f: [TLPFieldValue] = [TLPFieldValue("kind", .text(tlp.mnemonic))]
        let flags = tlp.flags
        let encodedFirstByte: UInt8? = (try? TLPCodec.encode(tlp)).flatMap { $0.first }
        if let b = encodedFirstByte {
            f.append(TLPFieldValue("fmt", .text(bin(b >> 5, 3))))
            f.append(TLPFieldValue("type", .text(bin(b & 0x1F, 5))))
        }
        f.append(TLPFieldValue("tc", .int(Int(flags.trafficClass))))
        f.append(TLPFieldValue("td", .bool(flags.digest != nil)))
        f.append(TLPFieldValue("ep", .bool(flags.poisoned)))
        f.append(TLPFieldValue("relaxed_ordering", .bool(flags.relaxedOrdering)))
        f.append(TLPFieldValue("no_snoop", .bool(flags.noSnoop)))
        func id(_ name: String, _ v: PCIeID) -> TLPFieldValue { TLPFieldValue(name, .text(v.description)) }
        switch tlp {
        case .memoryRead(let h):
            f += [TLPFieldValue("length", .int(h.length)), id("requester", h.requester),
                  TLPFieldValue("tag", .hex(UInt64(h.tag), digits: 2)),
                  TLPFieldValue("last_be", .text(bin(h.lastBE, 4))), TLPFieldValue("first_be", .text(bin(h.firstBE, 4))),
                  TLPFieldValue("address", .hex(h.address, digits: h.address > 0xFFFF_FFFF ? 16 : 8)),
                  TLPFieldValue("byte_count", .int(ByteEnables.byteCount(length: h.length, firstBE: h.firstBE, lastBE: h.lastBE)))]
        case .memoryWrite(let h, let payload):
            f += [TLPFieldValue("length", .int(payload.count / 4)), id("requester", h.requester),
                  TLPFieldValue("tag", .hex(UInt64(h.tag), digits: 2)),
                  TLPFieldValue("last_be", .text(bin(h.lastBE, 4))), TLPFieldValue("first_be", .text(bin(h.firstBE, 4))),
                  TLPFieldValue("address", .hex(h.address, digits: h.address > 0xFFFF_FFFF ? 16 : 8)),
                  TLPFieldValue("payload", .bytes(payload))]
        case .completion(let h), .completionWithData(let h, _):
            f += [TLPFieldValue("length", .int(tlp.payload.count / 4)), id("completer", h.completer),
                  TLPFieldValue("status", .text(h.status.description)), TLPFieldValue("bcm", .bool(h.byteCountModified)),
                  TLPFieldValue("byte_count", .int(h.byteCount)), id("requester", h.requester),
                  TLPFieldValue("tag", .hex(UInt64(h.tag), digits: 2)),
                  TLPFieldValue("lower_address", .hex(UInt64(h.lowerAddress), digits: 2)),
                  TLPFieldValue("payload", .bytes(tlp.payload))]
        case .configRead(let h), .configWrite(let h, _):
            f += [TLPFieldValue("length", .int(1)), id("requester", h.requester),
                  TLPFieldValue("tag", .hex(UInt64(h.tag), digits: 2)),
                  TLPFieldValue("first_be", .text(bin(h.firstBE, 4))), id("target", h.target),
                  TLPFieldValue("register", .hex(UInt64(h.byteOffset), digits: 3)),
                  TLPFieldValue("payload", .bytes(tlp.payload))]
        case .vendorMessage(let h, let payload):
            let routing: String
            switch h.routing {
            case .toRootComplex: routing = "to-root-complex"
            case .byID(let t): routing = "by-id " + t.description
            case .broadcast: routing = "broadcast"
            case .local: routing = "local"
            }
            f += [TLPFieldValue("length", .int(payload.count / 4)), id("requester", h.requester),
                  TLPFieldValue("tag", .hex(UInt64(h.tag), digits: 2)),
                  TLPFieldValue("message_code", .hex(UInt64(h.messageCode), digits: 2)),
                  TLPFieldValue("routing", .text(routing)),
                  TLPFieldValue("vendor_id", .hex(UInt64(h.vendorID), digits: 4)),
                  TLPFieldValue("vendor_data", .hex(UInt64(h.vendorData), digits: 8)),
                  TLPFieldValue("payload", .bytes(payload))]
        }
        if let d = flags.digest { f.append(TLPFieldValue("ecrc", .hex(UInt64(d), digits: 8))) }
        return f
    }

    /// `name: value` lines, names padded to one column.
    public static func text(_ tlp: TLP) -> String {
        let fields = describe(tlp)
        let width = fields.map(\.name.count).max() ?? 0
        return fields.map { $0.name + String(repeating: " ", count: width - $0.name.count) + "  " + $0.text }
            .joined(separator: "\n")
    }

    /// One JSON object, keys in header order.
    public static func json(_ tlp: TLP) -> String {
        "{" + describe(tlp).map { jsonString($0.name) + ": " + $0.json }.joined(separator: ", ") + "}"
    }

    /// `{"error": {"field": ..., "message": ...}}`
    public static func json(error: TLPInputError) -> String {
        "{\"error\": {\"field\": \(jsonString(error.field)), \"message\": \(jsonString(error.description))}}"
    }

    /// `socsim tlp encode` output: the wire bytes, one dword per group.
    public static func encodedText(_ tlp: TLP) throws(TLPInputError) -> String {
        do { return hexString(try TLPCodec.encode(tlp), groupDwords: true) } catch { throw TLPInputError(error) }
    }

    /// `socsim tlp encode --json` output: the bytes and the decoded fields.
    public static func encodedJSON(_ tlp: TLP) throws(TLPInputError) -> String {
        let wire: [UInt8]
        do { wire = try TLPCodec.encode(tlp) } catch { throw TLPInputError(error) }
        return "{\"bytes\": \"\(hexString(wire, groupDwords: false))\", \"tlp\": \(json(tlp))}"
    }

    // MARK: hex

    /// Parses wire-order bytes from hex arguments. Accepts `0x` prefixes and separators
    /// (space, `:`, `_`, `,`, `-`) anywhere; needs an even number of digits.
    public static func parseHex(_ arguments: [String]) throws(TLPInputError) -> [UInt8] {
        var digits: [UInt8] = []
        for arg in arguments {
            let chars = Array(arg.lowercased().utf8)
            var i = 0
            while i < chars.count {
                let c = chars[i]
                i += 1
                // a 0x prefix is dropped (one pass: linear in the argument's length)
                if c == UInt8(ascii: "0"), i < chars.count, chars[i] == UInt8(ascii: "x") {
                    i += 1
                    continue
                }
                switch c {
                case UInt8(ascii: "0") ... UInt8(ascii: "9"): digits.append(c - UInt8(ascii: "0"))
                case UInt8(ascii: "a") ... UInt8(ascii: "f"): digits.append(c - UInt8(ascii: "a") + 10)
                case UInt8(ascii: " "), UInt8(ascii: ":"), UInt8(ascii: "_"), UInt8(ascii: ","), UInt8(ascii: "-"),
                     UInt8(ascii: "\t"), UInt8(ascii: "\n"):
                    continue
                default:
                    throw TLPInputError(field: "HEX", "'\(Character(Unicode.Scalar(c)))' is not a hex digit")
                }
            }
        }
        guard !digits.isEmpty else { throw TLPInputError(field: "HEX", "no bytes given") }
        guard digits.count % 2 == 0 else {
            throw TLPInputError(field: "HEX", "\(digits.count) hex digits is not a whole number of bytes")
        }
        return stride(from: 0, to: digits.count, by: 2).map { digits[$0] << 4 | digits[$0 + 1] }
    }

    /// Lowercase hex, grouped by dword with spaces when `groupDwords`.
    public static func hexString(_ bytes: [UInt8], groupDwords: Bool) -> String {
        var s = ""
        for (i, b) in bytes.enumerated() {
            if groupDwords && i > 0 && i % 4 == 0 { s += " " }
            s += hex(b, width: 2)
        }
        return s
    }

    /// Decodes hex arguments to a TLP, turning codec errors into input errors.
    public static func decode(hexArguments: [String]) throws(TLPInputError) -> TLP {
        let bytes = try parseHex(hexArguments)
        do { return try TLPCodec.decode(bytes) } catch { throw TLPInputError(error) }
    }

    static func jsonString(_ s: String) -> String { jsonStringLiteral(s) }
}
