import Attestation
import Automaton
import SimKernel
import Testing

/// Rounds through the transaction-level driver: calibration, false positives,
/// each attacker at its defaults, records.
@Suite struct RoundTests {
    /// A small challenge so that a thousand rounds stay quick in a debug build.
    static var config: DriverConfig {
        var c = DriverConfig()
        c.plan.windowWords = 1_024
        c.plan.steps = 4_096
        return c
    }

    /// The deadline of 300 honest calibration rounds (seed 11).
    static func deadline() throws -> UInt64 {
        try #require(try Experiment(config: config, calibrationRounds: 300, rounds: 0, seed: 11).calibrate()).deadlineCycles
    }

    @Test func honestRoundsAfterCalibrationGiveNoFalsePositive() throws {
        let e = Experiment(config: Self.config, rounds: 1_000, seed: 12)
        let deadline = try Self.deadline()
        let records = try e.play(.none, deadlineCycles: deadline)
        let s = ScenarioSummary(scenario: "honest", honest: true, records: records, deadlineCycles: deadline)
        #expect(s.rounds == 1_000)
        #expect(s.falsePositives == 0, "\(ScenarioSummary.table([s]))")
        #expect(s.marginCycles! >= 0)
        // Jitter is real: the honest times spread.
        #expect(s.maxCycles! > s.minCycles!)
    }

    @Test(arguments: Attacker.defaults.filter { $0 != .none })
    func everyAttackerIsDetectedAtItsDefaults(_ attacker: Attacker) throws {
        let e = Experiment(config: Self.config, rounds: 200, seed: 13)
        let deadline = try Self.deadline()
        let records = try e.play(attacker, deadlineCycles: deadline)
        let s = ScenarioSummary(scenario: attacker.name, honest: false, records: records, deadlineCycles: deadline)
        #expect(s.detectionRate >= 0.99, "\(ScenarioSummary.table([s]))")
    }

    @Test func eachAttackerShowsItselfTheWayItShould() throws {
        let e = Experiment(config: Self.config, rounds: 20, seed: 14)
        let deadline = try Self.deadline()
        func verdicts(_ a: Attacker) throws -> Set<Verdict> { Set(try e.play(a, deadlineCycles: deadline).map(\.verdict)) }
        #expect(try verdicts(.tamperedImage(bytes: 16, seed: 1)) == [.wrongAnswer])
        #expect(try verdicts(.memoryCopy(stepCycles: 2, copyOffset: 0x0100_0000)) == [.late])
        #expect(try verdicts(.memoryCopy(stepCycles: 0, copyOffset: 0x0100_0000)) == [.trusted])
        #expect(try verdicts(.emulation(slowdownPermille: 5_000)) == [.late])
        #expect(try verdicts(.nested(exitCycles: 12_000, interruptCycles: 12_000, stepCycles: 0)) == [.late])
        #expect(try verdicts(.proxy(roundTrip: .us(10), remoteHz: 3_000_000_000)) == [.late])
        #expect(try verdicts(.replay) == [.wrongAnswer])
        #expect(try verdicts(.dmaRedirection(remapOffset: 0x20_0000, chosen: false)) == [.wrongAnswer])
        #expect(try verdicts(.dmaRedirection(remapOffset: 0x20_0000, chosen: true)) == [.wrongAnswer])
        // The overclock shows in the timed loop only when an ENV state reads it; otherwise the remaining overhead is late.
        #expect(try verdicts(.fasterCPU(frequencyHz: 3_300_000_000, stepCycles: 3)) == [.late, .wrongAnswer])
        #expect(try verdicts(.fasterCPU(frequencyHz: 3_600_000_000, stepCycles: 3)).contains(.trusted))
        #expect(try verdicts(.disabled) == [.noAnswer])
    }

