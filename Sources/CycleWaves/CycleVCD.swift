// The cycle model's per-cycle observations written as a VCD whose scopes,
// names, widths and timing are those of a Verilator VCD of the RTL top the
// model runs on, traced by the bridge: the test bench (RTL/tb/socsim_tb_top.v)
// or the milkymist SoC (RTL/soc/socsim_soc_top.v), so that the two files of
// one run diff clean and open with the same GTKWave save files (Waves/*.gtkw).
//
// Timing, as the bridge dumps the RTL (RTL/bridge/bridge.cpp, one_cycle):
// with period P and `origin` the start of cycle 0, cycle k spans
// [origin + kP, origin + (k+1)P), the clock rises at origin + kP + P/2 and
// falls at origin + (k+1)P. The values of cycle k (what the edge ending it
// acts on) appear at the rising edge that starts it, origin + kP - P/2, and
// at origin for cycle 0. P is the top's clock (`CycleVCDTop.clock`: the bench's or
// the SoC description's). The origin is 4P (50 000 ps at 80 MHz), as in the
// RTL harnesses (Conformance.LockStep, the tests): the bridge creates the bench
// with two reset cycles, the program is loaded, and reset is applied for two
// more (which also re-evaluates the RAM's read ports after the load).
//
// Names: every port of the top (socsim_tb_top, or socsim_soc_top but for the
// UART's serial pins) under TOP and TOP.<top> (as Verilator writes them), the
// CPU's Wishbone and interrupt ports under TOP.<top>.lm32, and the pipeline
// signals the observation outputs are assigned from under lm32.cpu,
// lm32.cpu.instruction_unit and lm32.cpu.interrupt_unit. Aliases share one
// identifier, as in Verilator's files.
//
// The file ends at the falling edge after the values of the cycle the run
// stopped in (`finish(next:)`), where the bridge's file ends after as many
// edges.

import Foundation
import LM32Cycle
import ObservationSchema
import SimKernel
import Waves

// `scratch` holds a CycleObservation's bytes, read as little-endian words.
#if _endian(big)
#error("CycleVCD reads the observation's fields as little-endian words")
#endif

public struct CycleVCDOptions: Sendable {
    /// Clock periods before cycle 0: 4 = the bridge's two reset cycles at
    /// creation plus `RTLModel.reset()`'s two after loading the program.
    public var resetCycles: UInt64 = 4
    /// Write cycles in [from, to] only.
    public var fromCycle: UInt64 = 0
    public var toCycle: UInt64 = .max
    /// Keep only signals whose full name starts with one of these (all when empty).
    public var scopes: [String] = []
    public init() {}
}

/// The RTL top a model VCD mirrors.
public enum CycleVCDTop: Sendable, Equatable {
    /// RTL/tb/socsim_tb_top.v with this configuration (wait states, error
    /// windows), clocked by `BenchConfig.clock`.
    case bench(BenchConfig)
    /// RTL/soc/socsim_soc_top.v, the milkymist SoC, with its SDRAM latency
    /// input; `cycleCounter`: the CPU has one (lm32.cpu.cc exists; not in the
    /// milkymist profile); `clock`: the SoC description's system clock.
    case soc(sdramLatency: Int, cycleCounter: Bool = false, clock: Clock)

    /// The clock of the top: its period is the VCD's time per cycle.
    public var clock: Clock {
        switch self {
        case .bench: BenchConfig.clock
        case .soc(_, _, let c): c
        }
    }

    /// The top module's name (the scope under TOP).
    public var module: String {
        switch self {
        case .bench: "socsim_tb_top"
        case .soc: "socsim_soc_top"
        }
    }

    var isSoC: Bool { if case .soc = self { true } else { false } }
}

/// Writes observations to a `VCDWriter`.
public final class CycleVCD {
    /// Version of the names, widths and timing described in docs/waves.md;
    /// bump it when they change.
    public static let formatVersion = 2

    /// The `$version` text of a model VCD.
    public static func versionLine(profile: String, top: CycleVCDTop? = nil) -> String {
        "SoCSim cycle model, waves format \(formatVersion), profile \(profile)" + (top?.isSoC == true ? ", top socsim_soc_top" : "")
    }

