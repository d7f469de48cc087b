import Testing
@testable import PCIe
import SimKernel

@Suite struct LinkTimingTests {
    let cpl64 = TLP.completionWithData(CompletionHeader(completer: rc, byteCount: 64, requester: ep, tag: 0,
                                                        lowerAddress: 0), payload: Array(repeating: 0, count: 64))
    let mrd32 = TLP.memoryRead(MemoryReadHeader(requester: ep, tag: 0, address: 0x1000, length: 16,
                                                firstBE: 0xF, lastBE: 0xF))
    let mrd64 = TLP.memoryRead(MemoryReadHeader(requester: ep, tag: 0, address: 0x1_0000_1000, length: 16,
                                                firstBE: 0xF, lastBE: 0xF))

    @Test func gen1x1WireTimes() {
        let gen1 = LinkConfiguration(generation: .gen1, width: 1)
        // Gen1: 2.5 GT/s, 8b/10b -> one byte = 10 bits x 400 ps = 4 ns per lane.
        // 64-byte CplD: 12 (3DW header) + 64 (payload) + 8 (framing) = 84 bytes -> 84 x 4 ns = 336 ns.
        #expect(LinkConfiguration.wireBytes(of: cpl64) == 84)
        #expect(gen1.wireTime(of: cpl64) == .ns(336))
        // MRd, 32-bit address: 12 + 8 = 20 bytes -> 80 ns; 64-bit address: 16 + 8 = 24 bytes -> 96 ns.
        #expect(gen1.wireTime(of: mrd32) == .ns(80))
        #expect(gen1.wireTime(of: mrd64) == .ns(96))
        // A DLLP: 6 + 2 bytes -> 32 ns.
        #expect(gen1.serialisationTime(bytes: LinkConfiguration.dllpBytes) == .ns(32))
        // With TD = 1 the ECRC adds 4 bytes: 88 x 4 ns = 352 ns.
        guard case .completionWithData(var h, let p) = cpl64 else { return }
        h.flags.digest = 0
        #expect(gen1.wireTime(of: .completionWithData(h, payload: p)) == .ns(352))
    }

    @Test func otherGenerationsAndWidths() {
        // Gen2 x4: 84 bytes over 4 lanes = 21 bytes per lane x 10 bits x 200 ps = 42 ns.
        #expect(LinkConfiguration(generation: .gen2, width: 4).wireTime(of: cpl64) == .ns(42))
        // Gen3 x1: 128b/130b, 125 ps per bit: 84 x 8 x 125 x 130 / 128 = 85 312.5 -> 85 313 ps (rounded up).
        #expect(LinkConfiguration(generation: .gen3, width: 1).wireTime(of: cpl64) == .ps(85_313))
        // Gen3 x16: ceil(84 / 16) = 6 bytes per lane -> 6 x 1015.625 = 6093.75 -> 6094 ps.
        #expect(LinkConfiguration(generation: .gen3, width: 16).wireTime(of: cpl64) == .ps(6_094))
        // Gen1 x12, MRd: ceil(20 / 12) = 2 bytes per lane -> 8 ns.
        #expect(LinkConfiguration(generation: .gen1, width: 12).wireTime(of: mrd32) == .ns(8))
    }

