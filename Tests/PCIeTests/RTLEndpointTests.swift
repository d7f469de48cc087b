import Foundation
import PCIe
import SimKernel
import Testing

/// The RTL PCIe endpoint (RTL/soc/socsim_pcie_endpoint.v). cocotbext-pcie's
/// `RootComplex`, a root complex written independently of this project, drives it
/// under Icarus Verilog (RTL/cocotb/): enumeration, BAR0 sizing and assignment, MSI
/// set-up and an MSI received, BAR0 read-back, the answers to illegal requests. The
/// verilated build checks its clock-domain crossing. Fails (never skips) when the
/// tools are missing.
@Suite struct RTLEndpointTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let hint = "run ./scripts/test.sh (the README's test command), which installs it"
    /// Hostile packets of the differential test (SOCSIM_EP_PACKETS / SOCSIM_EP_SEED for longer runs).
    static let hostilePackets = Int(ProcessInfo.processInfo.environment["SOCSIM_EP_PACKETS"] ?? "") ?? 3_000
    static let hostileSeed = UInt64(ProcessInfo.processInfo.environment["SOCSIM_EP_SEED"] ?? "") ?? 14

    @Test func rootComplexDrivesTheRTLEndpoint() throws {
        let python = Self.root.appendingPathComponent(".venv/bin/python").path
        try #require(FileManager.default.isExecutableFile(atPath: python), "\(python) does not exist; \(Self.hint)")
        let found = ["/usr/bin", "/usr/local/bin", "/bin"].contains {
            FileManager.default.isExecutableFile(atPath: $0 + "/iverilog")
        }
        try #require(found, "iverilog (Debian package iverilog) is not installed; \(Self.hint)")
        let check = try Self.run(python, ["-c", "import cocotb, cocotbext.pcie"])
        try #require(check.status == 0, "cocotb or cocotbext-pcie is not installed in .venv; \(Self.hint)\n\(check.output)")

        let r = try Self.run(python, [Self.root.appendingPathComponent("RTL/cocotb/run.py").path])
        #expect(r.status == 0, "RTL/cocotb/run.py failed:\n\(r.output.suffix(6000))")
        #expect(r.output.contains("cocotb: 4 tests, 0 failed"), "\(r.output.suffix(2000))")
    }

    /// The verilated endpoint's crossing keeps the latency docs/pcie-endpoint.md states, at
    /// all 25 phases of the user clock against the system clock (RTL/bench/pcie_endpoint_check.cpp).
    @Test func verilatedCrossingHasTheDocumentedLatency() throws {
        try Self.requireChecker()
        let r = try Self.run(Self.checker, [])
        #expect(r.status == 0, "\(r.output)")
        #expect(r.output.contains("all 25 phases as documented"), "\(r.output)")
    }

    /// The same hostile traffic (HostileTraffic, mutated and illegal packets included) into
    /// the Swift endpoint and the verilated RTL: the same packets come out, in the same
    /// order, and the same counters; the host sets the device up again every 200 packets.
    /// Doorbell writes are left out (the latched cycle is
    /// timing, compared by the crossing test), and empty packets (a stream cannot carry
    /// one). No DMA runs: every completion is unexpected on both sides.
    @Test func hostileTrafficAnswersLikeTheModel() throws {
        try Self.requireChecker()
        let root = PCIeID(rawValue: 0), device = PCIeID(bus: 1, device: 0, function: 0)
        func configWrite(_ register: UInt16, _ value: UInt32, tag: UInt8) -> WirePacket {
            try! WirePacket(.configWrite(ConfigRequestHeader(requester: root, tag: tag, firstBE: 0xF, target: device,
                                                             register: register),
                                         payload: [UInt8(value & 0xFF), UInt8(value >> 8 & 0xFF),
                                                   UInt8(value >> 16 & 0xFF), UInt8(value >> 24)]))
        }
        let setUp = [configWrite(4, 0xF000_0000, tag: 1), configWrite(1, 0x0006, tag: 2)]
        var traffic = HostileTraffic(seed: Self.hostileSeed, device: device, bar0Base: 0xF000_0000, rootID: root)
        var packets = setUp
        var model = Endpoint()
        var expected: [[UInt32]] = []
        var t = Instant.zero
        func feed(_ p: WirePacket) {
            t = t + .us(10)
            model.receive(p, at: t)
            expected += model.outbox.map(\.packet.dwords)
            model.outbox.removeAll()
        }
        for p in setUp { feed(p) }
        while packets.count < Self.hostilePackets + setUp.count {
            if packets.count % 200 == 0 {
                // the host sets the device up again now and then (the storm moves BAR0 and turns decoding off)
                for p in setUp { packets.append(p); feed(p) }
            }
            let p = traffic.next()
            guard !p.dwords.isEmpty else { continue }
            var trial = model
            trial.receive(p, at: t + .us(10))
            if trial.csrRead("DOORBELL_CYCLE_LO") != model.csrRead("DOORBELL_CYCLE_LO") { continue }
            packets.append(p)
            feed(p)
        }
        // set up again, then read the configuration space and BAR0 back
        var tail = setUp
        for r in 0..<64 {
            tail.append(try WirePacket(.configRead(ConfigRequestHeader(requester: root, tag: UInt8(r), firstBE: 0xF,
                                                                       target: device, register: UInt16(r)))))
        }
        tail.append(try WirePacket(.memoryRead(MemoryReadHeader(requester: root, tag: 99, address: 0xF000_0000, length: 64,
                                                                firstBE: 0xF, lastBE: 0xF))))
        // long unaligned BAR0 reads under four MPS / RCB settings: completions split on both
        let express = UInt16(ConfigSpace().capabilities.first { $0.id == ConfigSpace.pcieCapabilityID }!.offset / 4)
        for (mps, rcb128) in [(0, false), (0, true), (1, false), (2, true)] as [(UInt32, Bool)] {
            tail.append(configWrite(express + 2, mps << 5 | 2 << 12, tag: 3))
            tail.append(configWrite(express + 4, rcb128 ? 1 << 3 : 0, tag: 4))
            tail.append(try WirePacket(.memoryRead(MemoryReadHeader(requester: root, tag: 100, address: 0xF000_0014,
                                                                    length: 120, firstBE: 0xE, lastBE: 0x7))))
        }
        for p in tail { feed(p) }
        packets += tail

        let rtl = try Self.replay(packets.map { $0.dwords.map { String(format: "%08x", $0) }.joined(separator: " ") })
        Self.expectSame(rtl.sent, expected)
        #expect(rtl.numbers["counters"] == model.counters, "counters: RTL \(rtl.numbers["counters"] ?? []), model \(model.counters)")
        #expect(model.counter(.malformed) > 100 && model.counter(.unsupportedRequest) > 100
                && model.counter(.unexpectedCompletion) > 100 && model.counter(.bar0Reads) > 100,
                "the traffic reaches every answer: \(model.counters)")
    }

    /// DMA both ways and MSI, in the Swift endpoint and the verilated RTL, with a host
    /// answering every MRd from a patterned memory (completions split under a 64-byte RCB,
    /// 128-byte payloads): the same MWr, MRd and MSI packets in the same order, the same
    /// counters, DMA_STATUS, DMA_DONE_BYTES and device memory. Unaligned and 4 KiB-crossing
    /// transfers, 3DW and 4DW, three MPS/MRRS settings, a read answered UR, a read whose
    /// right completions follow seven refused ones each, MSIs to 3DW and 4DW addresses.
    @Test func dmaAndMSILikeTheModel() throws {
        try Self.requireChecker()
        let root = PCIeID(rawValue: 0), device = PCIeID(bus: 1, device: 0, function: 0)
        let memory = ByteMemory(count: 0x10000)
        for i in 0..<memory.bytes.count { memory.bytes[i] = UInt8(truncatingIfNeeded: 7 * i + 3) }
        var model = Endpoint(memory: memory)
        var lines: [String] = []
        var expected: [[UInt32]] = []
        var reads: [MemoryReadHeader] = []           // MRds the host has yet to answer
        var t = Instant.zero
        func settle() {
            while !model.outbox.isEmpty {
                let out = model.outbox
                model.outbox.removeAll()
                for o in out {
                    expected.append(o.packet.dwords)
                    if case .memoryRead(let h)? = try? TLPCodec.decode(dwords: o.packet.dwords) { reads.append(h) }
                    if let note = o.note { model.transmitted(note, start: t, end: t) }
                }
            }
            if let w = model.nextWakeup, w <= t { model.wake(at: t) }
        }
        func packet(_ tlp: TLP) {
            let p = try! WirePacket(tlp)
            t = t + .us(10)
            lines.append(p.dwords.map { String(format: "%08x", $0) }.joined(separator: " "))
            model.receive(p, at: t)
            settle()
        }
        func csr(_ register: String, _ value: UInt32) {
            t = t + .us(10)
            let offset = EndpointRegisters.csrMap.register(register)!.offset
            lines.append(String(format: "w %x %x", offset, value))
            model.csrWrite(offset: offset, value: value, at: t)
            settle()
        }
        func config(_ register: UInt16, _ value: UInt32) {
            packet(.configWrite(ConfigRequestHeader(requester: root, tag: 1, firstBE: 0xF, target: device, register: register),
                                payload: [UInt8(value & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value >> 16 & 0xFF),
                                          UInt8(value >> 24)]))
        }
        // Completions for read `h` that must be refused (the request stays outstanding):
        // wrong Byte Count, Lower Address, requester; an unknown tag; more than MPS of data;
        // a non-final one not ending on 64 bytes; a successful Cpl without data.
        func refused(_ h: MemoryReadHeader, _ good: CompletionHeader) -> [TLP] {
            var wrongCount = good, wrongAddress = good, wrongRequester = good, unknownTag = good
            wrongCount.byteCount = good.byteCount == 4096 ? 4092 : good.byteCount + 4
            wrongAddress.lowerAddress ^= 4
            wrongRequester.requester = PCIeID(rawValue: 0x0A08)
            unknownTag.tag = 31
            let la = Int(good.lowerAddress & 3)
            return [.completionWithData(wrongCount, payload: Array(repeating: 0xEE, count: 4)),
                    .completionWithData(wrongAddress, payload: Array(repeating: 0xEE, count: 4)),
                    .completionWithData(wrongRequester, payload: Array(repeating: 0xEE, count: 4)),
                    .completionWithData(unknownTag, payload: Array(repeating: 0xEE, count: 4)),
                    .completionWithData(good, payload: Array(repeating: 0xEE, count: min(4 * h.length, 256))),
                    .completionWithData(good, payload: Array(repeating: 0xEE, count: good.byteCount > 8 - la ? 8 : 4)),
                    .completion(good)]
        }
        // the host answers every outstanding read, oldest first (`ur`: the n-th read gets UR;
        // `disturb`: refused completions before each answer)
        func answerReads(ur: Int? = nil, disturb: Bool = false) {
            var n = 0
            while !reads.isEmpty {
                let h = reads.removeFirst()
                defer { n += 1 }
                if n == ur {
                    packet(RequestRules.completionWithoutData(for: .memoryRead(h), completer: root, status: .unsupportedRequest)!)
                    continue
                }
                let data = (0..<4 * h.length).map { UInt8(truncatingIfNeeded: (h.address + UInt64($0)) &* 13 &+ 5) }
                let answer = RequestRules.completions(for: h, data: data, completer: root, readCompletionBoundary: 64, maxPayload: 128)
                if disturb, case .completionWithData(let good, _) = answer[0] {
                    for c in refused(h, good) where (try? TLPCodec.encodeDwords(c)) != nil { packet(c) }
                }
                for c in answer { packet(c) }
            }
        }
        func dma(local: UInt32, host: UInt64, length: UInt32, fromHost: Bool, ur: Int? = nil, disturb: Bool = false) {
            csr("DMA_LOCAL", local)
            csr("DMA_HOST_LO", UInt32(truncatingIfNeeded: host))
            csr("DMA_HOST_HI", UInt32(host >> 32))
            csr("DMA_LENGTH", length)
            csr("DMA_CONTROL", fromHost ? 3 : 1)
            answerReads(ur: ur, disturb: disturb)
        }
        let msi = ConfigSpace().capabilities.first { $0.id == ConfigSpace.msiCapabilityID }!.offset / 4
        let express = ConfigSpace().capabilities.first { $0.id == ConfigSpace.pcieCapabilityID }!.offset / 4
        config(4, 0xF000_0000)
        config(1, 0x0006)
        config(UInt16(msi + 1), 0xFEE0_0000)
        config(UInt16(msi + 2), 0)
        config(UInt16(msi + 3), 0x41)
        config(UInt16(msi), 1 << 16)
        dma(local: 0x1003, host: 0x1_0000_0FFD, length: 700, fromHost: false)
        dma(local: 0x2000, host: 0x2000_0000, length: 4, fromHost: false)
        dma(local: 0x3001, host: 0x3000_0F3D, length: 1500, fromHost: true)
        dma(local: 0x8002, host: 0x1_0000_2000, length: 64, fromHost: true)
        csr("MSI_CONTROL", 1)
        config(UInt16(express + 2), 1 << 5)                      // MPS 256, MRRS 128
        dma(local: 0x4005, host: 0x5000_0FF0, length: 600, fromHost: false)
        dma(local: 0x5003, host: 0x6000_0011, length: 300, fromHost: true)
        dma(local: 0x6000, host: 0x7000_0000, length: 512, fromHost: true, ur: 1)
        csr("MSI_CONTROL", 1)
        config(UInt16(express + 2), 2 << 12)                     // MPS 128, MRRS 512
        dma(local: 0x7001, host: 0x8000_0F05, length: 1000, fromHost: true, disturb: true)
        config(UInt16(msi + 2), 1)                               // an MSI above 4 GiB: 4DW MWr
        csr("MSI_CONTROL", 1)

        let rtl = try Self.replay(lines)
        Self.expectSame(rtl.sent, expected)
        #expect(rtl.numbers["counters"] == model.counters)
        #expect(rtl.numbers["dma"] == [UInt64(model.csrRead("DMA_STATUS")), UInt64(model.csrRead("DMA_DONE_BYTES"))])
        #expect(rtl.memory.count == memory.bytes.count, "the RTL's device memory dump")
        if let a = (0..<min(rtl.memory.count, memory.bytes.count)).first(where: { rtl.memory[$0] != memory.bytes[$0] }) {
            Issue.record("device memory differs first at 0x\(String(a, radix: 16)): RTL \(rtl.memory[a]), model \(memory.bytes[a])")
        }
        #expect(model.counter(.msiSent) == 3 && model.counter(.completionUR) == 1 && model.counter(.completions) > 20
                && model.counter(.completionMismatch) >= 10 && model.counter(.unexpectedCompletion) >= 2,
                "\(model.counters), \(expected.count) packets")
        #expect(model.csrRead("DMA_STATUS") >> 4 == 0 && model.csrRead("DMA_DONE_BYTES") == 1000,
                "the disturbed read completes once the right completions come")
    }

    /// What `pcie_endpoint_check --replay` printed: the packets the RTL sent, its number
    /// lines ("counters", "dma") and its device memory.
    struct Replay {
        var sent: [[UInt32]] = []
        var numbers: [String: [UInt64]] = [:]
        var memory: [UInt8] = []
    }

    static var checker: String { root.appendingPathComponent("RTL/build/pcie-endpoint/pcie_endpoint_check").path }

    static func requireChecker() throws {
        try #require(FileManager.default.isExecutableFile(atPath: checker),
                     "\(checker) is missing: run `RTL/build.sh pcie-endpoint` (scripts/test.sh does)")
    }

    /// Runs the replay of `lines` (packets as hex dwords, `w OFFSET VALUE` CSR writes).
    static func replay(_ lines: [String]) throws -> Replay {
        let input = FileManager.default.temporaryDirectory.appendingPathComponent("socsim-ep-replay-\(getpid())-\(UInt64.random(in: 0 ... .max)).txt")
        try lines.joined(separator: "\n").write(to: input, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: input) }
        let r = try run(checker, ["--replay", input.path])
        try #require(r.status == 0, "\(r.output)")
        var out = Replay()
        for line in r.output.split(separator: "\n") {
            let words = line.split(separator: " ")
            guard let head = words.first else { continue }
            switch head {
            case "tx": out.sent.append(words.dropFirst().map { UInt32($0, radix: 16)! })
            case "memory":
                let hex = Array(words.dropFirst().first.map { Array($0.utf8) } ?? [])
                out.memory = stride(from: 0, to: hex.count - 1, by: 2).map {
                    UInt8(String(decoding: hex[$0 ..< $0 + 2], as: UTF8.self), radix: 16)!
                }
            default: out.numbers[String(head)] = words.dropFirst().map { UInt64($0)! }
            }
        }
        return out
    }

    /// The RTL sent exactly the model's packets, in order.
    static func expectSame(_ sent: [[UInt32]], _ expected: [[UInt32]]) {
        #expect(sent.count == expected.count, "RTL sent \(sent.count) packets, the model \(expected.count)")
        if let i = (0..<min(sent.count, expected.count)).first(where: { sent[$0] != expected[$0] }) {
            Issue.record("packet \(i) differs: RTL \(sent[i].prefix(6).map { String($0, radix: 16) }), model \(expected[i].prefix(6).map { String($0, radix: 16) })")
        }
    }

    /// Runs `exe` with stdout and stderr in one pipe; the exit status and the output.
    static func run(_ exe: String, _ args: [String]) throws -> (status: Int32, output: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: exe)
        p.arguments = args
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = pipe
        try p.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}
