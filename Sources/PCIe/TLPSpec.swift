/// A TLP described by command-line style options (strings as typed), turned into a
/// value by `build()`. `socsim tlp encode` is a thin wrapper around this. Every error
/// names the option (`--address`) or, for rule violations, the header field at fault.
public struct TLPSpec: Hashable, Sendable {
    /// mrd, mwr, cpl, cpld, cfgrd, cfgwr, msg, msi.
    public var kind: String
    public var address: String?
    /// Dwords (memory read; checked against the data for writes).
    public var length: String?
    public var tag: String?
    public var requester: String?
    public var completer: String?
    public var target: String?
    /// Configuration register byte offset (dword-aligned), e.g. 0x10 for BAR0.
    public var register: String?
    public var firstBE: String?
    public var lastBE: String?
    /// Payload bytes in wire order, hex.
    public var data: String?
    public var status: String?
    public var byteCount: String?
    public var lowerAddress: String?
    public var byteCountModified = false
    public var trafficClass: String?
    public var poisoned = false
    public var relaxedOrdering = false
    public var noSnoop = false
    /// ECRC dword, hex; sets TD.
    public var digest: String?
    /// Vendor message routing: rc, id:BB:DD.F, broadcast, local.
    public var routing: String?
    public var vendorID: String?
    public var vendorData: String?
    /// Vendor_Defined Type 0 (code 0x7E) instead of Type 1.
    public var vendorType0 = false
    /// MSI message data (16 bits).
    public var msiData: String?

    public static let kinds = ["mrd", "mwr", "cpl", "cpld", "cfgrd", "cfgwr", "msg", "msi"]

    public init(kind: String) { self.kind = kind }

    public func build() throws(TLPInputError) -> TLP {
        let tlp = try assemble()
        do { try TLPCodec.validate(tlp) } catch { throw TLPInputError(error) }
        return tlp
    }

    private func assemble() throws(TLPInputError) -> TLP {
        let requesterID = try Self.id(requester, option: "--requester") ?? PCIeID(rawValue: 0)
        let tagValue = try UInt8(Self.number(tag, option: "--tag", max: 0xFF) ?? 0)
        var flags = TLPFlags(trafficClass: UInt8(try Self.number(trafficClass, option: "--tc", max: 7) ?? 0),
                             relaxedOrdering: relaxedOrdering, noSnoop: noSnoop, poisoned: poisoned)
        if let digest { flags.digest = UInt32(try Self.number(digest, option: "--digest", max: 0xFFFF_FFFF)!) }
        let payload = try data.map { d throws(TLPInputError) in try Self.hexBytes(d, option: "--data") }

        func be(_ s: String?, _ option: String, default value: UInt8) throws(TLPInputError) -> UInt8 {
            UInt8(try Self.number(s, option: option, max: 0xF) ?? UInt64(value))
        }
        func need<T>(_ v: T?, _ option: String, _ why: String) throws(TLPInputError) -> T {
            guard let v else { throw TLPInputError(field: option, "\(why) needs \(option)") }
            return v
        }

        switch kind.lowercased() {
        case "mrd":
            let addr = try need(try Self.number(address, option: "--address", max: .max), "--address", "a memory read")
            let len = Int(try Self.number(length, option: "--length", max: 1024) ?? 1)
            return .memoryRead(MemoryReadHeader(requester: requesterID, tag: tagValue, address: addr, length: len,
                                                firstBE: try be(firstBE, "--first-be", default: 0xF),
                                                lastBE: try be(lastBE, "--last-be", default: len > 1 ? 0xF : 0),
                                                flags: flags))
        case "mwr":
            let addr = try need(try Self.number(address, option: "--address", max: .max), "--address", "a memory write")
            let bytes = try need(payload, "--data", "a memory write")
            let len = bytes.count / 4
            if let l = try Self.number(length, option: "--length", max: 1024), Int(l) != len || bytes.count % 4 != 0 {
                throw TLPInputError(field: "--length", "--length \(l) does not match \(bytes.count) bytes of --data")
            }
            return .memoryWrite(MemoryWriteHeader(requester: requesterID, tag: tagValue, address: addr,
                                                  firstBE: try be(firstBE, "--first-be", default: 0xF),
                                                  lastBE: try be(lastBE, "--last-be", default: len > 1 ? 0xF : 0),
                                                  flags: flags),
                                payload: bytes)
        case "msi":
            let addr = try need(try Self.number(address, option: "--address", max: .max), "--address", "an MSI")
            let value = try need(try Self.number(msiData, option: "--msi-data", max: 0xFFFF), "--msi-data", "an MSI")
            return TLP.msi(requester: requesterID, address: addr, data: UInt16(value), flags: flags)
        case "cpl", "cpld":
            let completerID = try Self.id(completer, option: "--completer") ?? PCIeID(rawValue: 0)
            let st = try Self.status(status)
            let la = UInt8(try Self.number(lowerAddress, option: "--lower-address", max: 0x7F) ?? 0)
            if kind.lowercased() == "cpl" {
                if payload != nil { throw TLPInputError(field: "--data", "a completion without data (cpl) takes no --data") }
                let bc = Int(try Self.number(byteCount, option: "--byte-count", max: 4096) ?? 4)
                return .completion(CompletionHeader(completer: completerID, status: st, byteCountModified: byteCountModified,
                                                    byteCount: bc, requester: requesterID, tag: tagValue,
                                                    lowerAddress: la, flags: flags))
            }
            let bytes = try need(payload, "--data", "a completion with data")
            let bc = Int(try Self.number(byteCount, option: "--byte-count", max: 4096)
                         ?? UInt64(max(1, bytes.count - Int(la & 3))))
            return .completionWithData(CompletionHeader(completer: completerID, status: st,
                                                        byteCountModified: byteCountModified, byteCount: bc,
                                                        requester: requesterID, tag: tagValue, lowerAddress: la,
                                                        flags: flags),
                                       payload: bytes)
        case "cfgrd", "cfgwr":
            let offset = try need(try Self.number(register, option: "--register", max: 0xFFF), "--register",
                                  "a configuration request")
            guard offset % 4 == 0 else {
                throw TLPInputError(field: "--register", "0x\(String(offset, radix: 16)) is not a dword offset (multiple of 4)")
            }
            let header = ConfigRequestHeader(requester: requesterID, tag: tagValue,
                                             firstBE: try be(firstBE, "--first-be", default: 0xF),
                                             target: try Self.id(target, option: "--target") ?? PCIeID(rawValue: 0),
                                             register: UInt16(offset / 4), flags: flags)
            if kind.lowercased() == "cfgrd" {
                if payload != nil { throw TLPInputError(field: "--data", "a configuration read takes no --data") }
                return .configRead(header)
            }
            let bytes = try need(payload, "--data", "a configuration write")
            guard bytes.count == 4 else {
                throw TLPInputError(field: "--data", "a configuration write carries exactly 4 bytes, not \(bytes.count)")
            }
            return .configWrite(header, payload: bytes)
        case "msg":
            let vid = try need(try Self.number(vendorID, option: "--vendor-id", max: 0xFFFF), "--vendor-id",
                               "a vendor-defined message")
            let route: VendorMessageRouting
            switch routing?.lowercased() {
            case nil, "rc": route = .toRootComplex
            case "broadcast": route = .broadcast
            case "local": route = .local
            case let r? where r.hasPrefix("id:"):
                route = .byID(try Self.id(String(r.dropFirst(3)), option: "--routing")!)
            case let r?:
                throw TLPInputError(field: "--routing", "'\(r)' is not rc, id:BB:DD.F, broadcast or local")
            }
            return .vendorMessage(VendorMessageHeader(
                requester: requesterID, tag: tagValue, routing: route, type1: !vendorType0, vendorID: UInt16(vid),
                vendorData: UInt32(try Self.number(vendorData, option: "--vendor-data", max: 0xFFFF_FFFF) ?? 0),
                flags: flags),
                payload: payload ?? [])
        default:
            throw TLPInputError(field: "--kind", "'\(kind)' is not one of \(Self.kinds.joined(separator: ", "))")
        }
    }