    @Test func deliveryAddsTheFixedLatency() throws {
        var link = Link(LinkConfiguration(latency: .ns(10)))
        let d = try link.send(cpl64, .upstream, readyAt: Instant(picoseconds: 1_000))
        #expect(d == Delivery(start: Instant(picoseconds: 1_000), end: Instant(picoseconds: 337_000),
                              arrival: Instant(picoseconds: 347_000)))
        // Back to back: the next TLP waits for the line.
        let d2 = try link.send(mrd32, .upstream, readyAt: .zero)
        #expect(d2.start == Instant(picoseconds: 337_000) && d2.end == Instant(picoseconds: 417_000))
    }

    @Test func acknowledgementDLLPsShareTheOppositeLine() throws {
        var link = Link(LinkConfiguration(latency: .ns(10), tlpsPerAck: 1))
        // Downstream TLP arrives at 80 + 10 = 90 ns; its Ack DLLP is queued upstream at 90 ns.
        let d = try link.send(mrd32, .downstream, readyAt: .zero)
        #expect(d.arrival == Instant(picoseconds: 90_000))
        // An upstream TLP ready at 89 ns goes first; the Ack follows it.
        var early = link
        #expect(try early.send(cpl64, .upstream, readyAt: Instant(picoseconds: 89_000)).start == Instant(picoseconds: 89_000))
        // Ready at 90 ns, it waits for the 32 ns Ack: starts at 122 ns.
        #expect(try link.send(cpl64, .upstream, readyAt: Instant(picoseconds: 90_000)).start == Instant(picoseconds: 122_000))
        #expect(link.statistics(.upstream).dllps == 1)
    }

    /// 128-byte posted writes back to back at Gen1 x1, the receiver returning credits as each
    /// write arrives. Closed form: each write is 12 + 128 + 8 = 148 bytes = 592 ns on the
    /// wire, so N writes take N x 592 ns and the payload rate is 250 MB/s x 128/148
    /// = 216 216 216 B/s. The credit window (32 PH = 18.9 us of writes) is far longer than
    /// the credit round trip (10 + 32 + 10 ns plus queueing), so the link never stalls.
    @Test func saturatedWritesReachTheClosedFormRate() throws {
        var link = Link(LinkConfiguration(generation: .gen1, width: 1, latency: .ns(10)))
        let n: UInt64 = 1000
        var last = Delivery(start: .zero, end: .zero, arrival: .zero)
        for i in 0..<n {
            let tlp = TLP.memoryWrite(MemoryWriteHeader(requester: rc, tag: 0, address: 0x1000 + (i % 32) * 128,
                                                        firstBE: 0xF, lastBE: 0xF),
                                      payload: Array(repeating: 0, count: 128))
            last = try link.send(tlp, .downstream, readyAt: .zero)
            link.release(tlp, .downstream, at: last.arrival)
        }
        #expect(last.end == Instant(picoseconds: n * 592_000))
        let payloadBytes = n * 128
        let rate = payloadBytes * 1_000_000_000_000 / last.end.picoseconds       // bytes per second
        let closedForm: UInt64 = 250_000_000 * 128 / 148
        #expect(rate == closedForm)
        #expect(rate == 216_216_216)
        link.settle()
        // Upstream carried one Ack per 4 TLPs and one UpdateFC per write.
        #expect(link.statistics(.upstream).dllps == Int(n / 4 + n))
        #expect(link.availableCredits(.downstream, .posted) == Credits(header: 32, data: 467))
    }

    /// With one posted-header credit every write waits for the previous one's UpdateFC:
    /// period = 592 ns (write) + 1 us (latency) + 32 ns (UpdateFC DLLP) + 1 us (latency) = 2624 ns.
    @Test func creditsThrottleTheSender() throws {
        var limits = CreditLimits.unlimited
        limits.posted = Credits(header: 1, data: nil)
        var link = Link(LinkConfiguration(latency: .us(1), tlpsPerAck: 1_000, deviceCredits: limits))
        let write = TLP.memoryWrite(MemoryWriteHeader(requester: rc, tag: 0, address: 0, firstBE: 0xF, lastBE: 0xF),
                                    payload: Array(repeating: 0, count: 128))
        var starts: [UInt64] = []
        for _ in 0..<10 {
            let d = try link.send(write, .downstream, readyAt: .zero)
            starts.append(d.start.picoseconds)
            link.release(write, .downstream, at: d.arrival)
        }
        #expect(starts == (0..<10).map { $0 * 2_624_000 })
    }

    @Test func sendingWithoutCreditsFails() throws {
        var limits = CreditLimits.unlimited
        limits.nonPosted = Credits(header: 1, data: 0)
        var link = Link(LinkConfiguration(deviceCredits: limits))
        _ = try link.send(mrd32, .downstream, readyAt: .zero)
        #expect(throws: LinkError.self) { try link.send(mrd32, .downstream, readyAt: .zero) }
        // A CfgWr needs a non-posted data credit too.
        var none = Link(LinkConfiguration(deviceCredits: limits))
        let cfgwr = TLP.configWrite(ConfigRequestHeader(requester: rc, tag: 0, target: ep, register: 4),
                                    payload: [0, 0, 0, 0])
        #expect(CreditCost(cfgwr) == CreditCost(flowClass: .nonPosted, header: 1, data: 1))
        #expect(throws: LinkError.self) { try none.send(cfgwr, .downstream, readyAt: .zero) }
    }

    @Test func creditCosts() {
        #expect(CreditCost(cpl64).data == 4 && CreditCost(cpl64).flowClass == .completion)
        #expect(CreditCost(mrd32).data == 0 && CreditCost(mrd32).flowClass == .nonPosted)
        #expect(CreditCost(TLP.msi(requester: ep, address: 0xFEE0_0000, data: 1)) ==
                CreditCost(flowClass: .posted, header: 1, data: 1))
    }
}
