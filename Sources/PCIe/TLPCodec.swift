/// The one bit-exact TLP codec.
///
/// Wire order: header DW0 first, each header dword most significant byte first, then
/// the payload (byte 0 = lowest address), then the ECRC dword when TD = 1. The dword
/// form used at the RTL's 32-bit TLP stream packs each group of four wire bytes
/// big-endian: wire byte 4i is bits 31:24 of dword i, for header and payload alike.
///
/// `encode` and `decode` apply the same validation (`TLPCodec.validate`), so a value
/// that encodes decodes back to itself and every byte string that decodes re-encodes
/// to the same bytes. Reserved fields must be zero (this model is a Gen1 endpoint:
/// T9, T8, Attr[2], LN, TH, AT and PH are reserved).
public enum TLPCodec {
    // Fmt/Type values.
    static let typeMemory: UInt8 = 0b0_0000
    static let typeConfig0: UInt8 = 0b0_0100
    static let typeCompletion: UInt8 = 0b0_1010
    static let typeMessageBase: UInt8 = 0b1_0000

    // MARK: encoding

    /// Wire-order bytes of a valid TLP.
    public static func encode(_ tlp: TLP) throws(TLPError) -> [UInt8] {
        let dwords = try encodeDwords(tlp)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(dwords.count * 4)
        for d in dwords {
            bytes.append(UInt8(d >> 24)); bytes.append(UInt8((d >> 16) & 0xFF))
            bytes.append(UInt8((d >> 8) & 0xFF)); bytes.append(UInt8(d & 0xFF))
        }
        return bytes
    }

    /// Wire-order dwords (four wire bytes each, first byte in bits 31:24).
    public static func encodeDwords(_ tlp: TLP) throws(TLPError) -> [UInt32] {
        try validate(tlp)
        var out: [UInt32] = []
        let flags = tlp.flags
        func dw0(fmt: UInt8, type: UInt8, length: Int) -> UInt32 {
            UInt32(fmt) << 29 | UInt32(type) << 24 | UInt32(flags.trafficClass) << 20
                | (flags.digest != nil ? 1 << 15 : 0) | (flags.poisoned ? 1 << 14 : 0)
                | (flags.relaxedOrdering ? 1 << 13 : 0) | (flags.noSnoop ? 1 << 12 : 0)
                | UInt32(length & 0x3FF)   // 1024 encodes as 0
        }
        func requestDW1(_ id: PCIeID, _ tag: UInt8, _ last: UInt8, _ first: UInt8) -> UInt32 {
            UInt32(id.rawValue) << 16 | UInt32(tag) << 8 | UInt32(last) << 4 | UInt32(first)
        }
        func address(_ a: UInt64, fmtBase: UInt8) -> (UInt8, [UInt32]) {
            a > 0xFFFF_FFFF ? (fmtBase | 1, [UInt32(a >> 32), UInt32(truncatingIfNeeded: a)])
                            : (fmtBase, [UInt32(a)])
        }
        switch tlp {
        case .memoryRead(let h):
            let (fmt, addr) = address(h.address, fmtBase: 0b000)
            out = [dw0(fmt: fmt, type: typeMemory, length: h.length),
                   requestDW1(h.requester, h.tag, h.lastBE, h.firstBE)] + addr
        case .memoryWrite(let h, let payload):
            let (fmt, addr) = address(h.address, fmtBase: 0b010)
            out = [dw0(fmt: fmt, type: typeMemory, length: payload.count / 4),
                   requestDW1(h.requester, h.tag, h.lastBE, h.firstBE)] + addr
        case .completion(let h), .completionWithData(let h, _):
            let payload = tlp.payload
            out = [dw0(fmt: payload.isEmpty ? 0b000 : 0b010, type: typeCompletion, length: payload.count / 4),
                   UInt32(h.completer.rawValue) << 16 | UInt32(h.status.rawValue) << 13
                       | (h.byteCountModified ? 1 << 12 : 0) | UInt32(h.byteCount & 0xFFF),  // 4096 encodes as 0
                   UInt32(h.requester.rawValue) << 16 | UInt32(h.tag) << 8 | UInt32(h.lowerAddress)]
        case .configRead(let h), .configWrite(let h, _):
            let write = tlp.payload.count == 4
            out = [dw0(fmt: write ? 0b010 : 0b000, type: typeConfig0, length: 1),
                   requestDW1(h.requester, h.tag, 0, h.firstBE),
                   UInt32(h.target.rawValue) << 16 | UInt32(h.register >> 6) << 8 | UInt32(h.register & 0x3F) << 2]
        case .vendorMessage(let h, let payload):
            var dw2 = UInt32(h.vendorID)
            if case .byID(let id) = h.routing { dw2 |= UInt32(id.rawValue) << 16 }
            out = [dw0(fmt: payload.isEmpty ? 0b001 : 0b011, type: typeMessageBase | h.routing.code,
                       length: payload.count / 4),
                   UInt32(h.requester.rawValue) << 16 | UInt32(h.tag) << 8 | UInt32(h.messageCode),
                   dw2, h.vendorData]
        }
        out += dwords(of: tlp.payload)
        if let digest = flags.digest { out.append(digest) }
        return out
    }

