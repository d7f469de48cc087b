import SimBus

/// Cycle numbering for the SoC devices. All device time is in cycles of the
/// 80 MHz system clock, integer only. A device's state is "the state during
/// cycle `cycle`"; `advance(to:)` applies the clock edges that end cycles
/// `cycle ..< target`. A bus write presented during cycle `c` lands at the
/// edge that ends `c` and overrides the hardware update of that edge (as a
/// later non-blocking assignment in the same `always` block does), so after a
/// write the device is at `c + 1`. A read returns the state during the cycle
/// it samples and does not move the device.
///
/// A cycle-exact CPU model drives the devices by calling `advance(to:)` with
/// the cycle of each bus access; the functional machine advances them by one
/// cycle per retired instruction.

/// The Milkymist CSR bridge (cores/csrbrg, reference §6.3) as seen from
/// Wishbone: byte selects are ignored (always 32-bit), Wishbone address
/// [15:2] becomes the CSR address, whose upper 4 bits pick the device (bank)
/// and lower 10 bits the register index.
public enum CSRBridge {
    /// A read holds CYC for 4 cycles, ACK in the 4th.
    public static let readCycles = 4
    /// A write holds CYC for 2 cycles, ACK in the 2nd.
    public static let writeCycles = 2
    /// The device register is sampled during this cycle of a read (0 = the
    /// first CYC cycle): the bridge registers the address at the end of the
    /// first cycle and the device answers from the second.
    public static let readSampleCycle = 1
    /// The register is written at the edge that ends this cycle of a write
    /// (0 = the first CYC cycle), i.e. at the end of the 2nd cycle.
    public static let writeCommitCycle = 1

    /// Bank (device) and register index of a CSR address (offset from the region base).
    @inline(__always)
    public static func decode(offset: UInt32) -> (bank: Int, index: Int) {
        (Int((offset >> 12) & 0xF), Int((offset >> 2) & 0x3FF))
    }
}

/// A device on the CSR bus.
public protocol CSRDevice {
    /// The declaration the device decodes (its size is the decoded window:
    /// register indices alias modulo `registerMap.size / 4`).
    static var registerMap: RegisterMap { get }
    /// The cycle the device's state belongs to.
    var cycle: UInt64 { get }
    /// Apply the clock edges up to the start of `target` (no-op if already there).
    mutating func advance(to target: UInt64)
    /// Read register `index` (already aliased) during the current cycle.
    func read(index: Int) -> UInt32
    /// A write presented during the current cycle; lands at its ending edge.
    mutating func write(index: Int, value: UInt32)
    /// Interrupt outputs during the current cycle, as a mask of the CPU's lines.
    var interruptLines: UInt32 { get }
}

extension CSRDevice {
    public mutating func tick(cycles: UInt64) { advance(to: cycle + cycles) }
    /// The register index after the device's partial address decoding.
    public static func alias(_ index: Int) -> Int { index % (registerMap.size / 4) }
    /// The index (offset / 4) of a declared register; a missing name is a programming error.
    static func index(_ register: String) -> Int {
        guard let r = registerMap.register(register) else { preconditionFailure("\(registerMap.name) declares no \(register)") }
        return r.offset / 4
    }
}

