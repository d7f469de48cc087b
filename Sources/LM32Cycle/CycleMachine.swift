import LM32
import SimBus
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What idle skipping did: cycles advanced without stepping, in how many jumps.
public struct IdleSkipStats: Equatable, Sendable {
    public var skipped: UInt64 = 0
    public var jumps: UInt64 = 0
    public init() {}
    public static func += (a: inout IdleSkipStats, b: IdleSkipStats) {
        a.skipped += b.skipped
        a.jumps += b.jumps
    }
}

/// The state and the clock cycle of the cycle-exact LM32 on a bus `Bus`
/// (the RTL test bench, `BenchBus`, wrapped by `LM32CycleMachine`; the
/// shared SoC bus, `SharedBus`, wrapped by `SharedBusMachine`). A value
/// type so that the hot loop runs on a local copy without exclusivity
/// checks; the memories live in storage owned by the machine and are reached
/// through pointers. The bus is a generic parameter, so each machine's step
/// is specialised for its bus and the bus code inlined.
///
/// Each `step` is one clock cycle: it evaluates the combinational logic of
/// `lm32_cpu.v` and its units from the registered state (as preprocessed with
/// the profile's `lm32_config.v`), then commits every register at the rising
/// edge. Names follow the RTL (camelCase) so that each equation can be checked
/// against it; see docs/lm32-timing.md for the findings this model encodes.
struct CycleCore<Bus: CycleBus>: Equatable {
    let config: CoreConfig
    /// The slaves, the interconnect and the interrupt sources.
    var bus: Bus
    let cfgWord: UInt32
    let opTable = OpControl.tablePointer
    let cycleCounterOn: Bool
    let icacheOn: Bool
    let dcacheOn: Bool

    /// The CPU's external break input in the current cycle.
    var extBreak = false
    /// Take `stalledStep` for a cycle in which the whole pipeline is held
    /// (see there); false: every cycle is evaluated in full (tests compare).
    var stallFastPath = true
    /// Take the profile-specialised copy of the step in a `steady` cycle
    /// without observer or trace (see `stepUnobserved`); false: the generic
    /// step (tests compare).
    var specialisedStep = true
    /// Take the instruction-level fast path (`stepFastNoCache`, no-cache
    /// profile) in a steady state without observer or trace; false: the
    /// per-cycle steps (tests compare).
    var fastPath = true
    /// Run repeated loop iterations as traces (FastTrace.swift) on the
    /// fast path (the default: docs/lm32-fastpath.md, "What is built:
    /// traces by default"); false: the replay alone.
    var tracesOn = true
    /// Cycles run on the fast path and its episodes (each ends in a
    /// hand-over); not state.
    var fastPathStats = NotState(FastPathStats())
    /// `stepMany` returns after a fast-path episode (tests compare the
    /// state at every hand-over); not state.
    var stopAtHandOver = NotState(false)
    /// The fast path's decoder cache; not state.
    let decodeCache = NotState(DecodeCache())
    /// The fast path's control table (FastReplay.swift); not state.
    let replayTable = NotState(FastReplayTable())
    /// The traces' shadow (FastTrace.swift), a check mode; not state.
    var traceShadow = NotState<FastTraceShadow?>(nil)
    /// The current cycle k (cycle 0 = first cycle with reset low).
    var cycle: UInt64 = 0
    var retiredCount: UInt64 = 0
    /// The bus's answer in the cycle being stepped, set by `step` for
    /// `stalledStep` and `observe` (handed across a call it was packed into
    /// registers and unpacked again). Not state.
    var busAnswer = NotState(CycleBusResponse())

    // MARK: register file
    var regs: UnsafeMutablePointer<UInt32>

    // MARK: instruction unit
    var pcF: UInt32 = 0, pcD: UInt32 = 0, pcX: UInt32 = 0, pcM: UInt32 = 0, pcW: UInt32 = 0
    var restartAddress: UInt32 = 0
    var iCyc = false, iAdr: UInt32 = 0, iCti: UInt8 = 7
    var icacheRefillData: UInt32 = 0, icacheRefillReady = false
    var wbDataF: UInt32 = 0
    var busErrorF = false
    var instructionD: UInt32 = 0
    var busErrorD = false
    var decodedD = DecodedInstruction(0)

    // MARK: instruction cache (state one-hot: 1 flush, 2 flush (ICC), 4 check, 8 refill)
    var icState: UInt8 = 1, icFlushSet = 255, icRefillAddress: UInt32 = 0
    var icRestartRequest = false, icRefillOffset: UInt32 = 0, icRefilling = false
    var icData: UnsafeMutablePointer<UInt32>
    /// tag << 1 | valid
    var icTag: UnsafeMutablePointer<UInt32>
    var icDataRA = 0, icTagRA = 0

    // MARK: data cache (state: 1 flush, 2 check, 4 refill)
    var dcState: UInt8 = 1, dcFlushSet = 255, dcRefillRequest = false, dcRefillAddress: UInt32 = 0
    var dcRestartRequest = false, dcRefillOffset: UInt32 = 0, dcRefilling = false
    var dcData: UnsafeMutablePointer<UInt32>
    var dcTag: UnsafeMutablePointer<UInt32>
    var dcDataRA = 0, dcTagRA = 0

    // MARK: load/store unit
    var dCyc = false, dDatO: UInt32 = 0, dAdr: UInt32 = 0, dSel: UInt8 = 0, dWe = false, dCti: UInt8 = 7
    var wbDataM: UInt32 = 0, wbLoadComplete = false, stallWbLoad = false, dcacheRefillReady = false
    var sizeM: UInt8 = 0, sizeW: UInt8 = 0, signExtendM = false, signExtendW = false
    var storeDataM: UInt32 = 0, byteEnableM: UInt8 = 0, dcacheSelectM = false, wbSelectM = false
    var dataW: UInt32 = 0

    // MARK: pipeline registers (lm32_cpu.v)
    var validF = false, validD = false, validX = false, validM = false, validW = false
    var operand0X: UInt32 = 0, operand1X: UInt32 = 0, storeOperandX: UInt32 = 0, branchTargetX: UInt32 = 0
    /// The X stage's decode registers (x_result_sel_*_x, load_x, store_x,
    /// size_x, csr_x, condition_x, write_idx_x, branch_predict_x, ...): D's
    /// decoder outputs, copied whole at an edge with stall_x low (all zero
    /// after reset).
    var decX = DecodedInstruction.zero
    var adderOpXN = false, busErrorX = false

    var operandM: UInt32 = 0, branchTargetM: UInt32 = 0
    /// The M stage's decode registers (m_result_sel_*_m, w_result_sel_*_m,
    /// m_bypass_enable_m, load_m, store_m, branch_m, branch_predict_m,
    /// write_enable_m): `decX`'s control bits with `OpControl.mStageMask`,
    /// moved whole at an edge with stall_m low.
    var ctlM = OpControl()
    var branchPredictTakenM = false, exceptionM = false, writeIdxM = 0, conditionMetM = false
    var dflushM = false, debugExceptionM = false, nonDebugExceptionM = false, dataBusErrorExceptionM = false

    var operandW: UInt32 = 0, wSelLoadW = false, wSelMulW = false, writeIdxW = 0, writeEnableW = false
    var debugExceptionW = false, nonDebugExceptionW = false, memopPcW: UInt32 = 0

    var eba: UInt32 = 0, deba: UInt32 = 0, cc: UInt32 = 0
    var dataBusErrorSeen = false, extBreakR = false

    // MARK: interrupt unit
    var ie = false, eie = false, bie = false, ip: UInt32 = 0, im: UInt32 = 0

    // MARK: debug unit
    /// bp_a (byte address) | bp_e in bit 0, per breakpoint.
    var bp: UnsafeMutablePointer<UInt32>
    /// wp[i] and wpc_c[i].
    var wp: UnsafeMutablePointer<UInt32>
    var wpcC: UnsafeMutablePointer<UInt8>
    var dcRe = false, dcSs = false, dbgState = 0
    /// Some breakpoint is enabled or some watchpoint control is non-zero
    /// (the comparators can match); recomputed on debug-unit CSR writes.
    var debugArmed = false
    /// The last value written to DC (not readable in the RTL; for trace effects).
    var dcWritten: UInt32 = 0

    // MARK: multi-cycle arithmetic (state: 0 idle, 3 divide, 2 modulus)
    var mcState = 0, mcCycles = 0, mcP: UInt32 = 0, mcA: UInt32 = 0, mcB: UInt32 = 0
    var divideByZeroX = false, mcResultX: UInt32 = 0

    // MARK: pipelined multiplier and shifter
    var multiplicand: UInt32 = 0, multiplier: UInt32 = 0, product: UInt32 = 0, mulResult: UInt32 = 0
    /// shifter_result_m (the registered right-shift result, reversed back for left shifts).
    var shifterResultM: UInt32 = 0

    // MARK: the bench's shadow pipeline (insn_x/m/w, eid_m/w)
    var insnX: UInt32 = 0, insnM: UInt32 = 0, insnW: UInt32 = 0, eidM: UInt8 = 0, eidW: UInt8 = 0

    // MARK: architectural effects carried with the slots (trace only)
    struct SlotEffects: Equatable {
        var effects: [Effect] = []
        var eid = 0
    }
    var effM = SlotEffects(), effW = SlotEffects()
    /// Writes into the memories behind the pointers (RAM, register file,
    /// caches, BP/WP registers): no writes and an equal state mean a repeat.
    var arrayWrites: UInt64 = 0

    init(config: CoreConfig, bus: Bus, storage: UnsafeMutablePointer<UInt32>, bytes: UnsafeMutablePointer<UInt8>) {
        self.config = config
        self.bus = bus
        self.cfgWord = config.cfg
        self.cycleCounterOn = config.cycleCounter
        self.icacheOn = config.icache
        self.dcacheOn = config.dcache
        regs = storage + Self.scratchWords
        icData = regs + 32
        icTag = icData + 1024
        dcData = icTag + 256
        dcTag = dcData + 1024
        bp = dcTag + 256
        wp = bp + 4
        wpcC = bytes
        applyReset()
    }

    /// Words of storage `init` needs (register file, caches, BP/WP).
    static var storageWords: Int { 32 + 1024 + 256 + 1024 + 256 + 4 + 4 }

    /// Words before the register file that are not state: the fast path's
    /// replay writes the bypass candidates there (`FastDecisions.source0`),
    /// so that an operand is one load from `regs`. `init`'s `storage` has
    /// these first, then the `storageWords`.
    static var scratchWords: Int { 4 }

    /// Words a machine allocates for `init`'s `storage`.
    static var allocationWords: Int { scratchWords + storageWords }