    // MARK: decoding

    /// Decodes wire-order dwords (see `encodeDwords`).
    public static func decode(dwords: [UInt32]) throws(TLPError) -> TLP {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(dwords.count * 4)
        for d in dwords {
            bytes.append(UInt8(d >> 24)); bytes.append(UInt8((d >> 16) & 0xFF))
            bytes.append(UInt8((d >> 8) & 0xFF)); bytes.append(UInt8(d & 0xFF))
        }
        return try decode(bytes)
    }

    /// Decodes one whole TLP from wire-order bytes (nothing before or after it).
    public static func decode(_ bytes: [UInt8]) throws(TLPError) -> TLP {
        guard bytes.count >= 4 else { throw .truncatedHeader(bytes: bytes.count, needed: 12) }
        func dw(_ i: Int) -> UInt32 { bigEndianDword(bytes, at: 4 * i) }
        let d0 = dw(0)
        let fmt = UInt8(d0 >> 29), type = UInt8((d0 >> 24) & 0x1F)
        if fmt == 0b100 { throw .unsupportedFormatType(fmt: fmt, type: type) }   // TLP prefix
        if fmt > 0b100 { throw .reservedFormatType(fmt: fmt, type: type) }
        let is4DW = fmt & 1 == 1, hasData = fmt & 2 == 2
        let headerBytes = is4DW ? 16 : 12
        guard bytes.count >= headerBytes else { throw .truncatedHeader(bytes: bytes.count, needed: headerBytes) }

        // Which kind? Checked before the sizes so that an unknown kind says so.
        enum Kind { case memory, completion, config, message }
        let kind: Kind
        switch type {
        case typeMemory: kind = .memory
        case typeCompletion where !is4DW: kind = .completion
        case typeConfig0 where !is4DW: kind = .config
        case typeMessageBase...(typeMessageBase | 0b101) where is4DW: kind = .message
        case 0b0_0001, 0b0_0010, 0b0_0101, 0b0_1011, 0b0_1100, 0b0_1101, 0b0_1110, 0b1_1011:
            // MRdLk, IO, Cfg1, CplLk, FetchAdd, Swap, CAS, TCfg (deprecated): defined, not modelled.
            if type == 0b0_0001 && hasData { throw .reservedFormatType(fmt: fmt, type: type) }
            throw .unsupportedFormatType(fmt: fmt, type: type)
        default:
            throw .reservedFormatType(fmt: fmt, type: type)
        }

        // DW0 reserved bits (Gen1: no 10-bit tags, IDO, LN, TPH or ATS).
        let reservedDW0: [(UInt32, String)] = [
            (1 << 23, "T9"), (1 << 19, "T8"), (1 << 18, "Attr[2]"), (1 << 17, "LN"), (1 << 16, "TH"), (3 << 10, "AT"),
        ]
        for (mask, name) in reservedDW0 where d0 & mask != 0 { throw .reservedBitSet(field: name) }
        let lengthField = Int(d0 & 0x3FF)
        let length = lengthField == 0 ? 1024 : lengthField
        let td = d0 & (1 << 15) != 0
        let flags = TLPFlags(trafficClass: UInt8((d0 >> 20) & 7),
                             relaxedOrdering: d0 & (1 << 13) != 0, noSnoop: d0 & (1 << 12) != 0,
                             poisoned: d0 & (1 << 14) != 0, digest: nil)

        // Sizes: header + Length dwords (with data) + digest.
        if td && bytes.count < headerBytes + 4 { throw .missingDigest(bytes: bytes.count - headerBytes) }
        let rest = bytes.count - headerBytes - (td ? 4 : 0)
        var payload: [UInt8] = []
        if hasData {
            guard rest == length * 4 else { throw .payloadLengthMismatch(lengthField: length, payloadBytes: rest) }
            payload = Array(bytes[headerBytes ..< headerBytes + rest])
        } else if rest != 0 {
            throw .unexpectedPayload(bytes: rest)
        }
        var withDigest = flags
        if td { withDigest.digest = dw((bytes.count - 4) / 4) }

        let d1 = dw(1), d2 = dw(2)
        let tlp: TLP
        switch kind {
        case .memory:
            let requester = PCIeID(rawValue: UInt16(d1 >> 16))
            let tag = UInt8((d1 >> 8) & 0xFF), lastBE = UInt8((d1 >> 4) & 0xF), firstBE = UInt8(d1 & 0xF)
            let address: UInt64
            if is4DW {
                let d3 = dw(3)
                if d3 & 3 != 0 { throw .reservedBitSet(field: "PH") }
                address = UInt64(d2) << 32 | UInt64(d3)
                if d2 == 0 { throw .fourDWHeaderBelow4GiB(address) }
            } else {
                if d2 & 3 != 0 { throw .reservedBitSet(field: "PH") }
                address = UInt64(d2)
            }
            if hasData {
                tlp = .memoryWrite(MemoryWriteHeader(requester: requester, tag: tag, address: address,
                                                     firstBE: firstBE, lastBE: lastBE, flags: withDigest),
                                   payload: payload)
            } else {
                tlp = .memoryRead(MemoryReadHeader(requester: requester, tag: tag, address: address, length: length,
                                                   firstBE: firstBE, lastBE: lastBE, flags: withDigest))
            }
        case .completion:
            if !hasData && lengthField != 0 { throw .reservedBitSet(field: "Length") }
            let rawStatus = UInt8((d1 >> 13) & 7)
            guard let status = CompletionStatus(rawValue: rawStatus) else { throw .reservedCompletionStatus(rawStatus) }
            if d2 & 0x80 != 0 { throw .reservedBitSet(field: "DW2[7]") }
            let bc = Int(d1 & 0xFFF)
            let header = CompletionHeader(completer: PCIeID(rawValue: UInt16(d1 >> 16)), status: status,
                                          byteCountModified: d1 & (1 << 12) != 0, byteCount: bc == 0 ? 4096 : bc,
                                          requester: PCIeID(rawValue: UInt16(d2 >> 16)),
                                          tag: UInt8((d2 >> 8) & 0xFF), lowerAddress: UInt8(d2 & 0x7F),
                                          flags: withDigest)
            tlp = hasData ? .completionWithData(header, payload: payload) : .completion(header)
        case .config:
            if length != 1 { throw .configRequestField(field: "Length", value: UInt64(length)) }
            let lastBE = UInt8((d1 >> 4) & 0xF)
            if lastBE != 0 { throw .configRequestField(field: "Last DW BE", value: UInt64(lastBE)) }
            if d2 & 0xF000 != 0 { throw .reservedBitSet(field: "DW2[15:12]") }
            if d2 & 3 != 0 { throw .reservedBitSet(field: "DW2[1:0]") }
            let header = ConfigRequestHeader(requester: PCIeID(rawValue: UInt16(d1 >> 16)),
                                             tag: UInt8((d1 >> 8) & 0xFF), firstBE: UInt8(d1 & 0xF),
                                             target: PCIeID(rawValue: UInt16(d2 >> 16)),
                                             register: UInt16((d2 >> 8) & 0xF) << 6 | UInt16((d2 >> 2) & 0x3F),
                                             flags: withDigest)
            tlp = hasData ? .configWrite(header, payload: payload) : .configRead(header)
        case .message:
            if !hasData && lengthField != 0 { throw .reservedBitSet(field: "Length") }
            let code = UInt8(d1 & 0xFF)
            guard code == 0x7E || code == 0x7F else { throw .unsupportedMessageCode(code) }
            let routing: VendorMessageRouting
            switch type & 7 {
            case 0b000: routing = .toRootComplex
            case 0b010: routing = .byID(PCIeID(rawValue: UInt16(d2 >> 16)))
            case 0b011: routing = .broadcast
            case 0b100: routing = .local
            default: throw .illegalMessageRouting(type & 7)
            }
            if type & 7 != 0b010 && d2 >> 16 != 0 { throw .reservedBitSet(field: "DW2[31:16]") }
            tlp = .vendorMessage(VendorMessageHeader(requester: PCIeID(rawValue: UInt16(d1 >> 16)),
                                                     tag: UInt8((d1 >> 8) & 0xFF), routing: routing,
                                                     type1: code == 0x7F, vendorID: UInt16(d2 & 0xFFFF),
                                                     vendorData: dw(3), flags: withDigest),
                                 payload: payload)
        }
        try validate(tlp)
        return tlp
    }

