import Automaton
import SimKernel

/// The smallest strength of one attack that the calibrated deadline catches
/// in every round (docs/attestation.md, "Smallest detected overhead").
public struct DetectionThreshold: Hashable, Sendable {
    public var attacker: String
    public var steps: UInt32
    /// The smallest parameter value detected in every round, nil when none up to the search limit.
    public var parameter: UInt64?
    /// The attacked median response time over the honest median, minus one, in percent.
    public var overheadPercent: Double?
    /// Honest rounds (same seed) judged late or wrong against the deadline: must be 0.
    public var falsePositives: Int
    public var deadlineCycles: UInt64

    public init(attacker: String, steps: UInt32, parameter: UInt64?, overheadPercent: Double?, falsePositives: Int,
                deadlineCycles: UInt64) {
        self.attacker = attacker; self.steps = steps; self.parameter = parameter
        self.overheadPercent = overheadPercent; self.falsePositives = falsePositives; self.deadlineCycles = deadlineCycles
    }
}

/// An attack whose strength is one integer, for the threshold search.
public struct AttackFamily: Sendable {
    public var name: String
    /// The parameter's name in docs/attackers.md.
    public var parameterName: String
    public var make: @Sendable (UInt64) -> Attacker

    public init(name: String, parameterName: String, make: @escaping @Sendable (UInt64) -> Attacker) {
        self.name = name
        self.parameterName = parameterName
        self.make = make
    }

    /// The attacks that hide behind a right answer, so that only time betrays them.
    public static let timing: [AttackFamily] = [
        AttackFamily(name: "emulation", parameterName: "slowdown-permille above 1 000") { .emulation(slowdownPermille: 1_000 + $0) },
        AttackFamily(name: "memory-copy", parameterName: "step-cycles") { .memoryCopy(stepCycles: $0, copyOffset: 0x0100_0000) },
        AttackFamily(name: "nested", parameterName: "exit-cycles = interrupt-cycles") {
            .nested(exitCycles: $0, interruptCycles: $0, stepCycles: 0)
        },
        AttackFamily(name: "proxy", parameterName: "rtt in ns") { .proxy(roundTrip: .ns($0), remoteHz: 3_000_000_000) },
    ]
}

extension Experiment {
    /// Calibrates, then finds the smallest parameter of `family` (1 up to
    /// `limit`) whose rounds are all detected, by doubling then bisection
    /// (a stronger attack is never faster).
    public func threshold(_ family: AttackFamily, limit: UInt64 = 1 << 24) throws(ExperimentError) -> DetectionThreshold {
        do { return try search(family, limit: limit) } catch let e as ExperimentError { throw e } catch { throw .noHonestAnswer }
    }

    private func search(_ family: AttackFamily, limit: UInt64) throws -> DetectionThreshold {
        guard let cal = try calibrate() else { throw ExperimentError.noHonestAnswer }
        let deadline = cal.deadlineCycles
        let honest = try play(.none, deadlineCycles: deadline)
        let honestMedian = ScenarioSummary(scenario: "", honest: true, records: honest, deadlineCycles: deadline).medianCycles ?? 1
        func allDetected(_ x: UInt64) throws -> Bool {
            try play(family.make(x), deadlineCycles: deadline).allSatisfy(\.detected)
        }
        var hi: UInt64 = 1
        while try !allDetected(hi) {
            guard hi < limit else {
                return DetectionThreshold(attacker: family.name, steps: config.plan.steps, parameter: nil, overheadPercent: nil,
                                          falsePositives: honest.filter(\.detected).count, deadlineCycles: deadline)
            }
            hi *= 2
        }
        var lo = hi / 2   // not all detected (or 0)
        while hi - lo > 1 {
            let mid = lo + (hi - lo) / 2
            if try allDetected(mid) { hi = mid } else { lo = mid }
        }
        let attacked = try play(family.make(hi), deadlineCycles: deadline)
        let median = ScenarioSummary(scenario: "", honest: false, records: attacked, deadlineCycles: deadline).medianCycles ?? 0
        return DetectionThreshold(attacker: family.name, steps: config.plan.steps, parameter: hi,
                                  overheadPercent: (Double(median) / Double(honestMedian) - 1) * 100,
                                  falsePositives: honest.filter(\.detected).count, deadlineCycles: deadline)
    }
}

/// Why an experiment could not run.
public enum ExperimentError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The plan gives an invalid challenge.
    case challenge(AutomatonError)
    /// No honest calibration round was answered rightly: no deadline can be set.
    case noHonestAnswer
    /// The settings do not fit the device (a value out of its range).
    case configuration(String)
    /// The device stopped or its model failed (the firmware halted, the log ring overran).
    case device(String)

    public var description: String {
        switch self {
        case .challenge(let e): "invalid challenge plan: \(e)"
        case .noHonestAnswer: "no honest calibration round was answered rightly"
        case .configuration(let m): "device configuration: \(m)"
        case .device(let m): "device: \(m)"
        }
    }
}