    /// The whole state equals `o`'s except for the passage of time (cycle,
    /// cycle counter, retirement and write counts).
    func sameStateExceptTime(_ o: CycleCore) -> Bool {
        var a = self
        a.cycle = o.cycle; a.cc = o.cc; a.retiredCount = o.retiredCount; a.arrayWrites = o.arrayWrites
        return a == o
    }

    /// Every register equal to another machine's (not the memories behind
    /// the pointers, not the bus; tests).
    func sameRegisters(as o: CycleCore) -> Bool {
        var b = o
        b.bus = bus; b.regs = regs; b.icData = icData; b.icTag = icTag; b.dcData = dcData; b.dcTag = dcTag
        b.bp = bp; b.wp = wp; b.wpcC = wpcC; b.stallFastPath = stallFastPath; b.specialisedStep = specialisedStep
        b.fastPath = fastPath; b.tracesOn = tracesOn
        return self == b
    }

    /// Equal to the state of another machine: every field, and the contents
    /// of the memories behind the pointers (tests).
    func sameState(asMachineWith o: CycleCore) -> Bool {
        guard sameRegisters(as: o), bus.sameContents(as: o.bus) else { return false }
        let words = Self.storageWords - 4
        for i in 0..<words where regs[i] != o.regs[i] { return false }
        return (0..<4).allSatisfy { wpcC[$0] == o.wpcC[$0] }
    }

    /// Stepped cycles between two probes for a repeating state (the default;
    /// a machine whose waits are shorter probes more often).
    static var probeInterval: UInt64 { 16384 }
    /// The longest period a probe looks for (a polling loop with cache
    /// misses or slow memory stays well below). With `probeInterval` it
    /// bounds the cost for a machine that never repeats: at most 1/32 of
    /// its cycles are stepped in a probe, each compared by a few words.
    static var maxPeriod: UInt64 { 512 }

    /// Run to `end` (or the end write when `untilEnd`), stepping at most
    /// `stepBudget` cycles, and jump over whole periods of a machine that
    /// provably repeats itself. Every `probeInterval` stepped cycles a probe
    /// keeps the state S and steps on, up to `maxPeriod` cycles, until the
    /// state equals S again except for time (cycle, cycle counter,
    /// retirement and array-write counts) with the same register file,
    /// caches and debug registers. The bus's state is part of the
    /// comparison: a memory write or a CSR beat whose value may change
    /// counts as an access, so an equal bus saw none, and the bus's inputs
    /// (interrupt lines, the values of the CSRs it read) are constant until
    /// `quietUntil`. The inputs being constant, the machine then repeats
    /// that period until `quietUntil`; the run advances the cycle, the cycle
    /// counter and the retirement count by as many whole periods as fit
    /// (one jump). Only without observer and trace (their streams would
    /// have to be replayed).
    mutating func runSkippingIdle(to end: UInt64, untilEnd: Bool, stepBudget: UInt64,
                                  probeInterval: UInt64 = Self.probeInterval) -> IdleSkipStats {
        var stats = IdleSkipStats()
        var stepped: UInt64 = 0
        var snapshot: UnsafeMutablePointer<UInt32>? = nil
        defer { snapshot?.deallocate() }
        let words = Self.storageWords
        while cycle < end && stepped < stepBudget && !(untilEnd && bus.stopRequested) {
            let n = min(probeInterval - stepped % probeInterval, end - cycle, stepBudget - stepped)
            let before = cycle
            stepMany(n, untilEnd: untilEnd)
            stepped += cycle - before
            guard Bus.allowsIdleSkipping, stepped % probeInterval == 0, cycle < end,
                  !(untilEnd && bus.stopRequested) else { continue }
            // the probe
            let anchor = self
            if snapshot == nil { snapshot = .allocate(capacity: words + 1) }
            let snap = snapshot!
            snap.update(from: regs, count: words)
            snap[words] = UInt32(wpcC[0]) | UInt32(wpcC[1]) << 8 | UInt32(wpcC[2]) << 16 | UInt32(wpcC[3]) << 24
            var p: UInt64 = 0
            while p < Self.maxPeriod && cycle < end && !(untilEnd && bus.stopRequested) {
                let before = cycle
                probeStep(min(Self.maxPeriod - p, end - cycle), untilEnd: untilEnd, anchor: anchor)
                p += cycle - before
                // an access since the anchor: no later state equals it
                if bus.accessedSince(anchor.bus) { break }
                guard mayEqual(anchor), sameStateExceptTime(anchor),
                      arrayWrites == anchor.arrayWrites || sameArrays(as: snap) else { continue }
                let k = (min(end, max(bus.quietUntil, cycle)) - cycle) / p
                if k > 0 {
                    cycle += k * p
                    cc &+= UInt32(truncatingIfNeeded: k * p)
                    retiredCount &+= k * (retiredCount - anchor.retiredCount)
                    arrayWrites &+= k * (arrayWrites - anchor.arrayWrites)
                    stats.skipped += k * p
                    stats.jumps += 1
                }
                break
            }
            stepped += p
        }
        return stats
    }

    /// The probe's next cycles: up to `n` on the fast path when it can
    /// run, stopping after the first cycle whose state passes `mayEqual`
    /// with `anchor`'s (`stepFastNoCache(watch:)`); otherwise one cycle on
    /// the per-cycle steps (a one-cycle fast-path episode's entry and
    /// hand-over cost more than the cycle).
    @inline(__always)
    mutating func probeStep(_ n: UInt64, untilEnd: Bool, anchor: CycleCore) {
        if Self.replaying && fastPath && specialisedStep && steady && fastPathEntry && icacheOn == dcacheOn
            && (!icacheOn || cachesChecking) {
            withUnsafePointer(to: anchor) {
                _ = icacheOn ? stepFastCaches(n, untilEnd: untilEnd, watch: $0) : stepFastNoCache(n, untilEnd: untilEnd, watch: $0)
            }
            // the probe's episodes are not hand-overs a caller waits for
            // (`stopAtHandOver`)
            fastPathStats.value.handedOver = false
        } else {
            stepMany(1, untilEnd: untilEnd, fast: false)
        }
    }

    /// A few words of the pipeline that differ between most pairs of
    /// unequal states: the cheap test before `sameStateExceptTime`.
    @inline(__always)
    func mayEqual(_ o: CycleCore) -> Bool {
        pcF == o.pcF && pcD == o.pcD && pcX == o.pcX && pcM == o.pcM && pcW == o.pcW
            && operand0X == o.operand0X && operand1X == o.operand1X && dataW == o.dataW && operandM == o.operandM
    }

    /// The register file, caches, BP/WP and WPC flags equal `snapshot` (the
    /// storage words, then the four WPC flags in one word).
    func sameArrays(as snapshot: UnsafeMutablePointer<UInt32>) -> Bool {
        let words = Self.storageWords
        guard memcmp(regs, snapshot, words * 4) == 0 else { return false }
        return snapshot[words] == UInt32(wpcC[0]) | UInt32(wpcC[1]) << 8 | UInt32(wpcC[2]) << 16 | UInt32(wpcC[3]) << 24
    }

    /// `n` cycles without observer or trace (stops early when the bus
    /// requests a stop, e.g. the test device's end write, when `untilEnd`;
    /// `fast` false keeps them off the fast path). Kept out of line so that
    /// the loop runs on `self` in place.
    @inline(never)
    mutating func stepMany(_ n: UInt64, untilEnd: Bool, fast: Bool = true) {
        var left = n
        while left > 0 && !(untilEnd && bus.stopRequested) {
            left -= stepUnobserved(left, untilEnd: untilEnd, fast: fast)
            if stopAtHandOver.value && fastPathStats.value.handedOver {
                fastPathStats.value.handedOver = false
                return
            }
        }
    }

    /// Step to `end` with an observer and/or a trace (stops early when the
    /// bus requests a stop and `untilEnd`). Out of line, with the closures
    /// as parameters, so that the loop reads no class property per cycle.
    @inline(never)
    mutating func stepObserved(to end: UInt64, untilEnd: Bool, observer: ((CycleObservation) -> Void)?,
                               trace: ((CycleRetirement) -> Void)?) {
        while cycle < end && !(untilEnd && bus.stopRequested) { step(observer: observer, trace: trace) }
    }

    /// Step to `end` (stops early when the bus requests a stop and
    /// `untilEnd`) or until `capacity` cycles were stepped, writing each
    /// cycle's observation into `buffer`. Returns the cycles stepped.
    @inline(never)
    mutating func stepRecording(to end: UInt64, untilEnd: Bool, into buffer: UnsafeMutablePointer<CycleObservation>,
                                capacity: Int) -> Int {
        // each step advances `cycle` by one
        let count = cycle < end ? Int(min(UInt64(capacity), end - cycle)) : 0
        var n = 0
        while n < count && !(untilEnd && bus.stopRequested) {
            step(observer: nil, trace: nil, record: buffer + n)
            n += 1
        }
        return n
    }

    /// Step to `end` (or the bus's stop when `untilEnd`), handing the
    /// observations to the batch's observer a buffer at a time.
    mutating func runBatched(to end: UInt64, untilEnd: Bool, batch: ObservationBatch) {
        while cycle < end && !(untilEnd && bus.stopRequested) {
            let n = stepRecording(to: end, untilEnd: untilEnd, into: batch.buffer, capacity: ObservationBatch.capacity)
            batch.deliver(UnsafeBufferPointer(start: batch.buffer, count: n))
        }
    }

    /// A machine's run to `end` (or the bus's stop when `untilEnd`), the
    /// cheapest exact way for what watches it: per-cycle observer or trace,
    /// else the batch observer, else nothing (idle skipping when allowed).
    /// At most `stepBudget` cycles are stepped (skipped ones do not count).
    /// Returns the cycles skipped and the jumps.
    mutating func run(to end: UInt64, untilEnd: Bool, observer: ((CycleObservation) -> Void)?,
                      trace: ((CycleRetirement) -> Void)?, batch: ObservationBatch?, idleSkipping: Bool,
                      stepBudget: UInt64 = .max, probeInterval: UInt64 = Self.probeInterval) -> IdleSkipStats {
        let stepEnd = min(end, cycle &+ min(stepBudget, .max - cycle))
        if observer != nil || trace != nil {
            stepObserved(to: stepEnd, untilEnd: untilEnd, observer: observer, trace: trace)
        } else if let batch {
            runBatched(to: stepEnd, untilEnd: untilEnd, batch: batch)
        } else if idleSkipping {
            return runSkippingIdle(to: end, untilEnd: untilEnd, stepBudget: stepBudget, probeInterval: probeInterval)
        } else {
            stepMany(stepEnd - cycle, untilEnd: untilEnd)
        }
        return IdleSkipStats()
    }

    /// A machine's single `step()` with the same choice (no skipping).
    mutating func step(observer: ((CycleObservation) -> Void)?, trace: ((CycleRetirement) -> Void)?,
                       batch: ObservationBatch?) {
        if observer == nil && trace == nil, let batch {
            runBatched(to: cycle &+ 1, untilEnd: false, batch: batch)
        } else {
            step(observer: observer, trace: trace)
        }
    }

