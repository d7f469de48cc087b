import SimKernel

/// Where an access of the automaton is served from.
public enum MemoryLevel: Int, CaseIterable, Comparable, Sendable, CustomStringConvertible {
    case l1, l2, llc, dram
    public static func < (a: MemoryLevel, b: MemoryLevel) -> Bool { a.rawValue < b.rawValue }
    public var description: String { ["L1", "L2", "LLC", "DRAM"][rawValue] }
}

/// The host's data caches as the automaton loop sees them (docs/host-model.md,
/// "Cache rule"). Latencies are load-to-use in host cycles; the loop is a
/// dependent chain, so each one adds fully to the step.
public struct CacheModel: Hashable, Sendable {
    public var lineBytes: UInt64 = 64
    /// Capacities in bytes of L1D, L2 and the LLC share the hypervisor can count on.
    public var l1Bytes: UInt64 = 32 << 10, l2Bytes: UInt64 = 1 << 20, llcBytes: UInt64 = 8 << 20
    public var l1Cycles: UInt64 = 4, l2Cycles: UInt64 = 14, llcCycles: UInt64 = 42
    /// DRAM load-to-use: 90 ns at 3 GHz.
    public var dramCycles: UInt64 = 270
    /// Where a line's first access of a round is served from at the latest:
    /// between rounds the host runs other work that evicts L1 and L2.
    public var coldLevel: MemoryLevel = .llc

    public init() {}

    public func cycles(_ level: MemoryLevel) -> UInt64 {
        switch level {
        case .l1: l1Cycles
        case .l2: l2Cycles
        case .llc: llcCycles
        case .dram: dramCycles
        }
    }

    /// The level that holds the line at byte address `line × lineBytes` while
    /// the loop walks `windowBytes` uniformly: a fixed hash of the line's
    /// address ranks it among the window's lines, and the lowest ranks fill L1,
    /// then L2, then the LLC, so each level holds its capacity's share of the
    /// window and a line always lands at the same level.
    public func residentLevel(line: UInt64, windowBytes: UInt64) -> MemoryLevel {
        let lines = max(1, windowBytes / lineBytes)
        var z = line &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        let rank = (z ^ (z >> 31)) % lines
        if rank < l1Bytes / lineBytes { return .l1 }
        if rank < l2Bytes / lineBytes { return .l2 }
        if rank < llcBytes / lineBytes { return .llc }
        return .dram
    }
}

/// One environment test the challenge can name by its selector: the value an
/// attested host yields and what it costs natively.
public struct EnvironmentTest: Hashable, Sendable {
    public var name: String
    public var value: UInt32
    public var nativeCycles: UInt64
}

/// The host CPU and the hypervisor's costs (docs/host-model.md lists every
/// parameter with its reason).
public struct HostCPUConfig: Hashable, Sendable {
    /// Core frequency in hertz, fixed (turbo and P-state changes off).
    public var frequencyHz: UInt64 = 3_000_000_000
    /// The time-stamp counter's rate: invariant, the nominal frequency.
    public var tscHz: UInt64 = 3_000_000_000
    /// From the MSI reaching the core to the handler's first instruction.
    public var interruptEntryCycles: UInt64 = 900
    /// Uniform extra on interrupt entry, drawn per round: [0, this).
    public var interruptJitterCycles: UInt64 = 600
    /// Mailbox read, decode, answer encoding and the posted writes to BAR0.
    public var handlerFixedCycles: UInt64 = 1_200
    /// ALU work of one automaton step besides its load (mask, add, xor, the
    /// operation dispatch, multiply, shift, table lookup, branch).
    public var stepALUCycles: UInt64 = 12
    /// Compute jitter in parts per million of the round's compute cycles,
    /// uniform in [0, this): memory refresh and contention.
    public var computeJitterPPM: UInt64 = 2_000
    public var cache = CacheModel()
    /// The environment tests by selector (index); selectors past the end
    /// yield 0 at `unknownTestCycles`.
    public var environmentTests: [EnvironmentTest] = HostCPUConfig.defaultEnvironmentTests
    public var unknownTestCycles: UInt64 = 2
    /// The timed-loop test: `timedLoopCycles` core cycles of dependent adds,
    /// its value the TSC ticks it took divided by `timedLoopQuantum`.
    public var timedLoopCycles: UInt64 = 16_384
    public var timedLoopQuantum: UInt64 = 256

    public init() {}

    /// The selector of the timed loop among `defaultEnvironmentTests`.
    public static let timedLoopSelector: UInt32 = 7

    /// Values of an x86-64 host running the security hypervisor in VMX root
    /// mode; the timed loop's value is computed (see `environmentValue`).
    public static let defaultEnvironmentTests: [EnvironmentTest] = [
        EnvironmentTest(name: "CR0", value: 0x8005_0033, nativeCycles: 6),
        EnvironmentTest(name: "CR4", value: 0x0037_26E0, nativeCycles: 6),
        EnvironmentTest(name: "IA32_EFER", value: 0x0000_0D01, nativeCycles: 80),
        EnvironmentTest(name: "IA32_FEATURE_CONTROL", value: 0x0000_0005, nativeCycles: 80),
        EnvironmentTest(name: "IDTR.base[31:0]", value: 0xFF5F_B000, nativeCycles: 20),
        EnvironmentTest(name: "GDTR.base[31:0]", value: 0xFF5F_A000, nativeCycles: 20),
        EnvironmentTest(name: "IA32_VMX_BASIC[31:0]", value: 0x0000_0012, nativeCycles: 80),
        EnvironmentTest(name: "timed loop", value: 0, nativeCycles: 0),
    ]

    /// Host time of `cycles` core cycles at `hz`, rounded up to a picosecond.
    public static func duration(cycles: UInt64, hz: UInt64) -> Duration {
        let (hi, lo) = cycles.multipliedFullWidth(by: 1_000_000_000_000)
        let (q, r) = hz.dividingFullWidth((hi, lo))
        return .ps(r == 0 ? q : q + 1)
    }

    public func duration(cycles: UInt64) -> Duration { Self.duration(cycles: cycles, hz: frequencyHz) }

    /// The value and native cost of test `selector` on this CPU. The timed
    /// loop counts TSC ticks, so a core running faster than the TSC's rate
    /// reports fewer.
    public func environmentValue(_ selector: UInt32) -> (value: UInt32, cycles: UInt64) {
        if selector == Self.timedLoopSelector {
            let ticks = timedLoopCycles * tscHz / frequencyHz
            return (UInt32(truncatingIfNeeded: ticks / timedLoopQuantum), timedLoopCycles + 40)
        }
        guard Int(selector) < environmentTests.count else { return (0, unknownTestCycles) }
        let t = environmentTests[Int(selector)]
        return (t.value, t.nativeCycles)
    }
}