    // MARK: validation shared by encode and decode

    /// Checks every rule a TLP value must satisfy to be sent.
    public static func validate(_ tlp: TLP) throws(TLPError) {
        let flags = tlp.flags
        if flags.trafficClass > 7 { throw .fieldOutOfRange(field: "TC", value: UInt64(flags.trafficClass)) }
        switch tlp {
        case .memoryRead(let h):
            try checkLength(h.length)
            try checkMemoryRequest(address: h.address, length: h.length, firstBE: h.firstBE, lastBE: h.lastBE)
        case .memoryWrite(let h, let payload):
            try checkPayload(payload)
            try checkMemoryRequest(address: h.address, length: payload.count / 4, firstBE: h.firstBE, lastBE: h.lastBE)
        case .completion(let h), .completionWithData(let h, _):
            if h.byteCount < 1 || h.byteCount > 4096 {
                throw .fieldOutOfRange(field: "Byte Count", value: UInt64(clamping: h.byteCount))
            }
            if h.lowerAddress > 0x7F { throw .fieldOutOfRange(field: "Lower Address", value: UInt64(h.lowerAddress)) }
            if case .completionWithData(_, let payload) = tlp {
                if h.status != .successful { throw .dataWithUnsuccessfulStatus(h.status) }
                try checkPayload(payload)
                let maxDW = (Int(h.lowerAddress & 3) + h.byteCount + 3) / 4
                if payload.count / 4 > maxDW {
                    throw .completionExceedsByteCount(length: payload.count / 4, byteCount: h.byteCount,
                                                      lowerAddress: h.lowerAddress)
                }
            }
        case .configRead(let h), .configWrite(let h, _):
            if h.firstBE > 0xF { throw .fieldOutOfRange(field: "First DW BE", value: UInt64(h.firstBE)) }
            if h.register > 1023 { throw .fieldOutOfRange(field: "Register Number", value: UInt64(h.register)) }
            if flags.trafficClass != 0 { throw .configRequestField(field: "TC", value: UInt64(flags.trafficClass)) }
            if flags.relaxedOrdering || flags.noSnoop {
                throw .configRequestField(field: "Attr",
                                          value: (flags.relaxedOrdering ? 2 : 0) + (flags.noSnoop ? 1 : 0))
            }
            if case .configWrite(_, let payload) = tlp, payload.count != 4 {
                throw .configRequestField(field: "Length", value: UInt64(payload.count) / 4)
            }
        case .vendorMessage(_, let payload):
            if !payload.isEmpty { try checkPayload(payload) }
        }
    }

