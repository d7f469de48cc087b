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
        let exe = Self.root.appendingPathComponent("RTL/build/pcie-endpoint/pcie_endpoint_check").path
        try #require(FileManager.default.isExecutableFile(atPath: exe),
                     "\(exe) is missing: run `RTL/build.sh pcie-endpoint` (scripts/test.sh does)")
        let r = try Self.run(exe, [])
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
        let exe = Self.root.appendingPathComponent("RTL/build/pcie-endpoint/pcie_endpoint_check").path
        try #require(FileManager.default.isExecutableFile(atPath: exe),
                     "\(exe) is missing: run `RTL/build.sh pcie-endpoint` (scripts/test.sh does)")
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
        // set up again, then read the configuration space and the shared block back
        var tail = setUp
        for r in 0..<64 {
            tail.append(try WirePacket(.configRead(ConfigRequestHeader(requester: root, tag: UInt8(r), firstBE: 0xF,
                                                                       target: device, register: UInt16(r)))))
        }
        tail.append(try WirePacket(.memoryRead(MemoryReadHeader(requester: root, tag: 99, address: 0xF000_0000, length: 64,
                                                                firstBE: 0xF, lastBE: 0xF))))
        for p in tail { feed(p) }
        packets += tail

        let input = FileManager.default.temporaryDirectory.appendingPathComponent("socsim-ep-replay-\(getpid()).txt")
        try packets.map { $0.dwords.map { String(format: "%08x", $0) }.joined(separator: " ") }.joined(separator: "\n")
            .write(to: input, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: input) }
        let r = try Self.run(exe, ["--replay", input.path])
        try #require(r.status == 0, "\(r.output)")
        let lines = r.output.split(separator: "\n")
        let sent = lines.filter { $0.hasPrefix("tx ") }.map { $0.split(separator: " ").dropFirst().map { UInt32($0, radix: 16)! } }
        let counters = lines.first { $0.hasPrefix("counters ") }?.split(separator: " ").dropFirst().map { UInt64($0)! }
        #expect(sent.count == expected.count, "RTL sent \(sent.count) packets, the model \(expected.count)")
        if let i = (0..<min(sent.count, expected.count)).first(where: { sent[$0] != expected[$0] }) {
            Issue.record("packet \(i) differs: RTL \(sent[i].map { String($0, radix: 16) }), model \(expected[i].map { String($0, radix: 16) })")
        }
        #expect(counters == model.counters, "counters: RTL \(counters ?? []), model \(model.counters)")
        #expect(model.counter(.malformed) > 100 && model.counter(.unsupportedRequest) > 100
                && model.counter(.unexpectedCompletion) > 100 && model.counter(.bar0Reads) > 100,
                "the traffic reaches every answer: \(model.counters)")
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