    // MARK: option parsing

    /// A number in decimal, `0x` hex or `0b` binary (underscores allowed), at most `max`.
    public static func number(_ s: String?, option: String, max: UInt64) throws(TLPInputError) -> UInt64? {
        guard let s else { return nil }
        let t = s.lowercased().filter { $0 != "_" }
        let v: UInt64?
        if t.hasPrefix("0x") { v = UInt64(t.dropFirst(2), radix: 16) }
        else if t.hasPrefix("0b") { v = UInt64(t.dropFirst(2), radix: 2) }
        else { v = UInt64(t) }
        guard let v else { throw TLPInputError(field: option, "'\(s)' is not a number") }
        guard v <= max else { throw TLPInputError(field: option, "\(s) is larger than the field allows (max \(max))") }
        return v
    }

    /// A routing ID as `BB:DD.F` (hex bus and device, as lspci prints) or a 16-bit number.
    public static func id(_ s: String?, option: String) throws(TLPInputError) -> PCIeID? {
        guard let s else { return nil }
        let parts = s.split(whereSeparator: { $0 == ":" || $0 == "." })
        if parts.count == 3, s.contains(":") {
            guard let bus = UInt8(parts[0], radix: 16), let dev = UInt8(parts[1], radix: 16),
                  let fn = UInt8(parts[2], radix: 16), dev < 32, fn < 8 else {
                throw TLPInputError(field: option, "'\(s)' is not BB:DD.F (bus 00-ff, device 00-1f, function 0-7)")
            }
            return PCIeID(bus: bus, device: dev, function: fn)
        }
        guard let raw = try number(s, option: option, max: 0xFFFF) else { return nil }
        return PCIeID(rawValue: UInt16(raw))
    }

    static func status(_ s: String?) throws(TLPInputError) -> CompletionStatus {
        guard let s else { return .successful }
        if let st = CompletionStatus.allCases.first(where: { $0.description.lowercased() == s.lowercased() }) { return st }
        throw TLPInputError(field: "--status", "'\(s)' is not sc, ur, crs or ca")
    }

    static func hexBytes(_ s: String, option: String) throws(TLPInputError) -> [UInt8] {
        do { return try TLPFormatter.parseHex([s]) } catch {
            throw TLPInputError(field: option, error.message)
        }
    }
}
