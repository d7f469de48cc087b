// `socsim pcie storm --soc --rtl`: the hostile storm against the running device in
// SoC lock-step. The cycle-exact SoC and the verilated SoC both run the `dma`
// firmware's endless rounds with the same golden image in SDRAM; the same
// `HostileTraffic` batches go into each side's host stream for the same user-clock
// edges; every cycle's observation is compared (`SoCLockStep`). Then both hosts stop
// the device's DMA (bus mastering off), read the verdicts and counters through BAR0,
// and the invariants of the functional storm are checked on both.
import LM32Cycle
import PCIe
import SimKernel
import SoC
import SoCCycle
import Verilated

public enum SoCLockStepStorm {
    public struct Report: Sendable {
        /// Cycles compared (model and RTL).
        public var cycles: UInt64
        public var summary: String
        /// The RTL's counters as its host read them through BAR0.
        public var counters: [(String, UInt64)]
        public var violations: [String]
        public var text: String { StormReport.text(summary: summary, counters: counters, violations: violations) }
    }

    /// The phases of a run, in SoC cycles: good rounds until `start`, then the storm's
    /// batches every `MilkymistPCIeStorm.cyclesPerBatch`, `quiet` cycles for good rounds
    /// to resume, bus mastering off and `drain` cycles for the last transfer to end, then
    /// the read-back.
    public struct Phases: Sendable {
        public var start: UInt64 = 40_000
        public var quiet: UInt64 = 100_000
        public var drain: UInt64 = 20_000
        public init() {}
    }

    /// `mutate` (test-only hook) may alter each model observation before the comparison.
    public static func run(tlps: Int, seed: UInt64, phases: Phases = Phases(), library: RTLLibrary,
                           mutate: ((inout CycleObservation) -> Void)? = nil) throws -> Report {
        let soc = try SoCDescription.milkymist()
        let plan = Plan(tlps: tlps, phases: phases)
        let stimulus = SoCStimulus(memory: try MilkymistPCIeStorm.memory(for: soc, seed: seed), maxCycles: plan.end,
                                   pcie: PCIeSetup())
        let traffic = Traffic(plan: plan, seed: seed)
        let r = try SoCLockStep.run(stimulus, library: library, traffic: traffic, mutate: mutate)
        var violations = r.agrees ? traffic.violations : ["model and RTL: \(r.mismatch)"]
        if r.agrees && r.cycles != plan.end { violations.append("the run stopped after \(r.cycles) of \(plan.end) cycles") }
        let summary = "soc storm --rtl: \(tlps) TLPs, seed \(seed), \(r.cycles) cycles compared (cycle-exact SoC and RTL SoC), "
            + "\(r.agrees ? "0 divergences" : "diverged"); " + (traffic.rounds?.summary(after: traffic.after) ?? "no rounds")
        return Report(cycles: r.cycles, summary: summary, counters: traffic.counters, violations: violations)
    }

    /// The cycles of each phase.
    struct Plan {
        let tlps: Int
        let phases: Phases
        var batches: UInt64 { UInt64((tlps + MilkymistPCIeStorm.batch - 1) / MilkymistPCIeStorm.batch) }
        var stormEnd: UInt64 { phases.start + batches * MilkymistPCIeStorm.cyclesPerBatch }
        var busMasterOff: UInt64 { stormEnd + phases.quiet }
        var readBack: UInt64 { busMasterOff + phases.drain }
        /// Room for the two reads' answers.
        var end: UInt64 { readBack + 2_000 }
    }

    /// The storm's injections into both hosts and the checks at the end.
    final class Traffic: SoCHostTraffic {
        let plan: Plan
        let seed: UInt64
        private(set) var nextCycle: UInt64?
        private var batches: StormBatches?
        private(set) var rounds: StormRounds?
        private(set) var after = StormRounds.Count(trusted: 0, wrong: 0)
        /// The host's read-back requests (tags equal on both sides until a divergence).
        private var reads: (status: UInt8, counters: UInt8)?
        private(set) var counters: [(String, UInt64)] = []
        private(set) var violations: [String] = []

        init(plan: Plan, seed: UInt64) {
            self.plan = plan; self.seed = seed
            nextCycle = plan.phases.start
        }

        /// The configuration dwords (with their byte enables) the host's enumeration set
        /// up: BAR0, the MSI capability, Device and Link Control, and COMMAND last.
        static func setUp(_ device: EnumeratedDevice) -> [(Int, UInt8)] {
            var r: [(Int, UInt8)] = [(4, 0xF)]
            if let msi = device.capability(ConfigSpace.msiCapabilityID) {
                r += [((msi + 4) / 4, 0xF), ((msi + 8) / 4, 0xF), ((msi + 0xC) / 4, 0b0011), (msi / 4, 0b1100)]
            }
            if let pcie = device.capability(ConfigSpace.pcieCapabilityID) {
                r += [((pcie + 8) / 4, 0b0011), ((pcie + 0x10) / 4, 0b0011)]
            }
            return r + [(1, 0b0011)]
        }

        private func count(_ model: MilkymistCycleMachine) -> StormRounds.Count {
            .init(trusted: model.pcieRegister("VERDICT_TRUSTED") ?? 0, wrong: model.pcieRegister("VERDICT_WRONG") ?? 0)
        }

