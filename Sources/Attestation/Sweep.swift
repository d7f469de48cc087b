import Automaton
import Foundation

/// A sweep: scenarios × seeds × parameters (docs/attestation.md, "Sweeps").
/// A unit is one seed with one parameter set: calibrated once, then every
/// scenario played against that deadline. Units are the grain of sharding.
public struct SweepPlan: Codable, Hashable, Sendable {
    public var name: String
    /// Attacker specifications (docs/attackers.md), played in this order.
    public var scenarios: [String]
    public var seeds: [UInt64]
    public var steps: [UInt32]
    public var windowWords: [UInt32]
    public var rounds: Int
    public var calibrationRounds: Int
    /// The device that plays the rounds (absent: the transaction-level driver).
    public var device: DeviceKind?

    enum CodingKeys: String, CodingKey {
        case name, scenarios, seeds, steps, rounds, device
        case windowWords = "window_words", calibrationRounds = "calibration_rounds"
    }

    public init(name: String, scenarios: [String], seeds: [UInt64], steps: [UInt32], windowWords: [UInt32],
                rounds: Int, calibrationRounds: Int, device: DeviceKind? = nil) {
        self.name = name; self.scenarios = scenarios; self.seeds = seeds; self.steps = steps
        self.windowWords = windowWords; self.rounds = rounds; self.calibrationRounds = calibrationRounds
        self.device = device
    }

    /// Decodes and checks a plan (JSON).
    public init(json: Data) throws(SweepError) {
        do { self = try JSONDecoder().decode(SweepPlan.self, from: json) } catch { throw .plan("\(error)") }
        _ = try attackers()
        guard !seeds.isEmpty, !steps.isEmpty, !windowWords.isEmpty, !scenarios.isEmpty else {
            throw .plan("scenarios, seeds, steps and window_words must not be empty")
        }
        guard rounds > 0, calibrationRounds > 0 else { throw .plan("rounds and calibration_rounds must be positive") }
        for s in steps where s == 0 { throw .plan("steps must be positive") }
        for w in windowWords where w == 0 || w & (w - 1) != 0 || w > 1 << 30 {
            throw .plan("window_words \(w) is not a power of two from 1 to 2^30")
        }
    }

    public func attackers() throws(SweepError) -> [Attacker] {
        var out: [Attacker] = []
        for s in scenarios {
            do { out.append(try Attacker(specification: s)) } catch { throw .plan(error.description) }
        }
        return out
    }

    /// One seed with one parameter set, in the plan's fixed order (window, steps, seed).
    public struct Unit: Hashable, Sendable {
        public var index: Int
        public var seed: UInt64
        public var steps: UInt32
        public var windowWords: UInt32
    }

    public var units: [Unit] {
        var out: [Unit] = []
        for w in windowWords { for s in steps { for seed in seeds {
            out.append(Unit(index: out.count, seed: seed, steps: s, windowWords: w))
        } } }
        return out
    }

    /// The units of shard `shard`: those whose index is `shard.index` modulo `shard.count`.
    public func units(in shard: Shard) -> [Unit] { units.filter { $0.index % shard.count == shard.index } }

    /// The rounds a shard plays, calibration included: what `roundDone` counts to.
    public func roundCount(in shard: Shard) -> Int {
        units(in: shard).count * (calibrationRounds + scenarios.count * rounds)
    }

    /// Calibrates the unit and plays each scenario; records in (job, round)
    /// order. `roundDone` is called after each round played, calibration
    /// rounds included (the unrecorded warm-up round of each driver is not
    /// counted); it is for progress displays and cannot change the records.
    public func run(_ unit: Unit, base: DriverConfig = DriverConfig(),
                    roundDone: (() -> Void)? = nil) throws(SweepError) -> [RoundRecord] {
        var config = base
        config.plan.steps = unit.steps
        config.plan.windowWords = unit.windowWords
        let e = Experiment(config: config, calibrationRounds: calibrationRounds, rounds: rounds, seed: unit.seed,
                           device: device ?? .transaction)
        do {
            guard let cal = try e.calibrate(roundDone: roundDone) else { throw SweepError.experiment(.noHonestAnswer) }
            var out: [RoundRecord] = []
            for (i, a) in try attackers().enumerated() {
                for var r in try e.play(a, deadlineCycles: cal.deadlineCycles, roundDone: roundDone) {
                    r.job = unit.index * scenarios.count + i
                    out.append(r)
                }
            }
            return out
        } catch let e as SweepError { throw e } catch let e as ExperimentError { throw .experiment(e) }
        catch { throw .experiment(.noHonestAnswer) }
    }

    /// Every unit of `shard`, in order; `roundDone` as in `run(_:base:roundDone:)`.
    public func run(shard: Shard, base: DriverConfig = DriverConfig(),
                    roundDone: (() -> Void)? = nil) throws(SweepError) -> [RoundRecord] {
        var out: [RoundRecord] = []
        for u in units(in: shard) { out += try run(u, base: base, roundDone: roundDone) }
        return out
    }

    /// Joins shards' records into the order one run of the whole plan gives
    /// (by job, then round), checking that every job's rounds are there once.
    public func merge(_ records: [RoundRecord]) throws(SweepError) -> [RoundRecord] {
        guard records.allSatisfy({ (0..<units.count * scenarios.count).contains($0.job) }) else {
            throw .merge("a record's job is outside this plan")
        }
        let sorted = try RoundRecord.merged(records)
        var expected = [(job: Int, round: Int)]()
        for j in 0..<units.count * scenarios.count { for r in 1...rounds { expected.append((j, r)) } }
        guard sorted.count == expected.count else {
            throw .merge("\(sorted.count) records, the plan has \(expected.count) (\(units.count) units × \(scenarios.count) scenarios × \(rounds) rounds)")
        }
        for (r, e) in zip(sorted, expected) where r.job != e.job || r.round != e.round {
            throw .merge("job \(e.job) round \(e.round) is missing or duplicated")
        }
        return sorted
    }
}

/// `I/N`: shard I (0 to N − 1) of N.
public struct Shard: Hashable, Sendable, CustomStringConvertible {
    public var index: Int
    public var count: Int

    public init(index: Int, count: Int) throws(SweepError) {
        guard count > 0, (0..<count).contains(index) else { throw .shard("\(index)/\(count)") }
        self.index = index
        self.count = count
    }

    public init(_ text: String) throws(SweepError) {
        let p = text.split(separator: "/", omittingEmptySubsequences: false)
        guard p.count == 2, let i = Int(p[0]), let n = Int(p[1]) else { throw .shard(text) }
        try self.init(index: i, count: n)
    }

    public var description: String { "\(index)/\(count)" }
}

public enum SweepError: Error, Hashable, Sendable, CustomStringConvertible {
    case plan(String)
    case shard(String)
    case merge(String)
    case experiment(ExperimentError)

    public var description: String {
        switch self {
        case .plan(let m): "sweep plan: \(m)"
        case .shard(let s): "shard '\(s)' is not I/N with 0 <= I < N"
        case .merge(let m): "merge: \(m)"
        case .experiment(let e): e.description
        }
    }
}

extension RoundRecord {
    /// Records from several shards in the order one run gives (job, then
    /// round); a (job, round) present twice is an error.
    public static func merged(_ records: [RoundRecord]) throws(SweepError) -> [RoundRecord] {
        let sorted = records.sorted { ($0.job, $0.round) < ($1.job, $1.round) }
        for (a, b) in zip(sorted, sorted.dropFirst()) where a.job == b.job && a.round == b.round {
            throw .merge("job \(a.job) round \(a.round) appears twice")
        }
        return sorted
    }
}
