import Automaton
import PCIe
import SimKernel
import SoC

/// The challenges a run draws: window, steps, table size, environment tests.
public struct ChallengePlan: Hashable, Sendable {
    /// Where the hypervisor's image (and the window over it) lies in host memory.
    public var windowBase: UInt32 = 0x0040_0000
    public var windowWords: UInt32 = 4_096
    public var steps: UInt32 = 65_536
    public var states: Int = 64
    public var environmentTests: [UInt32] = Array(0..<8)

    public init() {}
}

/// The transaction-level link the round driver assumes between the device
/// and the host (Gen1 x1, docs/attestation.md): fixed latencies and one
/// seeded jitter. The PCIe endpoint and the `Host` link model replace it.
public struct LinkTiming: Hashable, Sendable {
    /// From the device starting the challenge DMA to the last of its 608
    /// bytes in host memory: 5 MWr of 128 bytes at 4 ns a byte plus framing, and the pipelines.
    public var challengeWrite: Duration = .ns(3_200)
    /// From the data in memory to the interrupt at the core: the MSI write
    /// (ordered behind the data) through the root complex to the LAPIC.
    public var msiDelivery: Duration = .ns(1_000)
    /// Uniform extra on the MSI's delivery, drawn per round: [0, this).
    public var msiJitter: Duration = .ns(200)
    /// From the doorbell write leaving the core to its arrival at BAR0: the
    /// answer (24 bytes) and the doorbell as posted writes, core to root port, serialisation, endpoint pipeline.
    public var answerReturn: Duration = .ns(800)

    public init() {}
}

/// The round driver's settings.
public struct DriverConfig: Hashable, Sendable {
    /// The device's system clock: the milkymist SoC's, as its description declares it.
    public var deviceClock = Clock(name: "sys", hertz: SoCDescription.milkymistClockHertz)!
    public var plan = ChallengePlan()
    /// The transaction-level driver's link (`DeviceKind.transaction`).
    public var link = LinkTiming()
    /// The PCIe link between the endpoint and the root complex (`DeviceKind.functional`).
    public var pcieLink = LinkConfiguration()
    public var cpu = HostCPUConfig()
    public var mailbox: UInt64 = 0x0000_0001_0000_0000
    /// The random wait before each challenge, device cycles, uniform in [min, max).
    public var minWaitCycles: UInt64 = 800, maxWaitCycles: UInt64 = 8_000
    /// No doorbell this many device cycles after the send: no answer (100 ms).
    public var timeoutCycles: UInt64 = 8_000_000
    /// The hypervisor image: SplitMix64(`imageSeed`) words over the window.
    public var imageSeed: UInt64 = 0x1A6E

    public init() {}

    /// The image bytes: the window's words, little-endian.
    public var imageBytes: [UInt8] {
        var g = SplitMix64(seed: imageSeed)
        var out = [UInt8]()
        out.reserveCapacity(Int(plan.windowWords) * 4)
        for _ in 0..<plan.windowWords {
            let w = UInt32(truncatingIfNeeded: g.next())
            for i in 0..<4 { out.append(UInt8(truncatingIfNeeded: w >> (8 * UInt32(i)))) }
        }
        return out
    }
}

/// Plays the device's side of the integrity test cycle at the transaction
/// level for tests and early experiments: draws challenges, computes the
/// expected answer over its golden copy, delivers the challenge and the
/// interrupt at their times on a `Scheduler`, and turns the doorbell's
/// arrival into device cycles. It is not the device: the firmware, the
/// coprocessor and the PCIe endpoint replace it, and compare their verdicts
/// and cycle counts with what it gives.
public final class RoundDriver {
    public let config: DriverConfig
    public let attacker: Attacker
    public let host: AttackedHost
    private let golden: ByteImage
    private let expectedEnvironment: Environment
    private var deviceRNG: SplitMix64
    private var hostRNG: SplitMix64
    private let scheduler = Scheduler()
    private var nextID: UInt32 = 1
    public let seed: UInt64

    public init(config: DriverConfig, attacker: Attacker, seed: UInt64) throws(AutomatonError) {
        self.config = config
        self.attacker = attacker
        self.seed = seed
        let bytes = config.imageBytes
        golden = ByteImage(bytes, at: config.plan.windowBase)
        // The device expects the attested host's environment values.
        expectedEnvironment = try Environment(config.plan.environmentTests.map { config.cpu.environmentValue($0).value })
        host = AttackedHost(memory: SparseHostMemory(),
                            hypervisor: SecurityHypervisor(cpu: config.cpu, mailbox: config.mailbox),
                            image: ImageLayout(base: UInt64(config.plan.windowBase), bytes: bytes), attacker: attacker)
        deviceRNG = SplitMix64(seed: seed)
        hostRNG = SplitMix64(seed: seed ^ 0x4057_4057_4057_4057)
        // One unrecorded round first: the attackers that live on history (replay, a stale mailbox) have one.
        _ = try playRound(scenario: "", round: 0, deadlineCycles: config.timeoutCycles)
    }