        func inject(cycle: UInt64, at time: Instant, model: MilkymistCycleMachine,
                    hosts: (model: HostStream, rtl: HostStream)) throws {
            guard let device = model.pcieDevice else { preconditionFailure("the storm needs an enumerated device") }
            let both = [hosts.model, hosts.rtl]
            switch cycle {
            case ..<plan.stormEnd:
                if cycle == plan.phases.start {
                    rounds = StormRounds(before: count(model))
                    batches = MilkymistPCIeStorm.batches(tlps: plan.tlps, seed: seed, device: device,
                                                         rootID: hosts.model.configuration.rootID)
                } else {
                    rounds?.batchDone(count(model))
                }
                for p in batches!.next() { for h in both { h.send(p, at: time) } }
                nextCycle = cycle + MilkymistPCIeStorm.cyclesPerBatch
            case plan.stormEnd:
                rounds?.batchDone(count(model))
                rounds?.stormOver(count(model))
                // A mutated configuration write may have reached COMMAND, BAR0, MSI or the
                // Express controls: the host's software writes its set-up again.
                for (register, firstBE) in Self.setUp(device) {
                    for h in both {
                        _ = try h.configRequest(register, value: device.config[register], firstBE: firstBE, at: time, scheduled: true)
                    }
                }
                nextCycle = plan.busMasterOff
            case plan.busMasterOff:
                after = count(model)
                // COMMAND without Bus Master Enable (the status half left alone): the
                // firmware's next START ends at once, so the traffic stops.
                let command = device.config[1] & 0xFFFF & ~0x4
                for h in both { _ = try h.configRequest(1, value: command, firstBE: 0x3, at: time, scheduled: true) }
                nextCycle = plan.readBack
            default:
                let status = EndpointRegisters.bar0Map.register("STATUS")!.offset
                var tags: [(UInt8, UInt8)] = []
                for h in both {
                    tags.append((try h.mmioReadRequest(status, dwords: 5, at: time, scheduled: true),
                                 try h.mmioReadRequest(EndpointRegisters.countersOffset, dwords: EndpointCounter.allCases.count,
                                                       at: time, scheduled: true)))
                }
                precondition(tags[0] == tags[1], "both hosts allocate the same tags")
                reads = tags[0]
                nextCycle = nil
            }
        }

        func finish(cycles: UInt64, model: MilkymistCycleMachine, rtl: RTLSoC,
                    hosts: (model: HostStream, rtl: HostStream)) throws {
            guard cycles == plan.end, let reads, let batches else { return }
            let image = MilkymistPCIeStorm.goldenImage(seed: seed)
            let a = MilkymistPCIeStorm.goldenAddress
            let modelGolden = stride(from: 0, to: image.count, by: 4).flatMap { k -> [UInt8] in
                let w = model.word(at: a + UInt32(k)) ?? 0
                return [UInt8(w >> 24), UInt8(truncatingIfNeeded: w >> 16), UInt8(truncatingIfNeeded: w >> 8), UInt8(truncatingIfNeeded: w)]
            }
            if modelGolden != image { violations.append("model: the golden image changed") }
            if try rtl.readMemory(at: a, count: image.count) != image { violations.append("RTL: the golden image changed") }

            var read: [[UInt32]] = []
            for (side, h) in [("model", hosts.model), ("RTL", hosts.rtl)] {
                guard case .data(let s)? = h.takeResult(reads.status), case .data(let c)? = h.takeResult(reads.counters) else {
                    violations.append("\(side): the host's read-back got no data")
                    return
                }
                let status = HostStream.dwords(s), words = HostStream.dwords(c)
                read.append(words)
                if status[0] & 0x2 != 0 { violations.append("\(side): DMA still busy after bus mastering went off") }
                let counter = { (c: EndpointCounter) in UInt64(words[c.rawValue]) }
                violations += Storm.hostInvariants(h.root, counter: counter, delivered: UInt64(h.packetsSent),
                                                   through: "were sent by the host", expected: batches.expected)
                    .map { "\(side): \($0)" }
                if !h.quiet { violations.append("\(side): the host still has packets in flight") }
                let buffer = 0x1000_0000 ..< UInt64(0x1000_0000 + 1024)
                if let w = h.root.deviceWrites.first(where: { !buffer.contains($0.address) || !buffer.contains($0.end - 1) }) {
                    violations.append("\(side): the device wrote host memory outside the firmware's buffer: \(w)")
                }
                if side == "model" {
                    for c in EndpointCounter.allCases where model.pcieRegister(c.registerName) != words[c.rawValue] {
                        violations.append("model: \(c.registerName) reads \(words[c.rawValue]) through BAR0, "
                                          + "\(model.pcieRegister(c.registerName) ?? 0) in the endpoint at the end")
                    }
                }
            }
            for c in EndpointCounter.allCases where read[0][c.rawValue] != read[1][c.rawValue] {
                violations.append("\(c.registerName): model \(read[0][c.rawValue]), RTL \(read[1][c.rawValue])")
            }
            counters = EndpointCounter.allCases.map { ($0.registerName, UInt64(read[1][$0.rawValue])) }
            if let r = rounds { violations += r.violations(after: after) }
        }
    }
}
