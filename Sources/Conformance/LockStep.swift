// Lock-step comparison of the cycle model (LM32Cycle) with the verilated RTL
// test bench (Verilated): identical program, wait states, error windows and
// interrupt schedule; the per-cycle observations are compared field by field
// and the first divergence is reported with its context.
import LM32
import LM32Cycle
import Verilated

// `CycleObservation.init(rtl:)` and `observationFields`, the conversion and
// the compared fields, are generated from the observation schema:
// Observation+Schema.swift.

/// Where model and RTL first disagree.
public struct Divergence: Error, CustomStringConvertible, Sendable {
    public var cycle: UInt64
    public var field: String
    public var model: UInt64
    public var rtl: UInt64
    /// The last retired instructions (pc, word) of each side, oldest first (at most 16).
    public var modelHistory: [(cycle: UInt64, pc: UInt32, word: UInt32)]
    public var rtlHistory: [(cycle: UInt64, pc: UInt32, word: UInt32)]
    public var modelObservation: CycleObservation
    public var rtlObservation: CycleObservation

    public var description: String {
        func h(_ v: UInt64) -> String { "0x" + String(v, radix: 16) }
        var s = "divergence at cycle \(cycle): \(field): model \(h(model)), RTL \(h(rtl))\n"
        func list(_ name: String, _ l: [(cycle: UInt64, pc: UInt32, word: UInt32)]) {
            s += "  last \(l.count) retired (\(name)):\n"
            for r in l {
                s += "    \(r.cycle)\t\(h(UInt64(r.pc)))\t\(Disassembler.text(r.word, pc: r.pc))\n"
            }
        }
        list("model", modelHistory)
        list("RTL", rtlHistory)
        return s
    }
}

/// A test-bench stimulus shared by both sides.
public struct Stimulus: Sendable {
    /// Memory contents (address, bytes), loaded before reset.
    public var memory: [(UInt32, [UInt8])]
    public var bench: BenchConfig
    /// Interrupt lines from a cycle on (sorted by cycle; the lines hold until the next entry).
    public var interrupts: [(cycle: UInt64, lines: UInt32)]
    /// Cycles in which the external break input is high (one cycle each).
    public var externalBreaks: [UInt64]
    public var maxCycles: UInt64
    /// Cycles to keep comparing after the test device's end write.
    public var drainCycles: UInt64

    public init(memory: [(UInt32, [UInt8])], bench: BenchConfig = BenchConfig(),
                interrupts: [(cycle: UInt64, lines: UInt32)] = [], externalBreaks: [UInt64] = [],
                maxCycles: UInt64 = 200_000, drainCycles: UInt64 = 16) {
        self.memory = memory; self.bench = bench; self.interrupts = interrupts; self.externalBreaks = externalBreaks
        self.maxCycles = maxCycles; self.drainCycles = drainCycles
    }
}

public struct LockStepResult: Sendable {
    public var cycles: UInt64
    public var ended: Bool
    public var retired: UInt64
    public var divergence: Divergence?
    /// Test results reported by the program (model side).
    public var results: [BenchEvent]
    /// The model's observation of the cycle the run stopped in (not
    /// stepped): the last values of its VCD, as the RTL's VCD ends with them.
    public var nextObservation: CycleObservation
}

public enum LockStep {
    /// Run `stimulus` on a fresh model and a fresh RTL bench of the same
    /// profile and compare every cycle. `mutate` (test-only hook) may alter
    /// each model observation before the comparison, e.g. to prove that a
    /// wrong latency is reported.
    /// `rtlVCD`: write the RTL's VCD of the whole run to this path (closed
    /// when the run returns, also at a divergence). `observe` sees every
    /// model observation before it is compared (e.g. to write the model's VCD).
    /// `unobserved`: the model runs without observer, a cycle at a time
    /// (so steady cycles take the specialised step, docs/lm32-timing.md),
    /// and each cycle's observation is peeked before it is stepped.
    public static func run(_ stimulus: Stimulus, config: CoreConfig, library: RTLLibrary, rtlVCD: String? = nil,
                           mutate: ((inout CycleObservation) -> Void)? = nil,
                           observe: ((CycleObservation) -> Void)? = nil, unobserved: Bool = false) throws -> LockStepResult {
        let rtl = try RTLModel(library: library, options: .init(clock: BenchConfig.clock))
        defer { if rtlVCD != nil { try? rtl.stopVCD() } }
        var inputs = RTLInputs.idle
        inputs.i_wait = UInt8(stimulus.bench.instructionWaitStates)
        inputs.d_wait = UInt8(stimulus.bench.dataWaitStates)
        if let w = stimulus.bench.instructionErrorWindow { inputs.i_err_en = 1; inputs.i_err_lo = w.lowerBound; inputs.i_err_hi = w.upperBound }
        if let w = stimulus.bench.dataErrorWindow { inputs.d_err_en = 1; inputs.d_err_lo = w.lowerBound; inputs.d_err_hi = w.upperBound }
        try rtl.setInputs(inputs)
        let model = LM32CycleMachine(config: config, bench: stimulus.bench)
        for (a, bytes) in stimulus.memory {
            try rtl.writeMemory(bytes, at: a)
            model.load(bytes, at: a)
        }
        try rtl.reset()
        if let path = rtlVCD { try rtl.startVCD(path: path) }

        let sides = BenchSides(model: model, rtl: rtl, stimulus: stimulus, unobserved: unobserved)
        let o = try LockStepHarness.run(sides, rtl: rtl, maxCycles: stimulus.maxCycles, lockedVCD: rtlVCD != nil,
                                        mutate: mutate, observe: observe)
        // a write of the VCD that failed (a full disk) is reported here
        if rtlVCD != nil { try rtl.stopVCD() }
        return LockStepResult(cycles: o.cycles, ended: o.divergence == nil && o.endSeen, retired: o.retired, divergence: o.divergence,
                              results: model.benchEvents, nextObservation: model.peekObservation())
    }

