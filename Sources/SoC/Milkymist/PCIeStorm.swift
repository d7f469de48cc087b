import PCIe
import SimKernel

/// Hostile host traffic against the functional SoC while its LM32 runs the `dma`
/// firmware's endless rounds (docs/pcie-endpoint.md, "Hostile storm"): the same generator
/// as `PCIe.Storm`, sparing COMMAND and BAR0 (this host does not set the device up
/// again mid-run), in batches between stretches of firmware cycles.
public enum MilkymistPCIeStorm {
    /// The golden image: random bytes in SDRAM that nothing may change.
    public static let goldenAddress: UInt32 = 0x4010_0000
    public static let goldenBytes = 64 * 1024

    public struct Report: Sendable {
        public var summary: String
        public var counters: [(String, UInt64)]
        public var violations: [String]
        public var text: String { StormReport.text(summary: summary, counters: counters, violations: violations) }
    }

    public static func run(tlps: Int, seed: UInt64, batch: Int = 16, cyclesPerBatch: UInt64 = 800) throws -> Report {
        // A completion the storm made the endpoint discard would hold a round for the default
        // 50 ms; 200 us (above the specification's 50 us floor) keeps the rounds going.
        var setup = PCIeSetup()
        setup.endpoint.completionTimeout = CompletionTimeout(.us(200))
        let machine = MilkymistMachine(soc: try .milkymist(), pcie: setup)
        let program = try Toolchain.firmware(.dma, for: machine.soc)
        machine.load(ProgramImage(program))
        guard let forever = program.address(of: "rounds_forever") else { preconditionFailure("dma.S defines rounds_forever") }
        machine.load([0, 0, 0, 1], at: forever)
        guard let pcie = machine.bus.devices.pcie else { preconditionFailure("the functional machine has a PCIe endpoint") }
        var rng = SplitMix64(seed: seed ^ 0x5EED)
        let image = (0..<goldenBytes).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
        machine.load(image, at: goldenAddress)
        var traffic = HostileTraffic(seed: seed, device: pcie.device.id, bar0Base: pcie.device.bar0Base,
                                     rootID: pcie.system.host.configuration.rootID, sparedConfigRegisters: [1, 4])
        func rounds() -> (trusted: UInt32, wrong: UInt32) {
            (pcie.system.endpoint.csrRead("VERDICT_TRUSTED"), pcie.system.endpoint.csrRead("VERDICT_WRONG"))
        }
        var violations: [String] = []
        _ = machine.run(maxCycles: 500_000)   // the first round and its UART line (437 000 cycles), then good rounds
        let before = rounds()
        if before.trusted == 0 { violations.append("no good round before the storm") }

        var expected: [UInt32: Int] = [:]
        var sent = 0, batches = 0, stalledWindows = 0
        var window = rounds()
        while sent < tlps {
            var packets: [WirePacket] = []
            for _ in 0..<min(batch, tlps - sent) {
                let p = traffic.next()
                if let key = Storm.answerKey(p) { expected[key, default: 0] += 1 }
                packets.append(p)
            }
            sent += packets.count
            try pcie.hostSend(packets)
            _ = machine.run(maxCycles: machine.cycle + cyclesPerBatch)
            batches += 1
            // The firmware must finish rounds (good or not) all through the storm.
            if batches % 64 == 0 {
                let now = rounds()
                if now.trusted &+ now.wrong == window.trusted &+ window.wrong { stalledWindows += 1 }
                window = now
            }
        }
        let during = rounds()
        // Quiet again: the link drains and good rounds resume.
        _ = machine.run(maxCycles: machine.cycle + 100_000)
        let after = rounds()
        if stalledWindows > 0 { violations.append("the firmware finished no round in \(stalledWindows) windows of 64 batches") }
        if after.trusted == during.trusted { violations.append("no good round after the storm") }
        // The firmware keeps traffic in flight; with the CPU paused, let the link and the host
        // finish what is under way before counting.
        try pcie.system.runToCompletion()
        let golden = (0..<goldenBytes).map { machine.bus.sdram.memory.byte(at: goldenAddress + UInt32($0)) }
        if golden != image { violations.append("the golden image changed") }
        violations += Storm.trafficInvariants(pcie.system, expected: expected)

        let e = pcie.system.endpoint
        let summary = "soc storm: \(tlps) TLPs, seed \(seed), \(machine.cycle) cycles; rounds trusted \(before.trusted) before, "
            + "\(during.trusted) / wrong \(during.wrong) during, \(after.trusted) / \(after.wrong) after"
        return Report(summary: summary, counters: EndpointCounter.allCases.map { ($0.registerName, e.counter($0)) },
                      violations: violations)
    }
}