    public let writer: VCDWriter
    public let options: CycleVCDOptions
    public let top: CycleVCDTop
    private let bench: BenchConfig
    private let sdramLatency: UInt64
    /// The top's clock period in ps (even) and half of it.
    private let period: UInt64
    private let half: UInt64

    /// What changes from cycle to cycle, behind a pointer (a class's stored
    /// `var` is checked for exclusive access at run time on every access).
    private struct State {
        var started = false
        var failed = false
        var extBreak = false
        var lastCycle: UInt64? = nil
    }
    private let st: UnsafeMutablePointer<State> = {
        let p = UnsafeMutablePointer<State>.allocate(capacity: 1)
        p.initialize(to: State())
        return p
    }()
    /// The first error `observe` met (recording stopped there).
    public var error: Error? {
        // the writer thread sets it before it marks itself failed (under its lock)
        if let thread, !thread.failedSoFar { return nil }
        return storedError
    }
    private var storedError: Error?
    /// Formats batches while the model runs (`startWriterThread`).
    private var thread: WriterThread?

    /// A VCD with the test bench's names.
    public convenience init(writer: VCDWriter, bench: BenchConfig, options: CycleVCDOptions = CycleVCDOptions()) {
        self.init(writer: writer, top: .bench(bench), options: options)
    }

    public init(writer: VCDWriter, top flavour: CycleVCDTop, options: CycleVCDOptions = CycleVCDOptions()) {
        period = flavour.clock.period.picoseconds
        precondition(period >= 2 && period % 2 == 0, "even clock period")
        self.writer = writer
        self.top = flavour
        var cycleCounter = true
        switch flavour {
        case .bench(let b):
            bench = b; sdramLatency = 0
        case .soc(let latency, let cc, _):
            bench = BenchConfig(); sdramLatency = UInt64(max(0, latency)); cycleCounter = cc
        }
        self.options = options
        half = period / 2
        // The signals of this top (ObservationSchema, in declaration order)
        // and their declared VCD signals (nil: filtered out).
        let soc = flavour.isSoC
        let here: Tops = soc ? .soc : .bench
        let sources = ObservationSchema.signals.filter { $0.tops.contains(here) && $0.vcd != .absent }
        var signal = [VCDWriter.Signal?](repeating: nil, count: sources.count)

        let top = ["TOP"], tb = ["TOP", flavour.module]
        func keep(_ scope: [String], _ name: String) -> Bool {
            if options.scopes.isEmpty { return true }
            let full = (scope + [name]).joined(separator: ".")
            return options.scopes.contains { full == $0 || full.hasPrefix($0 + ".") }
        }
        func holds(_ c: Condition) -> Bool {
            switch c {
            case .always: true
            case .bench: !soc
            case .soc: soc
            case .cycleCounter: cycleCounter
            }
        }
        // Every name of one source (the port, then the names inside the
        // CPU); the first kept one declares it, the rest alias it.
        func names(_ s: ObservedSignal) -> [([String], String)] {
            var inner: [Alias] = []
            if case .path(let a) = s.driver { inner.append(a) }
            inner += s.also
            let n = [(top, s.port), (tb, s.port)] + inner.filter { holds($0.when) }.map { (tb + $0.scope.path, $0.name) }
            return n.filter { keep($0.0, $0.1) }
        }
        for (i, s) in sources.enumerated() {
            let n = names(s)
            guard let first = n.first else { continue }
            let sig = writer.declare(scope: first.0, name: first.1, width: s.width)
            for a in n.dropFirst() { writer.alias(sig, scope: a.0, name: a.1) }
            signal[i] = sig
        }
        // The inner signals a port is a concatenation of, declared on their
        // own: a slice [width-1:lsb] of one signal (the instruction unit's
        // word-address PCs), or one bit per signal (the CPU's pipeline bits).
        var slices: [(VCDWriter.Signal, Int, Int)] = []   // signal, source index, shift
        for (i, s) in sources.enumerated() {
            guard case .slices(let scope, let list, let lsb) = s.driver else { continue }
            let path = tb + scope.path
            if list.count == 1 {
                if keep(path, list[0]) { slices.append((writer.declare(scope: path, name: list[0], width: s.width - lsb, lsb: lsb), i, lsb)) }
            } else {
                for (bit, name) in list.enumerated() where keep(path, name) {
                    slices.append((writer.declare(scope: path, name: name, width: 1), i, bit))
                }
            }
        }

        // Where each declared signal's value is read (declaration order:
        // sources, then slices): from the observation stored at the start
        // of `scratch`, or from the words after it (`begin` takes them all).
        // At the rising edges the writer gathers the observation's fields
        // but the inputs from the recorded observation itself; the clock,
        // the inputs (set at the falling edges) and the side words
        // (constant) are not gathered.
        let inputIndices = sources.indices.filter { sources[$0].inputOn.contains(here) }
        precondition(inputIndices.count == 2, "a top has two inputs that change between cycles")
        var supplied: [String: Int] = [:]
        for s in sources where s.vcd == .supplied && s.port != Self.extBreakPort { supplied[s.port] = supplied.count }
        let locations = sources.map { Self.location($0, supplied: supplied) }
        var now: [(Int, Int)] = []
        func read(_ sig: VCDWriter.Signal, _ i: Int, _ shift: Int) {
            let (offset, s) = locations[i]
            now.append((offset, s + shift))
            if inputIndices.contains(i) { return }
            if let w = Self.inObservation(offset, s) { writer.gather(sig, offset: w.offset, shift: w.shift + shift) }
        }
        for i in sources.indices { if let sig = signal[i] { read(sig, i, 0) } }
        for (sig, i, shift) in slices { read(sig, i, shift) }
        initialPlan = now
        let (i0, i1) = (inputIndices[0], inputIndices[1])
        inputSignal = (signal[i0], signal[i1])
        // an input outside the observation is the external break
        let in0 = Self.inObservation(locations[i0].0, locations[i0].1), in1 = Self.inObservation(locations[i1].0, locations[i1].1)
        inputOffset = (in0?.offset, in1?.offset)
        inputShift = (in0?.shift ?? 0, in1?.shift ?? 0)
        clock = sources.firstIndex { $0.vcd == .clock }.flatMap { signal[$0] }
        let size = Self.side(Side.supplied.rawValue + supplied.count)
        scratch = .allocate(byteCount: size, alignment: 16)
        scratch.initializeMemory(as: UInt8.self, repeating: 0, count: size)
        for (port, slot) in supplied {
            let v = Self.suppliedValue(port, bench: bench, sdramLatency: sdramLatency)
            scratch.storeBytes(of: v, toByteOffset: Self.side(Side.supplied.rawValue + slot), as: UInt64.self)
        }
    }