    static func checkLength(_ length: Int) throws(TLPError) {
        if length < 1 || length > 1024 { throw .fieldOutOfRange(field: "Length", value: UInt64(clamping: length)) }
    }

    static func checkPayload(_ payload: [UInt8]) throws(TLPError) {
        if payload.isEmpty || payload.count > 4096 || payload.count % 4 != 0 {
            throw .fieldOutOfRange(field: "Length", value: UInt64(payload.count))
        }
    }

    /// Address alignment, byte-enable rules and the 4 KiB rule for a memory request.
    static func checkMemoryRequest(address: UInt64, length: Int, firstBE: UInt8, lastBE: UInt8) throws(TLPError) {
        if address & 3 != 0 { throw .misalignedAddress(address) }
        try checkByteEnables(first: firstBE, last: lastBE, length: length, address: address)
        if (address & 0xFFF) + UInt64(length * 4) > 0x1000 { throw .crosses4KiB(address: address, bytes: length * 4) }
    }

    /// First/Last DW BE rules of the base specification (§2.2.5).
    public static func checkByteEnables(first: UInt8, last: UInt8, length: Int, address: UInt64) throws(TLPError) {
        if first > 0xF { throw .fieldOutOfRange(field: "First DW BE", value: UInt64(first)) }
        if last > 0xF { throw .fieldOutOfRange(field: "Last DW BE", value: UInt64(last)) }
        func illegal(_ rule: String) -> TLPError { .illegalByteEnables(first: first, last: last, length: length, rule: rule) }
        if length == 1 {
            if last != 0 { throw illegal("Last BE must be 0000 when Length is 1") }
            return
        }
        if first == 0 { throw illegal("First BE must not be 0000 when Length is more than 1") }
        if last == 0 { throw illegal("Last BE must not be 0000 when Length is more than 1") }
        let holesAllowed = length == 2 && address & 7 == 0
        if !holesAllowed {
            if ![0b1111, 0b1110, 0b1100, 0b1000].contains(first) {
                throw illegal("First BE must be contiguous up to byte 3 unless the request is 1 DW or a QW-aligned 2 DW")
            }
            if ![0b1111, 0b0111, 0b0011, 0b0001].contains(last) {
                throw illegal("Last BE must be contiguous from byte 0 unless the request is 1 DW or a QW-aligned 2 DW")
            }
        }
    }

    static func dwords(of payload: [UInt8]) -> [UInt32] {
        stride(from: 0, to: payload.count, by: 4).map { (i: Int) -> UInt32 in bigEndianDword(payload, at: i) }
    }

    static func bigEndianDword(_ b: [UInt8], at i: Int) -> UInt32 {
        let hi = UInt32(b[i]) << 24 | UInt32(b[i + 1]) << 16
        let lo = UInt32(b[i + 2]) << 8 | UInt32(b[i + 3])
        return hi | lo
    }
}

extension TLP {
    /// Wire-order bytes (see `TLPCodec.encode`).
    public func encoded() throws(TLPError) -> [UInt8] { try TLPCodec.encode(self) }

    /// Decodes wire-order bytes (see `TLPCodec.decode`).
    public init(decoding bytes: [UInt8]) throws(TLPError) { self = try TLPCodec.decode(bytes) }
}
