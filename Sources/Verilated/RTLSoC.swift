// The verilated Milkymist-style SoC (RTL/soc/socsim_soc_top.v, profile
// "milkymist" of RTL/build.sh) through the same C bridge as the test bench:
// typed accessors for what only the SoC has (BRAM/SDRAM by address, GPIO
// pins, the UART stream, the SDRAM latency). Its timing is the cycle contract
// of docs/soc.md.

/// The SoC builds of `RTL/build.sh` (see docs/rtl.md, "The SoC RTL").
public enum RTLSoCProfile: String, CaseIterable, Sendable {
    /// LM32 as `CoreConfig.milkymist` (4 KiB I/D caches, no cycle counter) on
    /// BRAM, SDRAM, the CSR bridge, UART and sysctl.
    case milkymist
}

/// A byte the UART started sending, stamped with the cycle of its RXTX write
/// (the ACK cycle of the CSR write), as `UART.Sent` in the Swift model.
public struct RTLUARTByte: Equatable, Hashable, Sendable {
    public var cycle: UInt64
    public var byte: UInt8
    public init(cycle: UInt64, byte: UInt8) { self.cycle = cycle; self.byte = byte }
}

extension RTLLibrary {
    /// Load (once per path) the library of a SoC profile; it must be a SoC build.
    public static func load(_ profile: RTLSoCProfile, directory: String? = nil) throws(RTLError) -> RTLLibrary {
        let lib = try load(profileName: profile.rawValue, directory: directory)
        guard lib.isSoC else {
            throw .wrongProfile(path: lib.path, library: lib.profile + " (no SOCSIM_FEATURE_SOC)", expected: profile.rawValue)
        }
        return lib
    }
}

/// Why a verilated SoC run ended.
public enum RTLSoCStop: Equatable, Sendable {
    /// The CPU loops on `bi .` with IE.IE = 0 and the UART is idle (the
    /// firmware's end, as `MilkymistMachine` defines it).
    case halted
    case cycleLimit
}

/// One verilated SoC. Not thread-safe (one thread at a time), like `RTLModel`.
public final class RTLSoC {
    /// The underlying model: observe(), step(), VCD, reset() are shared with the test bench.
    public let model: RTLModel
    /// Every UART byte taken from the bridge so far (see `takeUART()`).
    public private(set) var uart: [RTLUARTByte] = []

    /// A new SoC: memories zero, reset applied, in cycle 0.
    /// `options.clock` is the SoC description's system clock.
    public init(library: RTLLibrary, options: RTLModel.Options) throws(RTLError) {
        guard library.isSoC else {
            throw .wrongProfile(path: library.path, library: library.profile, expected: RTLSoCProfile.milkymist.rawValue)
        }
        model = try RTLModel(library: library, options: options)
        resetEdges = UInt64(options.resetCycles)
    }

    /// The system-clock edges made before the current cycle 0 since the SoC was created
    /// (its resets'): the PCIe user clock runs from creation, so its phase in the SoC's
    /// cycles follows from this.
    public private(set) var resetEdges: UInt64

    public convenience init(profile: RTLSoCProfile = .milkymist, options: RTLModel.Options,
                            libraryDirectory: String? = nil) throws(RTLError) {
        try self.init(library: try RTLLibrary.load(profile, directory: libraryDirectory), options: options)
    }

    public var library: RTLLibrary { model.library }
    public var cycle: UInt64 { model.cycle }
    public func observe() throws(RTLError) -> RTLObservation { try model.observe() }

    /// Up to `n` cycles; stops after the first cycle matching `until`.
    @discardableResult
    public func step(_ n: UInt64 = 1, until: RTLStop = RTLStop()) throws(RTLError) -> UInt64 {
        try model.step(n, until: until)
    }

    /// Exactly `n` cycles, returning the observation of each new cycle.
    public func stepObserving(_ n: Int) throws(RTLError) -> [RTLObservation] { try model.stepObserving(n) }

    /// Hold the SoC reset for `cycles` edges and release it (cycle 0 again);
    /// memories keep their contents.
    public func reset(cycles: UInt32 = 2) throws(RTLError) {
        let made = try model.observe().cycle
        try model.reset(cycles: cycles)
        resetEdges += made + UInt64(cycles)
    }

