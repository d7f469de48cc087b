/// CPU configuration: what `lm32_config.v` would say for a profile.
public struct CoreConfig: Sendable, Equatable {
    public var name: String
    public var ebaReset: UInt32
    public var debaReset: UInt32
    public var icache: Bool
    public var dcache: Bool
    public var cycleCounter: Bool
    /// CFG_DEBUG_ENABLED: DC/DEBA/BP/WP, break/bret, BIE; CSR numbers decode 5 bits.
    public var debug: Bool
    public var breakpoints: Int
    public var watchpoints: Int

    public init(name: String, ebaReset: UInt32 = 0, debaReset: UInt32 = 0, icache: Bool, dcache: Bool,
                cycleCounter: Bool, debug: Bool = true, breakpoints: Int = 4, watchpoints: Int = 4) {
        self.name = name; self.ebaReset = ebaReset; self.debaReset = debaReset
        self.icache = icache; self.dcache = dcache; self.cycleCounter = cycleCounter
        self.debug = debug; self.breakpoints = breakpoints; self.watchpoints = watchpoints
    }

    /// The CFG CSR (reference §2.1, RTL bit order): pipelined multiplier,
    /// multi-cycle divider, barrel shifter and sign extension are always present.
    public var cfg: UInt32 {
        var v: UInt32 = 0b1111                      // M, D, barrel shifter, sign extension
        if cycleCounter { v |= 1 << 5 }
        if dcache { v |= 1 << 6 }
        if icache { v |= 1 << 7 }
        if debug { v |= 1 << 8 | 1 << 10 }          // G and R (ROM debug)
        v |= 32 << 12                               // 32 interrupt lines
        v |= UInt32(breakpoints) << 18
        v |= UInt32(watchpoints) << 22
        v |= 2 << 26                                // revision
        return v
    }

    /// The upstream test bench's CPU without the MMU, caches off, cycle counter on.
    public static let testbenchNoCache = CoreConfig(name: "testbench-nocache", icache: false, dcache: false, cycleCounter: true)
    /// The same with 4 KiB direct-mapped I and D caches.
    public static let testbenchCache = CoreConfig(name: "testbench-cache", icache: true, dcache: true, cycleCounter: true)

    /// Milkymist One's CPU (reference §4.2, §6.8: 4 KiB I/D caches, debug with
    /// 4 BP / 4 WP, no cycle counter, no MMU), except that EBA and DEBA reset to
    /// 0 because our device boots from BRAM (DESIGN.md §4).
    public static let milkymist = CoreConfig(name: "milkymist", icache: true, dcache: true, cycleCounter: false)

    public static let profiles: [CoreConfig] = [testbenchNoCache, testbenchCache, milkymist]
    public static func profile(named n: String) -> CoreConfig? { profiles.first { $0.name == n } }
}

/// The unit-test bench's memory, one declaration for the functional bench
/// (SoC's TestbenchBus), the cycle model's bench and the program loaders'
/// fit check; the RTL bench (socsim_tb_top.v, the bridge's `ram_bytes`) has
/// the same size, which a verilated test checks.
public enum UnitTestBench {
    /// One RAM at address 0 shared by both ports; the bench decodes
    /// address bits [15:2] only, so accesses wrap at this size.
    @inlinable public static var ramBytes: Int { 0x1_0000 }
    /// The word index of an address in that RAM (as the RTL's `adr[15:2]`).
    @inlinable public static func wordIndex(_ address: UInt32) -> Int { Int((address >> 2) & UInt32(ramBytes / 4 - 1)) }
}
