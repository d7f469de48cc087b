import SimKernel
import Testing
@testable import PCIe

/// The endpoint, the root complex and the link together (docs/pcie-endpoint.md).
@Suite struct EndpointTests {
    func enumerated(endpoint: EndpointConfiguration = EndpointConfiguration(),
                    host: HostConfiguration = HostConfiguration()) throws -> PCIeSystem {
        let s = PCIeSystem(endpoint: endpoint, host: host)
        _ = try s.enumerate()
        return s
    }

    @Test func enumerationSetsUpTheDeviceByConfigTLPs() throws {
        var hc = HostConfiguration()
        hc.maxPayload = 256
        hc.maxReadRequest = 1024
        hc.readCompletionBoundary = 128
        let s = PCIeSystem(host: hc)
        let d = try s.enumerate()
        #expect(d.vendorID == 0x1AB4 && d.deviceID == 0x0001)
        #expect(d.bar0Size == 4096 && d.bar0Base == 0xF000_0000)
        #expect(d.capabilities.map(\.id) == [ConfigSpace.pmCapabilityID, ConfigSpace.msiCapabilityID, ConfigSpace.pcieCapabilityID])
        let c = s.endpoint.config
        #expect(c.memorySpaceEnabled && c.busMasterEnabled && c.msiEnabled)
        #expect(c.msiAddress == 0xFEE0_0000 && c.msiData == 0x41)
        #expect(c.maxPayloadSize == 256 && c.maxReadRequestSize == 1024 && c.readCompletionBoundary == 128)
        #expect(c.bar0Base == 0xF000_0000 && s.endpoint.id == hc.deviceID)
        let text = LspciFormatter.format(d)
        #expect(text.contains("01:00.0 Class [1180]: Device [1ab4:0001]"))
        #expect(text.contains("Control: I/O- Mem+ BusMaster+"))
        #expect(text.contains("Region 0: Memory at f0000000 (32-bit, non-prefetchable) [size=4K]"))
        #expect(text.contains("MSI: Enable+ Count=1/1 Maskable- 64bit+"))
        #expect(text.contains("Address: 00000000fee00000  Data: 0041"))
        #expect(text.contains("MaxPayload 256 bytes, MaxReadReq 1024 bytes"))
        #expect(text.contains("RCB 128 bytes"))
        // Every configuration request was answered by the device, none by error.
        #expect(s.endpoint.counter(.configRequests) == s.endpoint.counter(.tlpsReceived))
    }

    @Test func bar0RoundTripAndTheFirmwareView() throws {
        let s = try enumerated()
        let words: [UInt32] = (0..<8).map { 0x1111_1111 &* UInt32($0 + 1) }
        try s.mmioWrite(0, words)
        #expect(try s.mmioRead(0, dwords: 8) == words)
        #expect(try s.mmioRead("ID") == EndpointRegisters.magic)
        #expect(s.firmwareRead("ANSWER3") == words[3])
        // The firmware's verdict counters are read-only to the host.
        s.firmwareWrite("VERDICT_TRUSTED", 7)
        try s.mmioWrite("VERDICT_TRUSTED", 99)
        #expect(try s.mmioRead("VERDICT_TRUSTED") == 7)
        // ...and the answers read-only to the firmware.
        s.firmwareWrite("ANSWER0", 0)
        #expect(try s.mmioRead("ANSWER0") == words[0])
        // A sub-dword write touches only its enabled bytes.
        try s.hostSend(WirePacket(.memoryWrite(MemoryWriteHeader(requester: s.host.configuration.rootID, tag: 0, address: 0xF000_0044,
                                                                 firstBE: 0b0010, lastBE: 0), payload: [1, 0xAB, 3, 4])))
        #expect(try s.mmioRead("SCRATCH") == 0x0000_AB00)
    }