    /// Holds the SoC (CPU, bus, devices; not the PCIe endpoint) in reset while cycles run
    /// (`on`), or releases it: the current cycle becomes cycle 0, as after `reset`.
    public func hold(_ on: Bool) throws(RTLError) {
        if !on && model.inputs().soc_hold != 0 { resetEdges += try model.observe().cycle }
        try model.updateInputs { $0.soc_hold = on ? 1 : 0 }
    }

    // MARK: memory

    /// Place bytes in BRAM (0 ..< 64 KiB) or SDRAM (0x40000000 ..< +16 MiB);
    /// bit 31 of the address is ignored. Takes effect at once.
    public func load(_ bytes: [UInt8], at address: UInt32) throws(RTLError) {
        try model.writeMemory(bytes, at: address)
    }

    public func readMemory(at address: UInt32, count: Int) throws(RTLError) -> [UInt8] {
        try model.readMemory(at: address, count: count)
    }

    public func readWord(at address: UInt32) throws(RTLError) -> UInt32 { try model.readWord(at: address) }

    // MARK: pins and settings

    /// The GPIO input pins (bits 7:0), held until changed.
    public var gpioInputs: UInt8 { UInt8(truncatingIfNeeded: model.inputs().gpio_in) }

    public func setGPIOInputs(_ pins: UInt8) throws(RTLError) {
        try model.updateInputs { $0.gpio_in = UInt32(pins) }
    }

    /// The GPIO output pins (sysctl GPIO_OUT) during the current cycle.
    public func gpioOutputs() throws(RTLError) -> UInt8 { UInt8(truncatingIfNeeded: try model.observe().gpio_out) }

    /// The UART rx pin (true = high, the idle level).
    public func setUARTRx(_ high: Bool) throws(RTLError) {
        try model.updateInputs { $0.uart_rx_n = high ? 0 : 1 }
    }

    /// SDRAM cycles per beat (1...255); the default is 8. Change it only
    /// while no SDRAM beat is in progress (e.g. right after creation).
    public func setSDRAMLatency(_ cycles: UInt8) throws(RTLError) {
        precondition(cycles >= 1, "an SDRAM beat takes at least one cycle")
        try model.updateInputs { $0.sdram_latency = cycles }
    }

    public var sdramLatency: UInt8 {
        let l = model.inputs().sdram_latency
        return l == 0 ? 8 : l
    }

    // MARK: UART

    /// The UART bytes the bridge collected since the last call (also
    /// appended to `uart`), oldest first.
    @discardableResult
    public func takeUART() -> [RTLUARTByte] {
        var out: [RTLUARTByte] = []
        var buf = [socsim_uart_event_t](repeating: socsim_uart_event_t(), count: 256)
        let take = model.api.uart_take!
        while true {
            let n = buf.withUnsafeMutableBufferPointer { take(model.handle, $0.baseAddress, $0.count) }
            if n == 0 { break }
            for e in buf[0..<n] { out.append(RTLUARTByte(cycle: e.cycle, byte: e.byte)) }
        }
        uart += out
        return out
    }

    /// The UART output so far, as text.
    public var uartText: String {
        takeUART()
        return String(decoding: uart.map(\.byte), as: UTF8.self)
    }

    // MARK: running firmware

    /// Whether the CPU is halted: IE.IE = 0, the UART idle, the coprocessor
    /// not reading (past START, CYC is low only when it is idle), and over
    /// the next `window` cycles every retirement is `bi .` (0xE0000000), at
    /// least one. Steps the model by `window` cycles when the first three hold.
    public func checkHalted(window: Int = 64) throws(RTLError) -> Bool {
        let o = try model.observe()
        guard o.ie & 1 == 0, o.uart_thre != 0, o.cop_cyc == 0 else { return false }
        let obs = try model.stepObserving(window)
        var retired = 0
        for x in obs where x.retire != 0 {
            guard x.insn_w == 0xE000_0000, x.ie & 1 == 0 else { return false }
            retired += 1
        }
        return retired > 0
    }

    /// Run until the firmware halts (see `checkHalted`) or `maxCycles` is
    /// reached (the model's cycle count), checking every `chunk` cycles.
    public func run(maxCycles: UInt64, chunk: UInt64 = 4096) throws(RTLError) -> RTLSoCStop {
        while model.cycle < maxCycles {
            try model.step(min(chunk, maxCycles - model.cycle))
            if try checkHalted() { takeUART(); return .halted }
        }
        takeUART()
        return .cycleLimit
    }
}
