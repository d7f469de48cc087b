import Automaton
import PCIe

/// Which implementation plays the device's side of the rounds (docs/attestation.md, "Devices").
public enum DeviceKind: String, CaseIterable, Codable, Hashable, Sendable {
    /// The `attest` firmware on the functional milkymist SoC: the LM32, the automaton
    /// coprocessor and the PCIe endpoint, with the link, the root complex and the host
    /// CPU on the endpoint's scheduler (`FunctionalDevice`).
    case functional
    /// The `attest` firmware on the cycle-exact milkymist SoC with the cycle-exact endpoint,
    /// the host behind its TLP stream, the waits skipped exactly (`ModelDevice`).
    case model
    /// The `attest` firmware on the verilated RTL SoC with the RTL endpoint, the same host
    /// behind its stream, every cycle stepped (`RTLDevice`).
    case rtl
    /// The transaction-level round driver (`RoundDriver`): no firmware, no endpoint, the
    /// link as fixed latencies.
    case transaction
}

/// One device playing rounds against one attacked host, from a seed.
public protocol RoundPlayer: AnyObject {
    /// Plays up to `rounds` rounds judged against `deadlineCycles`, numbered from 1 in
    /// this call, handing each record to `each` as it is finished; stops early when
    /// `each` returns false. A later call continues with the device's next round.
    func play(rounds: Int, scenario: String, deadlineCycles: UInt64,
              each: (RoundRecord) -> Bool) throws(ExperimentError)
    /// The device cycles run so far and how many of them were jumped over rather than
    /// stepped (nil: the device has no cycles of its own, the transaction-level driver).
    var cycleCounts: CycleCounts? { get }
}

/// A firmware device's cycles: where its host time goes (a jumped cycle costs next to
/// nothing, a stepped one the SoC's work for a cycle).
public struct CycleCounts: Hashable, Sendable {
    public var run: UInt64
    public var jumped: UInt64
    public var stepped: UInt64 { run - jumped }
    public init(run: UInt64, jumped: UInt64) { self.run = run; self.jumped = jumped }
}

extension RoundPlayer {
    /// `rounds` rounds as `play` gives them; `roundDone`, if given, is called after each
    /// (a count for a progress display: it sees nothing of the round).
    public func collect(rounds: Int, scenario: String, deadlineCycles: UInt64,
                        roundDone: (() -> Void)? = nil) throws(ExperimentError) -> [RoundRecord] {
        var out: [RoundRecord] = []
        out.reserveCapacity(rounds)
        try play(rounds: rounds, scenario: scenario, deadlineCycles: deadlineCycles) { r in
            out.append(r)
            roundDone?()
            return true
        }
        return out
    }
}

extension RoundDriver: RoundPlayer {
    public var cycleCounts: CycleCounts? { nil }

    public func play(rounds: Int, scenario: String, deadlineCycles: UInt64,
                     each: (RoundRecord) -> Bool) throws(ExperimentError) {
        for r in stride(from: 1, through: rounds, by: 1) {
            let record: RoundRecord
            do { record = try playRound(scenario: scenario, round: r, deadlineCycles: deadlineCycles) } catch {
                throw .challenge(error)
            }
            guard each(record) else { return }
        }
    }
}

extension DeviceKind {
    /// A device of this kind for `attacker` and `seed`. `stepEveryCycle`: the model device
    /// steps its waits instead of skipping them (the same records, slower).
    public func make(config: DriverConfig, attacker: Attacker, seed: UInt64,
                     stepEveryCycle: Bool = false) throws(ExperimentError) -> any RoundPlayer {
        switch self {
        case .transaction:
            do { return try RoundDriver(config: config, attacker: attacker, seed: seed) } catch { throw .challenge(error) }
        case .functional:
            return try FunctionalDevice(config: config, attacker: attacker, seed: seed)
        case .model:
            return try ModelDevice(config: config, attacker: attacker, seed: seed, idleSkipping: !stepEveryCycle)
        case .rtl:
            return try RTLDevice(config: config, attacker: attacker, seed: seed)
        }
    }
}