    /// Hold reset (the RTL's reset values; RAMs and the register file keep
    /// their contents) and release it: the machine is in cycle 0.
    mutating func reset() {
        applyReset()
        cycle = 0
        bus.reset()
        retiredCount = 0
    }

    /// The CPU's reset values (synchronous reset: what every register holds
    /// after an edge with reset high); RAMs and the register file keep their
    /// contents, the cycle number keeps running.
    mutating func applyReset() {
        pcF = config.ebaReset &- 4; pcD = 0; pcX = 0; pcM = 0; pcW = 0
        restartAddress = 0
        iCyc = false; iAdr = 0; iCti = 7; icacheRefillData = 0; icacheRefillReady = false; wbDataF = 0; busErrorF = false
        instructionD = 0; busErrorD = false; decodedD = DecodedInstruction(0)
        icState = 1; icFlushSet = 255; icRefillAddress = 0; icRestartRequest = false; icRefillOffset = 0; icRefilling = false
        dcState = 1; dcFlushSet = 255; dcRefillRequest = false; dcRefillAddress = 0; dcRestartRequest = false
        dcRefillOffset = 0; dcRefilling = false
        dCyc = false; dDatO = 0; dAdr = 0; dSel = 0; dWe = false; dCti = 7
        wbDataM = 0; wbLoadComplete = false; stallWbLoad = false; dcacheRefillReady = false
        sizeM = 0; sizeW = 0; signExtendM = false; signExtendW = false; storeDataM = 0; byteEnableM = 0
        dcacheSelectM = false; wbSelectM = false; dataW = 0
        validF = false; validD = false; validX = false; validM = false; validW = false
        operand0X = 0; operand1X = 0; storeOperandX = 0; branchTargetX = 0
        decX = .zero; adderOpXN = false; busErrorX = false
        operandM = 0; branchTargetM = 0; ctlM = OpControl()
        branchPredictTakenM = false; exceptionM = false
        writeIdxM = 0; conditionMetM = false; dflushM = false; debugExceptionM = false; nonDebugExceptionM = false
        dataBusErrorExceptionM = false
        operandW = 0; wSelLoadW = false; wSelMulW = false; writeIdxW = 0; writeEnableW = false
        debugExceptionW = false; nonDebugExceptionW = false; memopPcW = 0
        eba = config.ebaReset & 0xFFFF_FE00; deba = config.debaReset & 0xFFFF_FE00; cc = 0
        dataBusErrorSeen = false; extBreakR = false
        ie = false; eie = false; bie = false; ip = 0; im = 0
        for i in 0..<4 { bp[i] = 0; wp[i] = 0; wpcC[i] = 0 }
        debugArmed = false
        dcRe = false; dcSs = false; dbgState = 0; dcWritten = 0
        mcState = 0; mcCycles = 0; mcP = 0; mcA = 0; mcB = 0; divideByZeroX = false; mcResultX = 0
        multiplicand = 0; multiplier = 0; product = 0; mulResult = 0; shifterResultM = 0
        insnX = 0; insnM = 0; insnW = 0; eidM = 0; eidW = 0
        effM = SlotEffects(); effW = SlotEffects()
    }

    // MARK: the clock cycle

    /// The observation of the current cycle without stepping: what the next
    /// `step` will show. Runs on a copy that returns before the edge, and its
    /// bus answers without the edge's actions (`CycleBus.evaluate` without `commit`): nothing
    /// behind the pointers (memories, register file, caches) or in the
    /// devices changes.
    func peekObservation() -> CycleObservation {
        var c = self
        var out = CycleObservation()
        c.step(observer: { out = $0 }, trace: nil, peek: true)
        return out
    }

    /// One clock cycle: combinational evaluation, then the rising edge
    /// (`peek`: only the evaluation, for `peekObservation`).
    @inline(__always)
    mutating func step(observer: ((CycleObservation) -> Void)?, trace: ((CycleRetirement) -> Void)?, peek: Bool = false,
                       record: UnsafeMutablePointer<CycleObservation>? = nil) {
        evaluateCycle(observer: observer, trace: trace, peek: peek, record: record, ic: icacheOn, dc: dcacheOn, steady: false)
    }

    /// Up to `n` cycles (at least one) without observer or trace (stops
    /// early when the bus requests a stop and `untilEnd`); returns the
    /// cycles stepped. While the state is `steady` (see there), a copy of
    /// the cycle's equations specialised for the profile's caches runs them;
    /// otherwise one cycle of the generic step. The same equations either
    /// way: the specialised copies only know constants the state
    /// guarantees (`specialisedStep = false` and tests compare).
    @inline(__always)
    mutating func stepUnobserved(_ n: UInt64, untilEnd: Bool, fast: Bool = true) -> UInt64 {
        if specialisedStep && steady {
            if !icacheOn && !dcacheOn {
                if fastPath && fast && fastPathEntry {
                    if let s = traceShadow.value { return stepFastShadowed(n, untilEnd: untilEnd, shadow: s) }
                    if tracesOn { return stepFastTraced(n, untilEnd: untilEnd) }
                    return stepFastNoCache(n, untilEnd: untilEnd)
                }
                return stepSteadyNoCache(n, untilEnd: untilEnd)
            }
            if icacheOn && dcacheOn {
                if fastPath && fast {
                    if fastPathEntry && cachesChecking {
                        if let s = traceShadow.value { return stepFastShadowed(n, untilEnd: untilEnd, shadow: s) }
                        if tracesOn { return stepFastTraced(n, untilEnd: untilEnd) }
                        return stepFastCaches(n, untilEnd: untilEnd)
                    }
                    return stepSteadyCachesUntilChecking(n, untilEnd: untilEnd)
                }
                return stepSteadyCaches(n, untilEnd: untilEnd)
            }
        }
        if fastPath && fast && Bus.replays && mcState != 0 && mcCycles >= 2 { return stepDivide(n) }
        stepGeneric()
        return 1
    }

    /// A divide's cycles while nothing else moves (`stepUnobserved` with the
    /// fast path on, on a bus that replays): the divide holds X, M and W
    /// hold invalid copies of it, no bus cycle runs, no exception can be
    /// raised. Steps one cycle on the generic step; if that cycle changed
    /// nothing but the divider's registers, M's and W's operands and time,
    /// the cycles after it do the same (no other register reads those while
    /// the pipeline is so held: D's operands go nowhere with stall_d high, W
    /// writes nothing while invalid), so up to the divider's last cycle
    /// (which the generic step runs) they are the divider's recurrence
    /// alone. Returns the cycles run.
    @inline(never)
    mutating func stepDivide(_ n: UInt64) -> UInt64 {
        let held = validX && !validM && !validW && !dCyc && !iCyc && !exceptionM
            && decX.c.xSelMC && !decX.c.xSelAdd && !decX.c.xSelCSR && !decX.c.xSelSext
            && !ctlM.mSelCompare && !ctlM.mSelShift && noExceptionPending
        guard held && n > 1 else {
            stepGeneric()
            return 1
        }
        let s = self
        stepGeneric()
        // compare with those registers put back (on `self`: a second copy
        // of the state costs more than the swap)
        let stepped = (mcA, mcP, mcCycles, mcResultX, operandM, operandW, cycle, cc)
        (mcA, mcP, mcCycles, mcResultX, operandM, operandW, cycle, cc)
            = (s.mcA, s.mcP, s.mcCycles, s.mcResultX, s.operandM, s.operandW, s.cycle, s.cc)
        let same = self == s
        (mcA, mcP, mcCycles, mcResultX, operandM, operandW, cycle, cc) = stepped
        guard same, mcCycles >= 1 else { return 1 }
        let j = min(UInt64(mcCycles), n - 1)
        for _ in 0..<j {
            let result = mcResultX
            divideStep()
            operandW = operandM
            operandM = result
        }
        cycle &+= j
        cc &+= UInt32(truncatingIfNeeded: j)
        fastPathStats.value.divideCycles &+= j
        return 1 + j
    }

    /// One cycle of the running divider (a restoring division, one quotient
    /// bit per cycle): its registers and result at the edge, not its end.
    @inline(__always)
    mutating func divideStep() {
        let a0 = mcA, p0 = mcP
        (mcA, mcP) = Self.restoringStep(a: a0, p: p0, b: mcB)
        mcResultX = mcState == 3 ? a0 : p0
        mcCycles = (mcCycles - 1) & 63
    }

    /// A step of the divider's restoring division: the dividend shifts
    /// into the partial remainder `p`, `b` is subtracted when it fits (the
    /// subtraction keeps 32 bits of the shifted remainder, as the RTL's
    /// 33-bit difference does), and the quotient bit shifts into `a`.
    @inline(__always)
    static func restoringStep(a: UInt32, p: UInt32, b: UInt32) -> (a: UInt32, p: UInt32) {
        let t = ((UInt64(p) << 1 | UInt64(a >> 31)) & 0xFFFF_FFFF) &- UInt64(b)
        return t & (1 << 32) == 0 ? (a << 1 | 1, UInt32(truncatingIfNeeded: t)) : (a << 1, p << 1 | a >> 31)
    }

    /// `stepUnobserved`'s copies, out of line (inlined next to the generic
    /// step they made the loop slower than the generic step alone), each
    /// looping while the state stays steady.
    @inline(never) mutating func stepSteadyNoCache(_ n: UInt64, untilEnd: Bool) -> UInt64 {
        stepWhileSteady(n, untilEnd: untilEnd, ic: false, dc: false)
    }

    @inline(never) mutating func stepSteadyCaches(_ n: UInt64, untilEnd: Bool) -> UInt64 {
        stepWhileSteady(n, untilEnd: untilEnd, ic: true, dc: true)
    }

    /// `stepSteadyCaches` that also stops where the fast path can take over
    /// again (both caches checking after a miss, a refill or a flush; on a
    /// bus that can reset the CPU, never).
    @inline(never) mutating func stepSteadyCachesUntilChecking(_ n: UInt64, untilEnd: Bool) -> UInt64 {
        stepWhileSteady(n, untilEnd: untilEnd, ic: true, dc: true, untilChecking: true)
    }

    @inline(__always)
    mutating func stepWhileSteady(_ n: UInt64, untilEnd: Bool, ic: Bool, dc: Bool, untilChecking: Bool = false) -> UInt64 {
        var k: UInt64 = 0
        repeat {
            evaluateCycle(observer: nil, trace: nil, peek: false, record: nil, ic: ic, dc: dc, steady: true)
            k += 1
        } while k < n && steady && !(untilEnd && bus.stopRequested) && !(untilChecking && cachesChecking && fastPathEntry)
        return k
    }