    /// The port of the external break input (the machine's `extBreak`, set
    /// on this object between cycles).
    private static let extBreakPort = "ext_break"

    /// A constant input of the top the observation does not carry, by port
    /// name: the test bench's configuration, the SoC's SDRAM latency.
    private static func suppliedValue(_ port: String, bench: BenchConfig, sdramLatency: UInt64) -> UInt64 {
        switch port {
        case "i_wait": UInt64(bench.instructionWaitStates)
        case "d_wait": UInt64(bench.dataWaitStates)
        case "i_err_en": bench.instructionErrorWindow != nil ? 1 : 0
        case "i_err_lo": UInt64(bench.instructionErrorWindow?.lowerBound ?? 0)
        case "i_err_hi": UInt64(bench.instructionErrorWindow?.upperBound ?? 0)
        case "d_err_en": bench.dataErrorWindow != nil ? 1 : 0
        case "d_err_lo": UInt64(bench.dataErrorWindow?.lowerBound ?? 0)
        case "d_err_hi": UInt64(bench.dataErrorWindow?.upperBound ?? 0)
        case "sdram_latency": sdramLatency
        default: preconditionFailure("no value for the supplied input \(port)")
        }
    }

    /// Time (ps) at which cycle k's values appear.
    public func valueTime(_ k: UInt64) -> UInt64 {
        k == 0 ? origin : origin + k * period - half
    }

    /// The start of cycle 0 (ps).
    private var origin: UInt64 { options.resetCycles * period }

    /// The words after the observation in `scratch`: what the observation
    /// does not carry (`zero` for ports tied to 0, the clock, the external
    /// break, then the constant inputs, one word each).
    private enum Side: Int {
        case zero, clk, extBreak, supplied
    }

