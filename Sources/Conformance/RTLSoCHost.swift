// The modelled host behind the verilated SoC's PCIe endpoint
// (docs/pcie-endpoint.md, "The host behind the RTL SoC"): the same
// `HostStream` as the cycle-exact SoC's, driving the bridge's stream inputs
// one SoC cycle at a time and reading the endpoint's stream outputs from the
// cycle's observation.
import LM32Cycle
import PCIe
import SimKernel
import SoC
import Verilated

/// The host on the RTL SoC's stream ports. Each `step()` makes one SoC cycle (one system
/// edge, with the user-clock edges the bridge makes around it); the user edge that falls
/// in the step (at most one: the user period is longer than the system period) gets the
/// host's beat, and the host sees the endpoint's outputs from the cycle's observation,
/// taken before that edge.
///
/// The bridge's step `k` (the `k`-th system edge since the SoC was created, at `k × P`)
/// spans the instants `[k × P − P/2, k × P + P/2)` of the user clock's edges; the
/// cycle-exact endpoint makes the same edges with the same beats, since its reset holds
/// as many system edges (`PCIeSetup.resetEdges` = `RTLSoC.resetEdges`).
public final class RTLSoCHost: HostStreamOwner {
    public let rtl: RTLSoC
    public let hostStream: HostStream
    /// The system clock's and the user clock's periods (ps).
    public let period: UInt64, userPeriod: UInt64
    /// The endpoint's system cycle at the start of SoC cycle 0 (0 without enumeration).
    public private(set) var origin: UInt64 = 0
    public private(set) var hostNow = Instant.zero
    public var hostRequestEdges: Int { 100_000 }
    /// The inputs last applied.
    private var applied = HostStreamBeat.idle

    /// `rtl` must have the SoC description's user clock.
    public init(rtl: RTLSoC, soc: SoCDescription, host: HostConfiguration = HostConfiguration()) throws {
        guard let user = soc.clock(named: SoCDescription.pcieUserClock.name) else {
            throw RTLSoCHostError.noUserClock
        }
        self.rtl = rtl
        period = soc.clock.period.picoseconds
        userPeriod = user.period.picoseconds
        precondition(userPeriod > period, "at most one user-clock edge per system period")
        hostStream = HostStream(host)
        try apply(.idle)
    }

    public func stepForHost() throws { _ = try step() }

    /// The instant of the system edge that ends SoC cycle `c` (made by the step from it).
    public func edgeEnding(socCycle c: UInt64) -> Instant {
        Instant(picoseconds: (rtl.resetEdges + origin + c) * period)
    }

    private func apply(_ b: HostStreamBeat) throws {
        try rtl.model.updateInputs {
            $0.pcie_rx_data = b.data
            $0.pcie_rx_sop = b.sop ? 1 : 0
            $0.pcie_rx_eop = b.eop ? 1 : 0
            $0.pcie_rx_valid = b.valid ? 1 : 0
            $0.pcie_tx_stall = b.txReady ? 0 : 1
        }
        applied = b
    }

    /// One SoC cycle; the observation of the cycle it enters.
    @discardableResult
    public func step() throws -> RTLObservation {
        let before = try rtl.observe()
        let edge = (rtl.resetEdges + before.cycle) * period
        let t = (edge - period / 2 + userPeriod - 1) / userPeriod * userPeriod
        guard t < edge + period / 2 else {
            if applied != .idle { try apply(.idle) }
            hostNow = Instant(picoseconds: edge)
            return try rtl.stepObserving(1)[0]
        }
        // the last edge of either clock before t (the system edge first at a shared instant)
        let previous = max(t >= userPeriod ? t - userPeriod : 0, t >= edge ? edge : edge - period)
        // the host software's events before the user edge (what they queue is offered there)
        hostStream.runSoftware(before: Instant(picoseconds: t))
        let b = hostStream.prepare(now: Instant(picoseconds: previous))
        if b != applied { try apply(b) }
        let after = try rtl.stepObserving(1)[0]
        hostStream.observe(DeviceStreamBeat(rxReady: before.pcie_rx_ready != 0, data: before.pcie_tx_data,
                                            sop: before.pcie_tx_sop != 0, eop: before.pcie_tx_eop != 0,
                                            valid: before.pcie_tx_valid != 0), at: Instant(picoseconds: t))
        hostNow = Instant(picoseconds: t)
        return after
    }

    /// The host enumerates the endpoint while the SoC is held in reset (the endpoint
    /// runs); the SoC's cycle 0 is then the endpoint's system cycle `origin`, given by
    /// the same rule as on the cycle-exact SoC (`PCIeSetup.origin(afterLastAnswerAt:)`).
    /// Call it in cycle 0, right after a reset.
    public func enumerateBeforeCycleZero() throws -> EnumeratedDevice {
        guard try rtl.observe().cycle == 0, origin == 0 else { throw RTLSoCHostError.notAtCycleZero }
        let reset = rtl.resetEdges
        try rtl.hold(true)
        let device = try enumerate()
        origin = PCIeSetup.origin(afterLastAnswerAt: hostNow.picoseconds, cycleZeroStart: (reset - 1) * period,
                                  period: period)
        // the step making edge reset + origin ends the endpoint's cycle origin: SoC cycle 0
        while try rtl.resetEdges + rtl.observe().cycle < reset + origin { try step() }
        try rtl.hold(false)
        return device
    }
}

public enum RTLSoCHostError: Error, Hashable, Sendable, CustomStringConvertible {
    case noUserClock
    case notAtCycleZero

    public var description: String {
        switch self {
        case .noUserClock: "the SoC description has no PCIe user clock"
        case .notAtCycleZero: "the host enumerates the RTL endpoint only in cycle 0, right after a reset"
        }
    }
}