    @inline(never) mutating func stepGeneric() { step(observer: nil, trace: nil) }

    /// The registered conditions under which no exception can be raised in
    /// X and no CSR, debug or divider state changes other than by starting
    /// a divide: no interrupt pending and enabled, no debug unit armed or
    /// stepping, no external break, no pending data-bus error or divide by
    /// zero, no divide running, and no valid `scall`, `break`, instruction
    /// bus error, CSR write, `eret` or `bret` in X. Then the exception
    /// logic of X is constant (no exception, EID 7) and the CSR, debug and
    /// running-divider updates of the edge do nothing.
    @inline(__always) var steady: Bool {
        noExceptionPending && mcState == 0 && !(validX && decX.leavesSteady(busError: busErrorX))
    }

    /// `steady`'s registered part that a running divide keeps: no interrupt
    /// pending and enabled, no debug unit armed or stepping, no external
    /// break, no pending data-bus error or divide by zero.
    @inline(__always) var noExceptionPending: Bool {
        !(ie && (ip & im) != 0) && dbgState == 0 && !debugArmed && !extBreakR && !dataBusErrorSeen && !divideByZeroX
    }

    /// The cycle's equations (`step`), with the caches' presence as `ic` and
    /// `dc` (the profile's `icacheOn` and `dcacheOn`) and `steady` true only
    /// when `steady` holds: the callers pass constants, so each inlined copy
    /// is specialised.
    @inline(__always)
    mutating func evaluateCycle(observer: ((CycleObservation) -> Void)?, trace: ((CycleRetirement) -> Void)?, peek: Bool,
                                record: UnsafeMutablePointer<CycleObservation>?, ic icacheOn: Bool, dc dcacheOn: Bool,
                                steady: Bool) {
        // ---------------------------------------------------------- bus
        // The CPU's Wishbone outputs are registers: the slaves answer them
        // first (and do what they do at this cycle's edge).
        let request = CycleBusRequest(
            instruction: WishboneRequest(cyc: iCyc, adr: iAdr, datO: 0, sel: 15, we: false, cti: iCti),
            data: WishboneRequest(cyc: dCyc, adr: dAdr, datO: dDatO, sel: dSel, we: dWe, cti: dCti))
        let r = bus.evaluate(cycle, request, commit: !peek)
        let dErr = r.dErr
        let interruptLines = r.interrupts

        // stall_m without the caches' stall requests (all of it when both
        // caches are steady; computed once for the test below and the full
        // evaluation)
        var stallMBus = stallWbLoad || (dCyc && (ctlM.store || ctlM.load || decX.c.load || (decX.c.store && ie && (ip & im) != 0)))
        if icacheOn {
            if iCyc && (ctlM.branch || exceptionM) { stallMBus = true }
        } else if iCyc {
            stallMBus = true
        }
        // (the eligibility test after stall_m: stall_m is mostly low)
        if stallFastPath && trace == nil && !peek && (stallMBus || (dcacheOn && dcState == 4)) && heldPipelineEligible {
            busAnswer.value = r
            stalledStep(observer: observer, record: record)
            return
        }

        // ---------------------------------------------------------- decode (D)
        let dec = decodedD
        let c = dec.c

        // ---------------------------------------------------------- X stage datapath
        let adderResultX: UInt32, adderCarryNX: Bool
        if adderOpXN {
            let (s1, o1) = operand0X.addingReportingOverflow(operand1X)
            let (s2, o2) = s1.addingReportingOverflow(decX.c.adderOp ? 1 : 0)
            adderResultX = s2; adderCarryNX = o1 || o2
        } else {
            // DataA - DataB - !Cin, 33 bits; Cout = !bit32
            let (d1, b1) = operand0X.subtractingReportingOverflow(operand1X)
            let (d2, b2) = d1.subtractingReportingOverflow(decX.c.adderOp ? 0 : 1)
            adderResultX = d2; adderCarryNX = !(b1 || b2)
        }
        let aSign = operand0X >> 31 != 0, bSign = operand1X >> 31 != 0, rSign = adderResultX >> 31 != 0
        let adderOverflowX = (!aSign && bSign && rSign) || (aSign && !bSign && !rSign)
        let cmpZero = operand0X == operand1X
        let conditionMetX: Bool
        switch decX.condition {
        case 0, 6: conditionMetX = true
        case 1: conditionMetX = cmpZero
        case 7: conditionMetX = !cmpZero
        case 2: conditionMetX = !cmpZero && (rSign == adderOverflowX)
        case 5: conditionMetX = adderCarryNX && !cmpZero
        case 3: conditionMetX = rSign == adderOverflowX
        default: conditionMetX = adderCarryNX
        }
        let xResult: UInt32
        if decX.c.xSelAdd {
            xResult = adderResultX
        } else if decX.c.xSelCSR {
            xResult = csrReadData(decX.csr)
        } else if decX.c.xSelSext {
            xResult = decX.size == 0 ? UInt32(bitPattern: Int32(Int8(truncatingIfNeeded: operand0X)))
                                 : UInt32(bitPattern: Int32(Int16(truncatingIfNeeded: operand0X)))
        } else if decX.c.xSelMC {
            xResult = mcResultX
        } else {
            let f = UInt32(decX.logicOp)
            let o0 = operand0X, o1 = operand1X
            var r: UInt32 = 0
            if f & 1 != 0 { r |= ~o1 & ~o0 }
            if f & 2 != 0 { r |= ~o1 & o0 }
            if f & 4 != 0 { r |= o1 & ~o0 }
            if f & 8 != 0 { r |= o1 & o0 }
            xResult = r
        }

        // ---------------------------------------------------------- M and W results
        let mResult = mResultNow
        let wResult = wResultNow

        // ---------------------------------------------------------- interrupts, debug
        let interruptException = !steady && ie && (ip & im) != 0
        var bpMatch = !steady && dbgState == 3
        if !steady && debugArmed { for i in 0..<4 where bp[i] == pcX | 1 { bpMatch = true } }
        var wpMatch = false
        if !steady && debugArmed && (decX.c.load || decX.c.store) {
            for i in 0..<4 where wp[i] == adderResultX && ((decX.c.load && wpcC[i] & 1 != 0) || (decX.c.store && wpcC[i] & 2 != 0)) {
                wpMatch = true
            }
        }

        // ---------------------------------------------------------- caches (combinational)
        let icMatch: Bool, instructionF: UInt32
        let icStallRequest: Bool, icRefillRequest: Bool
        if icacheOn {
            icMatch = icTag[icTagRA] == ((pcF >> 12) << 1 | 1)
            instructionF = icMatch ? icData[icDataRA] : 0
            icStallRequest = icState != 4
            icRefillRequest = icState == 8
        } else {
            icMatch = false
            instructionF = wbDataF
            icStallRequest = false
            icRefillRequest = false
        }
        let dcMatch: Bool, dcacheDataM: UInt32, dcStallRequest: Bool
        if dcacheOn {
            dcMatch = dcTag[dcTagRA] == ((operandM >> 12) << 1 | 1)
            dcacheDataM = dcData[dcDataRA]
            dcStallRequest = dcState != 2
        } else {
            dcMatch = false; dcacheDataM = 0; dcStallRequest = false
        }
        let dcRefillReq = dcacheOn && dcRefillRequest
        let dcRestartReq = dcacheOn && dcRestartRequest

        // ---------------------------------------------------------- kills and stalls
        let killM = dcRefillReq
        let killW = dcRefillReq
        let qM = validM && !killM && !exceptionM
        let loadQM = ctlM.load && qM
        let storeQM = ctlM.store && qM

        let stallM = stallMBus || dcStallRequest || icStallRequest

        let mispredictCondition = !conditionMetM && ctlM.branchPredict && branchPredictTakenM
        let branchTakenM = !stallM && ((ctlM.branch && validM && ((conditionMetM && !branchPredictTakenM) || mispredictCondition)) || exceptionM)
        let branchMispredictTakenM = mispredictCondition
        let branchFlushXM = !stallM && ((ctlM.branch && validM && (conditionMetM || mispredictCondition)) || exceptionM)

        let branchPredictTakenD = dec.branchPredictTaken
        let branchTargetD = pcD &+ dec.branchOffset

        let killF = (validD && branchPredictTakenD) || branchTakenM || icRefillRequest || dcRefillReq
        let killD = branchTakenM || icRefillRequest || dcRefillReq
        let killX = branchFlushXM || dcRefillReq

        let mcStallRequestX = mcState != 0
        let stallX = stallM || (mcStallRequestX && !killX)
        let qX = validX && !killX

        // exceptions (X)
        let storeQX = decX.c.store && qX && !bpMatch
        let loadQX = decX.c.load && qX && !bpMatch
        let breakpointException = !steady && (((decX.breakOpcode || bpMatch) && validX) || extBreakR)
        let watchpointException = wpMatch
        let instructionBusErrorException = !steady && busErrorX && validX
        let dataBusErrorException = !steady && dataBusErrorSeen
        let divideByZeroException = !steady && divideByZeroX
        let systemCallException = !steady && decX.scall && validX
        let debugExceptionX = breakpointException || watchpointException
        let nonDebugExceptionX = systemCallException || instructionBusErrorException || dataBusErrorException
            || divideByZeroException || (interruptException && !dcSs && !storeQM && !dCyc)
        let exceptionX = debugExceptionX || nonDebugExceptionX
        let eidX: UInt32
        if dataBusErrorException { eidX = 4 }
        else if breakpointException { eidX = 1 }
        else if instructionBusErrorException { eidX = 2 }
        else if watchpointException { eidX = 3 }
        else if divideByZeroException { eidX = 5 }
        else if interruptException && !dcSs { eidX = 6 }
        else { eidX = 7 }

        // interlock and bypass (D)
        let writeEnableQX = decX.c.writeEnable && validX && !branchFlushXM
        let writeEnableQM = ctlM.writeEnable && validM
        let writeEnableQW = writeEnableW && validW
        let rawX0 = decX.writeIdx == dec.readIdx0 && writeEnableQX
        let rawM0 = writeIdxM == dec.readIdx0 && writeEnableQM
        let rawW0 = writeIdxW == dec.readIdx0 && writeEnableQW
        let rawX1 = decX.writeIdx == dec.readIdx1 && writeEnableQX
        let rawM1 = writeIdxM == dec.readIdx1 && writeEnableQM
        let rawW1 = writeIdxW == dec.readIdx1 && writeEnableQW
        let interlock = (!decX.c.xBypass && ((c.readEnable0 && rawX0) || (c.readEnable1 && rawX1)))
            || (!ctlM.mBypass && ((c.readEnable0 && rawM0) || (c.readEnable1 && rawM1)))
        let bypassData0 = rawX0 ? xResult : rawM0 ? mResult : rawW0 ? wResult : regs[dec.readIdx0]
        let bypassData1 = rawX1 ? xResult : rawM1 ? mResult : rawW1 ? wResult : regs[dec.readIdx1]

        let memoryBusy = loadQX || loadQM || storeQX || storeQM || dCyc
        let stallD = stallX
            || (interlock && !killD)
            || ((dec.eret || dec.scall || busErrorD) && memoryBusy && !killD)
            || ((dec.breakOpcode || dec.bret) && memoryBusy && !killD)
            || (c.wcsr && loadQX)
        let stallF = stallD
        let stallA = stallF

        let qD = validD && !killD
        let dResult0 = c.dResultSel0Pc ? pcF : bypassData0
        let dResult1: UInt32 = c.dResultSel1 == 0 ? 0 : c.dResultSel1 == 1 ? bypassData1 : dec.immediate

        // next PC (A)
        let pcA: UInt32
        if dcRestartReq {
            pcA = restartAddress
        } else if branchTakenM {
            pcA = (branchMispredictTakenM && !exceptionM) ? pcX : branchTargetM
        } else if validD && branchPredictTakenD {
            pcA = branchTargetD     // branch_predict_address_d when taken
        } else if icacheOn && icRestartRequest {
            pcA = restartAddress
        } else {
            pcA = pcF &+ 4
        }
        var validA = true
        if icacheOn || dcacheOn {
            if icRefillRequest || dcRefillReq { validA = false }
            else if (icacheOn && icRestartRequest) || dcRestartReq { validA = true }
            else { validA = !(icacheOn && icRefilling) && !(dcacheOn && dcRefilling) }
        }

        // cache misses and flushes
        let iflush = icacheOn && c.wcsr && dec.csr == 3 && !stallD && !killD && validD
        let icReadEnableF = validF && !killF && !dcRestartReq
        let icMiss = icacheOn && !icMatch && icReadEnableF && !stallF && !(validD && branchPredictTakenD)
        let dcMiss = dcacheOn && !dcMatch && loadQM && dcacheSelectM && !stallM
        let csrWriteEnableQX = !steady && decX.c.wcsr && qX
        let dflushX = csrWriteEnableQX && decX.csr == 4
        let eretQX = !steady && decX.eret && qX
        let bretQX = !steady && decX.bret && qX
        let debugExceptionQW = debugExceptionW && validW
        let nonDebugExceptionQW = nonDebugExceptionW && validW
        let regWriteEnableQW = writeEnableW && !killW && validW

        // load/store unit (X)
        let loadStoreAddressX = adderResultX
        let dcacheSelectX = dcacheOn && loadStoreAddressX <= 0x7FFF_FFFF
        let wbSelectX = !dcacheSelectX
        let storeDataX: UInt32
        switch decX.size {
        case 0: let b = storeOperandX & 0xFF; storeDataX = b | b << 8 | b << 16 | b << 24
        case 3: let h = storeOperandX & 0xFFFF; storeDataX = h | h << 16
        case 2: storeDataX = storeOperandX
        default: storeDataX = 0
        }
        let byteEnableX: UInt8
        switch decX.size {
        case 0: byteEnableX = 8 >> UInt8(loadStoreAddressX & 3)
        case 3: byteEnableX = loadStoreAddressX & 2 != 0 ? 3 : 12
        case 2: byteEnableX = 15
        default: byteEnableX = 0
        }
        let dataM = (!dcacheOn || wbSelectM) ? wbDataM : dcacheDataM

        // ---------------------------------------------------------- observation
        if observer != nil || record != nil {
            busAnswer.value = r
            let stall: UInt8 = (stallA ? 1 : 0) | (stallF ? 2 : 0) | (stallD ? 4 : 0) | (stallX ? 8 : 0) | (stallM ? 16 : 0)
            let kill: UInt8 = (killF ? 1 : 0) | (killD ? 2 : 0) | (killX ? 4 : 0) | (killM ? 8 : 0) | (killW ? 16 : 0)
            let retire = validW && !killW, excW: UInt8 = (nonDebugExceptionQW ? 1 : 0) | (debugExceptionQW ? 2 : 0)
            if let record {
                observe(into: record, rfWe: regWriteEnableQW, wResult: wResult, stall: stall, kill: kill, retire: retire, excW: excW)
            } else if let observer {
                var o = CycleObservation()
                observe(into: &o, rfWe: regWriteEnableQW, wResult: wResult, stall: stall, kill: kill, retire: retire, excW: excW)
                observer(o)
            }
        }
        if peek { return }

        let retiring = validW && !killW
        if retiring {
            retiredCount &+= 1
            if Bus.watchesRetirements && !nonDebugExceptionQW && !debugExceptionQW {
                bus.retired(pc: pcW, word: insnW, ie: ie, cycle: cycle)
            }
        }

        // ================================================================= rising edge
        // Every update below reads only the combinational values computed
        // above and registers before the edge: the blocks are ordered so
        // that each register is read before it is written (the pipeline from
        // W back to F), and the few registers read after their update are
        // kept in snapshots. (Snapshots of every register cost a load, a
        // spill and a reload each per cycle.)
        // exception_handler_address for the M stage (DC.RE, EBA and DEBA before the edge)
        let exceptionBaseX = (dcRe || (debugExceptionX && !nonDebugExceptionX)) ? deba : eba

        // register file
        if regWriteEnableQW { regs[writeIdxW] = wResult; arrayWrites &+= 1 }

        // multiplier and shifter
        mulResult = product
        if !stallM { product = multiplicand &* multiplier }
        if !stallX {
            multiplicand = dResult0; multiplier = dResult1
            let n = operand1X & 31
            if decX.direction {
                shifterResultM = operand0X << n
            } else if decX.signExtend {
                shifterResultM = UInt32(bitPattern: Int32(bitPattern: operand0X) >> Int32(n))
            } else {
                shifterResultM = operand0X >> n
            }
        }

        // multi-cycle arithmetic
        divideByZeroX = false
        if steady || mcState == 0 {
            if !stallD {
                mcCycles = 32; mcP = 0; mcA = dResult0; mcB = dResult1
                if c.divide && qD { mcState = 3 }
                if c.modulus && qD { mcState = 2 }
            }
        } else {
            let last = mcCycles == 0 || killX
            divideStep()
            if last {
                divideByZeroX = mcB == 0
                mcState = 0
            }
        }

        // interrupt unit
        let asserted = ip | interruptLines
        ip = asserted
        if nonDebugExceptionQW {
            eie = ie; ie = false
        } else if debugExceptionQW {
            bie = ie; ie = false
        } else if !stallX {
            if eretQX { ie = eie }
            else if bretQX { ie = bie }
            else if csrWriteEnableQX {
                if decX.csr == 0 { ie = operand1X & 1 != 0; eie = operand1X & 2 != 0; bie = operand1X & 4 != 0 }
                if decX.csr == 1 { im = operand1X }
                if decX.csr == 2 { ip = asserted & ~operand1X }
            }
        }

        // debug unit (CSR writes with csr_write_enable_k_q_x, not gated by stall_x)
        if csrWriteEnableQX {
            arrayWrites &+= 1
            if (16...19).contains(decX.csr) { bp[decX.csr - 16] = operand1X & ~2 }
            if decX.csr == 8 {
                for i in 0..<4 { wpcC[i] = UInt8((operand1X >> UInt32(2 + 2 * i)) & 3) }
                dcRe = operand1X & 2 != 0
                dcWritten = operand1X
            }
            if (24...27).contains(decX.csr) { wp[decX.csr - 24] = operand1X }
            debugArmed = (0..<4).contains { bp[$0] & 1 != 0 || wpcC[$0] != 0 }
        }
        let dbgState0 = steady ? 0 : dbgState
        if csrWriteEnableQX && decX.csr == 8 {
            dcSs = operand1X & 1 != 0
            dbgState = operand1X & 1 == 0 ? 0 : 1
        }
        switch dbgState0 {
        case 1:
            if (eretQX || bretQX) && !stallX { dbgState = 2 }
        case 2:
            if qX && !stallX { dbgState = 3 }
        case 3:
            if dcRefillReq { dbgState = 2 }
            else if exceptionX && qX && !stallX { dcSs = false; dbgState = 4 }
        case 4:
            dbgState = dcRefillReq ? 2 : 0
        default: break
        }

        // eba, deba, cc, sticky flags
        if csrWriteEnableQX && decX.csr == 7 && !stallX { eba = operand1X & 0xFFFF_FE00 }
        if csrWriteEnableQX && decX.csr == 9 && !stallX { deba = operand1X & 0xFFFF_FE00 }
        cc &+= 1
        if dErr && dCyc { dataBusErrorSeen = true }
        if exceptionM && !killM { dataBusErrorSeen = false }
        if extBreak { extBreakR = true }
        if debugExceptionQW { extBreakR = false }

        // architectural effects carried with the slots (trace only); here,
        // after the CSR updates (the effects report the CSRs after the
        // edge) and before the pipeline registers move (W's and X's
        // registers before the edge)
        if let t = trace {
            let effM0 = effM, effW0 = effW
            if !stallM {
                var e = SlotEffects()
                if !stallX && qX && !exceptionX {
                    if storeQX {
                        let size: AccessSize = decX.size == 0 ? .byte : decX.size == 3 ? .half : .word
                        let a = size == .word ? loadStoreAddressX & ~3 : size == .half ? loadStoreAddressX & ~1 : loadStoreAddressX
                        e.effects.append(.mem(a, size, storeOperandX & size.mask))
                    }
                    if csrWriteEnableQX { e.effects.append(.csr(decX.csr, csrEffectValue(decX.csr))) }
                    if eretQX || bretQX { e.effects.append(.csr(0, ieValue)) }
                }
                if exceptionX && qX && !stallX { e.eid = Int(eidX) }
                effM = e
            }
            effW = effM0
            if retiring {
                var effects: [Effect] = []
                if regWriteEnableQW { effects.append(.reg(writeIdxW, wResult)) }
                if nonDebugExceptionQW || debugExceptionQW {
                    effects.append(.csr(0, ieValue))
                    effects.append(.exception(effW0.eid))
                } else {
                    effects += effW0.effects
                }
                t(CycleRetirement(cycle: cycle, pc: pcW, word: insnW, effects: effects))
            }
        }

        // instruction cache: memories, FSM, registered read addresses
        // (the refill registers before the edge are read again by the
        // instruction unit below)
        let icRefillAddress0 = icRefillAddress, icRefillReady0 = icacheRefillReady
        if icacheOn {
            let lastRefill = icRefillOffset == 3
            let flushing = icState & 3 != 0
            if icRefillReady0 {
                icData[Int((icRefillAddress0 >> 4) & 0xFF) << 2 | Int(icRefillOffset)] = icacheRefillData
                arrayWrites &+= 1
            }
            if icRefillReady0 || flushing {
                arrayWrites &+= 1
                icTag[flushing ? icFlushSet : Int((icRefillAddress0 >> 4) & 0xFF)] =
                    (icRefillAddress0 >> 12) << 1 | ((lastRefill && !flushing) ? 1 : 0)
            }
            switch icState {
            case 1, 2:
                if icFlushSet == 0 { icState = 4 }
                icFlushSet = (icFlushSet - 1) & 255
            case 4:
                if !stallA { icRestartRequest = false }
                if iflush {
                    icRefillAddress = pcF; icState = 2; icRefillOffset = 0
                } else if icMiss {
                    icRefillAddress = pcF; icState = 8; icRefillOffset = 0
                }
            default:
                if icRefillReady0 {
                    if lastRefill { icRestartRequest = true; icState = 4 }
                    icRefillOffset = (icRefillOffset + 1) & 3
                }
            }
            icRefilling = icRefillRequest
            if !stallA { icDataRA = Int((pcA >> 2) & 0x3FF); icTagRA = Int((pcA >> 4) & 0xFF) }
        }

        // data cache: memories, FSM, registered read addresses (the refill
        // registers before the edge are read again by the units below)
        let dcRefillAddress0 = dcRefillAddress, dcRefilling0 = dcRefilling
        if dcacheOn {
            let lastRefill = dcRefillOffset == 3
            let flushing = dcState == 1
            let refill = dcState == 4
            let dcRefillReady0 = dcacheRefillReady
            let validStore = storeQM && dcacheSelectM && dcState == 2
            let writePortEnable = dcRefillReady0 || !stallM
            if writePortEnable && (dcRefillReady0 || (validStore && dcMatch)) {
                arrayWrites &+= 1
                if refill {
                    dcData[Int((dcRefillAddress0 >> 4) & 0xFF) << 2 | Int(dcRefillOffset)] = wbDataM
                } else {
                    let m = laneMask(byteEnableM)
                    dcData[Int((operandM >> 2) & 0x3FF)] = (storeDataM & m) | (dcacheDataM & ~m)
                }
            }
            if dcRefillReady0 || flushing {
                arrayWrites &+= 1
                dcTag[flushing ? dcFlushSet : Int((dcRefillAddress0 >> 4) & 0xFF)] =
                    (dcRefillAddress0 >> 12) << 1 | (((lastRefill || validStore) && !flushing) ? 1 : 0)
            }
            switch dcState {
            case 1:
                if dcFlushSet == 0 { dcState = 2 }
                dcFlushSet = (dcFlushSet - 1) & 255
            case 2:
                if !stallA { dcRestartRequest = false }
                if dcMiss {
                    dcRefillRequest = true; dcRefillAddress = operandM; dcState = 4; dcRefillOffset = 0
                } else if dflushM {
                    dcState = 1
                }
            default:
                dcRefillRequest = false
                if dcRefillReady0 {
                    if lastRefill { dcRestartRequest = true; dcState = 2 }
                    dcRefillOffset = (dcRefillOffset + 1) & 3
                }
            }
            dcRefilling = refill
            if !stallX { dcDataRA = Int((loadStoreAddressX >> 2) & 0x3FF); dcTagRA = Int((loadStoreAddressX >> 4) & 0xFF) }
        }

        // instruction unit: restart address, I-bus master (the D-stage
        // registers take bus_error_f before this edge, below)
        let busErrorF0 = busErrorF
        if icacheOn {
            if dcRefillReq { restartAddress = pcW }
            else if icRefillRequest && !(dcacheOn && dcRefilling0) && !dcRestartReq { restartAddress = icRefillAddress0 }
            icacheRefillReady = false
            if iCyc {
                instructionBusAnswer(r)
            } else {
                if icRefillRequest && !icRefillReady0 {
                    iAdr = icRefillAddress0 & ~0xF
                    iCyc = true
                    iCti = 2
                    busErrorF = false
                }
                if branchTakenM { busErrorF = false }
            }
        } else {
            if iCyc {
                instructionBusAnswer(r)
            } else if !stallA {
                iAdr = pcA
                iCyc = true
                busErrorF = false
            }
        }

        // load/store unit: D-bus master
        dcacheRefillReady = false
        if dCyc {
            dataBusAnswer(r, dcRefilling0: dcRefilling0)
        } else {
            if dcRefillReq {
                dAdr = dcRefillAddress0 & ~0xF
                dCyc = true; dSel = 15; dWe = false; dCti = 2
            } else if storeQM && !stallM {
                dDatO = storeDataM; dAdr = operandM; dCyc = true; dSel = byteEnableM; dWe = true; dCti = 7
            } else if loadQM && wbSelectM && !wbLoadComplete {
                stallWbLoad = false
                dAdr = operandM; dCyc = true; dSel = byteEnableM; dWe = false; dCti = 7
            }
        }
        if !stallM { wbLoadComplete = false }
        if loadQX && wbSelectX && !stallX { stallWbLoad = true }
        if killM || exceptionM { stallWbLoad = false }

        // pipeline registers W (from M before the edge)
        operandW = exceptionM ? (dataBusErrorExceptionM ? memopPcW : pcM) : mResult
        wSelLoadW = ctlM.wSelLoad; wSelMulW = ctlM.wSelMul
        writeIdxW = writeIdxM; writeEnableW = ctlM.writeEnable
        debugExceptionW = debugExceptionM; nonDebugExceptionW = nonDebugExceptionM
        if !stallM && !dataBusErrorException && (loadQM || storeQM) { memopPcW = pcM }
        sizeW = sizeM; dataW = dataM; signExtendW = signExtendM
        insnW = insnM
        eidW = eidM
        // pipeline registers M (from X before the edge)
        if !stallM {
            operandM = xResult
            ctlM = decX.c.mStage(exception: exceptionX)
            branchPredictTakenM = decX.branchPredictTaken
            writeIdxM = nonDebugExceptionX ? 30 : debugExceptionX ? 31 : decX.writeIdx
            conditionMetM = conditionMetX
            branchTargetM = exceptionX ? exceptionBaseX | eidX << 5 : branchTargetX
            dflushM = dflushX
            debugExceptionM = debugExceptionX; nonDebugExceptionM = nonDebugExceptionX
            exceptionM = exceptionX && qX && !stallX
            dataBusErrorExceptionM = dataBusErrorException
            signExtendM = decX.signExtend; sizeM = decX.size; byteEnableM = byteEnableX; storeDataM = storeDataX
            dcacheSelectM = dcacheSelectX; wbSelectM = wbSelectX
            insnM = insnX; eidM = UInt8(eidX & 7)
        }
        // pipeline registers X (from D before the edge)
        if !stallX {
            operand0X = dResult0
            operand1X = dResult1
            storeOperandX = bypassData1
            branchTargetX = c.branchReg ? bypassData0 & ~3 : branchTargetD
            decX = decodedD     // = dec (decodedD changes at the end of the edge); read again from memory, not spilled
            adderOpXN = !c.adderOp; busErrorX = busErrorD
            insnX = instructionD
        }
        // D-stage registers (from F before the edge)
        if !stallD {
            instructionD = instructionF
            busErrorD = busErrorF0
        }

        // valid bits (W back to F)
        validW = !stallM ? validM && !killM : false
        if killM { validM = false }
        else if !stallX { validM = validX && !killX }
        else if !stallM { validM = false }
        if !stallD { validX = validD && !killD }
        else if killX { validX = false }
        else if !stallX { validX = false }
        if killD { validD = false }
        else if !stallF { validD = validF && !killF }
        else if !stallD { validD = false }
        if killF || !stallA { validF = (icacheOn || dcacheOn) ? validA : true }
        else if !stallF { validF = false }

        // program counters (W back to F)
        pcW = pcM
        if !stallM { pcM = pcX }
        if !stallX { pcX = pcD }
        if !stallD { pcD = pcF }
        if !stallF { pcF = pcA }

        if !stallD && decodedD.word != instructionD { decodedD = DecodedInstruction(instructionD, table: opTable) }

        if Bus.canResetCPU && bus.resetsCPU {
            // The SoC reset was high in this cycle: every register takes its
            // reset value at this edge (the LM32's reset is synchronous).
            applyReset()
            bus.cpuReset()
        }
        cycle &+= 1
    }

