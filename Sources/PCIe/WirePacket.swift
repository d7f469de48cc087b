/// A TLP as it crosses the link: wire-order dwords (see `TLPCodec`), which need not be a
/// valid TLP. The receiver decodes it; a hostile host may send bytes that do not decode.
public struct WirePacket: Hashable, Sendable {
    public var dwords: [UInt32]

    public init(dwords: [UInt32]) { self.dwords = dwords }

    /// The encoding of a valid TLP.
    public init(_ tlp: TLP) throws(TLPError) { dwords = try TLPCodec.encodeDwords(tlp) }

    /// Bytes on the wire, framing included.
    public var wireBytes: Int { dwords.count * 4 + LinkConfiguration.framingBytesPerTLP }

    /// Credits the packet consumes, read from DW0 as a receiver's data link layer would:
    /// the class from Fmt/Type (completions, messages and memory writes as the
    /// specification classes them, every other request non-posted) and the data credits
    /// from the bytes after the header (less the digest when TD is set). For a valid TLP
    /// this equals `CreditCost(tlp)`.
    public var creditCost: CreditCost {
        guard let d0 = dwords.first else { return CreditCost(flowClass: .posted, header: 1, data: 0) }
        let fmt = UInt8(d0 >> 29), type = UInt8((d0 >> 24) & 0x1F)
        let hasData = fmt & 2 != 0
        let flowClass: FlowControlClass
        if type == 0b0_1010 || type == 0b0_1011 {
            flowClass = .completion
        } else if type & 0b1_1000 == 0b1_0000 || (type == 0 && hasData) {
            flowClass = .posted
        } else {
            flowClass = .nonPosted
        }
        let header = fmt & 1 != 0 ? 16 : 12
        let digest = d0 & (1 << 15) != 0 ? 4 : 0
        let payload = hasData ? max(0, dwords.count * 4 - header - digest) : 0
        return CreditCost(flowClass: flowClass, header: 1, data: (payload + 15) / 16)
    }

    /// Type values of non-posted requests the specification defines and this endpoint does
    /// not implement (locked read, I/O, type-1 configuration, atomics): the codec rejects
    /// them as unsupported, and the endpoint answers each with a UR completion.
    public static let unimplementedRequestTypes: Set<UInt8> = [0b0_0001, 0b0_0010, 0b0_0101, 0b0_1100, 0b0_1101, 0b0_1110]

    /// Requester and tag of a packet that is a request of an unimplemented kind (read from
    /// DW1, where every request carries them), given the codec's verdict on it.
    public func unimplementedRequest(_ error: TLPError) -> (requester: PCIeID, tag: UInt8)? {
        guard case .unsupportedFormatType(let fmt, let type) = error, fmt != 0b100, dwords.count >= 2,
              Self.unimplementedRequestTypes.contains(type) else { return nil }
        return (PCIeID(rawValue: UInt16(dwords[1] >> 16)), UInt8((dwords[1] >> 8) & 0xFF))
    }
}
