import Testing
@testable import PCIe
import SimKernel

@Suite struct ByteEnableTests {
    @Test func byteCountRuleOfTheSpecification() {
        // 1 DW requests: the spec's table of First BE -> Byte Count.
        let table: [(UInt8, Int)] = [(0b1001, 4), (0b1111, 4), (0b1011, 4), (0b0101, 3), (0b0111, 3),
                                     (0b1010, 3), (0b1110, 3), (0b0011, 2), (0b0110, 2), (0b1100, 2),
                                     (0b0001, 1), (0b0010, 1), (0b0100, 1), (0b1000, 1), (0b0000, 1)]
        for (be, count) in table {
            #expect(ByteEnables.byteCount(length: 1, firstBE: be, lastBE: 0) == count, "First BE \(be)")
        }
        // Multi-DW: 4*Length - first offset - disabled bytes at the top.
        #expect(ByteEnables.byteCount(length: 4, firstBE: 0b1000, lastBE: 0b0001) == 16 - 3 - 3)
        #expect(ByteEnables.byteCount(length: 2, firstBE: 0b1111, lastBE: 0b0111) == 7)
    }

    @Test func coverComputesLengthAndByteEnables() {
        #expect(ByteEnables.cover(address: 0x1003, count: 10) == (0x1000, 4, 0b1000, 0b0001))
        #expect(ByteEnables.cover(address: 0x2001, count: 2) == (0x2000, 1, 0b0110, 0))
        #expect(ByteEnables.cover(address: 0x2000, count: 8) == (0x2000, 2, 0b1111, 0b1111))
        #expect(ByteEnables.cover(address: 0x2006, count: 0) == (0x2004, 1, 0, 0))
    }
}

@Suite struct RequestSplitTests {
    @Test func readsCrossing4KiBAreSplitAtTheBoundary() throws {
        let reqs = RequestRules.readRequests(address: 0xF80, count: 0x100, maxReadRequest: 512,
                                             requester: ep, tags: [1, 2])
        #expect(reqs == [
            MemoryReadHeader(requester: ep, tag: 1, address: 0xF80, length: 32, firstBE: 0xF, lastBE: 0xF),
            MemoryReadHeader(requester: ep, tag: 2, address: 0x1000, length: 32, firstBE: 0xF, lastBE: 0xF),
        ])
        for r in reqs { _ = try TLPCodec.encode(.memoryRead(r)) }    // each is a legal TLP
    }

    @Test func readsAreSplitByMaxReadRequestSize() throws {
        let pieces = RequestRules.split(address: 0x1010, count: 600, maxBytes: 128)
        #expect(pieces.map(\.address) == [0x1010, 0x1080, 0x1100, 0x1180, 0x1200])
        #expect(pieces.map(\.count) == [112, 128, 128, 128, 104])
        let reqs = RequestRules.readRequests(address: 0x1010, count: 600, maxReadRequest: 128,
                                             requester: ep, tags: Array(0..<5))
        #expect(reqs.allSatisfy { $0.length * 4 <= 128 })
        #expect(reqs.map { ByteEnables.byteCount(length: $0.length, firstBE: $0.firstBE, lastBE: $0.lastBE) }
                == [112, 128, 128, 128, 104])
    }

    @Test func unalignedStartsAndEnds() throws {
        let reqs = RequestRules.readRequests(address: 0x1003, count: 10, maxReadRequest: 512, requester: ep, tags: [0])
        // Bytes 0x1003...0x100C: dwords 0x1000...0x100C, First BE 1000 (byte 3), Last BE 0001 (byte 0).
        #expect(reqs == [MemoryReadHeader(requester: ep, tag: 0, address: 0x1000, length: 4,
                                          firstBE: 0b1000, lastBE: 0b0001)])
        // An unaligned read of exactly MRRS bytes still needs at most MRRS/4 dwords per request.
        let big = RequestRules.readRequests(address: 0x2002, count: 512, maxReadRequest: 512, requester: ep, tags: [0, 1])
        #expect(big.map(\.length) == [128, 1])
        #expect(big[0].firstBE == 0b1100 && big[1].firstBE == 0b0011 && big[1].lastBE == 0)
        for r in big { _ = try TLPCodec.encode(.memoryRead(r)) }
    }

    @Test func writesAreSplitByMaxPayloadSizeAndNeverCross4KiB() throws {
        let data = (0..<300).map { UInt8(truncatingIfNeeded: $0) }
        let tlps = RequestRules.writeRequests(address: 0x3FF0, data: data, maxPayload: 128, requester: ep)
        var addresses: [UInt64] = [], sizes: [Int] = []
        var rebuilt: [UInt8] = []
        for tlp in tlps {
            guard case .memoryWrite(let h, let payload) = tlp else { Issue.record("not a write"); return }
            _ = try TLPCodec.encode(tlp)
            #expect(payload.count <= 128)
            addresses.append(h.address); sizes.append(payload.count)
            rebuilt += payload
        }
        #expect(addresses == [0x3FF0, 0x4000, 0x4080, 0x4100])
        #expect(sizes == [16, 128, 128, 28])
        #expect(rebuilt == data)
        // Unaligned: 5 bytes at 0x11 -> 2 DW at 0x10, First BE 1110, Last BE 0011, zero padding.
        let small = RequestRules.writeRequests(address: 0x11, data: [1, 2, 3, 4, 5], maxPayload: 128, requester: ep)
        #expect(small == [.memoryWrite(MemoryWriteHeader(requester: ep, tag: 0, address: 0x10, firstBE: 0b1110,
                                                         lastBE: 0b0011),
                                       payload: [0, 1, 2, 3, 4, 5, 0, 0])])
    }
}

