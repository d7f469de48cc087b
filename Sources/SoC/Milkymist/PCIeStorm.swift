import PCIe
import SimKernel

/// Hostile host traffic against the functional SoC while its LM32 runs the `dma`
/// firmware's endless rounds (docs/pcie-endpoint.md, "Hostile storm"): the same generator
/// as `PCIe.Storm`, sparing COMMAND and BAR0 (this host does not set the device up
/// again mid-run), in batches between stretches of firmware cycles. The set-up, the
/// traffic and the round checks are shared with the SoC lock-step's storm
/// (`SoCLockStepStorm` in Conformance).
public enum MilkymistPCIeStorm {
    /// The golden image: random bytes in SDRAM that nothing may change.
    public static let goldenAddress: UInt32 = 0x4010_0000
    public static let goldenBytes = 64 * 1024
    /// Packets per batch and system cycles from one batch to the next.
    public static let batch = 16
    public static let cyclesPerBatch: UInt64 = 800

    public struct Report: Sendable {
        public var summary: String
        public var counters: [(String, UInt64)]
        public var violations: [String]
        public var text: String { StormReport.text(summary: summary, counters: counters, violations: violations) }
    }

    /// The golden image of a storm's seed.
    public static func goldenImage(seed: UInt64) -> [UInt8] {
        var rng = SplitMix64(seed: seed ^ 0x5EED)
        return (0..<goldenBytes).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
    }

    /// What a storm loads before reset, in order: the `dma` firmware with its word
    /// `rounds_forever` set (endless counted rounds, nothing printed) and the golden image.
    public static func memory(for soc: SoCDescription, seed: UInt64) throws -> [(UInt32, [UInt8])] {
        let program = try Toolchain.firmware(.dma, for: soc)
        guard let forever = program.address(of: "rounds_forever") else { preconditionFailure("dma.S defines rounds_forever") }
        return program.segments.map { ($0.address, $0.bytes) } + [(forever, [0, 0, 0, 1]), (goldenAddress, goldenImage(seed: seed))]
    }

    /// The storm's packets for a device the host enumerated, sparing COMMAND and BAR0.
    public static func batches(tlps: Int, seed: UInt64, device: EnumeratedDevice, rootID: PCIeID) -> StormBatches {
        StormBatches(HostileTraffic(seed: seed, device: device.id, bar0Base: device.bar0Base, rootID: rootID,
                                    sparedConfigRegisters: [1, 4]), total: tlps, batch: batch)
    }

    public static func run(tlps: Int, seed: UInt64) throws -> Report {
        // A completion the storm made the endpoint discard would hold a round for the default
        // 50 ms; 200 us (above the specification's 50 us floor) keeps the rounds going.
        var setup = PCIeSetup()
        setup.endpoint.completionTimeout = CompletionTimeout(.us(200))
        let machine = MilkymistMachine(soc: try .milkymist(), pcie: setup)
        for (a, bytes) in try memory(for: machine.soc, seed: seed) { machine.load(bytes, at: a) }
        guard let pcie = machine.bus.devices.pcie else { preconditionFailure("the functional machine has a PCIe endpoint") }
        var storm = batches(tlps: tlps, seed: seed, device: pcie.device, rootID: pcie.system.host.configuration.rootID)
        func rounds() -> StormRounds.Count {
            .init(trusted: pcie.system.endpoint.csrRead("VERDICT_TRUSTED"), wrong: pcie.system.endpoint.csrRead("VERDICT_WRONG"))
        }
        _ = machine.run(maxCycles: 500_000)   // good rounds before the storm
        var watch = StormRounds(before: rounds())
        while !storm.done {
            try pcie.hostSend(storm.next())
            _ = machine.run(maxCycles: machine.cycle + cyclesPerBatch)
            watch.batchDone(rounds())
        }
        watch.stormOver(rounds())
        // Quiet again: the link drains and good rounds resume.
        _ = machine.run(maxCycles: machine.cycle + 100_000)
        var violations = watch.violations(after: rounds())
        // The firmware keeps traffic in flight; with the CPU paused, let the link and the host
        // finish what is under way before counting.
        try pcie.system.runToCompletion()
        let golden = (0..<goldenBytes).map { machine.bus.sdram.memory.byte(at: goldenAddress + UInt32($0)) }
        if golden != goldenImage(seed: seed) { violations.append("the golden image changed") }
        violations += Storm.trafficInvariants(pcie.system, expected: storm.expected)

        let e = pcie.system.endpoint
        return Report(summary: "soc storm: \(tlps) TLPs, seed \(seed), \(machine.cycle) cycles; " + watch.summary(after: rounds()),
                      counters: EndpointCounter.allCases.map { ($0.registerName, e.counter($0)) }, violations: violations)
    }
}

/// The firmware's rounds through a storm (`VERDICT_TRUSTED`, `VERDICT_WRONG`): good
/// rounds before it, rounds finished (good or not) in every window of 64 batches during
/// it, and good rounds again once it is over.
public struct StormRounds: Sendable {
    public struct Count: Sendable, Equatable {
        public var trusted: UInt32
        public var wrong: UInt32
        public init(trusted: UInt32, wrong: UInt32) { self.trusted = trusted; self.wrong = wrong }
        var total: UInt32 { trusted &+ wrong }
    }
    public static let windowBatches = 64
    public let before: Count
    public private(set) var during: Count
    private var window: Count
    private var batches = 0
    public private(set) var stalledWindows = 0

    public init(before: Count) { self.before = before; during = before; window = before }

    /// After each batch's cycles.
    public mutating func batchDone(_ now: Count) {
        batches += 1
        if batches % Self.windowBatches == 0 {
            if now.total == window.total { stalledWindows += 1 }
            window = now
        }
    }

    /// At the end of the last batch's cycles.
    public mutating func stormOver(_ now: Count) { during = now }

    /// The broken expectations, given the counts after the quiet stretch.
    public func violations(after: Count) -> [String] {
        var v: [String] = []
        if before.trusted == 0 { v.append("no good round before the storm") }
        if stalledWindows > 0 { v.append("the firmware finished no round in \(stalledWindows) windows of \(Self.windowBatches) batches") }
        if after.trusted == during.trusted { v.append("no good round after the storm") }
        return v
    }

    public func summary(after: Count) -> String {
        "rounds trusted \(before.trusted) before, \(during.trusted) / wrong \(during.wrong) during, "
            + "\(after.trusted) / \(after.wrong) after"
    }
}