    @Test(arguments: [nil, 2] as [Int?])
    func postedCreditsPaceWritesWithoutLosingOrReorderingThem(headerCredits: Int?) throws {
        var lc = LinkConfiguration(latency: .us(1))
        lc.deviceCredits.posted = Credits(header: headerCredits, data: nil)
        let s = PCIeSystem(link: lc)
        _ = try s.enumerate()
        let start = s.now
        for v in 1...20 as ClosedRange<UInt32> { try s.mmioWrite("SCRATCH", v) }
        // A read does not pass the writes before it.
        #expect(try s.mmioRead("SCRATCH") == 20)
        #expect(s.endpoint.counter(.bar0Writes) == 20)
        let elapsed = s.now - start
        if headerCredits == nil {
            // 20 MWr back to back (96 ns each), then the MRd and its CplD: one round trip.
            #expect(elapsed < .us(5))
        } else {
            // Two writes per credit round trip: out (1 us latency), UpdateFC back (1 us).
            #expect(elapsed > .us(9 * 2))
        }
    }

    @Test func doorbellLatchesTheCycleOfArrival() throws {
        let s = try enumerated()
        s.firmwareWrite("IRQ_ENABLE", 0xF)
        try s.run(for: .us(1))
        let sent = s.now
        try s.mmioWrite("DOORBELL", 1)
        try s.runToCompletion()
        // 3DW MWr with one dword: 16 bytes + 8 framing at 2.5 GT/s 8b/10b = 96 ns, then 10 ns.
        let arrival = sent + .ns(96) + .ns(10)
        let expected = (arrival.picoseconds + 12_499) / 12_500 + 2
        let latched = UInt64(s.firmwareRead("DOORBELL_CYCLE_HI")) << 32 | UInt64(s.firmwareRead("DOORBELL_CYCLE_LO"))
        #expect(latched == expected)
        #expect(s.endpoint.irq)
        #expect(try s.mmioRead("STATUS") & 1 == 1)
        s.firmwareWrite("IRQ_PENDING", 1 << UInt32(EndpointIRQCause.doorbell.rawValue))
        #expect(!s.endpoint.irq)
        #expect(try s.mmioRead("STATUS") & 1 == 0)
    }

    @Test(arguments: [
        (0, UInt64(0x1000_0000), 4, 128), (1, 0x1000_0003, 1, 128), (3, 0x1000_0ffd, 7, 128),
        (0, 0x1000_0f00, 1000, 256), (5, 0x2_0000_0102, 4093, 512), (0, 0x1000_0000, 8192, 4096),
        (2, 0x1000_0040, 300, 128),
    ])
    func dmaWriteToHost(local: Int, host: UInt64, bytes: Int, mps: Int) throws {
        var hc = HostConfiguration()
        hc.maxPayload = mps
        let s = try enumerated(host: hc)
        let data = (0..<bytes).map { UInt8(truncatingIfNeeded: $0 &* 13 &+ 5) }
        s.loadDeviceMemory(data, at: UInt32(local))
        #expect(try s.dma(local: UInt32(local), host: host, bytes: bytes, fromHost: false) == .none)
        try s.runToCompletion()
        #expect(s.hostMemory(host, count: bytes) == data)
        #expect(s.hostMemory(host - 1, count: 1) == [0] && s.hostMemory(host + UInt64(bytes), count: 1) == [0])
        let writes = s.host.deviceWrites
        #expect(writes == RequestRules.split(address: host, count: bytes, maxBytes: mps))
        for w in writes {
            #expect(w.count <= mps)
            #expect(w.address / 4096 == (w.end - 1) / 4096)
        }
        #expect(s.firmwareRead("DMA_DONE_BYTES") == UInt32(bytes))
        #expect(s.endpoint.csr.value(of: "IRQ_PENDING", "DMA_DONE") == 1)
    }

