import Testing
@testable import PCIe
import SimKernel

/// Hex helper for golden vectors: spaces are ignored.
func bytes(_ s: String) -> [UInt8] {
    let digits = s.filter { !$0.isWhitespace }
    var out: [UInt8] = []
    var i = digits.startIndex
    while i < digits.endIndex {
        let j = digits.index(i, offsetBy: 2)
        out.append(UInt8(digits[i..<j], radix: 16)!)
        i = j
    }
    return out
}

let rc = PCIeID(bus: 0, device: 0, function: 0)
let ep = PCIeID(bus: 1, device: 0, function: 0)

@Suite struct TLPRoundTripTests {
    @Test func everyKindRoundTrips() throws {
        var gen = TLPGenerator(seed: 0x7C1_5EED)
        var seen = Set<String>()
        for _ in 0..<20_000 {
            let tlp = gen.tlp()
            seen.insert(tlp.mnemonic + (tlp.headerBytes == 16 ? "/4DW" : "/3DW"))
            let wire = try TLPCodec.encode(tlp)
            #expect(wire.count == tlp.sizeInBytes)
            let back = try TLPCodec.decode(wire)
            #expect(back == tlp)
            #expect(try TLPCodec.encode(back) == wire)
            let dwords = try TLPCodec.encodeDwords(tlp)
            #expect(try TLPCodec.decode(dwords: dwords) == tlp)
        }
        #expect(seen == ["MRd/3DW", "MRd/4DW", "MWr/3DW", "MWr/4DW", "Cpl/3DW", "CplD/3DW",
                         "CfgRd0/3DW", "CfgWr0/3DW", "Msg/4DW", "MsgD/4DW"])
    }

    /// Decode then encode gives the same bytes, for any byte string that decodes: mutate
    /// valid TLPs bit by bit and check every one that still decodes.
    @Test func decodeThenEncodeKeepsBytes() throws {
        var gen = TLPGenerator(seed: 99)
        var decoded = 0, rejected = 0
        for _ in 0..<20_000 {
            var wire = try TLPCodec.encode(gen.tlp())
            let flips = gen.int(1...3)
            for _ in 0..<flips {
                let bit = gen.int(0...(min(wire.count, 16) * 8 - 1))
                wire[bit / 8] ^= 1 << (bit % 8)
            }
            do {
                let tlp = try TLPCodec.decode(wire)
                #expect(try TLPCodec.encode(tlp) == wire)
                decoded += 1
            } catch {
                rejected += 1
            }
        }
        #expect(decoded > 1000 && rejected > 1000)
    }
}

/// Golden vectors written from the base specification's header layouts (§2.2.1–2.2.9):
/// DW0 = Fmt[31:29] Type[28:24] T9 TC[22:20] T8 Attr2 LN TH TD EP Attr[13:12] AT[11:10] Length[9:0],
/// each dword sent most significant byte first.
@Suite struct TLPGoldenVectorTests {
    func check(_ tlp: TLP, _ hex: String) throws {
        let wire = bytes(hex)
        #expect(try TLPCodec.encode(tlp) == wire)
        #expect(try TLPCodec.decode(wire) == tlp)
    }

    @Test func memoryRead32() throws {
        // DW0 00 00 00 01: Fmt 000 (3DW, no data), Type 00000 (MRd), TC 0, Length 1
        // DW1 01 00 05 0f: Requester 01:00.0 = 0x0100, Tag 0x05, Last BE 0000, First BE 1111
        // DW2 00 00 10 00: Address[31:2] = 0x1000 >> 2, PH 00
        try check(.memoryRead(MemoryReadHeader(requester: ep, tag: 5, address: 0x1000, length: 1,
                                               firstBE: 0xF, lastBE: 0)),
                  "00000001 0100050f 00001000")
    }