    /// The byte offset of side word `n` in `scratch` (8 bytes readable past
    /// every offset).
    private static func side(_ n: Int) -> Int {
        (MemoryLayout<CycleObservation>.size + 7) / 8 * 8 + 8 * n
    }
    private static func side(_ w: Side) -> Int { side(w.rawValue) }

    /// Where a source's value is in `scratch`: byte offset and right shift
    /// (the observation's fields are read 8 bytes at a time, little-endian,
    /// and masked to the signal's width by the writer). `supplied`: the
    /// constant inputs' words after `Side.supplied`.
    private static func location(_ s: ObservedSignal, supplied: [String: Int]) -> (Int, Int) {
        func field(_ path: String) -> Int {
            MemoryLayout<CycleObservation>.offset(of: CycleObservation.fieldKeyPaths[path]!)!
        }
        switch s.vcd {
        case .clock: return (side(Side.clk), 0)
        case .zero, .absent: return (side(Side.zero), 0)
        case .supplied: return s.port == extBreakPort ? (side(Side.extBreak), 0) : (side(Side.supplied.rawValue + supplied[s.port]!), 0)
        case .field: return (field(s.field!.swift!), 0)
        case .same(let path): return (field(path), 0)
        case .bit(let packed, let n): return (field(packed), n)
        }
    }

    /// Where a value at (offset, shift) of `scratch` is in an observation
    /// itself (nil: a side word): 8 bytes inside it (a batch's last element
    /// has nothing after it, so a field near the end is read with the bytes
    /// before it) and the right shift.
    private static func inObservation(_ offset: Int, _ shift: Int) -> (offset: Int, shift: Int)? {
        let size = MemoryLayout<CycleObservation>.size
        guard offset < size else { return nil }
        let inside = min(offset, size - 8)
        return (inside, shift + 8 * (offset - inside))
    }

    /// The first recorded observation, then the `Side` words (`begin`).
    private let scratch: UnsafeMutableRawPointer
    /// Per declared signal: where its value is in `scratch`.
    private let initialPlan: [(Int, Int)]
    private let clock: VCDWriter.Signal?

    deinit {
        scratch.deallocate()
        st.deinitialize(count: 1)
        st.deallocate()
    }

    /// The top's inputs among the sources (bench: interrupt lines and
    /// external break; SoC: external break and GPIO pins): driven between
    /// cycles, they change with the falling clock. Their signals (nil: filtered out) and where their values are in an
    /// observation: byte offset (nil: the external break) and right shift.
    private let inputSignal: (VCDWriter.Signal?, VCDWriter.Signal?)
    private let inputOffset: (Int?, Int?)
    private let inputShift: (Int, Int)