    // MARK: helpers

    /// m_result (the M stage's result as bypassed to D and written to W).
    @inline(__always) var mResultNow: UInt32 {
        ctlM.mSelCompare ? (conditionMetM ? 1 : 0) : ctlM.mSelShift ? shifterResultM : operandM
    }

    /// w_result (the register-file write data), with the load unit's
    /// alignment and sign extension of the word in W.
    @inline(__always) var wResultNow: UInt32 {
        if wSelLoadW {
            let a2 = operandW & 3
            switch sizeW {
            case 0:
                let byte = (dataW >> ((3 - a2) * 8)) & 0xFF
                return signExtendW && byte & 0x80 != 0 ? byte | 0xFFFF_FF00 : byte
            case 3:
                let half = a2 & 2 != 0 ? dataW & 0xFFFF : dataW >> 16
                return signExtendW && half & 0x8000 != 0 ? half | 0xFFFF_0000 : half
            case 2: return dataW
            default: return 0
            }
        }
        return wSelMulW ? mulResult : operandW
    }

    /// The observation of the current cycle from the registers, the bus's
    /// answer and the combinational values the caller computed, written into
    /// `o` (an element of a batch buffer is filled in place, without a copy).
    /// `mutating` although it changes nothing: called from the mutating step
    /// when not inlined, a non-mutating method gets a copy of the whole core
    /// (840 bytes, a memcpy call per cycle).
    @inline(__always)
    mutating func observe(into o: UnsafeMutablePointer<CycleObservation>, rfWe: Bool, wResult: UInt32,
                 stall: UInt8, kill: UInt8, retire: Bool, excW: UInt8) {
        // every field is stored below; the bus-specific ones are 0 unless the
        // bus sets them, as in a fresh observation (a batch element still
        // holds an earlier cycle's). Field by field: an assignment of
        // `CycleObservation()` is a memcpy call (~110 instructions).
        let r = busAnswer.value
        o.pointee.tdev = 0; o.pointee.tdevData = 0; o.pointee.reset = false
        o.pointee.gpioIn = 0; o.pointee.gpioOut = 0; o.pointee.uartTxWr = false; o.pointee.uartTxData = 0
        o.pointee.uartThre = false
        o.pointee.copIrq = false; o.pointee.copCsrWe = false; o.pointee.copCsrRe = false; o.pointee.copCsrAdr = 0
        o.pointee.copCsrDatW = 0; o.pointee.copCsrDatR = 0; o.pointee.copCyc = false; o.pointee.copAdr = 0
        o.pointee.copAck = false; o.pointee.copErr = false; o.pointee.copDatR = 0
        o.pointee.pcieIrq = false; o.pointee.pcieCyc = false; o.pointee.pcieAdr = 0; o.pointee.pcieWe = false
        o.pointee.pcieAck = false; o.pointee.pcieErr = false
        o.pointee.cycle = cycle
        o.pointee.pcF = pcF; o.pointee.pcD = pcD; o.pointee.pcX = pcX; o.pointee.pcM = pcM; o.pointee.pcW = pcW
        o.pointee.insnW = insnW
        o.pointee.rfWe = rfWe; o.pointee.rfIdx = UInt8(writeIdxW); o.pointee.rfData = wResult
        o.pointee.ip = ip; o.pointee.im = im; o.pointee.cc = cycleCounterOn ? cc : 0; o.pointee.interrupt = r.interrupts
        o.pointee.ibus.adr = iAdr; o.pointee.ibus.datW = 0; o.pointee.ibus.datR = r.iDat; o.pointee.ibus.sel = 15
        o.pointee.ibus.cti = iCti; o.pointee.ibus.cyc = iCyc; o.pointee.ibus.we = false; o.pointee.ibus.ack = r.iAck
        o.pointee.ibus.err = r.iErr
        o.pointee.dbus.adr = dAdr; o.pointee.dbus.datW = dDatO; o.pointee.dbus.datR = r.dDat; o.pointee.dbus.sel = dSel
        o.pointee.dbus.cti = dCti; o.pointee.dbus.cyc = dCyc; o.pointee.dbus.we = dWe; o.pointee.dbus.ack = r.dAck
        o.pointee.dbus.err = r.dErr
        o.pointee.valid = (validF ? 1 : 0) | (validD ? 2 : 0) | (validX ? 4 : 0) | (validM ? 8 : 0) | (validW ? 16 : 0)
        o.pointee.stall = stall
        o.pointee.kill = kill
        o.pointee.retire = retire
        o.pointee.excW = excW
        o.pointee.eidW = eidW
        o.pointee.ie = ie; o.pointee.eie = eie; o.pointee.bie = bie
        bus.annotate(&o.pointee)
    }

