// One instance of the verilated LM32 test bench, driven through the C bridge.
// The observation and input records are the C structs of bridge.h, imported
// through CVerilatorBridge (never re-declared here).

import SimKernel

/// What the bench shows in one cycle (`socsim_rtl_obs_t`, bridge.h).
public typealias RTLObservation = socsim_rtl_obs_t
/// The bench's inputs (`socsim_rtl_inputs_t`, bridge.h).
public typealias RTLInputs = socsim_rtl_inputs_t
/// One Wishbone port in one cycle (`socsim_wb_t`, bridge.h).
public typealias RTLWishbone = socsim_wb_t

/// Conditions that end `RTLModel.step(_:until:)` early.
public struct RTLStop: OptionSet, Sendable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    public static let testEnd = RTLStop(rawValue: UInt32(SOCSIM_TDEV_END))
    public static let testResult = RTLStop(rawValue: UInt32(SOCSIM_TDEV_RESULT))
    public static let testName = RTLStop(rawValue: UInt32(SOCSIM_TDEV_NAME))
    public static let character = RTLStop(rawValue: UInt32(SOCSIM_TDEV_CHAR))
    public static let retire = RTLStop(rawValue: UInt32(SOCSIM_STOP_RETIRE))
    public static let exception = RTLStop(rawValue: UInt32(SOCSIM_STOP_EXCEPTION))
    /// SoC: a UART RXTX write is presented (`obs.uart_tx_wr`).
    public static let uartByte = RTLStop(rawValue: UInt32(SOCSIM_STOP_UART))
    /// Every test-device event.
    public static let testDevice: RTLStop = [.testEnd, .testResult, .testName, .character]
}

extension socsim_rtl_inputs_t {
    /// All lines low, no wait states, no error windows.
    public static var idle: socsim_rtl_inputs_t { socsim_rtl_inputs_t() }
}

extension socsim_rtl_obs_t {
    /// Test-device events of this cycle.
    public var events: RTLStop { RTLStop(rawValue: UInt32(tdev)) }
}

/// A verilated test bench. Not thread-safe: use one model from one thread
/// at a time (models of their own are independent).
public final class RTLModel {
    public let library: RTLLibrary
    let handle: OpaquePointer
    let api: socsim_bridge_api_t
    // The per-cycle entry points, unwrapped once (cheap calls in debug builds too).
    private let stepFn: socsim_rtl_step_fn
    private let stepObsFn: socsim_rtl_step_obs_fn
    private let observeFn: socsim_rtl_observe_fn
    private let setInputsFn: socsim_rtl_set_inputs_fn

    public struct Options: Sendable {
        /// The top's clock as its description declares it (the bench's
        /// `BenchConfig.clock`, the SoC's `SoCDescription.clock`): its period
        /// (even) is the VCD time per cycle. The bridge has no default.
        public var clock: Clock
        /// Rising edges with reset high when the model is created.
        public var resetCycles: UInt32 = 2
        /// The SoC top's PCIe user clock (nil: held low; the test bench has none).
        public var userClock: Clock?
        public init(clock: Clock, resetCycles: UInt32 = 2, userClock: Clock? = nil) {
            self.clock = clock
            self.resetCycles = resetCycles
            self.userClock = userClock
        }
    }

    /// Load the library of `profile` (see `RTLLibrary.load`) and create a model.
    public convenience init(profile: RTLProfile, options: Options, libraryDirectory: String? = nil) throws(RTLError) {
        let lib = try RTLLibrary.load(profile, directory: libraryDirectory)
        try self.init(library: lib, options: options)
    }