    @Test func memoryRead64() throws {
        // DW0 20 00 00 10: Fmt 001 (4DW, no data), Type 00000, Length 16
        // DW1 00 08 1f ff: Requester 00:01.0 = 0x0008, Tag 0x1f, Last BE 1111, First BE 1111
        // DW2 00 00 00 01: Address[63:32]; DW3 00 00 20 00: Address[31:2], PH 00
        try check(.memoryRead(MemoryReadHeader(requester: PCIeID(bus: 0, device: 1, function: 0), tag: 0x1F,
                                               address: 0x1_0000_2000, length: 16, firstBE: 0xF, lastBE: 0xF)),
                  "20000010 00081fff 00000001 00002000")
    }

    @Test func memoryReadOf1024DwordsHasLengthZero() throws {
        // DW0 00 00 00 00: Length field 0 means 1024 DW (4 KiB, exactly one page)
        // DW1 01 00 00 ff: Tag 0, Last BE 1111, First BE 1111; DW2 a whole page at 0x8000_0000
        try check(.memoryRead(MemoryReadHeader(requester: ep, tag: 0, address: 0x8000_0000, length: 1024,
                                               firstBE: 0xF, lastBE: 0xF)),
                  "00000000 010000ff 80000000")
    }

    @Test func msiIsAOneDwordMemoryWrite() throws {
        // DW0 40 00 00 01: Fmt 010 (3DW, data), Type 00000 (MWr), Length 1
        // DW1 01 00 00 0f: Requester 01:00.0, Tag 0, Last BE 0000, First BE 1111
        // DW2 fe e0 00 00: Address 0xFEE00000; payload 41 00 00 00: data 0x0041, byte 0 = bits 7:0
        try check(TLP.msi(requester: ep, address: 0xFEE0_0000, data: 0x0041),
                  "40000001 0100000f fee00000 41000000")
    }

    @Test func memoryWriteWithEveryFlag() throws {
        // DW0 40 30 f0 02: Fmt 010, Type 0, TC 3 (bits 22:20 -> byte 1 = 0x30),
        //   TD=1 (0x80), EP=1 (0x40), RO=1 (0x20), NS=1 (0x10) in byte 2, Length 2
        // DW1 01 00 07 1e: Tag 7, Last BE 0001, First BE 1110
        // DW2 00 00 01 04: Address 0x104; payload 2 DW; then the ECRC dword 12 34 56 78
        let flags = TLPFlags(trafficClass: 3, relaxedOrdering: true, noSnoop: true, poisoned: true,
                             digest: 0x1234_5678)
        try check(.memoryWrite(MemoryWriteHeader(requester: ep, tag: 7, address: 0x104, firstBE: 0b1110,
                                                 lastBE: 0b0001, flags: flags),
                               payload: [0xAA, 0xBB, 0xCC, 0xDD, 0xEE, 0, 0, 0]),
                  "4030f002 0100071e 00000104 aabbccdd ee000000 12345678")
    }

    @Test func memoryWrite64() throws {
        // DW0 60 00 00 01: Fmt 011 (4DW, data), Length 1; DW2/DW3 = 0x00000002_fee00000
        try check(.memoryWrite(MemoryWriteHeader(requester: ep, tag: 0, address: 0x2_FEE0_0000, firstBE: 0xF,
                                                 lastBE: 0), payload: [1, 2, 3, 4]),
                  "60000001 0100000f 00000002 fee00000 01020304")
    }

    @Test func completionWithData() throws {
        // DW0 4a 00 00 01: Fmt 010, Type 01010 (Cpl), Length 1
        // DW1 01 00 00 04: Completer 01:00.0, Status 000 (SC), BCM 0, Byte Count 4
        // DW2 00 00 05 00: Requester 00:00.0, Tag 5, reserved bit 0, Lower Address 0
        try check(.completionWithData(CompletionHeader(completer: ep, byteCount: 4, requester: rc, tag: 5,
                                                       lowerAddress: 0),
                                      payload: [0x78, 0x56, 0x34, 0x12]),
                  "4a000001 01000004 00000500 78563412")
    }