    /// The instruction port's registers at an edge with I_CYC_O high: a
    /// beat ends on ACK or ERR (a cache refill's burst moves to its next
    /// word; without the cache the fetched word is latched).
    @inline(__always)
    mutating func instructionBusAnswer(_ r: CycleBusResponse) {
        if r.iAck || r.iErr {
            if icacheOn {
                if iAdr & 0xC == 0xC { iCyc = false }
                iCti = iAdr & 0x8 != 0 ? 7 : 2
                iAdr = (iAdr & ~0xC) | ((iAdr &+ 4) & 0xC)
                icacheRefillReady = true
                icacheRefillData = r.iDat
            } else {
                iCyc = false
                wbDataF = r.iDat
            }
        }
        if r.iErr { busErrorF = true }
    }

    /// The data port's registers at an edge with D_CYC_O high
    /// (`dcRefilling0`: the data cache's refilling register before the edge).
    @inline(__always)
    mutating func dataBusAnswer(_ r: CycleBusResponse, dcRefilling0: Bool) {
        guard r.dAck || r.dErr else { return }
        let adr0 = dAdr
        let lastWord = adr0 & 0xC == 0xC
        if dcacheOn && dcRefilling0 && !lastWord {
            dAdr = (dAdr & ~0xC) | ((dAdr &+ 4) & 0xC)
        } else {
            dCyc = false
        }
        if dcacheOn {
            dCti = adr0 & 0x8 != 0 ? 7 : 2      // next_cycle_type from the address before the edge
            dcacheRefillReady = dcRefilling0
        }
        wbDataM = r.dDat
        wbLoadComplete = !dWe
    }