    /// A new model: RAM and registers zero, reset applied, now in cycle 0.
    public init(library: RTLLibrary, options: Options) throws(RTLError) {
        self.library = library
        self.api = library.api
        self.stepFn = library.api.step!
        self.stepObsFn = library.api.step_obs!
        self.observeFn = library.api.observe!
        self.setInputsFn = library.api.set_inputs!
        var o = socsim_rtl_options_t()
        o.struct_size = UInt32(MemoryLayout<socsim_rtl_options_t>.size)
        o.reset_cycles = options.resetCycles
        o.clock_period_ps = options.clock.period.picoseconds
        o.user_clock_period_ps = options.userClock?.period.picoseconds ?? 0
        var err = [CChar](repeating: 0, count: 512)
        let create = library.api.create!
        let h = err.withUnsafeMutableBufferPointer { buf in
            create(&o, buf.baseAddress, buf.count)
        }
        guard let h else {
            throw .createFailed(String(decoding: err.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        self.handle = h
    }

    deinit { api.destroy!(handle) }

    public var profile: String { library.profile }

    @inline(__always)
    func check(_ code: Int32, _ function: StaticString) throws(RTLError) {
        if code != SOCSIM_OK { throw callError(code, function) }
    }

    private func callError(_ code: Int32, _ function: StaticString) -> RTLError {
        let msg = api.last_error!(handle).map { String(cString: $0) } ?? ""
        return .call(function: "\(function)", code: code, message: msg)
    }

    /// Hold reset for `cycles` rising edges, then release it (cycle 0 again).
    /// RAM and the register file keep their contents.
    public func reset(cycles: UInt32 = 2) throws(RTLError) {
        try check(api.reset!(handle, cycles), "reset")
    }

    /// The inputs now applied. Setting them re-evaluates the combinational
    /// outputs of the current cycle.
    public func inputs() -> RTLInputs {
        var i = RTLInputs()
        _ = api.get_inputs!(handle, &i)
        return i
    }

    public func setInputs(_ inputs: RTLInputs) throws(RTLError) {
        var i = inputs
        try check(setInputsFn(handle, &i), "set_inputs")
    }

    /// Change some inputs, keeping the others.
    public func updateInputs(_ change: (inout RTLInputs) -> Void) throws(RTLError) {
        var i = inputs()
        change(&i)
        try setInputs(i)
    }

    /// The current cycle.
    public func observe() throws(RTLError) -> RTLObservation {
        var o = RTLObservation()
        try check(observeFn(handle, &o), "observe")
        return o
    }

    /// Cycles since reset was released.
    public var cycle: UInt64 { (try? observe().cycle) ?? 0 }

    /// Up to `n` rising edges; stops after the first cycle matching `until`
    /// (then `observe()` shows that cycle). Returns the edges made.
    @discardableResult
    public func step(_ n: UInt64 = 1, until: RTLStop = RTLStop()) throws(RTLError) -> UInt64 {
        var done: UInt64 = 0
        try check(stepFn(handle, n, until.rawValue, &done), "step")
        return done
    }

    /// Exactly `n` rising edges, returning the observation of each new cycle.
    public func stepObserving(_ n: Int) throws(RTLError) -> [RTLObservation] {
        precondition(n >= 0)
        var out = [RTLObservation](repeating: RTLObservation(), count: n)
        let code = out.withUnsafeMutableBufferPointer { stepObsFn(handle, UInt64(n), $0.baseAddress) }
        try check(code, "step_obs")
        return out
    }

    /// As `stepObserving`, into a caller-owned buffer (no allocation per call).
    public func stepObserving(into buffer: UnsafeMutableBufferPointer<RTLObservation>) throws(RTLError) {
        try check(stepObsFn(handle, UInt64(buffer.count), buffer.baseAddress), "step_obs")
    }

    /// `n` cycles of the library's plain C++ loop (no observation, no stop
    /// checks, no VCD): for measuring the bridge's overhead.
    public func rawRun(_ n: UInt64) throws(RTLError) {
        try check(api.raw_run!(handle, n), "raw_run")
    }

    /// What the RTL printed since the last call ($display, e.g. the LM32's
    /// "Data bus error. Address: ..." and "Warning: Non-aligned ..." lines),
    /// kept by the bridge instead of going to standard output.
    public func takeOutput() -> String {
        var bytes: [UInt8] = []
        var buf = [CChar](repeating: 0, count: 4096)
        while true {
            let n = buf.withUnsafeMutableBufferPointer { api.take_output!(handle, $0.baseAddress, $0.count) }
            if n == 0 { break }
            bytes += buf[0..<n].map { UInt8(bitPattern: $0) }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Write bytes into the 64 KiB RAM (address order, i.e. big-endian words);
    /// for the SoC, into BRAM or SDRAM by address (bit 31 ignored).
    public func writeMemory(_ bytes: [UInt8], at address: UInt32) throws(RTLError) {
        let code = bytes.withUnsafeBufferPointer { api.mem_write!(handle, address, $0.baseAddress, UInt32($0.count)) }
        try check(code, "mem_write")
    }

    /// Write 32-bit words (big-endian in memory, as the CPU sees them).
    public func writeWords(_ words: [UInt32], at address: UInt32) throws(RTLError) {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(words.count * 4)
        for w in words { bytes += [UInt8(w >> 24), UInt8(truncatingIfNeeded: w >> 16), UInt8(truncatingIfNeeded: w >> 8), UInt8(truncatingIfNeeded: w)] }
        try writeMemory(bytes, at: address)
    }

    public func readMemory(at address: UInt32, count: Int) throws(RTLError) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count)
        let code = out.withUnsafeMutableBufferPointer { api.mem_read!(handle, address, $0.baseAddress, UInt32($0.count)) }
        try check(code, "mem_read")
        return out
    }

    public func readWord(at address: UInt32) throws(RTLError) -> UInt32 {
        let b = try readMemory(at: address, count: 4)
        return UInt32(b[0]) << 24 | UInt32(b[1]) << 16 | UInt32(b[2]) << 8 | UInt32(b[3])
    }

    /// A NUL-terminated string from RAM (at most `limit` bytes), e.g. a test name.
    public func readCString(at address: UInt32, limit: Int = 64) throws(RTLError) -> String {
        let n = max(0, min(limit, Int(library.api.ram_bytes) - Int(address)))
        let bytes = try readMemory(at: address, count: n)
        return String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
    }

    /// Start writing a VCD of the whole hierarchy (`$timescale 1ps`).
    public func startVCD(path: String, depth: Int32 = 0) throws(RTLError) {
        try check(api.trace_open!(handle, path, depth), "trace_open")
    }

    /// Flush and close the VCD (no-op when none is open).
    public func stopVCD() throws(RTLError) {
        try check(api.trace_close!(handle), "trace_close")
    }
}