    @Test func identicalSeedsGiveIdenticalRecords() throws {
        let e = Experiment(config: Self.config, rounds: 30, seed: 5)
        let a = try e.play(.nested(exitCycles: 12_000, interruptCycles: 12_000, stepCycles: 0), deadlineCycles: 5_000)
        let b = try e.play(.nested(exitCycles: 12_000, interruptCycles: 12_000, stepCycles: 0), deadlineCycles: 5_000)
        #expect(a.map(\.jsonLine) == b.map(\.jsonLine))
        let c = try Experiment(config: Self.config, rounds: 30, seed: 6).play(.none, deadlineCycles: 5_000)
        #expect(a.map(\.nonce) != c.map(\.nonce))
    }

    @Test func recordFormats() throws {
        let r = RoundRecord(scenario: "memory-copy:step-cycles=2", seed: 3, round: 1, challengeID: 2, nonce: 0xAB, steps: 4_096,
                            sendCycle: 100, arrivalCycle: 350, elapsedNs: 3_120, expectedDigest: 1, receivedDigest: nil,
                            deadlineCycles: 300, verdict: .late)
        #expect(r.jsonLine == #"{"scenario":"memory-copy:step-cycles=2","job":0,"seed":3,"round":1,"challenge_id":2,"nonce":"0x00000000000000ab","steps":4096,"window_words":0,"send_cycle":100,"arrival_cycle":350,"elapsed_cycles":250,"elapsed_ns":3120,"expected_digest":"0x0000000000000001","received_digest":null,"deadline_cycles":300,"verdict":"late"}"#)
        #expect(r.csvLine == "memory-copy:step-cycles=2,0,3,1,2,0x00000000000000ab,4096,0,100,350,250,3120,0x0000000000000001,,300,late")
        #expect(RoundRecord.csvHeader.split(separator: ",").count == r.csvLine.split(separator: ",", omittingEmptySubsequences: false).count)
    }

    @Test func calibrationRule() {
        func rec(_ e: UInt64?, _ v: Verdict = .trusted) -> RoundRecord {
            RoundRecord(scenario: "h", seed: 0, round: 0, challengeID: 0, nonce: 0, steps: 1, sendCycle: 0, arrivalCycle: e,
                        elapsedNs: nil, expectedDigest: 0, receivedDigest: nil, deadlineCycles: 0, verdict: v)
        }
        let c = Calibration(honest: [rec(1_000), rec(1_040), rec(1_010), rec(9_999, .wrongAnswer), rec(nil, .noAnswer)])!
        #expect(c.rounds == 3)
        #expect(c.deadlineCycles == 1_040 + 10 + 2)
        #expect(Calibration(honest: [rec(nil, .noAnswer)]) == nil)
    }

    @Test func attackerSpecificationsRoundTrip() throws {
        for a in Attacker.defaults { #expect(try Attacker(specification: a.specification) == a) }
        #expect(try Attacker(specification: "memory-copy:step-cycles=1") == .memoryCopy(stepCycles: 1, copyOffset: 0x0100_0000))
        #expect(throws: AttackerError.unknownAttacker("rowhammer")) { try Attacker(specification: "rowhammer") }
        #expect(throws: AttackerError.unknownParameter("emulation", "speed=2")) { try Attacker(specification: "emulation:speed=2") }
        #expect(throws: AttackerError.badValue("nested", "exit-cycles", "many")) { try Attacker(specification: "nested:exit-cycles=many") }
    }
}

/// The threshold search: the strength it returns is detected in every round, one less is not.
@Suite struct ThresholdTests {
    @Test(arguments: [0, 3])
    func thresholdIsTheSmallestFullyDetectedStrength(_ familyIndex: Int) throws {
        var c = RoundTests.config
        c.plan.steps = 1_024
        let e = Experiment(config: c, calibrationRounds: 60, rounds: 20, seed: 21)
        let family = AttackFamily.timing[familyIndex]
        let t = try e.threshold(family)
        let p = try #require(t.parameter)
        #expect(t.falsePositives == 0)
        #expect(try e.play(family.make(p), deadlineCycles: t.deadlineCycles).allSatisfy(\.detected))
        #expect(try !e.play(family.make(p - 1), deadlineCycles: t.deadlineCycles).allSatisfy(\.detected))
        #expect(t.overheadPercent! > 0)
    }
}