    /// The registered conditions under which a cycle with stall_m high can
    /// take `stalledStep`: no multi-cycle divide running, no debug single
    /// step in progress, no CSR write in X (the debug unit's writes are not
    /// gated by stall_x), the instruction cache checking with no refill
    /// word pending, the data cache checking with no refill word pending or
    /// refilling a line after the cycle that requested it (no D-cache flush
    /// in M, no refill requested: nothing is killed).
    @inline(__always) var heldPipelineEligible: Bool {
        mcState == 0 && dbgState == 0 && !(decX.c.wcsr && validX)
            && (!icacheOn || (icState == 4 && !icacheRefillReady))
            && (!dcacheOn || (!dflushM && !dcRefillRequest && (dcState == 2 ? !dcacheRefillReady : dcState == 4)))
    }

    /// The data cache's edge while it refills a line (`dcState` 4, the
    /// request's cycle past): the word the bus answered in the previous
    /// cycle goes into the line with its tag, valid after the line's last
    /// word, which also ends the refill and requests the restart.
    @inline(__always)
    mutating func dataCacheRefillEdge() {
        guard dcacheRefillReady else { return }
        let set = Int((dcRefillAddress >> 4) & 0xFF)
        let last = dcRefillOffset == 3
        dcData[set << 2 | Int(dcRefillOffset)] = wbDataM
        dcTag[set] = (dcRefillAddress >> 12) << 1 | (last ? 1 : 0)
        arrayWrites &+= 2
        if last { dcRestartRequest = true; dcState = 2 }
        dcRefillOffset = (dcRefillOffset + 1) & 3
    }

    /// One clock cycle of a held pipeline: stall_m is high (so are stall_a to
    /// stall_x), no refill is requested and `heldPipelineEligible` holds. Then
    /// kill_d to kill_w are low, no branch is taken, the stages A to M keep
    /// their registers, and only this remains of `step`'s evaluation: the
    /// W stage (register-file write, interrupt unit on an exception in W, W
    /// registers from the held M stage), the bus masters' answers, a waiting
    /// load's D-bus cycle, a data-cache line's refill, F's valid bit when a
    /// predicted-taken branch in D kills F, the cycle counter and the
    /// sticky flags. `stallFastPath =
    /// false` evaluates such cycles in full; tests compare the two states
    /// every cycle.
    @inline(__always)
    mutating func stalledStep(observer: ((CycleObservation) -> Void)?, record: UnsafeMutablePointer<CycleObservation>?) {
        let r = busAnswer.value
        let killF = validD && decodedD.branchPredictTaken
        let nonDebugExceptionQW = nonDebugExceptionW && validW
        let debugExceptionQW = debugExceptionW && validW
        let regWriteEnableQW = writeEnableW && validW
        let wResult = wResultNow
        let excW: UInt8 = (nonDebugExceptionQW ? 1 : 0) | (debugExceptionQW ? 2 : 0)
        if let record {
            observe(into: record, rfWe: regWriteEnableQW, wResult: wResult, stall: 31, kill: killF ? 1 : 0, retire: validW, excW: excW)
        } else if let observer {
            var o = CycleObservation()
            observe(into: &o, rfWe: regWriteEnableQW, wResult: wResult, stall: 31, kill: killF ? 1 : 0, retire: validW, excW: excW)
            observer(o)
        }
        if validW {
            retiredCount &+= 1
            if Bus.watchesRetirements && !nonDebugExceptionQW && !debugExceptionQW {
                bus.retired(pc: pcW, word: insnW, ie: ie, cycle: cycle)
            }
        }
        // F's valid bit, from valid_a with the refilling registers before the edge
        if killF {
            if icacheOn || dcacheOn {
                validF = (icacheOn && icRestartRequest) || (dcacheOn && dcRestartRequest)
                    || (!(icacheOn && icRefilling) && !(dcacheOn && dcRefilling))
            } else {
                validF = true
            }
        }
        let dcRefilling0 = dcRefilling
        let dataM = (!dcacheOn || wbSelectM) ? wbDataM : dcData[dcDataRA]
        // (refill = dcState 4 before the edge; the line's word is wbDataM
        // before the bus's answer below)
        let dcRefill = dcacheOn && dcState == 4
        if dcRefill { dataCacheRefillEdge() }

        if regWriteEnableQW { regs[writeIdxW] = wResult; arrayWrites &+= 1 }
        mulResult = product
        divideByZeroX = false
        ip |= r.interrupts
        if nonDebugExceptionQW {
            eie = ie; ie = false
        } else if debugExceptionQW {
            bie = ie; ie = false
        }
        cc &+= 1
        if r.dErr && dCyc { dataBusErrorSeen = true }
        if exceptionM { dataBusErrorSeen = false }
        if extBreak { extBreakR = true }
        if debugExceptionQW { extBreakR = false }
        if icacheOn { icRefilling = false }
        if dcacheOn { dcRefilling = dcRefill }

        if icacheOn { icacheRefillReady = false }
        if iCyc { instructionBusAnswer(r) }
        dcacheRefillReady = false
        if dCyc {
            dataBusAnswer(r, dcRefilling0: dcRefilling0)
        } else if ctlM.load && validM && !exceptionM && wbSelectM && !wbLoadComplete {
            stallWbLoad = false
            dAdr = operandM; dCyc = true; dSel = byteEnableM; dWe = false; dCti = 7
        }
        if exceptionM { stallWbLoad = false }
        sizeW = sizeM; dataW = dataM; signExtendW = signExtendM
        validW = false
        insnW = insnM
        eidW = eidM
        operandW = exceptionM ? (dataBusErrorExceptionM ? memopPcW : pcM) : mResultNow
        wSelLoadW = ctlM.wSelLoad; wSelMulW = ctlM.wSelMul; writeIdxW = writeIdxM; writeEnableW = ctlM.writeEnable
        debugExceptionW = debugExceptionM; nonDebugExceptionW = nonDebugExceptionM
        pcW = pcM
        if Bus.canResetCPU && bus.resetsCPU {
            applyReset()
            bus.cpuReset()
        }
        cycle &+= 1
    }

    /// csr_read_data_x (absent and write-only CSRs read 0: --x-assign 0).
    @inline(__always) func csrReadData(_ csr: Int) -> UInt32 {
        switch csr {
        case 0: return ieValue
        case 1: return im
        case 2: return ip
        case 5: return cycleCounterOn ? cc : 0     // CC exists with CFG_CYCLE_COUNTER_ENABLED only
        case 6: return cfgWord
        case 7: return eba
        case 9: return deba
        default: return 0
        }
    }

    var ieValue: UInt32 { (ie ? 1 : 0) | (eie ? 2 : 0) | (bie ? 4 : 0) }

    /// The value the functional core reports for a CSR after a write (its
    /// `readCSR`), so that the two traces compare.
    func csrEffectValue(_ csr: Int) -> UInt32 {
        switch csr {
        case 8: return dcWritten
        case 5: return 0
        default: return csrReadData(csr)
        }
    }

    @inline(__always) func laneMask(_ sel: UInt8) -> UInt32 {
        (sel & 8 != 0 ? 0xFF00_0000 : 0) | (sel & 4 != 0 ? 0x00FF_0000 : 0)
            | (sel & 2 != 0 ? 0x0000_FF00 : 0) | (sel & 1 != 0 ? 0x0000_00FF : 0)
    }
}

