import SimKernel

/// The Wishbone side of the RTL test bench (RTL/tb/socsim_tb_top.v), as the
/// cycle model's slaves: one 64 KiB RAM shared by both ports, wait states per
/// port, optional bus-error windows, the unit-test device and the character
/// port.
public struct BenchConfig: Sendable, Equatable {
    /// Instruction-bus wait states: cycles between CYC/STB rising and ACK
    /// (0 = ACK combinationally in the first cycle).
    public var instructionWaitStates: Int
    /// Data-bus wait states.
    public var dataWaitStates: Int
    /// Beats whose address lies in this window get ERR instead of ACK.
    public var instructionErrorWindow: ClosedRange<UInt32>?
    public var dataErrorWindow: ClosedRange<UInt32>?

    public init(instructionWaitStates: Int = 0, dataWaitStates: Int = 0,
                instructionErrorWindow: ClosedRange<UInt32>? = nil, dataErrorWindow: ClosedRange<UInt32>? = nil) {
        precondition((0...255).contains(instructionWaitStates) && (0...255).contains(dataWaitStates))
        self.instructionWaitStates = instructionWaitStates
        self.dataWaitStates = dataWaitStates
        self.instructionErrorWindow = instructionErrorWindow
        self.dataErrorWindow = dataErrorWindow
    }

    /// The same number of wait states on both ports.
    public init(waitStates: Int) { self.init(instructionWaitStates: waitStates, dataWaitStates: waitStates) }

    /// The test bench's clock (its RTL top's `clk`): 12 500 ps, 80 MHz, as the
    /// milkymist SoC's. The model counts cycles; this period places them in
    /// time (VCD files, the RTL harness).
    public static let clock = Clock(name: "clk", period: .ps(12_500))
}

/// What the test device and the character port saw (decoded from data-bus
/// writes in their ACK cycle).
public enum BenchEvent: Equatable, Sendable {
    /// 0xFFFF0004 written: `value` 0 = pass. `name` is the NUL-terminated
    /// string at the address last written to 0xFFFF0008.
    case result(cycle: UInt64, name: String, value: UInt32)
    case character(cycle: UInt64, UInt8)
    /// 0xFFFF0000 written, or 0x0000BEEF written to 0xDEAD0000.
    case end(cycle: UInt64)
}

/// Test-device event bits of `CycleObservation.tdev` (as SOCSIM_TDEV_*).
public enum TestDeviceBits {
    public static let end: UInt8 = 1
    public static let result: UInt8 = 2
    public static let name: UInt8 = 4
    public static let character: UInt8 = 8
}