    @Test func completionStatusesAndByteCount4096() throws {
        // DW0 0a 00 00 00: Fmt 000, Type 01010, Length reserved (0)
        // DW1 01 00 s0 00: Status in bits 15:13: UR 001 -> 0x20, CRS 010 -> 0x40, CA 100 -> 0x80;
        //   Byte Count 0 means 4096
        // DW2 00 00 07 40: Tag 7, Lower Address 0x40
        for (status, byte2) in [(CompletionStatus.successful, "00"), (.unsupportedRequest, "20"),
                                (.configurationRequestRetry, "40"), (.completerAbort, "80")] {
            try check(.completion(CompletionHeader(completer: ep, status: status, byteCount: 4096, requester: rc,
                                                   tag: 7, lowerAddress: 0x40)),
                      "0a000000 0100\(byte2)00 00000740")
        }
        // BCM (bit 12) with Byte Count 0x123: DW1 01 00 11 23
        try check(.completion(CompletionHeader(completer: ep, byteCountModified: true, byteCount: 0x123,
                                               requester: rc, tag: 0, lowerAddress: 0)),
                  "0a000000 01001123 00000000")
    }

    @Test func configurationRequests() throws {
        // CfgRd0. DW0 04 00 00 01: Fmt 000, Type 00100, Length 1
        // DW1 00 00 01 0f: Requester 00:00.0, Tag 1, Last BE 0000, First BE 1111
        // DW2 01 00 00 10: Bus 1, Device 0, Function 0, Ext Reg 0, Register 4 (offset 0x10) << 2
        try check(.configRead(ConfigRequestHeader(requester: rc, tag: 1, target: ep, register: 4)),
                  "04000001 0000010f 01000010")
        // CfgWr0 of all-ones to BAR0. DW0 44 00 00 01: Fmt 010; payload ff ff ff ff
        try check(.configWrite(ConfigRequestHeader(requester: rc, tag: 2, target: ep, register: 4),
                               payload: [0xFF, 0xFF, 0xFF, 0xFF]),
                  "44000001 0000020f 01000010 ffffffff")
        // Extended register: offset 0x104 = dword 65 -> Ext Reg 0001 (bits 11:8), Register 1 (bits 7:2)
        // DW2 02 0a 01 04: Bus 2, Device 1 (bits 23:19 -> 0x08), Function 2 -> 0x0a
        try check(.configRead(ConfigRequestHeader(requester: rc, tag: 0, firstBE: 0b0011,
                                                  target: PCIeID(bus: 2, device: 1, function: 2), register: 65)),
                  "04000001 00000003 020a0104")
    }

    @Test func vendorDefinedMessages() throws {
        // MsgD, local routing. DW0 74 00 00 01: Fmt 011 (4DW, data), Type 10100 (Msg, r = 100 local), Length 1
        // DW1 01 00 00 7f: Requester 01:00.0, Tag 0, Message Code 0x7F (Vendor_Defined Type 1)
        // DW2 00 00 1a b4: reserved, Vendor ID 0x1ab4; DW3 de ad be ef; payload 01 02 03 04
        try check(.vendorMessage(VendorMessageHeader(requester: ep, routing: .local, vendorID: 0x1AB4,
                                                     vendorData: 0xDEAD_BEEF),
                                 payload: [1, 2, 3, 4]),
                  "74000001 0100007f 00001ab4 deadbeef 01020304")
        // Msg routed by ID, type 0. DW0 32 00 00 00: Fmt 001, Type 10010 (r = 010 by ID), Length 0
        // DW1 01 00 03 7e: Tag 3, Code 0x7E; DW2 00 00 1a b4: target 00:00.0, Vendor ID; DW3 0
        try check(.vendorMessage(VendorMessageHeader(requester: ep, tag: 3, routing: .byID(rc), type1: false,
                                                     vendorID: 0x1AB4),
                                 payload: []),
                  "32000000 0100037e 00001ab4 00000000")
    }

    @Test func dwordViewPacksWireBytesBigEndian() throws {
        let tlp = TLP.msi(requester: ep, address: 0xFEE0_0000, data: 0x0041)
        #expect(try TLPCodec.encodeDwords(tlp) == [0x4000_0001, 0x0100_000F, 0xFEE0_0000, 0x4100_0000])
    }
}