    /// `rounds` rounds judged against `deadlineCycles`; `roundDone`, if
    /// given, is called after each round (a count for the caller's progress
    /// display; it sees nothing of the round and cannot change it).
    public func run(rounds: Int, scenario: String, deadlineCycles: UInt64,
                    roundDone: (() -> Void)? = nil) throws(AutomatonError) -> [RoundRecord] {
        var out: [RoundRecord] = []
        out.reserveCapacity(rounds)
        for r in stride(from: 1, through: rounds, by: 1) {
            out.append(try playRound(scenario: scenario, round: r, deadlineCycles: deadlineCycles))
            roundDone?()
        }
        return out
    }

    /// One round: wait, draw, send, let the host answer, judge.
    public func playRound(scenario: String, round: Int, deadlineCycles: UInt64) throws(AutomatonError) -> RoundRecord {
        let clock = config.deviceClock, plan = config.plan
        let span = config.maxWaitCycles > config.minWaitCycles ? config.maxWaitCycles - config.minWaitCycles : 1
        let sendCycle = clock.cycles(at: scheduler.now) + 1 + config.minWaitCycles + deviceRNG.next() % span
        let message = try ChallengeMessage(
            id: nextID, nonce: deviceRNG.next(), window: Window(base: plan.windowBase, words: plan.windowWords),
            steps: plan.steps, table: StateTable.random(seed: deviceRNG.next(), states: plan.states),
            environmentTests: plan.environmentTests)
        nextID &+= 1
        let expected = AnswerMessage(id: message.id,
                                     result: try message.challenge(environment: expectedEnvironment).run(on: golden))

        let sendAt = clock.instant(ofCycle: sendCycle)
        var arrival: (at: Instant, bytes: [UInt8])?
        let link = config.link, host = self.host, mailbox = config.mailbox
        let msiJitter = link.msiJitter.picoseconds > 0 ? Duration.ps(hostRNG.next() % link.msiJitter.picoseconds) : .zero
        var rng = hostRNG
        scheduler.schedule(at: sendAt + link.challengeWrite, phase: .link, component: "link", label: "challenge write") { _ in
            host.deviceWrite(at: mailbox, message.bytes)
        }
        scheduler.schedule(at: sendAt + link.challengeWrite + link.msiDelivery + msiJitter, phase: .host,
                           component: "host", label: "challenge interrupt") { s in
            guard let response = host.interrupt(rng: &rng) else { return }
            s.schedule(after: response.hostTime + link.answerReturn, phase: .device, component: "endpoint",
                       label: "doorbell") { s in arrival = (s.now, response.answer) }
        }
        let timeout = clock.instant(ofCycle: sendCycle + config.timeoutCycles)
        while arrival == nil, let next = scheduler.nextEvent, next.time <= timeout {
            // The handlers above do not throw.
            _ = try? scheduler.runNext()
        }
        hostRNG = rng
        let arrivalCycle = arrival.map { clock.cycles(at: $0.at) }
        let received = arrival.flatMap { try? AnswerMessage(bytes: $0.bytes) }
        let verdict = Verdict.judge(expected: expected, received: arrival?.bytes,
                                    elapsedCycles: arrivalCycle.map { $0 - sendCycle }, deadlineCycles: deadlineCycles)
        if arrival == nil { try? scheduler.run(until: timeout) }
        var record = RoundRecord(scenario: scenario, seed: seed, round: round, challengeID: message.id, nonce: message.nonce,
                           steps: plan.steps, sendCycle: sendCycle, arrivalCycle: arrivalCycle,
                           elapsedNs: arrival.map { ($0.at - sendAt).picoseconds / 1_000 },
                           expectedDigest: expected.digest, receivedDigest: received?.digest,
                           deadlineCycles: deadlineCycles, verdict: verdict)
        record.windowWords = plan.windowWords
        return record
    }
}

/// Calibrates on honest rounds, then plays each scenario against the deadline.
public struct Experiment: Sendable {
    public var config: DriverConfig
    public var calibrationRounds: Int
    public var rounds: Int
    public var seed: UInt64
    /// Which device plays the rounds (the transaction-level driver unless told).
    public var device: DeviceKind

    public init(config: DriverConfig = DriverConfig(), calibrationRounds: Int = 200, rounds: Int = 100, seed: UInt64 = 1,
                device: DeviceKind = .transaction) {
        self.config = config
        self.calibrationRounds = calibrationRounds
        self.rounds = rounds
        self.seed = seed
        self.device = device
    }

    /// The seed of the calibration rounds: their own, never reused for the judged rounds.
    public var calibrationSeed: UInt64 { seed ^ 0xCA11_B8A7_E000_0000 }

    /// The calibration: honest rounds judged against the timeout. `roundDone` as in `RoundPlayer.collect`.
    public func calibrate(roundDone: (() -> Void)? = nil) throws(ExperimentError) -> Calibration? {
        let d = try device.make(config: config, attacker: .none, seed: calibrationSeed)
        return Calibration(honest: try d.collect(rounds: calibrationRounds, scenario: "calibration",
                                                 deadlineCycles: config.timeoutCycles, roundDone: roundDone))
    }

    /// `rounds` rounds of `attacker` judged against `deadlineCycles`; `roundDone` as in `RoundPlayer.collect`.
    public func play(_ attacker: Attacker, deadlineCycles: UInt64,
                     roundDone: (() -> Void)? = nil) throws(ExperimentError) -> [RoundRecord] {
        try device.make(config: config, attacker: attacker, seed: seed)
            .collect(rounds: rounds, scenario: attacker.specification, deadlineCycles: deadlineCycles, roundDone: roundDone)
    }
}