    @Test(arguments: [
        (0, UInt64(0x1000_0000), 4, 128, 64, true), (1, 0x1000_0001, 3, 128, 64, true),
        (7, 0x1000_0ff0, 40, 256, 128, false), (0, 0x1000_0004, 5000, 512, 64, true),
        (3, 0x2_0000_0007, 4096, 4096, 128, false), (0, 0x1000_0000, 20000, 256, 64, false),
    ])
    func dmaReadFromHost(local: Int, host: UInt64, bytes: Int, mrrs: Int, rcb: Int, rcbSized: Bool) throws {
        var hc = HostConfiguration()
        hc.maxReadRequest = mrrs
        hc.maxPayload = 256
        hc.readCompletionBoundary = rcb
        hc.rcbSizedCompletions = rcbSized
        let s = try enumerated(host: hc)
        let data = (0..<bytes).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 11) }
        s.writeHostMemory(host, data)
        #expect(try s.dma(local: UInt32(local), host: host, bytes: bytes, fromHost: true) == .none)
        #expect(s.deviceMemory(UInt32(local), count: bytes) == data)
        #expect(s.host.deviceReads == RequestRules.split(address: host, count: bytes, maxBytes: mrrs).count)
        #expect(s.endpoint.counter(.completionMismatch) == 0 && s.endpoint.counter(.unexpectedCompletion) == 0)
        #expect(s.firmwareRead("DMA_DONE_BYTES") == UInt32(bytes))
    }

    @Test func thirtyTwoTagsAtMostAndTheCompletionBuffer() throws {
        var hc = HostConfiguration()
        hc.maxReadRequest = 128
        hc.readLatency = .us(50)   // long enough that every tag is taken before the first answer
        let s = try enumerated(host: hc)
        s.firmwareWrite("DMA_LOCAL", 0)
        s.firmwareWrite("DMA_HOST_LO", 0x1000_0000)
        s.firmwareWrite("DMA_LENGTH", 64 * 128)
        s.firmwareWrite("DMA_CONTROL", 3)
        try s.run(for: .us(40))
        // 7472-byte completion buffer: 58 reads of 128 would fit, 32 tags allow 32.
        #expect(s.host.deviceReads == 32)
        while s.endpoint.dmaBusy { try s.scheduler.runNext() }
        #expect(s.host.deviceReads == 64)
    }

    @Test func completionTimeoutInSimulatedTime() throws {
        var ec = EndpointConfiguration()
        ec.completionTimeout = CompletionTimeout(.us(50))
        var hc = HostConfiguration()
        hc.silentRanges = [0x3000_0000 ..< 0x3000_1000]
        let s = try enumerated(endpoint: ec, host: hc)
        let start = s.now
        #expect(try s.dma(local: 0, host: 0x3000_0000, bytes: 100, fromHost: true) == .completionTimeout)
        #expect(s.now - start >= .us(50) && s.now - start < .us(51))
        #expect(s.endpoint.counter(.completionTimeouts) == 1)
        #expect(s.endpoint.csr.value(of: "IRQ_PENDING", "DMA_ERROR") == 1)
        // Nothing outstanding afterwards: the next transfer works.
        s.writeHostMemory(0x1000_0000, [9, 8, 7])
        #expect(try s.dma(local: 0, host: 0x1000_0000, bytes: 3, fromHost: true) == .none)
        #expect(s.deviceMemory(0, count: 3) == [9, 8, 7])
    }

    @Test func completionsAreCheckedBeforeTheyReachMemory() throws {
        var hc = HostConfiguration()
        hc.silentRanges = [0x3000_0000 ..< 0x3000_1000]     // the test answers instead
        let s = try enumerated(host: hc)
        s.firmwareWrite("DMA_LOCAL", 0x200)
        s.firmwareWrite("DMA_HOST_LO", 0x3000_0000)
        s.firmwareWrite("DMA_LENGTH", 128)
        s.firmwareWrite("DMA_CONTROL", 3)
        try s.run(for: .us(2))
        let root = s.host.configuration.rootID, me = s.endpoint.id
        func cpl(_ bytes: Int, count: Int, at la: UInt8, tag: UInt8 = 0, requester: PCIeID? = nil) throws {
            let h = CompletionHeader(completer: root, byteCount: count, requester: requester ?? me, tag: tag, lowerAddress: la)
            try s.hostSend(WirePacket(.completionWithData(h, payload: Array(repeating: 0xAB, count: bytes))))
        }
        try cpl(32, count: 128, at: 0)                     // not the last, ends off a 64-byte boundary
        try cpl(64, count: 100, at: 0)                     // wrong Byte Count
        try cpl(64, count: 128, at: 4)                     // wrong Lower Address
        try cpl(64, count: 128, at: 0, tag: 1)             // no read under this tag
        try cpl(64, count: 128, at: 0, requester: PCIeID(rawValue: 0x0700))   // someone else's
        try s.run(for: .us(2))
        #expect(s.endpoint.counter(.completionMismatch) == 3 && s.endpoint.counter(.unexpectedCompletion) == 2)
        #expect(s.deviceMemory(0x200, count: 128).allSatisfy { $0 == 0 })
        try cpl(64, count: 128, at: 0)
        try cpl(64, count: 64, at: 64)
        while s.endpoint.dmaBusy { try s.scheduler.runNext() }
        #expect(s.firmwareRead("DMA_STATUS") == 0)
        #expect(s.deviceMemory(0x200, count: 128).allSatisfy { $0 == 0xAB })
    }

    @Test func unsupportedRequestAndCompleterAbortCompletions() throws {
        var hc = HostConfiguration()
        hc.unsupportedRanges = [0x4000_0000 ..< 0x4000_1000]
        hc.abortRanges = [0x5000_0000 ..< 0x5000_1000]
        let s = try enumerated(host: hc)
        #expect(try s.dma(local: 0x100, host: 0x4000_0000, bytes: 64, fromHost: true) == .unsupportedRequest)
        #expect(try s.dma(local: 0x100, host: 0x5000_0000, bytes: 64, fromHost: true) == .completerAbort)
        #expect(s.endpoint.counter(.completionUR) == 1 && s.endpoint.counter(.completionCA) == 1)
        #expect(s.deviceMemory(0x100, count: 0x40).allSatisfy { $0 == 0 })
        // A transfer that straddles into the UR range stops issuing and reports UR.
        #expect(try s.dma(local: 0, host: 0x4000_0000 - 1024, bytes: 4096, fromHost: true) == .unsupportedRequest)
    }

    @Test func dmaRefusals() throws {
        var ec = EndpointConfiguration()
        ec.protectedRange = 0 ..< 0x1000
        let s = PCIeSystem(endpoint: ec)
        #expect(try s.dma(local: 0x2000, host: 0x1000_0000, bytes: 4, fromHost: false) == .busMasterDisabled)
        _ = try s.enumerate()
        #expect(try s.dma(local: 0xFF0, host: 0x1000_0000, bytes: 32, fromHost: true) == .localRange)
        #expect(try s.dma(local: 0xFFFF, host: 0x1000_0000, bytes: 2, fromHost: false) == .localRange)
        #expect(try s.dma(local: 0x2000, host: 0x1000_0000, bytes: 0, fromHost: false) == .length)
        #expect(try s.dma(local: 0x2000, host: UInt64.max - 100, bytes: 4, fromHost: false) == .length)
        #expect(s.host.deviceWrites.isEmpty && s.host.deviceReads == 0)
    }

    @Test func msiOnRequest() throws {
        let s = PCIeSystem()
        s.firmwareWrite("MSI_CONTROL", 1)
        #expect(s.endpoint.counter(.msiBlocked) == 1)
        _ = try s.enumerate()
        try s.run(for: .us(1))
        let t = s.now
        s.firmwareWrite("MSI_CONTROL", 1)
        try s.runToCompletion()
        #expect(s.host.interrupts.count == 1)
        let irq = s.host.interrupts[0]
        #expect(irq.data == 0x41 && irq.address == 0xFEE0_0000)
        // 96 ns on the wire, 10 ns link latency, 250 ns delivery.
        #expect(irq.time == t + .ns(96 + 10 + 250))
        let cycle = UInt64(s.firmwareRead("MSI_CYCLE_HI")) << 32 | UInt64(s.firmwareRead("MSI_CYCLE_LO"))
        #expect(cycle == (t.picoseconds + 12_499) / 12_500)
    }

    @Test func hostileRequestsGetTheSpecificationsAnswer() throws {
        let s = try enumerated()
        let root = s.host.configuration.rootID
        // Type-1 configuration read (not implemented): a UR completion with its tag.
        try s.hostSend(WirePacket(dwords: [0x0500_0001, UInt32(0x0123) << 16 | 0x57 << 8 | 0xF, 0x0100_0000]))
        // Noise: malformed, discarded.
        try s.hostSend(WirePacket(dwords: [0xFFFF_FFFF, 1]))
        // A completion nobody asked for.
        try s.hostSend(WirePacket(.completionWithData(CompletionHeader(completer: root, byteCount: 4, requester: s.endpoint.id,
                                                                       tag: 3, lowerAddress: 0), payload: [1, 2, 3, 4])))
        // A poisoned write into BAR0 is not applied.
        try s.hostSend(WirePacket(.memoryWrite(MemoryWriteHeader(requester: root, tag: 0, address: 0xF000_0044, firstBE: 0xF, lastBE: 0,
                                                                 flags: TLPFlags(poisoned: true)), payload: [1, 1, 1, 1])))
        // A read outside BAR0.
        let outside = MemoryReadHeader(requester: PCIeID(rawValue: 0x0200), tag: 9, address: 0xE000_0000, length: 1, firstBE: 0xF, lastBE: 0)
        try s.hostSend(WirePacket(.memoryRead(outside)))
        // A configuration read of function 3.
        try s.hostSend(WirePacket(.configRead(ConfigRequestHeader(requester: PCIeID(rawValue: 0x0300), tag: 4,
                                                                  target: PCIeID(bus: 1, device: 0, function: 3), register: 0))))
        try s.runToCompletion()
        #expect(s.host.foreignCompletions == [0x0123_57: 1, 0x0200_09: 1, 0x0300_04: 1])
        let e = s.endpoint
        #expect(e.counter(.unsupportedRequest) == 3 && e.counter(.malformed) == 1)
        #expect(e.counter(.unexpectedCompletion) == 1 && e.counter(.poisoned) == 1)
        #expect(try s.mmioRead("SCRATCH") == 0)
        #expect(e.csr.value(of: "IRQ_PENDING", "TRAFFIC_ERROR") == 1)
        // Memory space off: BAR0 reads are unsupported requests.
        try s.configWrite(1, 0x4, firstBE: 0b0011)
        #expect(throws: HostError.completion(what: "MRd BAR0+0x40", .unsupportedRequest)) { try s.mmioRead("ID") }
        try s.configWrite(1, 0x6, firstBE: 0b0011)
        #expect(try s.mmioRead("ID") == EndpointRegisters.magic)
    }

    @Test func hostileStormKeepsTheInvariants() throws {
        let r = try Storm.run(tlps: 10_000, seed: 1)
        #expect(r.violations == [])
        let counters = Dictionary(uniqueKeysWithValues: r.counters)
        // The mix reaches every kind of answer.
        for name in ["MALFORMED", "UNSUPPORTED_REQUESTS", "POISONED", "UNEXPECTED_COMPLETIONS", "BAR0_READS",
                     "BAR0_WRITES", "CONFIG_REQUESTS", "MESSAGES_DROPPED", "COMPLETIONS"] {
            #expect((counters[name] ?? 0) > 0, "\(name) never counted")
        }
        #expect(r.dmaTransfers > 10)
    }

    @Test func stormIsDeterministic() throws {
        let a = try Storm.run(tlps: 500, seed: 7), b = try Storm.run(tlps: 500, seed: 7)
        #expect(a.text == b.text)
        #expect(a.text != (try Storm.run(tlps: 500, seed: 8)).text)
    }

    @Test func registerTablesInTheDocMatchTheDeclaration() throws {
        let doc = try String(contentsOfFile: #filePath.replacingOccurrences(of: "Tests/PCIeTests/EndpointTests.swift",
                                                                              with: "docs/pcie-endpoint.md"), encoding: .utf8)
        #expect(doc.contains(EndpointRegisters.bar0Map.markdown()))
        #expect(doc.contains(EndpointRegisters.csrMap.markdown()))
    }
}
