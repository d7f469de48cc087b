import LM32
import LM32Cycle
import SimKernel

/// The instruction-level fast path (`LM32CycleMachine.fastPath`) against the
/// per-cycle model: two machines from the same start with the same inputs,
/// the reference without the fast path. The fast machine runs in chunks of
/// seeded random length and stops after every fast-path episode
/// (`stopAtHandOver`), so its state is compared at every hand-over, natural
/// (the state left the fast path's regime) or forced (the chunk ended inside
/// an episode): every register of the model and the register file each
/// time, the whole state (memories, bench) every 64 comparisons and at the
/// end. Used by `FastPathTests` and `socsim step-check --fast-path`.
public enum FastPathCheck {
    public struct Outcome: Sendable {
        /// Cycles compared, those run on the fast path, hand-overs compared.
        public var cycles: UInt64 = 0, fastCycles: UInt64 = 0, handOvers: UInt64 = 0
        /// Fast-path cycles replayed from the control table.
        public var replayedCycles: UInt64 = 0
        /// Cycles run as a divide's recurrence (`FastPathStats.divideCycles`).
        public var divideCycles: UInt64 = 0
        /// Fast-path cycles with the divider running
        /// (`FastPathStats.dividerCycles`).
        public var dividerCycles: UInt64 = 0
        /// Loop iterations run as traces (`FastPathStats.traceIterations`).
        public var traceIterations: UInt64 = 0
        /// The first difference, if any.
        public var difference: String?
        public init() {}

        public static func += (a: inout Outcome, b: Outcome) {
            a.cycles += b.cycles
            a.fastCycles += b.fastCycles
            a.replayedCycles += b.replayedCycles
            a.divideCycles += b.divideCycles
            a.dividerCycles += b.dividerCycles
            a.traceIterations += b.traceIterations
            a.handOvers += b.handOvers
            if a.difference == nil { a.difference = b.difference }
        }
    }

    /// A bench stimulus on `config`; chunks of 1…`maxChunk` cycles drawn
    /// from `seed`; `traces`: the fast machine runs loop iterations as
    /// traces (`LM32CycleMachine.traces`, its default), else the replay
    /// alone.
    public static func bench(_ stim: Stimulus, config: CoreConfig, seed: UInt64, maxChunk: UInt64 = 200,
                             traces: Bool = true) -> Outcome {
        func machine(_ fast: Bool) -> LM32CycleMachine {
            let m = LM32CycleMachine(config: config, bench: stim.bench)
            for (a, bytes) in stim.memory { m.load(bytes, at: a) }
            m.fastPath = fast
            m.traces = fast && traces
            m.idleSkipping = false
            return m
        }
        let fast = machine(true), ref = machine(false)
        fast.stopAtHandOver = true
        var inputs = InputSchedule(stim)
        var rng = SplitMix64(seed: seed)
        var o = Outcome()
        var compared: UInt64 = 0
        while fast.cycle < stim.maxCycles && !(fast.ended && ref.ended) {
            inputs.advance(to: fast.cycle)
            for m in [fast, ref] { inputs.apply(to: m) }
            let chunk = 1 + rng.next() % maxChunk
            let end = min(stim.maxCycles, inputs.nextChange, fast.cycle + chunk)
            let episodes = fast.fastPathStats.episodes
            fast.runUntilEnd(maxCycles: end - fast.cycle)
            if ref.cycle < fast.cycle { ref.runUntilEnd(maxCycles: fast.cycle - ref.cycle) }
            let handedOver = fast.fastPathStats.episodes != episodes
            if handedOver { o.handOvers += 1 }
            compared += 1
            guard fast.cycle == ref.cycle, fast.sameRegisters(as: ref), fast.regs == ref.regs else {
                o.difference = "state differs at cycle \(fast.cycle) (reference at \(ref.cycle))"
                    + (handedOver ? " after a hand-over" : "") + ": " + fast.registerDifferences(from: ref)
                break
            }
            if compared % 64 == 0 && !fast.sameState(as: ref) {
                o.difference = "memories differ at cycle \(fast.cycle)"
                break
            }
        }
        o.cycles = fast.cycle
        o.fastCycles = fast.fastPathStats.cycles
        o.replayedCycles = fast.fastPathStats.replayedCycles
        o.divideCycles = fast.fastPathStats.divideCycles
        o.dividerCycles = fast.fastPathStats.dividerCycles
        o.traceIterations = fast.fastPathStats.traceIterations
        if o.difference == nil && !fast.sameState(as: ref) { o.difference = "final states differ at cycle \(fast.cycle)" }
        return o
    }
}