    @inline(__always)
    private func word(_ offset: Int) -> UInt64 {
        UInt64(littleEndian: scratch.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
    }

    /// An input's value in the observation at `o`.
    @inline(__always)
    private func input(_ o: UnsafeRawPointer, _ offset: Int?, _ shift: Int) -> UInt64 {
        guard let offset else { return st.pointee.extBreak ? 1 : 0 }
        return UInt64(littleEndian: o.loadUnaligned(fromByteOffset: offset, as: UInt64.self)) &>> UInt64(shift)
    }

    /// The external break input in the cycle being recorded (the
    /// observation does not carry it; set it with the machine's `extBreak`).
    public var extBreak: Bool {
        get { thread?.extBreak ?? st.pointee.extBreak }
        set { if let thread { thread.extBreak = newValue } else { st.pointee.extBreak = newValue } }
    }

    /// From now on `observe(batch:)` copies each batch and returns, and a
    /// thread of its own formats and writes it (the same bytes as without:
    /// the batches are recorded in order, by one thread at a time). The
    /// simulation and the VCD then share two cores. `error` is the thread's
    /// first error; `finish` and `finishObserving` wait for every batch
    /// handed over and end the thread (call one of them: the thread keeps
    /// this object until then). Call before the first observation.
    public func startWriterThread() {
        precondition(thread == nil && !st.pointee.started, "startWriterThread before the first observation")
        // (self is kept until `stop`, which `finish` and `finishObserving` call)
        let t = WriterThread(extBreak: st.pointee.extBreak) { batch, extBreak in
            // on the writer thread; the caller's thread touches nothing of this until `stop`
            self.st.pointee.extBreak = extBreak
            self.observeHere(batch: batch)
            return self.storedError == nil
        }
        thread = t
        t.start()
    }

    /// Wait for the writer thread to record every batch handed to it, and
    /// end it; recording goes on on the caller's thread.
    private func joinWriterThread() {
        guard let t = thread else { return }
        t.stop()
        st.pointee.extBreak = t.extBreak
        thread = nil
    }

    /// `record` for a machine's observer: the first error is kept in
    /// `error` and recording stops there.
    public func observe(_ o: CycleObservation) {
        var o = o
        if let thread { withUnsafePointer(to: &o) { thread.submit(UnsafeBufferPointer(start: $0, count: 1)) }; return }
        observe(at: &o)
    }

    private func observe(at o: UnsafePointer<CycleObservation>) {
        if st.pointee.failed { return }
        do { try record(at: o) } catch { fail(error) }
    }

    private func fail(_ e: Error) {
        storedError = e
        st.pointee.failed = true
    }

    /// `observe` for a machine's batch observer (`batchObserver`): the
    /// observations of consecutive cycles.
    public func observe(batch: UnsafeBufferPointer<CycleObservation>) {
        if let thread { thread.submit(batch); return }
        observeHere(batch: batch)
    }

    private func observeHere(batch: UnsafeBufferPointer<CycleObservation>) {
        guard let base = batch.baseAddress else { return }
        let s = st, from = options.fromCycle, to = options.toCycle
        for i in 0..<batch.count {
            let o = base + i
            let k = o.pointee.cycle
            // after the first recorded cycle, a cycle in the window is one
            // clock period (`record` without its checks)
            if s.pointee.started && !s.pointee.failed && k >= from && k <= to {
                do { try period(o, k) } catch { fail(error); return }
                s.pointee.lastCycle = k
            } else {
                observe(at: o)
            }
        }
    }

    /// After `observe`: `finish(next:)` unless recording failed; the first
    /// error of either.
    public func finishObserving(next: CycleObservation? = nil) -> Error? {
        joinWriterThread()
        if storedError == nil {
            do { try finish(next: next) } catch { fail(error) }
        }
        return storedError
    }

    /// Record the observation of one cycle (cycles in increasing order).
    public func record(_ o: CycleObservation) throws {
        precondition(thread == nil, "record writes on the caller's thread: observe with a writer thread")
        var o = o
        try record(at: &o)
    }

    /// `record` of the observation at `o` (a batch element, not copied twice).
    func record(at o: UnsafePointer<CycleObservation>) throws {
        let k = o.pointee.cycle
        guard k >= options.fromCycle && k <= options.toCycle else { return }
        let s = st
        let t = valueTime(k)
        let clkHigh = k > 0
        if !s.pointee.started {
            s.pointee.started = true
            let sc = scratch
            sc.copyMemory(from: o, byteCount: MemoryLayout<CycleObservation>.size)
            sc.storeBytes(of: clkHigh ? 1 : 0, toByteOffset: Self.side(.clk), as: UInt64.self)
            sc.storeBytes(of: s.pointee.extBreak ? 1 : 0, toByteOffset: Self.side(.extBreak), as: UInt64.self)
            try writer.begin(at: t, initial: initialPlan.map { word($0.0) >> UInt64($0.1) })
            // the falling edge that starts cycle k (the inputs as at the start)
            if clkHigh, let c = clock { try writer.set(c, 0, at: t + half) }
        } else {
            try period(o, k)
        }
        s.pointee.lastCycle = k
    }

    /// A recorded cycle k after the first: the rising edge with cycle k's
    /// values (the clock rises in every cycle after the first recorded
    /// one), then the falling edge that starts cycle k. The top's inputs
    /// (bench: interrupt lines, external break; SoC: external break, GPIO
    /// pins) change between cycles, where the bridge sets them: they show at
    /// the start of cycle k with the falling clock, not at the rising edge.
    @inline(__always)
    private func period(_ o: UnsafePointer<CycleObservation>, _ k: UInt64) throws {
        let raw = UnsafeRawPointer(o)
        let t = origin &+ k &* period &- half
        try writer.clockPeriod(rising: t, clock: clock, gathering: raw, falling: t &+ half,
                               inputSignal.0, input(raw, inputOffset.0, inputShift.0),
                               inputSignal.1, input(raw, inputOffset.1, inputShift.1))
    }

    /// End the file at the falling edge after the last recorded cycle's
    /// values and flush. `next`: the observation of the cycle the run stopped
    /// in, not stepped (the machine's `peekObservation()`); recorded first
    /// when it follows the last recorded cycle inside the window, so that the
    /// file ends where the RTL's does after as many edges (its last rising
    /// edge shows that cycle's values).
    public func finish(next: CycleObservation? = nil) throws {
        joinWriterThread()
        if let e = storedError { throw e }
        if let n = next, n.cycle == (st.pointee.lastCycle.map { $0 + 1 } ?? options.fromCycle) {
            try record(n)
        }
        guard st.pointee.started, let k = st.pointee.lastCycle else { try writer.flush(); return }
        try writer.finish(at: valueTime(k) + (k > 0 ? half : 0))
    }
}

/// The thread of `CycleVCD.startWriterThread`: batches are copied into one
/// of a few buffers (the caller waits while all are taken) and recorded in
/// order by `record`, which returns false once recording failed (later
/// batches are then dropped). All shared state is under `condition`.
private final class WriterThread: @unchecked Sendable {
    private static let buffers = 4, capacity = 1024
    private let condition = NSCondition()
    /// Dropped when the thread ends (it holds the `CycleVCD`).
    private var record: ((UnsafeBufferPointer<CycleObservation>, Bool) -> Bool)?
    /// Copied batches waiting, oldest first (buffer, count, external break).
    private var pending: [(UnsafeMutablePointer<CycleObservation>, Int, Bool)] = []
    private var free: [UnsafeMutablePointer<CycleObservation>] = []
    private var all: [UnsafeMutablePointer<CycleObservation>] = []
    private var failed = false, stopping = false, exited = false, started = false
    /// The external break as the caller last set it (the caller's thread only).
    var extBreak: Bool