@Suite struct TLPDecodeErrorTests {
    func error(_ hex: String) -> TLPError? {
        do { _ = try TLPCodec.decode(bytes(hex)); return nil } catch { return error }
    }

    @Test func headerLengthVersusFormat() {
        #expect(error("0000") == .truncatedHeader(bytes: 2, needed: 12))
        #expect(error("00000001 0100050f") == .truncatedHeader(bytes: 8, needed: 12))
        #expect(error("20000001 0100050f 00000001") == .truncatedHeader(bytes: 12, needed: 16))
    }

    @Test func reservedAndUnsupportedEncodings() {
        #expect(error("80000001 0100050f 00001000") == .unsupportedFormatType(fmt: 0b100, type: 0))   // TLP prefix
        #expect(error("a0000001 0100050f 00001000") == .reservedFormatType(fmt: 0b101, type: 0))
        #expect(error("02000001 0100050f 00001000") == .unsupportedFormatType(fmt: 0, type: 0b00010)) // IORd
        #expect(error("05000001 0100050f 00001000") == .unsupportedFormatType(fmt: 0, type: 0b00101)) // CfgRd1
        #expect(error("1f000001 0100050f 00001000") == .reservedFormatType(fmt: 0, type: 0b11111))
        #expect(error("2a000000 01000004 00000500 00000000") == .reservedFormatType(fmt: 1, type: 0b01010)) // 4DW Cpl
        #expect(error("0a000000 01006004 00000500") == .reservedCompletionStatus(0b011))
        #expect(error("30000000 01000020 00000000 00000000") == .unsupportedMessageCode(0x20))       // Assert_INTA
        #expect(error("31000000 0100007f 00000000 00000000") == .illegalMessageRouting(0b001))
    }

    @Test func reservedBits() {
        #expect(error("00080001 0100050f 00001000") == .reservedBitSet(field: "T8"))
        #expect(error("00800001 0100050f 00001000") == .reservedBitSet(field: "T9"))
        #expect(error("00010001 0100050f 00001000") == .reservedBitSet(field: "TH"))
        #expect(error("00000401 0100050f 00001000") == .reservedBitSet(field: "AT"))
        #expect(error("00000001 0100050f 00001001") == .reservedBitSet(field: "PH"))
        #expect(error("0a000001 01000004 00000500") == .reservedBitSet(field: "Length"))          // Cpl, no data
        #expect(error("0a000000 01000004 00000580") == .reservedBitSet(field: "DW2[7]"))
        #expect(error("04000001 0000010f 01001010") == .reservedBitSet(field: "DW2[15:12]"))
        #expect(error("34000000 0100007f 00011ab4 00000000") == .reservedBitSet(field: "DW2[31:16]"))
    }

    @Test func payloadLengthVersusLength() {
        #expect(error("40000002 0100ff0f 00001000 00000000") == .payloadLengthMismatch(lengthField: 2, payloadBytes: 4))
        #expect(error("40000001 0100000f 00001000 000000") == .payloadLengthMismatch(lengthField: 1, payloadBytes: 3))
        #expect(error("40008001 0100000f 00001000 00000000") == .payloadLengthMismatch(lengthField: 1, payloadBytes: 0)) // TD, no digest
        #expect(error("00008001 0100050f 00001000") == .missingDigest(bytes: 0))
        #expect(error("40008001 0100000f 00001000 0000") == .missingDigest(bytes: 2))
        #expect(error("00000001 0100050f 00001000 00000000") == .unexpectedPayload(bytes: 4))
        #expect(error("04000002 0000010f 01000010") == .configRequestField(field: "Length", value: 2))
        #expect(error("040000f1 0000010f 01000010") == .configRequestField(field: "Length", value: 0xF1))
        #expect(error("04000001 0000011f 01000010") == .configRequestField(field: "Last DW BE", value: 1))
        #expect(error("04400001 0000010f 01000010") == .configRequestField(field: "TC", value: 4))
    }

