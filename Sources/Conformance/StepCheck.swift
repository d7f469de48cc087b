import LM32
import LM32Cycle
import SoC
import SoCCycle

/// Two ways of stepping the cycle model compared cycle by cycle: the
/// profile-specialised step (`specialisedStep`, taken in steady cycles
/// without observer or trace) against the generic step, both machines run
/// one cycle at a time without observer or idle skipping. The registers
/// must agree after every cycle, the whole state (memories, bus, devices)
/// every 4 096 cycles and at the end. A third machine runs the same cycles
/// in chunks of up to 1 000 (the specialised step's loop over steady
/// cycles) and must end in the same whole state. Used by
/// `SpecialisedStepTests` and `socsim step-check`.
public enum StepCheck {
    /// What one comparison saw.
    public struct Outcome: Sendable {
        /// Cycles compared, and those stepped through the specialised copy.
        public var cycles: UInt64 = 0, specialised: UInt64 = 0
        /// The first difference, if any.
        public var difference: String?
        public init() {}

        public static func += (a: inout Outcome, b: Outcome) {
            a.cycles += b.cycles
            a.specialised += b.specialised
            if a.difference == nil { a.difference = b.difference }
        }
    }

    /// Steps both machines a cycle at a time (`step` steps both) until
    /// `done` or `maxCycles`, comparing as described above.
    static func compare(step: () -> Void, steady: () -> Bool, sameRegisters: () -> Bool, sameState: () -> Bool,
                        done: () -> Bool, maxCycles: UInt64) -> Outcome {
        var o = Outcome()
        while o.cycles < maxCycles && !done() {
            if steady() { o.specialised += 1 }
            step()
            o.cycles += 1
            if !sameRegisters() {
                o.difference = "registers differ after cycle \(o.cycles - 1)"
                return o
            }
            if o.cycles % 4096 == 1 && !sameState() {
                o.difference = "memories differ after cycle \(o.cycles - 1)"
                return o
            }
        }
        if !sameState() { o.difference = "final states differ after \(o.cycles) cycles" }
        return o
    }

    /// A bench stimulus on `config` (its interrupt and external-break schedule applied to both).
    public static func bench(_ stim: Stimulus, config: CoreConfig) -> Outcome {
        func machine(_ specialised: Bool) -> LM32CycleMachine {
            let m = LM32CycleMachine(config: config, bench: stim.bench)
            for (a, bytes) in stim.memory { m.load(bytes, at: a) }
            m.specialisedStep = specialised
            m.idleSkipping = false
            return m
        }
        let fast = machine(true), full = machine(false)
        var inputs = InputSchedule(stim)
        var o = compare(
            step: {
                inputs.advance(to: fast.cycle)
                for m in [fast, full] { inputs.apply(to: m); m.run(cycles: 1) }
            },
            steady: { fast.steady },
            sameRegisters: { fast.sameRegisters(as: full) },
            sameState: { fast.sameState(as: full) },
            done: { fast.ended && full.ended },
            maxCycles: stim.maxCycles)
        // the chunked run, inputs changed between chunks
        let chunked = machine(true)
        inputs = InputSchedule(stim)
        while chunked.cycle < full.cycle && !chunked.ended {
            inputs.advance(to: chunked.cycle)
            inputs.apply(to: chunked)
            let next = min(full.cycle, inputs.nextChange, chunked.cycle + 1000)
            chunked.runUntilEnd(maxCycles: next - chunked.cycle)
        }
        if o.difference == nil && !chunked.sameState(as: full) {
            o.difference = "a chunked run ends in another state after \(chunked.cycle) cycles"
        }
        return o
    }

    /// A SoC stimulus on the milkymist SoC (its GPIO schedule applied to both).
    public static func soc(_ stim: SoCStimulus) throws -> Outcome {
        func machine(_ specialised: Bool) throws -> MilkymistCycleMachine {
            let m = try MilkymistCycleMachine(sdramLatency: stim.sdramLatency)
            for (a, bytes) in stim.memory { m.load(bytes, at: a) }
            for g in stim.gpio { m.drive(gpioPins: g.pins, at: g.cycle) }
            m.specialisedStep = specialised
            m.idleSkipping = false
            return m
        }
        let fast = try machine(true), full = try machine(false)
        var o = compare(
            step: { _ = fast.run(maxCycles: fast.cycle + 1); _ = full.run(maxCycles: full.cycle + 1) },
            steady: { fast.steady },
            sameRegisters: { fast.sameRegisters(as: full) },
            sameState: { fast.sameState(as: full) },
            done: { fast.halted && full.halted },
            maxCycles: stim.maxCycles)
        let chunked = try machine(true)
        while chunked.cycle < full.cycle && !chunked.halted {
            _ = chunked.run(maxCycles: min(full.cycle, chunked.cycle + 1000))
        }
        if o.difference == nil && !chunked.sameState(as: full) {
            o.difference = "a chunked run ends in another state after \(chunked.cycle) cycles"
        }
        return o
    }
}

/// A bench stimulus's inputs over time: the interrupt lines from each
/// change on, and the external break high for one cycle at each of its
/// cycles.
struct InputSchedule {
    private var pending: ArraySlice<(cycle: UInt64, lines: UInt32?, brk: Bool?)>
    private(set) var lines: UInt32 = 0, brk = false

    init(_ stim: Stimulus) {
        var changes = stim.interrupts.map { (cycle: $0.cycle, lines: Optional($0.lines), brk: Bool?.none) }
        for c in stim.externalBreaks { changes += [(c, nil, true), (c + 1, nil, false)] }
        changes.sort { $0.cycle < $1.cycle }
        pending = changes[...]
    }

    /// Takes the changes due by `cycle`.
    mutating func advance(to cycle: UInt64) {
        while let n = pending.first, n.cycle <= cycle {
            if let l = n.lines { lines = l }
            if let b = n.brk { brk = b }
            pending = pending.dropFirst()
        }
    }

    /// The cycle of the next change (`.max`: none).
    var nextChange: UInt64 { pending.first?.cycle ?? .max }

    func apply(to m: LM32CycleMachine) {
        m.interruptLines = lines
        m.extBreak = brk
    }
}