/// The cycle-exact LM32 on the RTL test bench: `step()` is one clock cycle
/// (see `CycleCore`). Observation, per-event view and trace are optional and
/// cost nothing when unset.
public final class LM32CycleMachine {
    var core: CycleCore<BenchBus>
    private let storage: UnsafeMutablePointer<UInt32>
    private let ram: UnsafeMutablePointer<UInt32>
    private let bytes: UnsafeMutablePointer<UInt8>

    /// Called with the observation of every cycle when set.
    public var observer: ((CycleObservation) -> Void)?
    /// Receives every retirement with its architectural effects when set.
    public var trace: ((CycleRetirement) -> Void)?
    /// Called with the observations of the cycles stepped, in cycle order,
    /// in batches of up to 1 024 (each `step` and `run` delivers its cycles
    /// before it returns), when set and `observer` and `trace` are not: no
    /// call per cycle, the observations written in place (a VCD).
    public var batchObserver: ((UnsafeBufferPointer<CycleObservation>) -> Void)? {
        didSet { batch = batchObserver.map(ObservationBatch.init) }
    }
    private var batch: ObservationBatch?

    public init(config: CoreConfig, bench: BenchConfig = BenchConfig()) {
        precondition(config.debug && config.breakpoints == 4 && config.watchpoints == 4,
                     "the cycle model implements the test-bench CPU options (debug, 4 BP, 4 WP)")
        let words = CycleCore<BenchBus>.allocationWords
        storage = .allocate(capacity: words)
        storage.initialize(repeating: 0, count: words)
        ram = .allocate(capacity: BenchBus.ramWords)
        ram.initialize(repeating: 0, count: BenchBus.ramWords)
        bytes = .allocate(capacity: 4)
        bytes.initialize(repeating: 0, count: 4)
        core = CycleCore(config: config, bus: BenchBus(config: bench, memory: ram), storage: storage, bytes: bytes)
    }

    deinit {
        storage.deallocate()
        ram.deallocate()
        bytes.deallocate()
    }

    public var config: CoreConfig { core.config }
    public var bench: BenchConfig { core.bus.config }
    /// The current cycle k (cycle 0 = first cycle with reset low).
    public var cycle: UInt64 { core.cycle }
    /// Interrupt lines as driven in the current cycle.
    public var interruptLines: UInt32 {
        get { core.bus.interruptLines }
        set { core.bus.interruptLines = newValue }
    }
    /// Evaluate cycles in which the whole pipeline is held with the cheap
    /// `stalledStep` (default); false evaluates every cycle in full. Both give
    /// the same state in every cycle (tests compare them).
    public var stallFastPath: Bool {
        get { core.stallFastPath }
        set { core.stallFastPath = newValue }
    }
    /// Step a cycle whose state is steady (`CycleCore.steady`: no exception
    /// can be raised in X, no CSR, debug or running-divider update) through
    /// a copy of the cycle's equations specialised for the profile, when
    /// no observer or trace is set (default); false: the generic step. Both
    /// give the same state in every cycle (tests compare them).
    public var specialisedStep: Bool {
        get { core.specialisedStep }
        set { core.specialisedStep = newValue }
    }
    /// Run steady stretches on the instruction-level fast path
    /// (`CycleCore.stepFastNoCache`, `stepFastCaches`, and a divide's held
    /// cycles as its recurrence, `stepDivide`; only with `specialisedStep`,
    /// without observer or trace, on a profile with no cache or both);
    /// false: the per-cycle steps. The same state at every hand-over
    /// (`FastPathCheck` compares).
    public var fastPath: Bool {
        get { core.fastPath }
        set { core.fastPath = newValue }
    }
    /// What the fast path ran so far.
    public var fastPathStats: FastPathStats { core.fastPathStats.value }
    /// Run repeated loop iterations as traces on the fast path (the
    /// default; docs/lm32-fastpath.md, "Traces"); false: the per-cycle
    /// replay alone. The same state at every hand-over (`FastPathCheck`).
    public var traces: Bool {
        get { core.tracesOn }
        set { core.tracesOn = newValue }
    }
    /// Run the traces' shadow beside the fast path's replay (a check
    /// mode, docs/lm32-fastpath.md, "Traces"): it files traces from the
    /// replay's repeated iterations, runs each iteration a trace starts
    /// functionally and compares the outcome with the replay's.
    public var traceShadow: Bool {
        get { core.traceShadow.value != nil }
        set { core.traceShadow.value = newValue ? (core.traceShadow.value ?? FastTraceShadow()) : nil }
    }
    /// The shadow's findings: traces filed, iterations checked, runs that
    /// left their trace with the replay, and the first disagreement.
    public var traceShadowReport: (traces: Int, checked: Int, exits: Int, failure: String?) {
        guard let s = core.traceShadow.value else { return (0, 0, 0, nil) }
        return (s.traces.count, s.checked, s.exits, s.failure)
    }
    /// `run` and `runUntilEnd` return right after each fast-path episode
    /// (its hand-over), before the cycles asked for (tests).
    public var stopAtHandOver: Bool {
        get { core.stopAtHandOver.value }
        set { core.stopAtHandOver.value = newValue }
    }
    /// The CPU's external break input in the current cycle.
    public var extBreak: Bool {
        get { core.extBreak }
        set { core.extBreak = newValue }
    }
    /// Test-device and character-port events so far.
    public var benchEvents: [BenchEvent] { core.bus.events }
    /// Whether the program wrote the test device's end register.
    public var ended: Bool { core.bus.ended }
    /// Instructions retired (valid_w & ~kill_w) since reset.
    public var retiredCount: UInt64 { core.retiredCount }
    /// The register file.
    public var regs: [UInt32] { Array(UnsafeBufferPointer(start: core.regs, count: 32)) }

    /// The bench RAM word holding `address`.
    public func word(at address: UInt32) -> UInt32 { ram[UnitTestBench.wordIndex(address)] }

    /// Load bytes into the bench RAM (address order, big-endian words).
    public func load(_ bytes: [UInt8], at address: UInt32) {
        for (k, b) in bytes.enumerated() {
            let a = address &+ UInt32(k)
            let i = UnitTestBench.wordIndex(a)
            let shift = (3 - (a & 3)) * 8
            ram[i] = (ram[i] & ~(0xFF << shift)) | UInt32(b) << shift
        }
    }

    /// Hold reset (the RTL's reset values; RAMs and the register file keep
    /// their contents) and release it: the machine is in cycle 0.
    public func reset() { core.reset() }

    /// One clock cycle.
    public func step() { core.step(observer: observer, trace: trace, batch: batch) }

    /// The observation of the current cycle, without stepping (what the next
    /// `step` shows; nothing changes). A VCD ends with it, as the RTL's file
    /// ends with the values of the cycle its last edge entered.
    public func peekObservation() -> CycleObservation { core.peekObservation() }

    /// Skip whole periods of a provably idle machine in `run` and
    /// `runUntilEnd` when no observer, batch observer and trace are set (see
    /// `CycleCore.runSkippingIdle`). The inputs are constant during a run.
    public var idleSkipping = true
    /// What idle skipping did so far.
    public private(set) var skipStats = IdleSkipStats()
    /// Cycles advanced by idle skipping so far.
    public var skippedCycles: UInt64 { skipStats.skipped }

    /// Run `cycles` clock cycles.
    public func run(cycles: UInt64) {
        var c = core
        let end = c.cycle &+ cycles
        skipStats += c.run(to: end, untilEnd: false, observer: observer, trace: trace, batch: batch,
                           idleSkipping: idleSkipping)
        core = c
    }

    /// Run until the test device's end write or `maxCycles` more cycles,
    /// stepping at most `stepBudget` of them (cycles skipped as idle do not
    /// count: a caller bounds its latency, e.g. to SIGINT, with it).
    /// Returns true when the program ended.
    @discardableResult
    public func runUntilEnd(maxCycles: UInt64, stepBudget: UInt64 = .max) -> Bool {
        var c = core
        let end = c.cycle &+ maxCycles
        skipStats += c.run(to: end, untilEnd: true, observer: observer, trace: trace, batch: batch,
                           idleSkipping: idleSkipping, stepBudget: stepBudget)
        core = c
        return c.bus.ended
    }

    /// The whole state equals `other`'s: every register of the model, the
    /// caches, the bench RAM and the bench's counters and events (checks of
    /// idle skipping against stepping).
    public func sameState(as other: LM32CycleMachine) -> Bool { core.sameState(asMachineWith: other.core) }

    /// The registers of the model that differ from `other`'s, with both
    /// values (diagnostics of a failed comparison).
    public func registerDifferences(from other: LM32CycleMachine) -> String {
        let a = Mirror(reflecting: core).children, b = Mirror(reflecting: other.core).children
        var out: [String] = []
        for (x, y) in zip(a, b) where String(describing: x.value) != String(describing: y.value) {
            guard let name = x.label, !["regs", "icData", "icTag", "dcData", "dcTag", "bp", "wp", "wpcC", "bus",
                                        "fastPath", "tracesOn", "fastPathStats", "stopAtHandOver", "busAnswer"].contains(name) else { continue }
            out.append("\(name) \(x.value) vs \(y.value)")
        }
        for i in 0..<32 where core.regs[i] != other.core.regs[i] { out.append("r\(i) \(core.regs[i]) vs \(other.core.regs[i])") }
        return out.joined(separator: ", ")
    }

    /// Every register of the model equals `other`'s (not the memories, not
    /// the bench; a cheap per-cycle check, `sameState` for the rest).
    public func sameRegisters(as other: LM32CycleMachine) -> Bool { core.sameRegisters(as: other.core) }

    /// The next cycle is `steady` (`CycleCore.steady`): an unobserved step
    /// takes the profile-specialised copy if `specialisedStep`.
    public var steady: Bool { core.steady }

    /// A NUL-terminated string from the bench RAM (at most 64 bytes).
    public func cString(at address: UInt32) -> String { core.bus.cString(at: address) }
}

/// The buffer a machine fills for its batch observer: the observations of
/// consecutive cycles, each written in place by the step.
final class ObservationBatch {
    static let capacity = 1024
    let buffer: UnsafeMutablePointer<CycleObservation>
    /// The batch observer.
    let deliver: (UnsafeBufferPointer<CycleObservation>) -> Void

    init(_ deliver: @escaping (UnsafeBufferPointer<CycleObservation>) -> Void) {
        self.deliver = deliver
        buffer = .allocate(capacity: Self.capacity)
        buffer.initialize(repeating: CycleObservation(), count: Self.capacity)
    }

    deinit {
        buffer.deinitialize(count: Self.capacity)
        buffer.deallocate()
    }
}