    /// The first field in which the model's and the RTL's observation of
    /// one cycle differ (nil when only lines outside the contract differ).
    static func compare(_ m: CycleObservation, _ r: CycleObservation, cycle k: UInt64,
                        modelHistory mh: [(cycle: UInt64, pc: UInt32, word: UInt32)],
                        rtlHistory rh: [(cycle: UInt64, pc: UInt32, word: UInt32)]) -> Divergence? {
        guard m != r else { return nil }
        let mf = observationFields(m), rf = observationFields(r)
        for (a, b) in zip(mf, rf) where a != b {
            return Divergence(cycle: k, field: a.0 == b.0 ? a.0 : "\(a.0)/\(b.0)", model: a.1, rtl: b.1,
                              modelHistory: mh, rtlHistory: rh, modelObservation: m, rtlObservation: r)
        }
        if mf.count != rf.count {
            return Divergence(cycle: k, field: "(fields)", model: UInt64(mf.count), rtl: UInt64(rf.count),
                              modelHistory: mh, rtlHistory: rh, modelObservation: m, rtlObservation: r)
        }
        return nil
    }
}

/// The test bench's side of a lock-step run: one schedule of interrupt-line
/// and external-break changes for both sides; the run ends `drainCycles`
/// after the RTL's test device saw the end write.
private final class BenchSides: LockStepSides {
    let model: LM32CycleMachine
    let rtl: RTLModel
    let drain: UInt64
    var schedule: ArraySlice<(cycle: UInt64, lines: UInt32?, brk: Bool?)>
    var lines: UInt32 = 0
    var brk = false
    var modelObs = CycleObservation()
    let unobserved: Bool

    init(model: LM32CycleMachine, rtl: RTLModel, stimulus: Stimulus, unobserved: Bool) {
        self.model = model; self.rtl = rtl; drain = stimulus.drainCycles; self.unobserved = unobserved
        var changes: [(cycle: UInt64, lines: UInt32?, brk: Bool?)] = stimulus.interrupts.map { ($0.cycle, $0.lines, nil) }
        for c in stimulus.externalBreaks { changes += [(c, nil, true), (c + 1, nil, false)] }
        changes.sort { $0.cycle < $1.cycle }
        schedule = changes[...]
        if unobserved {
            model.idleSkipping = false
        } else {
            model.observer = { [unowned self] in modelObs = $0 }
        }
    }

    var nextChange: UInt64? { schedule.first?.cycle }

    func applyChange() throws {
        let next = schedule.removeFirst()
        if let l = next.lines { lines = l }
        if let b = next.brk { brk = b }
        let (l, b) = (lines, brk)
        try rtl.updateInputs { $0.interrupt = l; $0.ext_break = b ? 1 : 0 }
    }

    func rtlView(_ o: RTLObservation) -> CycleObservation { CycleObservation(rtl: o) }

    func stepModel() -> CycleObservation {
        model.interruptLines = lines
        model.extBreak = brk
        if unobserved {
            let o = model.peekObservation()
            model.run(cycles: 1)
            return o
        }
        model.step()
        return modelObs
    }

    func lastCycle(after k: UInt64, rtl r: CycleObservation) -> UInt64? {
        r.tdev & TestDeviceBits.end != 0 ? k + drain : nil
    }
}

/// The per-cycle comparison both harnesses share (`LockStep`,
/// `SoCLockStep`): the last 16 retirements of each side, the RTL's
/// retirement count, and the first differing field of a cycle.
struct CycleComparison {
    private(set) var modelHistory: [(cycle: UInt64, pc: UInt32, word: UInt32)] = []
    private(set) var rtlHistory: [(cycle: UInt64, pc: UInt32, word: UInt32)] = []
    private(set) var retired: UInt64 = 0

    mutating func check(_ m: CycleObservation, _ r: CycleObservation, cycle k: UInt64) -> Divergence? {
        if m.retire { modelHistory.append((m.cycle, m.pcW, m.insnW)); if modelHistory.count > 16 { modelHistory.removeFirst() } }
        if r.retire { rtlHistory.append((r.cycle, r.pcW, r.insnW)); if rtlHistory.count > 16 { rtlHistory.removeFirst() }; retired += 1 }
        return LockStep.compare(m, r, cycle: k, modelHistory: modelHistory, rtlHistory: rtlHistory)
    }
}