    init(extBreak: Bool, record: @escaping (UnsafeBufferPointer<CycleObservation>, Bool) -> Bool) {
        self.extBreak = extBreak
        self.record = record
        for _ in 0..<Self.buffers {
            let b = UnsafeMutablePointer<CycleObservation>.allocate(capacity: Self.capacity)
            b.initialize(repeating: CycleObservation(), count: Self.capacity)
            all.append(b)
        }
        free = all
    }

    deinit {
        for b in all { b.deallocate() }
    }

    /// Recording failed (no batch is recorded after that).
    var failedSoFar: Bool {
        condition.lock()
        defer { condition.unlock() }
        return failed
    }

    func start() {
        started = true
        let t = Thread { [self] in run() }
        t.name = "socsim VCD writer"
        t.start()
    }

    /// Copy a batch for the thread (in pieces of at most `capacity`).
    func submit(_ batch: UnsafeBufferPointer<CycleObservation>) {
        guard let base = batch.baseAddress else { return }
        var done = 0
        while done < batch.count {
            let n = min(Self.capacity, batch.count - done)
            condition.lock()
            while free.isEmpty && !failed { condition.wait() }
            if failed { condition.unlock(); return }
            let b = free.removeLast()
            condition.unlock()
            b.update(from: base + done, count: n)
            condition.lock()
            pending.append((b, n, extBreak))
            condition.broadcast()
            condition.unlock()
            done += n
        }
    }

    private func run() {
        condition.lock()
        while true {
            while pending.isEmpty && !stopping { condition.wait() }
            if pending.isEmpty { break }
            let (b, n, extBreak) = pending.removeFirst()
            let skip = failed
            condition.unlock()
            let ok = !skip && record!(UnsafeBufferPointer(start: b, count: n), extBreak)
            condition.lock()
            if !ok { failed = true }
            free.append(b)
            condition.broadcast()
        }
        exited = true
        condition.broadcast()
        condition.unlock()
    }

    /// Wait until every batch handed over is recorded, and end the thread.
    func stop() {
        guard started else { return }
        condition.lock()
        stopping = true
        condition.broadcast()
        while !exited { condition.wait() }
        condition.unlock()
        started = false
        record = nil
    }
}
