import Attestation
import Automaton
import SimKernel
import SoC
import Testing

/// Rounds played by the `attest` firmware on the functional SoC, with the PCIe endpoint,
/// the link, the root complex and the host model on one scheduler.
@Suite struct FunctionalDeviceTests {
    /// A small challenge: a round is about 15 000 device cycles, most of them the random
    /// wait and the coprocessor's precomputation (1 024 steps over SDRAM). The attacks
    /// that hide a per-step cost behind a faster core need longer challenges (4 096 steps).
    static func config(steps: UInt32 = 1_024) -> DriverConfig {
        var c = DriverConfig()
        c.plan.windowWords = 1_024
        c.plan.steps = steps
        c.timeoutCycles = 40_000
        return c
    }

    static func experiment(rounds: Int, seed: UInt64, steps: UInt32 = 1_024, calibrationRounds: Int = 100) -> Experiment {
        Experiment(config: config(steps: steps), calibrationRounds: calibrationRounds, rounds: rounds, seed: seed, device: .functional)
    }

    /// The deadline of 100 honest calibration rounds (seed 21) at 1 024 steps.
    static let deadline = Result { () throws(ExperimentError) -> UInt64 in
        guard let c = try experiment(rounds: 0, seed: 21).calibrate() else { throw .noHonestAnswer }
        return c.deadlineCycles
    }

    /// The deadline of 60 honest calibration rounds (seed 21) at 4 096 steps.
    static let longDeadline = Result { () throws(ExperimentError) -> UInt64 in
        guard let c = try experiment(rounds: 0, seed: 21, steps: 4_096, calibrationRounds: 60).calibrate() else {
            throw .noHonestAnswer
        }
        return c.deadlineCycles
    }

    @Test func honestRoundsAfterCalibrationGiveNoFalsePositive() throws {
        let deadline = try Self.deadline.get()
        let records = try Self.experiment(rounds: 300, seed: 22).play(.none, deadlineCycles: deadline)
        let s = ScenarioSummary(scenario: "honest", honest: true, records: records, deadlineCycles: deadline)
        #expect(s.rounds == 300)
        #expect(s.falsePositives == 0, "\(ScenarioSummary.table([s]))")
        #expect(s.maxCycles! > s.minCycles!)
        // Every honest answer is the coprocessor's digest, computed by the host model over its image.
        #expect(records.allSatisfy { $0.receivedDigest == $0.expectedDigest })
        #expect(records.map(\.challengeID) == Array(2...301))
    }

    @Test(arguments: Attacker.defaults.filter { $0 != .none })
    func everyAttackerIsDetectedAtItsDefaults(_ attacker: Attacker) throws {
        let deadline = try Self.longDeadline.get()
        let records = try Self.experiment(rounds: 8, seed: 23, steps: 4_096).play(attacker, deadlineCycles: deadline)
        let s = ScenarioSummary(scenario: attacker.name, honest: false, records: records, deadlineCycles: deadline)
        #expect(s.rounds == 8)
        #expect(s.detected == 8, "\(ScenarioSummary.table([s]))")
        let verdicts = Set(records.map(\.verdict))
        switch attacker {
        case .tamperedImage, .replay, .dmaRedirection: #expect(verdicts == [.wrongAnswer])
        case .memoryCopy, .emulation, .nested, .proxy: #expect(verdicts == [.late])
        case .disabled: #expect(verdicts == [.noAnswer])
        default: break
        }
    }

    /// The firmware's verdict is the rule of `Verdict.judge` on what it logged.
    @Test func theFirmwaresVerdictsFollowTheRule() throws {
        let deadline = try Self.deadline.get()
        let e = Self.experiment(rounds: 6, seed: 24)
        for a in [Attacker.none, .emulation(slowdownPermille: 1_300), .tamperedImage(bytes: 4, seed: 2), .disabled] {
            for r in try e.play(a, deadlineCycles: deadline) {
                switch r.verdict {
                case .trusted: #expect(r.receivedDigest == r.expectedDigest && r.elapsedCycles! <= deadline)
                case .late: #expect(r.receivedDigest == r.expectedDigest && r.elapsedCycles! > deadline)
                case .wrongAnswer: #expect(r.arrivalCycle != nil)
                case .noAnswer: #expect(r.arrivalCycle == nil && r.receivedDigest == nil)
                }
            }
        }
    }

    @Test func identicalSeedsGiveIdenticalRecords() throws {
        func lines() throws -> String {
            RoundRecord.jsonLines(try Self.experiment(rounds: 8, seed: 25).play(.nested(exitCycles: 300, interruptCycles: 300, stepCycles: 0),
                                                                               deadlineCycles: 1_200))
        }
        let a = try lines()
        #expect(a == (try lines()))
        #expect(a != RoundRecord.jsonLines(try Self.experiment(rounds: 8, seed: 26).play(.none, deadlineCycles: 1_200)))
    }

    /// A host that turns the device's bus mastering off gets no challenge: the DMA fails,
    /// no MSI is sent, and the rounds are no-answer with send cycle 0.
    @Test func busMasteringOffMeansNoChallengeAndNoAnswer() throws {
        let d = try FunctionalDevice(config: Self.config(), attacker: .none, seed: 28)
        let system = try #require(d.machine.bus.devices.pcie).system
        let command = try system.configRead(1)
        try system.configWrite(1, command & ~0x4, firstBE: 0b0011)     // COMMAND.BusMaster off
        let records = try d.collect(rounds: 2, scenario: "bus-master-off", deadlineCycles: 5_000)
        #expect(records.map(\.verdict) == [.noAnswer, .noAnswer])
        #expect(records.allSatisfy { $0.sendCycle == 0 && $0.arrivalCycle == nil && $0.receivedDigest == nil })
        #expect(system.host.interrupts.isEmpty && system.host.deviceWrites.isEmpty)
    }

    /// The log, the UART lines and the BAR0 counters say the same.
    @Test func verdictsReachTheUARTAndTheCounters() throws {
        let d = try FunctionalDevice(config: Self.config(), attacker: .tamperedImage(bytes: 8, seed: 3), seed: 27, uartLines: true)
        let records = try d.collect(rounds: 2, scenario: "t", deadlineCycles: 5_000)
        #expect(records.map(\.verdict) == [.wrongAnswer, .wrongAnswer])
        let lines = d.uartText.split(separator: "\n")
        #expect(lines.count >= 3)
        #expect(lines[1].hasPrefix("attest: round 1 id 2 wrong-answer elapsed \(records[0].elapsedCycles!) cycles"))
        let counts = d.verdictCounters
        #expect(counts[.wrongAnswer]! >= 3 && counts[.trusted] == 0 && counts[.late] == 0 && counts[.noAnswer] == 0)
    }
}
