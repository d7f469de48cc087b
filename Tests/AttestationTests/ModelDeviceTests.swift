import Attestation
import Automaton
import SimKernel
import SoC
import Testing

/// Rounds played by the `attest` firmware on the cycle-exact SoC with the cycle-exact
/// endpoint, the host behind its TLP stream.
@Suite struct ModelDeviceTests {
    /// A small challenge, as the functional device's tests use (256 steps: a round is
    /// some 10 000 device cycles, most of them stepped in a debug build).
    static func config() -> DriverConfig {
        var c = FunctionalDeviceTests.config(steps: 256)
        c.plan.windowWords = 256
        return c
    }

    /// An honest answer takes some 750 cycles at 256 steps; 5× emulation more than 1 500.
    @Test func everyVerdictFromTheFirmware() throws {
        for (attacker, verdict) in [(Attacker.none, Verdict.trusted), (.tamperedImage(bytes: 8, seed: 3), .wrongAnswer),
                                    (.emulation(slowdownPermille: 5_000), .late), (.disabled, .noAnswer)] {
            let d = try ModelDevice(config: Self.config(), attacker: attacker, seed: 31)
            let records = try d.collect(rounds: 2, scenario: attacker.name, deadlineCycles: 1_500)
            #expect(records.map(\.verdict) == [verdict, verdict], "\(attacker)")
            #expect(records.map(\.challengeID) == [2, 3])
            if verdict == .trusted { #expect(records.allSatisfy { $0.receivedDigest == $0.expectedDigest }) }
        }
    }

    /// Idle skipping jumps over the random wait and the doorbell wait, each jump ended by
    /// the next device or host event: the records and the whole machine state are those
    /// of stepping every cycle.
    /// Random waits of 20 000 to 40 000 cycles make the waits most of a round.
    @Test func skippingTheWaitsGivesTheRecordsOfStepping() throws {
        var config = Self.config()
        config.minWaitCycles = 20_000
        config.maxWaitCycles = 40_000
        func run(_ skip: Bool) throws -> (ModelDevice, String) {
            let d = try ModelDevice(config: config, attacker: .nested(exitCycles: 300, interruptCycles: 300, stepCycles: 0),
                                    seed: 32, idleSkipping: skip)
            return (d, RoundRecord.jsonLines(try d.collect(rounds: 3, scenario: "s", deadlineCycles: 3_000)))
        }
        let (skipped, a) = try run(true)
        let (stepped, b) = try run(false)
        #expect(a == b)
        // chunks count stepped cycles: bring both to the same cycle
        let end = max(skipped.machine.cycle, stepped.machine.cycle)
        for d in [skipped, stepped] { _ = d.machine.run(maxCycles: end) }
        #expect(skipped.machine.cycle == stepped.machine.cycle)
        #expect(skipped.machine.sameState(as: stepped.machine))
        #expect(stepped.skippedCycles == 0)
        #expect(skipped.skippedCycles > skipped.machine.cycle / 2, "\(skipped.skippedCycles) of \(skipped.machine.cycle)")
    }

    /// The doorbell wait is jumped over too: a disabled host, whose rounds wait the whole
    /// 40 000-cycle timeout for a doorbell, costs the same stepped cycles as an honest one
    /// (up to the probes that find each wait's repeat), the rest of its wait jumped.
    @Test func theDoorbellWaitIsJumped() throws {
        func counts(_ attacker: Attacker) throws -> CycleCounts {
            let d = try ModelDevice(config: Self.config(), attacker: attacker, seed: 31)
            _ = try d.collect(rounds: 2, scenario: attacker.name, deadlineCycles: 1_500)
            return try #require(d.cycleCounts)
        }
        let honest = try counts(.none), disabled = try counts(.disabled)
        let probes = 2 * 2 * 1_024
        #expect(disabled.stepped <= honest.stepped + UInt64(probes), "\(disabled) against \(honest)")
        #expect(disabled.jumped >= honest.jumped + 2 * 35_000, "\(disabled) against \(honest)")
    }
}