    @Test func byteEnablesIllegalForTheLength() {
        #expect(error("00000001 010005ff 00001000")
                == .illegalByteEnables(first: 0xF, last: 0xF, length: 1, rule: "Last BE must be 0000 when Length is 1"))
        #expect(error("00000002 0100050f 00001000")?.field == "First/Last DW BE")    // Length 2, Last BE 0000
        #expect(error("00000002 010005f0 00001000")?.field == "First/Last DW BE")    // Length 2, First BE 0000
        #expect(error("00000003 010005f5 00001000")?.field == "First/Last DW BE")    // Length 3, First BE 0101
        #expect(error("00000003 010005bf 00001000")?.field == "First/Last DW BE")    // Length 3, Last BE 1011
        #expect(error("00000002 010005a5 00001004")?.field == "First/Last DW BE")    // 2 DW, not QW-aligned
        #expect(error("00000002 010005a5 00001008") == nil)                          // 2 DW, QW-aligned: holes allowed
        #expect(error("00000001 01000500 00001000") == nil)                          // zero-length read
    }

    @Test func requestsCrossing4KiB() {
        #expect(error("00000002 010005ff 00000ffc") == .crosses4KiB(address: 0xFFC, bytes: 8))
        #expect(error("00000000 010005ff 00000004") == .crosses4KiB(address: 4, bytes: 4096))  // Length 0 = 1024 DW
        #expect(error("00000001 0100050f 00000ffc") == nil)
    }

    @Test func addressForms() {
        #expect(error("20000001 0100050f 00000000 00001000") == .fourDWHeaderBelow4GiB(0x1000))
    }

    @Test func completionRules() {
        #expect(error("4a000001 01002004 00000500 00000000") == .dataWithUnsuccessfulStatus(.unsupportedRequest))
        // Byte Count 4 from Lower Address 0 fits in 1 DW; 2 DW is too much.
        #expect(error("4a000002 01000004 00000500 00000000 00000000")
                == .completionExceedsByteCount(length: 2, byteCount: 4, lowerAddress: 0))
        // From Lower Address 3 the same 4 bytes span 2 DW.
        #expect(error("4a000002 01000004 00000503 00000000 00000000") == nil)
    }

    @Test func errorsNameTheirField() {
        #expect(TLPError.crosses4KiB(address: 0xFFC, bytes: 8).description
                == "Address/Length: 8 bytes at 0xffc cross a 4 KiB boundary")
        #expect(TLPError.reservedBitSet(field: "T8").description == "T8: reserved bits must be 0")
    }

    @Test func encodeRejectsInvalidValues() {
        func encodeError(_ tlp: TLP) -> TLPError? {
            do { _ = try TLPCodec.encode(tlp); return nil } catch { return error }
        }
        #expect(encodeError(.memoryRead(MemoryReadHeader(requester: ep, tag: 0, address: 0x1002, length: 1,
                                                         firstBE: 0xF, lastBE: 0))) == .misalignedAddress(0x1002))
        #expect(encodeError(.memoryRead(MemoryReadHeader(requester: ep, tag: 0, address: 0, length: 1025,
                                                         firstBE: 0xF, lastBE: 0xF)))
                == .fieldOutOfRange(field: "Length", value: 1025))
        #expect(encodeError(.completion(CompletionHeader(completer: ep, byteCount: 0, requester: rc, tag: 0,
                                                         lowerAddress: 0)))
                == .fieldOutOfRange(field: "Byte Count", value: 0))
        #expect(encodeError(.completion(CompletionHeader(completer: ep, byteCount: 4, requester: rc, tag: 0,
                                                         lowerAddress: 0x80)))
                == .fieldOutOfRange(field: "Lower Address", value: 0x80))
        #expect(encodeError(.memoryWrite(MemoryWriteHeader(requester: ep, tag: 0, address: 0, firstBE: 0xF,
                                                           lastBE: 0), payload: [1, 2, 3]))
                == .fieldOutOfRange(field: "Length", value: 3))
    }
}