@Suite struct CompletionRuleTests {
    func split(_ tlps: [TLP]) -> [(bc: Int, la: UInt8, bytes: Int)] {
        tlps.map { tlp in
            guard case .completionWithData(let h, let p) = tlp else { return (0, 0, 0) }
            return (h.byteCount, h.lowerAddress, p.count)
        }
    }

    @Test func completionsAreSplitAtTheReadCompletionBoundary() throws {
        let request = MemoryReadHeader(requester: ep, tag: 4, address: 0x1010, length: 64, firstBE: 0xF, lastBE: 0xF)
        let data = (0..<256).map { UInt8(truncatingIfNeeded: $0) }
        // One completion per 64-byte RCB block: 0x1010-0x103F, 0x1040, 0x1080, 0x10C0, 0x1100-0x110F.
        let rcb64 = RequestRules.completions(for: request, data: data, completer: rc, readCompletionBoundary: 64,
                                             maxPayload: 64)
        let got = split(rcb64)
        #expect(got.map(\.bc) == [256, 208, 144, 80, 16])            // bytes left, counting this one
        #expect(got.map(\.la) == [0x10, 0x40, 0x00, 0x40, 0x00])     // low 7 bits of the first byte
        #expect(got.map(\.bytes) == [48, 64, 64, 64, 16])
        // With MPS 128 the completer packs two RCB blocks, still ending on RCB boundaries.
        let mps128 = split(RequestRules.completions(for: request, data: data, completer: rc,
                                                    readCompletionBoundary: 64, maxPayload: 128))
        #expect(mps128.map(\.bytes) == [112, 128, 16])
        #expect(mps128.map(\.bc) == [256, 144, 16])
        #expect(mps128.map(\.la) == [0x10, 0x00, 0x00])
        for tlp in rcb64 { _ = try TLPCodec.encode(tlp) }
    }

    @Test func byteCountAndLowerAddressFollowTheByteEnables() throws {
        let request = MemoryReadHeader(requester: ep, tag: 0, address: 0x1000, length: 4, firstBE: 0b1000, lastBE: 0b0001)
        let c = RequestRules.completions(for: request, data: Array(repeating: 0xAB, count: 16), completer: rc,
                                         readCompletionBoundary: 64, maxPayload: 128)
        #expect(split(c).map(\.bc) == [10])
        #expect(split(c).map(\.la) == [0x03])
        // A read spanning an RCB boundary from an odd byte, 0x103E..0x1041 (4 bytes): it fits in
        // one completion, which may cross the boundary since it is the last.
        let odd = RequestRules.readRequests(address: 0x103E, count: 4, maxReadRequest: 512, requester: ep, tags: [0])[0]
        let oc = split(RequestRules.completions(for: odd, data: Array(repeating: 0, count: 8), completer: rc,
                                                readCompletionBoundary: 64, maxPayload: 128))
        #expect(oc.map(\.bc) == [4])
        #expect(oc.map(\.la) == [0x3E])
        // Zero-length read: one dword, Byte Count 1.
        let zero = MemoryReadHeader(requester: ep, tag: 0, address: 0x2004, length: 1, firstBE: 0, lastBE: 0)
        #expect(split(RequestRules.completions(for: zero, data: [0, 0, 0, 0], completer: rc,
                                               readCompletionBoundary: 64, maxPayload: 128)).map(\.bc) == [1])
        // 4 KiB in one completion (MPS 4096): Byte Count 4096, encoded as 0.
        let page = MemoryReadHeader(requester: ep, tag: 0, address: 0x3000, length: 1024, firstBE: 0xF, lastBE: 0xF)
        let one = RequestRules.completions(for: page, data: Array(repeating: 0, count: 4096), completer: rc,
                                           readCompletionBoundary: 64, maxPayload: 4096)
        #expect(split(one).map(\.bc) == [4096])
        #expect(try TLPCodec.encode(one[0])[4...7] == [0x00, 0x00, 0x00, 0x00])   // completer 0, SC, BC field 0
    }

    @Test func completionsWithoutData() {
        let read = TLP.memoryRead(MemoryReadHeader(requester: ep, tag: 3, address: 0x1004, length: 1,
                                                   firstBE: 0b1100, lastBE: 0))
        #expect(RequestRules.completionWithoutData(for: read, completer: rc, status: .unsupportedRequest)
                == .completion(CompletionHeader(completer: rc, status: .unsupportedRequest, byteCount: 2,
                                                requester: ep, tag: 3, lowerAddress: 0x06)))
        #expect(RequestRules.completionWithoutData(for: TLP.msi(requester: ep, address: 0, data: 0),
                                                   completer: rc, status: .successful) == nil)
    }
}

@Suite struct ReassemblyTests {
    @Test func completionsAreReassembledByTag() throws {
        var reassembler = CompletionReassembler(requester: ep)
        var tags = TagPool()
        let source = (0..<600).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        let base: UInt64 = 0x1010
        let reqs = RequestRules.readRequests(address: base, count: source.count, maxReadRequest: 256, requester: ep,
                                             tags: (0..<3).map { _ in tags.allocate()! })
        #expect(reqs.map(\.tag) == [0, 1, 2] && tags.available == 29)
        // The completer's answers, per request; interleave them across tags (in order within a tag).
        var queues: [[TLP]] = reqs.map { r in
            let dwData = (0..<r.length * 4).map { i -> UInt8 in
                let a = Int(r.address) + i - Int(base)
                return a >= 0 && a < source.count ? source[a] : 0xEE
            }
            return RequestRules.completions(for: r, data: dwData, completer: rc, readCompletionBoundary: 64, maxPayload: 128)
        }
        for r in reqs { reassembler.expect(r, sent: .zero) }
        var results: [UInt8: [UInt8]] = [:]
        var turn = 0
        while queues.contains(where: { !$0.isEmpty }) {
            let q = turn % queues.count
            turn += 1
            guard !queues[q].isEmpty else { continue }
            guard case .completionWithData(let h, let p) = queues[q].removeFirst() else { continue }
            switch try reassembler.accept(h, payload: p) {
            case .partial: break
            case .done(let tag, _, let data): results[tag] = data; tags.release(tag)
            case .failed: Issue.record("unexpected failure")
            }
        }
        #expect(results[0]! + results[1]! + results[2]! == source)
        #expect(reassembler.pending.isEmpty && tags.available == 32)
    }

    @Test func badCompletionsAreRejected() throws {
        var r = CompletionReassembler(requester: ep)
        let req = MemoryReadHeader(requester: ep, tag: 5, address: 0x1000, length: 32, firstBE: 0xF, lastBE: 0xF)
        r.expect(req, sent: .zero)
        func cpl(tag: UInt8 = 5, bc: Int = 128, la: UInt8 = 0, to: PCIeID = ep) -> CompletionHeader {
            CompletionHeader(completer: rc, byteCount: bc, requester: to, tag: tag, lowerAddress: la)
        }
        let dw16 = [UInt8](repeating: 0, count: 64)
        #expect(throws: CompletionError.unexpectedTag(6)) { try r.accept(cpl(tag: 6), payload: dw16) }
        #expect(throws: CompletionError.wrongRequester(tag: 5, rc)) { try r.accept(cpl(to: rc), payload: dw16) }
        #expect(throws: CompletionError.wrongByteCount(tag: 5, expected: 128, got: 64)) {
            try r.accept(cpl(bc: 64), payload: dw16)
        }
        #expect(throws: CompletionError.wrongLowerAddress(tag: 5, expected: 0, got: 0x40)) {
            try r.accept(cpl(la: 0x40), payload: dw16)
        }
        #expect(throws: CompletionError.missingData(tag: 5)) { try r.accept(cpl(), payload: []) }
        #expect(try r.accept(cpl(), payload: dw16) == .partial(tag: 5))
        // A UR completion ends the request.
        let ur = CompletionHeader(completer: rc, status: .unsupportedRequest, byteCount: 64, requester: ep, tag: 5,
                                  lowerAddress: 0x40)
        #expect(try r.accept(ur, payload: []) == .failed(tag: 5, request: req, status: .unsupportedRequest))
        #expect(r.pending.isEmpty)
    }

    @Test func completionTimeoutIsMeasuredInSimulatedTime() {
        var r = CompletionReassembler(requester: ep, timeout: CompletionTimeout(.us(50)))
        let a = MemoryReadHeader(requester: ep, tag: 1, address: 0, length: 1, firstBE: 0xF, lastBE: 0)
        var b = a
        b.tag = 2
        r.expect(a, sent: Instant(picoseconds: 1_000))
        r.expect(b, sent: Instant(picoseconds: 2_000))
        #expect(r.nextDeadline == Instant(picoseconds: 50_001_000))
        #expect(r.expire(at: Instant(picoseconds: 50_000_999)).isEmpty)
        #expect(r.expire(at: Instant(picoseconds: 50_001_000)) == [a])
        #expect(r.expire(at: Instant(picoseconds: 60_000_000)) == [b])
        #expect(r.pending.isEmpty && r.nextDeadline == nil)
        #expect(CompletionTimeout.default.duration == .ms(50))
    }
}
