/// The instruction-level fast path of the bench profiles, without caches or
/// with both (docs/lm32-fastpath.md): while the state stays steady, the pipeline's
/// X, M and W stages are kept as one record per instruction (or bubble)
/// instead of the per-cycle model's stage registers, each record written
/// once when its slot enters X and completed once when it moves to M; a
/// held cycle (the pipeline waiting for a Wishbone beat) only moves the bus
/// masters and points W at the M record. At the hand-over the stage
/// registers are rebuilt from the three records (`materialise`), so the
/// per-cycle model goes on from exactly the state it would have reached.
/// The equations are the per-cycle model's (`evaluateCycle`, `stalledStep`)
/// under what the regime guarantees: no caches or both checking
/// (`cachesChecking`), `steady` at the start (no exception can be raised
/// in X, no CSR or debug update, the divider idle), no exception in M or W,
/// no CPU reset by the bus, no external break. A divide entering X runs in
/// the episode: the divider holds X while M and W drain (`fastDivideCycle`,
/// `dividerCycle`). `FastPathCheck` compares the
/// rebuilt state with the per-cycle model's at every hand-over.
/// What the fast path ran: cycles and episodes (each ends in a hand-over
/// to the per-cycle model).
public struct FastPathStats: Equatable, Sendable {
    public var cycles: UInt64 = 0, episodes: UInt64 = 0
    /// Cycles of those replayed from the control table (FastReplay.swift).
    public var replayedCycles: UInt64 = 0
    /// Cycles of divides run as the divider's recurrence (`stepDivide`; not
    /// counted in `cycles`).
    public var divideCycles: UInt64 = 0
    /// Cycles of those with the divider running (it holds X).
    public var dividerCycles: UInt64 = 0
    /// Loop iterations run as traces (FastTrace.swift) and kept.
    public var traceIterations: UInt64 = 0
    /// Cycles of those iterations.
    public var traceCycles: UInt64 = 0
    /// An episode ended since `stepMany` last looked (`stopAtHandOver`).
    var handedOver = false
    public init() {}
}

struct FastSlot {
    /// What the slot takes from D as it enters X that is not data (a
    /// function of the control state; the replay copies it whole).
    struct Entry {
        var pc: UInt32 = 0, insn: UInt32 = 0
        var dec = DecodedInstruction.zero
        var adderOpXN = false, busError = false
        /// A `scall`, `break`, `wcsr`, `eret`, `bret` or instruction-bus
        /// error: valid in X, the state is not steady.
        var special = false

        init() {}

        /// D's instruction (at `pc`, word `insn`, decode `dec`) entering X.
        @inline(__always)
        init(pc: UInt32, insn: UInt32, dec: DecodedInstruction, busError: Bool) {
            self.pc = pc; self.insn = insn; self.dec = dec
            adderOpXN = !dec.c.adderOp; self.busError = busError
            special = dec.leavesSteady(busError: busError)
        }
    }

    /// What the slot's move to M sets that is not data (a function of its
    /// decode; the replay copies it whole).
    struct Completion {
        var ctl = OpControl()
        var writeIdx = 0
        var branchPredictTaken = false, signExtend = false
        var dcacheSelect = false, wbSelect = false, dflush = false
        var debugException = false, nonDebugException = false, exception = false, dataBusErrorException = false
        var size: UInt8 = 0, eid: UInt8 = 0

        init() {}

        /// An instruction of decode `d` moving from X to M without exception.
        @inline(__always)
        init(moving d: DecodedInstruction) {
            ctl = d.c.mStage(exception: false)
            writeIdx = d.writeIdx
            branchPredictTaken = d.branchPredictTaken
            signExtend = d.signExtend
            wbSelect = true
            size = d.size
            eid = 7
        }
    }

    // X stage (written when the slot enters X)
    var entry = Entry()
    var op0: UInt32 = 0, op1: UInt32 = 0, storeOp: UInt32 = 0, branchTargetX: UInt32 = 0
    // M stage (completed when the slot moves to M)
    var completion = Completion()
    var operandM: UInt32 = 0, mResult: UInt32 = 0, branchTargetM: UInt32 = 0, storeData: UInt32 = 0
    var shifter: UInt32 = 0, product: UInt32 = 0
    var conditionMet = false, byteEnable: UInt8 = 0
    /// The replay left out `conditionMet`, `shifter`, `storeData`,
    /// `byteEnable` and `product` (their instruction does not read them); `finishRecord`
    /// computes them before anything else reads the record.
    var lazy = false
    /// The replay left out `entry`: it is this node's `entryD` (the node
    /// the slot entered X from; the replay reads X's and M's entries from
    /// the node's key). `fillEntry` copies it before anything else reads
    /// the record; the table's storage does not move in between (only the
    /// record path files).
    var entryFrom: UnsafePointer<FastNode>? = nil
    /// (A record of 128 bytes, two cache lines of the 64-aligned slots:
    /// one of 120 makes the replay without caches 7 % slower.)
    private var padding: UInt64 = 0

    /// Copies the entry the replay left out (`entryFrom`).
    @inline(__always)
    static func fillEntry(_ s: UnsafeMutablePointer<FastSlot>) {
        if let f = s.pointee.entryFrom {
            s.pointee.entry = f.pointee.entryD
            s.pointee.entryFrom = nil
        }
    }
}

/// The fast path's four records as a ring: X, M, the one before M (W after
/// an advance) and the next X; W is M after a held cycle (which reloads W
/// from M), else the one before M.
struct FastRing {
    private(set) var x: UnsafeMutablePointer<FastSlot>, m: UnsafeMutablePointer<FastSlot>
    private var before: UnsafeMutablePointer<FastSlot>
    private(set) var next: UnsafeMutablePointer<FastSlot>
    private(set) var wIsM = false

    init(_ slots: UnsafeMutablePointer<FastSlot>) {
        x = slots; next = slots + 1; before = slots + 2; m = slots + 3
    }

    @inline(__always) var w: UnsafeMutablePointer<FastSlot> { wIsM ? m : before }

    /// A cycle with stall_m low: X's record moves to M, the next into X.
    @inline(__always) mutating func advance() {
        (x, m, before, next) = (next, x, m, before)
        wIsM = false
    }

    /// A cycle with stall_m high.
    @inline(__always) mutating func hold() { wIsM = true }

    /// A cycle with stall_m low and stall_x high (the divider runs): X's
    /// record stays, its copy (written into `next`) moves to M.
    @inline(__always) mutating func advanceHoldingX() {
        (m, before, next) = (next, m, before)
        wIsM = false
    }

    /// Copies every entry the replay left out (`FastSlot.entryFrom`).
    @inline(__always) func fillEntries() {
        FastSlot.fillEntry(x); FastSlot.fillEntry(m); FastSlot.fillEntry(before); FastSlot.fillEntry(next)
    }
}

extension CycleCore {
    /// The fast path may start in this cycle (with `steady`; with the
    /// caches, also `cachesChecking`).
    @inline(__always) var fastPathEntry: Bool {
        !Bus.canResetCPU && !extBreak && !exceptionM && !(validW && (nonDebugExceptionW || debugExceptionW))
    }

    /// Both caches checking, with no flush, refill or restart in progress
    /// or requested, and the instruction bus idle (it is used only by
    /// refills): the caches' steady state, in which a cycle's only cache
    /// work is the hit test, the read of the hit word, a store's write
    /// through and the read addresses. The fast path with caches runs
    /// while it holds; a miss or an instruction-cache flush leaves it.
    @inline(__always) var cachesChecking: Bool {
        icState == 4 && !icacheRefillReady && !icRestartRequest && !icRefilling && !iCyc
            && dcState == 2 && !dcacheRefillReady && !dcRefillRequest && !dcRestartRequest && !dcRefilling && !dflushM
    }

    /// Runs up to `n` cycles on the fast path (stops early when the state
    /// leaves the regime, or on the bus's stop when `untilEnd`) and
    /// rebuilds the stage registers; returns the cycles run.
    @inline(never)
    mutating func stepFastNoCache(_ n: UInt64, untilEnd: Bool) -> UInt64 {
        fastEpisode(n, untilEnd: untilEnd, watch: nil, caches: false)
    }

    /// `stepFastNoCache` that also stops after the first cycle whose state
    /// may equal `watch`'s (`mayEqual`) or whose bus has been accessed
    /// since (`accessedSince`; no later state equals it): the idle probe.
    @inline(never)
    mutating func stepFastNoCache(_ n: UInt64, untilEnd: Bool, watch: UnsafePointer<CycleCore>) -> UInt64 {
        fastEpisode(n, untilEnd: untilEnd, watch: watch, caches: false)
    }

    /// `stepFastNoCache` with both caches (`cachesChecking` holds).
    @inline(never)
    mutating func stepFastCaches(_ n: UInt64, untilEnd: Bool) -> UInt64 {
        fastEpisode(n, untilEnd: untilEnd, watch: nil, caches: true)
    }

    @inline(never)
    mutating func stepFastCaches(_ n: UInt64, untilEnd: Bool, watch: UnsafePointer<CycleCore>) -> UInt64 {
        fastEpisode(n, untilEnd: untilEnd, watch: watch, caches: true)
    }

    /// An episode with the traces' shadow checking the replay
    /// (`FastTraceShadow`; a check mode).
    @inline(never)
    mutating func stepFastShadowed(_ n: UInt64, untilEnd: Bool, shadow: FastTraceShadow) -> UInt64 {
        icacheOn ? fastEpisode(n, untilEnd: untilEnd, watch: nil, shadow: shadow, traces: true, caches: true)
                 : fastEpisode(n, untilEnd: untilEnd, watch: nil, shadow: shadow, traces: true, caches: false)
    }

    /// An episode that runs loop iterations as traces (`tracesOn`). A copy
    /// of its own: the trace's calls in the replay's loop cost the copies
    /// without them about 15 % more host instructions a cycle (registers
    /// spilled).
    @inline(never)
    mutating func stepFastTraced(_ n: UInt64, untilEnd: Bool) -> UInt64 {
        icacheOn ? fastEpisode(n, untilEnd: untilEnd, watch: nil, traces: true, caches: true)
                 : fastEpisode(n, untilEnd: untilEnd, watch: nil, traces: true, caches: false)
    }

    /// The episode all four run (inlined into each, so that the watch costs
    /// the plain ones nothing and `caches` is a constant).
    @inline(__always)
    mutating func fastEpisode(_ n: UInt64, untilEnd: Bool, watch: UnsafePointer<CycleCore>?,
                              shadow: FastTraceShadow? = nil, traces: Bool = false, caches: Bool) -> UInt64 {
        let table = replayTable.value
        let slots = table.slots
        slots.update(repeating: FastSlot(), count: 4)
        var r = FastRing(slots)
        loadRecords(x: r.x, m: r.m, w: r.w)
        var k: UInt64 = 0, recorded: UInt64 = 0, dividing: UInt64 = 0
        let shape = FastBusShape(i: bus.waitStates.i, d: bus.waitStates.d, caches: caches)
        if Self.replaying && (table.full || table.shape.map { $0 != shape } ?? false) { table.clear() }
        table.shape = shape
        table.beginEpisode()
        let episode = table.episode
        shadow?.beginEpisode()
        // the traces' shadow, or their runs and recorder (not with the
        // idle probe's watch)
        let tracing = traces && watch == nil && Self.replaying
        // the interrupt lines (which do not change in the episode) set no
        // bit IP lacks: IP keeps its value, and the replay leaves it alone;
        // else the episode is one recorded cycle, which sets them
        let newLines = (ip | bus.interruptInputs) != ip
        var node: Int32 = Self.replaying && !newLines ? table.node(for: fastKey(x: r.x, m: r.m, w: r.w), shape: shape) : -1
        // the control registers are `node`'s, not yet written back
        var stale = false
        // the table's storage (moves only when the record path files): with
        // the caches read through `bases` every cycle (the registers go to
        // the records), without them kept here
        let bases = table.bases
        var nodesHeld = table.nodes, edgesHeld = table.edges
        // an interrupt is pending and enabled after any cycle (IE, IM and
        // the lines do not change in the episode, IP only takes the lines):
        // the episode is one cycle
        let interrupting = ie && ((ip | bus.interruptInputs) & im) != 0
        let n = interrupting || newLines ? 1 : n
        while k < n {
            if node >= 0 {
                let nodes = caches ? bases.pointee.nodes : nodesHeld, edges = caches ? bases.pointee.edges : edgesHeld
                let np = nodes + Int(node)
                var edge = np.pointee.firstEdge
                if caches && np.pointee.stamp == episode {
                    edge = np.pointee.stampedEdge
                } else if np.pointee.hasInputs {
                    if np.pointee.dataEnds && bus.dataError(at: dAdr) {
                        edge = -1
                    } else {
                        let (inputs, fetched) = cycleInputs(np, ring: r, caches: caches)
                        while edge >= 0 {
                            let e = edges + Int(edge)
                            if e.pointee.inputs == inputs && e.pointee.fetched == fetched { break }
                            edge = e.pointee.next
                        }
                        if caches && edge >= 0 && np.pointee.fetchOnly {
                            np.pointee.stamp = episode; np.pointee.stampedEdge = edge
                        }
                    }
                }
                if edge >= 0 {
                    let e = UnsafePointer(edges + Int(edge))
                    let bits = e.pointee.decisions.bits
                    if tracing {
                        if let s = shadow {
                            s.cycle(core: self, ring: r, node: node, edge: edge, nodes: nodes, edges: edges)
                        } else {
                            // a trace from here (the replay goes on at `k`
                            // from the same node), or a new one filed
                            // (copies: an address taken keeps them in memory for the whole loop)
                            var ring = r, kk = k
                            if tryTrace(np, node: node, edge: edge, ring: &ring, k: &kk, limit: n, table: table, caches: caches) {
                                r = ring; k = kk
                                stale = true
                                continue
                            }
                        }
                    }
                    if bits & (FastDecisions.held | FastDecisions.divider) == 0 {
                        if caches {
                            replayAdvanceCaches(e, np, x: r.x, m: r.m, w: r.w, into: r.next)
                        } else {
                            replayAdvanceNoCache(e, np, x: r.x, m: r.m, w: r.w, into: r.next)
                        }
                        r.advance()
                    } else {
                        if bits & FastDecisions.held != 0 {
                            replayHeld(e, np, m: r.m, w: r.w, caches: caches)
                            r.hold()
                        } else {
                            // (a copy: the out-of-line call would keep the
                            // ring in memory for the whole loop)
                            var ring = r
                            replayDivideCycle(e, np, ring: &ring, table: table, k: k, caches: caches)
                            r = ring
                        }
                        if bits & FastDecisions.divider != 0 {
                            dividerCycle()
                            dividing &+= 1
                            // a divide by zero raises its exception next cycle
                            if divideByZeroX {
                                node = e.pointee.to
                                stale = true
                                k &+= 1
                                break
                            }
                        }
                    }
                    node = e.pointee.to
                    stale = true
                    k &+= 1
                    if bits & (FastDecisions.stops | FastDecisions.writes) != 0
                        && (e.pointee.stops || (e.pointee.writes && untilEnd && bus.stopRequested)) { break }
                    if let a = watch, mayEqual(a, ring: r, pcF: nodes[Int(node)].key.pcF, pcD: nodes[Int(node)].key.pcD)
                        || bus.accessedSince(a.pointee.bus) {
                        break
                    }
                    continue
                }
                if stale {
                    writeBack(np, ring: r)
                    stale = false
                }
            }
            if mcState != 0 {
                // a branch in M that flushes X while the divider holds it
                // (kill_x) stops the divider: the per-cycle model's
                if dividerKilled(x: r.x, m: r.m, caches: caches) { break }
                dividing &+= 1
            }
            recorded &+= 1
            if tracing {
                shadow?.recorded()
                table.recorder.reset()
            }
            var ring = r
            node = recordCycle(&ring, from: node, table: table, shape: shape)
            r = ring
            nodesHeld = table.nodes; edgesHeld = table.edges
            k += 1
            if (ie && (ip & im) != 0) || dataBusErrorSeen || divideByZeroX || extBreakR || (validX && r.x.pointee.entry.special)
                || (caches && (icState != 4 || dcState != 2)) {
                break
            }
            if untilEnd && bus.stopRequested { break }
            if let a = watch, mayEqual(a, ring: r, pcF: pcF, pcD: pcD) || bus.accessedSince(a.pointee.bus) { break }
        }
        if stale { writeBack(table.nodes + Int(node), ring: r) }
        fastPathStats.value.replayedCycles &+= k - recorded
        fastPathStats.value.dividerCycles &+= dividing
        materialise(x: r.x, m: r.m, w: r.w)
        fastPathStats.value.cycles &+= k
        fastPathStats.value.episodes &+= 1
        fastPathStats.value.handedOver = true
        return k
    }

    /// `mayEqual` on the state the records and `pcF`, `pcD` stand for (the
    /// registers `materialise` and `writeBack` would write): the idle
    /// probe's watch, which ends the episode where the state may equal the
    /// probe's anchor.
    @inline(__always)
    func mayEqual(_ a: UnsafePointer<CycleCore>, ring r: FastRing, pcF: UInt32, pcD: UInt32) -> Bool {
        r.fillEntries()
        return pcF == a.pointee.pcF && pcD == a.pointee.pcD && r.x.pointee.entry.pc == a.pointee.pcX
            && r.m.pointee.entry.pc == a.pointee.pcM && r.w.pointee.entry.pc == a.pointee.pcW
            && r.x.pointee.op0 == a.pointee.operand0X && r.x.pointee.op1 == a.pointee.operand1X
            && dataW == a.pointee.dataW && r.m.pointee.operandM == a.pointee.operandM
    }

    /// One cycle on the record path from the control registers (`from`:
    /// their node, -1 if not known), filed in the table as an edge; returns
    /// the node of the registers it leaves (-1 if not filed).
    /// (Out of line: one copy serves both profiles; `caches` is read from
    /// the table's shape.)
    @inline(never)
    mutating func recordCycle(_ r: inout FastRing, from node: Int32, table: FastReplayTable,
                              shape: FastBusShape) -> Int32 {
        let x = r.x, m = r.m
        // the inputs of the cycle (the registers are `node`'s key)
        let (inputs, fetched) = node >= 0 ? cycleInputs(table.nodes + Int(node), ring: r, caches: shape.caches) : (0, 0)
        var d = FastDecisions()
        let stallMBus = fastStallM(x: x, m: m, caches: shape.caches)
        let dividing = mcState != 0
        if stallMBus {
            fastHeldCycle(m: m, w: r.w, learn: &d, caches: shape.caches)
            if dividing { dividerCycle() }
            r.hold()
        } else if dividing {
            fastDivideCycle(x: x, m: m, w: r.w, into: r.next, learn: &d, caches: shape.caches)
            dividerCycle()
            r.advanceHoldingX()
        } else if shape.caches {
            fastAdvanceCycle(x: x, m: m, w: r.w, into: r.next, learn: &d, caches: true)
            r.advance()
        } else {
            fastAdvanceCycle(x: x, m: m, w: r.w, into: r.next, learn: &d, caches: false)
            r.advance()
        }
        d.set(FastDecisions.divider, dividing)
        guard Self.replaying else { return -1 }
        let to = table.node(for: fastKey(x: r.x, m: r.m, w: r.w), shape: shape)
        // (a miss or flush changes the caches' state: not replayed)
        if node >= 0 && to >= 0 && !dataBusErrorSeen && !(shape.caches && (icState != 4 || dcState != 2)) {
            table.addEdge(from: node, inputs: inputs, fetched: fetched, decisions: d, to: to)
        }
        return to
    }

    /// The records of the stage registers (the fast path's entry).
    @inline(__always)
    func loadRecords(x: UnsafeMutablePointer<FastSlot>, m: UnsafeMutablePointer<FastSlot>, w: UnsafeMutablePointer<FastSlot>) {
        x.pointee.entry.pc = pcX; x.pointee.entry.insn = insnX; x.pointee.entry.dec = decX
        x.pointee.op0 = operand0X; x.pointee.op1 = operand1X; x.pointee.storeOp = storeOperandX
        x.pointee.branchTargetX = branchTargetX; x.pointee.entry.adderOpXN = adderOpXN; x.pointee.entry.busError = busErrorX
        x.pointee.entry.special = decX.leavesSteady(busError: busErrorX)

        m.pointee.entry.pc = pcM; m.pointee.entry.insn = insnM
        m.pointee.operandM = operandM; m.pointee.mResult = mResultNow; m.pointee.branchTargetM = branchTargetM
        m.pointee.storeData = storeDataM; m.pointee.shifter = shifterResultM; m.pointee.product = product
        m.pointee.completion.ctl = ctlM; m.pointee.completion.writeIdx = writeIdxM; m.pointee.conditionMet = conditionMetM
        m.pointee.completion.branchPredictTaken = branchPredictTakenM; m.pointee.completion.signExtend = signExtendM
        m.pointee.completion.dcacheSelect = dcacheSelectM; m.pointee.completion.wbSelect = wbSelectM; m.pointee.completion.dflush = dflushM
        m.pointee.completion.debugException = debugExceptionM; m.pointee.completion.nonDebugException = nonDebugExceptionM
        m.pointee.completion.exception = exceptionM; m.pointee.completion.dataBusErrorException = dataBusErrorExceptionM
        m.pointee.completion.size = sizeM; m.pointee.byteEnable = byteEnableM; m.pointee.completion.eid = eidM

        // W's registers as the M part of a record
        w.pointee.entry.pc = pcW; w.pointee.entry.insn = insnW; w.pointee.mResult = operandW; w.pointee.product = mulResult
        var c = OpControl()
        c.wSelLoad = wSelLoadW; c.wSelMul = wSelMulW; c.writeEnable = writeEnableW
        w.pointee.completion.ctl = c; w.pointee.completion.writeIdx = writeIdxW
        w.pointee.completion.debugException = debugExceptionW; w.pointee.completion.nonDebugException = nonDebugExceptionW
        w.pointee.completion.size = sizeW; w.pointee.completion.signExtend = signExtendW; w.pointee.completion.eid = eidW
    }

    /// The stage registers from the records (the hand-over): X's from the
    /// X record (the multiplier's inputs are X's operands: both are written
    /// with D's results at every edge with stall_x low), M's from the M
    /// record, W's from the record W was last loaded from.
    @inline(__always)
    mutating func materialise(x: UnsafeMutablePointer<FastSlot>, m: UnsafeMutablePointer<FastSlot>, w: UnsafeMutablePointer<FastSlot>) {
        pcX = x.pointee.entry.pc; insnX = x.pointee.entry.insn; decX = x.pointee.entry.dec
        operand0X = x.pointee.op0; operand1X = x.pointee.op1; storeOperandX = x.pointee.storeOp
        branchTargetX = x.pointee.branchTargetX; adderOpXN = x.pointee.entry.adderOpXN; busErrorX = x.pointee.entry.busError
        multiplicand = operand0X; multiplier = operand1X

        pcM = m.pointee.entry.pc; insnM = m.pointee.entry.insn
        operandM = m.pointee.operandM; branchTargetM = m.pointee.branchTargetM
        storeDataM = m.pointee.storeData; shifterResultM = m.pointee.shifter; product = m.pointee.product
        ctlM = m.pointee.completion.ctl; writeIdxM = m.pointee.completion.writeIdx; conditionMetM = m.pointee.conditionMet
        branchPredictTakenM = m.pointee.completion.branchPredictTaken; signExtendM = m.pointee.completion.signExtend
        dcacheSelectM = m.pointee.completion.dcacheSelect; wbSelectM = m.pointee.completion.wbSelect; dflushM = m.pointee.completion.dflush
        debugExceptionM = m.pointee.completion.debugException; nonDebugExceptionM = m.pointee.completion.nonDebugException
        exceptionM = m.pointee.completion.exception; dataBusErrorExceptionM = m.pointee.completion.dataBusErrorException
        sizeM = m.pointee.completion.size; byteEnableM = m.pointee.byteEnable; eidM = m.pointee.completion.eid

        pcW = w.pointee.entry.pc; insnW = w.pointee.entry.insn; operandW = w.pointee.mResult; mulResult = w.pointee.product
        wSelLoadW = w.pointee.completion.ctl.wSelLoad; wSelMulW = w.pointee.completion.ctl.wSelMul; writeEnableW = w.pointee.completion.ctl.writeEnable
        writeIdxW = w.pointee.completion.writeIdx
        debugExceptionW = w.pointee.completion.debugException; nonDebugExceptionW = w.pointee.completion.nonDebugException
        sizeW = w.pointee.completion.size; signExtendW = w.pointee.completion.signExtend; eidW = w.pointee.completion.eid
    }

    /// The load unit's result: the bytes of the bus word `data` that a load
    /// of `size` (0 byte, 3 half, 2 word) at `address` reads, aligned and
    /// sign- or zero-extended.
    @inline(__always)
    static func loadedValue(data: UInt32, address: UInt32, size: UInt8, signExtend: Bool) -> UInt32 {
        let a2 = address & 3
        switch size {
        case 0:
            let byte = (data >> ((3 - a2) * 8)) & 0xFF
            return signExtend && byte & 0x80 != 0 ? byte | 0xFFFF_FF00 : byte
        case 3:
            let half = a2 & 2 != 0 ? data & 0xFFFF : data >> 16
            return signExtend && half & 0x8000 != 0 ? half | 0xFFFF_0000 : half
        case 2: return data
        default: return 0
        }
    }

    /// store_data_x and byte_enable_x: the store operand replicated over the
    /// lanes of `size` (0 byte, 3 half, 2 word) and the lanes `address` selects.
    @inline(__always)
    static func storeLanes(operand: UInt32, address: UInt32, size: UInt8) -> (data: UInt32, byteEnable: UInt8) {
        switch size {
        case 0: let b = operand & 0xFF; return (b | b << 8 | b << 16 | b << 24, 8 >> UInt8(address & 3))
        case 3: let h = operand & 0xFFFF; return (h | h << 16, address & 2 != 0 ? 3 : 12)
        case 2: return (operand, 15)
        default: return (0, 0)
        }
    }

    /// The X stage's datapath on operands `op0`, `op1` with X's decode `d`:
    /// the adder (adder_op_x_n: add, else subtract), condition_met_x and
    /// x_result (`csr`: the CSR read data, `mc`: the divider's result). The
    /// equations of `evaluateCycle`, which keeps its own inline copy of
    /// these three helpers: the compiler does not inline a call into it (as
    /// a member or a free function, `@inline(__always)` or not), and the
    /// call costs the per-cycle step about 4-6 % of its host instructions;
    /// forced inlining (`@_transparent` free functions shared by both)
    /// costs 2.6 % there and 4 % here, where `xStage` is called, not
    /// inlined (callgrind, bench/fastpath/compiled.S, both bench profiles).
    @inline(__always)
    static func xStage(_ op0: UInt32, _ op1: UInt32, _ d: DecodedInstruction, adderOpXN: Bool, csr: @autoclosure () -> UInt32,
                       mc: UInt32) -> (adder: UInt32, conditionMet: Bool, result: UInt32) {
        let (sum, carry) = xAdder(op0, op1, adderOp: d.c.adderOp, adderOpXN: adderOpXN)
        return (sum, xCondition(op0, op1, sum: sum, carry: carry, condition: d.condition),
                xResult(op0, op1, sum: sum, d, csr: csr(), mc: mc))
    }

    /// The X stage's adder: adder_result_x and adder_carry_n_x.
    @inline(__always)
    static func xAdder(_ op0: UInt32, _ op1: UInt32, adderOp: Bool, adderOpXN: Bool) -> (sum: UInt32, carry: Bool) {
        if adderOpXN {
            let (s1, o1) = op0.addingReportingOverflow(op1)
            let (s2, o2) = s1.addingReportingOverflow(adderOp ? 1 : 0)
            return (s2, o1 || o2)
        }
        // DataA - DataB - !Cin, 33 bits; Cout = !bit32
        let (d1, b1) = op0.subtractingReportingOverflow(op1)
        let (d2, b2) = d1.subtractingReportingOverflow(adderOp ? 0 : 1)
        return (d2, !(b1 || b2))
    }

    /// condition_met_x from the operands and the adder's outputs.
    @inline(__always)
    static func xCondition(_ op0: UInt32, _ op1: UInt32, sum: UInt32, carry: Bool, condition: UInt8) -> Bool {
        let aSign = op0 >> 31 != 0, bSign = op1 >> 31 != 0, rSign = sum >> 31 != 0
        let overflow = (!aSign && bSign && rSign) || (aSign && !bSign && !rSign)
        // each condition code's result (byte k of the table: 0 and 6 always,
        // 1 equal, 7 not equal, 2 greater, 5 greater unsigned, 3 greater or
        // equal, 4 greater or equal unsigned) as a bit indexed by (equal,
        // rSign == overflow, carry)
        let index = UInt64(op0 == op1 ? 1 : 0) | UInt64(rSign == overflow ? 2 : 0) | UInt64(carry ? 4 : 0)
        return (0x55FF_50F0_CC44_AAFF as UInt64) >> (UInt64(condition) << 3 | index) & 1 != 0
    }

    /// x_result: the adder's sum, a CSR, a sign extension, the divider's
    /// result or the logic unit's.
    @inline(__always)
    static func xResult(_ op0: UInt32, _ op1: UInt32, sum: UInt32, _ d: DecodedInstruction, csr: @autoclosure () -> UInt32,
                        mc: UInt32) -> UInt32 {
        if d.c.xSelAdd { return sum }
        if d.c.xSelCSR { return csr() }
        if d.c.xSelSext {
            return d.size == 0 ? UInt32(bitPattern: Int32(Int8(truncatingIfNeeded: op0)))
                               : UInt32(bitPattern: Int32(Int16(truncatingIfNeeded: op0)))
        }
        if d.c.xSelMC { return mc }
        return xLogic(op0, op1, d)
    }

    /// The logic unit's result (x_result when no other unit is selected).
    @inline(__always)
    static func xLogic(_ op0: UInt32, _ op1: UInt32, _ d: DecodedInstruction) -> UInt32 {
        xLogic(op0, op1, function: d.logicOp)
    }

    /// The logic unit's result for its function bits (`logicOp`).
    @inline(__always)
    static func xLogic(_ op0: UInt32, _ op1: UInt32, function: UInt8) -> UInt32 {
        let f = UInt32(function)
        var r: UInt32 = 0
        if f & 1 != 0 { r |= ~op1 & ~op0 }
        if f & 2 != 0 { r |= ~op1 & op0 }
        if f & 4 != 0 { r |= op1 & ~op0 }
        if f & 8 != 0 { r |= op1 & op0 }
        return r
    }

    /// w_result from the record W holds (`wResultNow`).
    @inline(__always)
    func fastWResult(_ w: UnsafeMutablePointer<FastSlot>) -> UInt32 {
        w.pointee.completion.ctl.wSelLoad
            ? Self.loadedValue(data: dataW, address: w.pointee.mResult, size: w.pointee.completion.size, signExtend: w.pointee.completion.signExtend)
            : w.pointee.completion.ctl.wSelMul ? w.pointee.product : w.pointee.mResult
    }

    /// The cycle's bus answer (the CPU's Wishbone outputs are registers).
    @inline(__always)
    mutating func fastBus() -> CycleBusResponse {
        let request = CycleBusRequest(
            instruction: WishboneRequest(cyc: iCyc, adr: iAdr, datO: 0, sel: 15, we: false, cti: iCti),
            data: WishboneRequest(cyc: dCyc, adr: dAdr, datO: dDatO, sel: dSel, we: dWe, cti: dCti))
        return bus.evaluate(cycle, request, commit: true)
    }

    /// A cycle with stall_m high (`stalledStep`; with `caches`, both
    /// caches checking): W takes the M record, the bus masters move.
    @inline(__always)
    mutating func fastHeldCycle(m: UnsafeMutablePointer<FastSlot>, w: UnsafeMutablePointer<FastSlot>,
                                learn d: inout FastDecisions, caches: Bool) {
        let r = fastBus()
        d.bits = FastDecisions.held
        d.set(FastDecisions.retire, validW)
        d.set(FastDecisions.registerWrite, validW && w.pointee.completion.ctl.writeEnable)
        d.set(FastDecisions.dataBeat, dCyc && (r.dAck || r.dErr))
        d.set(FastDecisions.loadStart, !dCyc && m.pointee.completion.ctl.load && validM && !m.pointee.completion.exception && m.pointee.completion.wbSelect
              && !wbLoadComplete)
        if validD && decodedD.branchPredictTaken { validF = true }
        if validW {
            retiredCount &+= 1
            if Bus.watchesRetirements { bus.retired(pc: w.pointee.entry.pc, word: w.pointee.entry.insn, ie: ie, cycle: cycle) }
            if w.pointee.completion.ctl.writeEnable { regs[w.pointee.completion.writeIdx] = fastWResult(w); arrayWrites &+= 1 }
        }
        let dataM = caches && !m.pointee.completion.wbSelect ? dcData[dcDataRA] : wbDataM
        divideByZeroX = false
        ip |= r.interrupts
        cc &+= 1
        if r.dErr && dCyc { dataBusErrorSeen = true }
        if iCyc { instructionBusAnswer(r) }
        if dCyc {
            dataBusAnswer(r, dcRefilling0: false)
        } else if m.pointee.completion.ctl.load && validM && !m.pointee.completion.exception && m.pointee.completion.wbSelect && !wbLoadComplete {
            stallWbLoad = false
            dAdr = m.pointee.operandM; dCyc = true; dSel = m.pointee.byteEnable; dWe = false; dCti = 7
        }
        dataW = dataM
        validW = false
        cycle &+= 1
    }

    /// A cycle with stall_m low (steady, no exception in M; with `caches`,
    /// both caches checking): the X record moves to M (its M part
    /// computed), D or a bubble enters X as the record `next`, W takes the
    /// M record.
    @inline(__always)
    mutating func fastAdvanceCycle(x: UnsafeMutablePointer<FastSlot>, m: UnsafeMutablePointer<FastSlot>,
                                   w: UnsafeMutablePointer<FastSlot>, into next: UnsafeMutablePointer<FastSlot>,
                                   learn d: inout FastDecisions, caches: Bool) {
        let r = fastBus()
        let dec = decodedD
        let c = dec.c
        let xd = x.pointee.entry.dec
        let op0 = x.pointee.op0, op1 = x.pointee.op1

        // X stage datapath
        let (adderResultX, conditionMetX, xResult) = Self.xStage(op0, op1, xd, adderOpXN: x.pointee.entry.adderOpXN,
                                                                  csr: csrReadData(xd.csr), mc: mcResultX)

        // M stage: branch resolution (no exception in M)
        let mResult = m.pointee.mResult, mCtl = m.pointee.completion.ctl, mConditionMet = m.pointee.conditionMet
        let mPredictTaken = m.pointee.completion.branchPredictTaken, mWriteIdx = m.pointee.completion.writeIdx
        let mispredict = !mConditionMet && mCtl.branchPredict && mPredictTaken
        let branchM = mCtl.branch && validM
        let branchTakenM = branchM && ((mConditionMet && !mPredictTaken) || mispredict)
        let branchFlushXM = branchM && (mConditionMet || mispredict)
        let branchPredictTakenD = dec.branchPredictTaken
        let branchTargetD = pcD &+ dec.branchOffset
        let killF = (validD && branchPredictTakenD) || branchTakenM
        let killD = branchTakenM
        let killX = branchFlushXM
        let qX = validX && !killX
        let qM = validM
        let loadQM = mCtl.load && qM, storeQM = mCtl.store && qM
        let storeQX = xd.c.store && qX, loadQX = xd.c.load && qX

        // D stage: interlock and bypass
        let wWriteEnable = w.pointee.completion.ctl.writeEnable, wWriteIdx = w.pointee.completion.writeIdx
        let writeEnableQX = xd.c.writeEnable && validX && !branchFlushXM
        let writeEnableQM = mCtl.writeEnable && validM
        let writeEnableQW = wWriteEnable && validW
        let rawX0 = xd.writeIdx == dec.readIdx0 && writeEnableQX
        let rawM0 = mWriteIdx == dec.readIdx0 && writeEnableQM
        let rawW0 = wWriteIdx == dec.readIdx0 && writeEnableQW
        let rawX1 = xd.writeIdx == dec.readIdx1 && writeEnableQX
        let rawM1 = mWriteIdx == dec.readIdx1 && writeEnableQM
        let rawW1 = wWriteIdx == dec.readIdx1 && writeEnableQW
        let interlock = (!xd.c.xBypass && ((c.readEnable0 && rawX0) || (c.readEnable1 && rawX1)))
            || (!mCtl.mBypass && ((c.readEnable0 && rawM0) || (c.readEnable1 && rawM1)))
        let wResult = fastWResult(w)
        let bypassData0 = rawX0 ? xResult : rawM0 ? mResult : rawW0 ? wResult : regs[dec.readIdx0]
        let bypassData1 = rawX1 ? xResult : rawM1 ? mResult : rawW1 ? wResult : regs[dec.readIdx1]
        let memoryBusy = loadQX || loadQM || storeQX || storeQM || dCyc
        let stallD = (interlock && !killD)
            || ((dec.eret || dec.scall || busErrorD) && memoryBusy && !killD)
            || ((dec.breakOpcode || dec.bret) && memoryBusy && !killD)
            || (c.wcsr && loadQX)
        let qD = validD && !killD
        let dResult0 = c.dResultSel0Pc ? pcF : bypassData0
        let dResult1: UInt32 = c.dResultSel1 == 0 ? 0 : c.dResultSel1 == 1 ? bypassData1 : dec.immediate
        let pcA: UInt32
        if branchTakenM {
            pcA = mispredict ? x.pointee.entry.pc : m.pointee.branchTargetM
        } else if validD && branchPredictTakenD {
            pcA = branchTargetD
        } else {
            pcA = pcF &+ 4
        }

        // load/store unit (X)
        let (storeDataX, byteEnableX) = Self.storeLanes(operand: x.pointee.storeOp, address: adderResultX, size: xd.size)
        let dcacheSelectX = caches && CacheAddress.cacheable(adderResultX)

        // caches: the hit tests and read ports, a miss, a flush
        let icMatch = caches && icTag[icTagRA] == CacheAddress.validTag(pcF)
        let instructionF = caches ? (icMatch ? icData[icDataRA] : 0) : wbDataF
        let dcMatch = caches && dcTag[dcTagRA] == CacheAddress.validTag(m.pointee.operandM)
        let dcacheDataM = caches ? dcData[dcDataRA] : 0
        let iflush = caches && c.wcsr && dec.csr == 3 && !stallD && !killD && validD
        let icMiss = caches && !icMatch && validF && !killF && !stallD && !(validD && branchPredictTakenD)
        let dcMiss = caches && !dcMatch && loadQM && m.pointee.completion.dcacheSelect

        d.set(FastDecisions.stallD, stallD)
        d.source0 = rawX0 ? -1 : rawM0 ? -2 : rawW0 ? -3 : Int8(dec.readIdx0)
        d.source1 = rawX1 ? -1 : rawM1 ? -2 : rawW1 ? -3 : Int8(dec.readIdx1)
        d.divide = stallD || !qD ? 0 : c.modulus ? 2 : c.divide ? 3 : 0
        learnWAndM(&d, r, m: m, loadQM: loadQM, storeQM: storeQM, wWriteEnable: wWriteEnable)

        // ======================================================== the edge
        retireW(w, wResult: wResult)
        // multi-cycle arithmetic (idle: steady)
        divideByZeroX = false
        if !stallD {
            mcCycles = 32; mcP = 0; mcA = dResult0; mcB = dResult1
            if c.divide && qD { mcState = 3 }
            if c.modulus && qD { mcState = 2 }
        }
        ip |= r.interrupts
        cc &+= 1
        if r.dErr && dCyc { dataBusErrorSeen = true }

        // caches (checking): a miss or flush leaves the regime; a store that
        // hits writes through; the read addresses
        if caches {
            if iflush {
                icRefillAddress = pcF; icState = 2; icRefillOffset = 0
            } else if icMiss {
                icRefillAddress = pcF; icState = 8; icRefillOffset = 0
            }
            if !stallD { icDataRA = Int((pcA >> 2) & 0x3FF); icTagRA = Int((pcA >> 4) & 0xFF) }
            if storeQM && m.pointee.completion.dcacheSelect && dcMatch { writeThrough(m, over: dcacheDataM) }
            if dcMiss { dcRefillRequest = true; dcRefillAddress = m.pointee.operandM; dcState = 4; dcRefillOffset = 0 }
            dcDataRA = Int((adderResultX >> 2) & 0x3FF); dcTagRA = Int((adderResultX >> 4) & 0xFF)
        }

        // instruction unit (without caches I_CYC_O is low in a cycle with
        // stall_m low; with them it is low in the regime)
        let busErrorF0 = busErrorF
        if caches {
            if branchTakenM { busErrorF = false }
        } else if !stallD {
            iAdr = pcA; iCyc = true; busErrorF = false
        }

        // load/store unit
        let dataM = caches && !m.pointee.completion.wbSelect ? dcacheDataM : wbDataM
        loadStoreUnit(r, m: m, loadQM: loadQM, storeQM: storeQM)
        if loadQX && !dcacheSelectX { stallWbLoad = true }
        dataW = dataM

        var completion = FastSlot.Completion(moving: xd)
        if caches { completion.dcacheSelect = dcacheSelectX; completion.wbSelect = !dcacheSelectX }
        completeRecord(x, xResult: xResult, conditionMetX: conditionMetX, storeData: storeDataX, byteEnable: byteEnableX,
                       completion: completion)

        // D (or a bubble of it) enters X
        next.pointee.entry = FastSlot.Entry(pc: pcD, insn: instructionD, dec: dec, busError: busErrorD)
        next.pointee.op0 = dResult0; next.pointee.op1 = dResult1; next.pointee.storeOp = bypassData1
        next.pointee.branchTargetX = c.branchReg ? bypassData0 & ~3 : branchTargetD

        if !stallD {
            instructionD = instructionF
            busErrorD = busErrorF0
        }
        // valid bits (stall_m and stall_x low; valid_a is high: no refill)
        validW = validM
        validM = validX && !killX
        validX = !stallD && validD && !killD
        if killD { validD = false } else if !stallD { validD = validF && !killF }
        if killF || !stallD { validF = true }
        // program counters
        if !stallD { pcD = pcF; pcF = pcA }
        if !stallD && decodedD.word != instructionD { decodedD = decodeCache.value.decode(instructionD, table: opTable) }
        cycle &+= 1
    }

    /// stall_m in the regime: the pipeline waits for a Wishbone beat (a
    /// load's, a fetch's without caches, or one a branch in M or a memory
    /// operation in M or a load in X must wait out).
    @inline(__always)
    func fastStallM(x: UnsafeMutablePointer<FastSlot>, m: UnsafeMutablePointer<FastSlot>, caches: Bool) -> Bool {
        let mCtl = m.pointee.completion.ctl
        return stallWbLoad || (caches ? iCyc && mCtl.branch : iCyc)
            || (dCyc && (mCtl.store || mCtl.load || x.pointee.entry.dec.c.load))
    }

    /// A branch in M flushes X (kill_x) in this cycle, which has stall_m
    /// low: with the divider running, it stops the divider.
    @inline(__always)
    func dividerKilled(x: UnsafeMutablePointer<FastSlot>, m: UnsafeMutablePointer<FastSlot>, caches: Bool) -> Bool {
        let ctl = m.pointee.completion.ctl
        let mispredict = !m.pointee.conditionMet && ctl.branchPredict && m.pointee.completion.branchPredictTaken
        return !fastStallM(x: x, m: m, caches: caches) && validM && ctl.branch && (m.pointee.conditionMet || mispredict)
    }

    /// The divider's cycle while it runs and kill_x is low (`evaluateCycle`'s
    /// multi-cycle arithmetic): a step of the recurrence; the last one
    /// stops it and sets divide_by_zero_x.
    @inline(__always)
    mutating func dividerCycle() {
        let last = mcCycles == 0
        divideStep()
        if last {
            divideByZeroX = mcB == 0
            mcState = 0
        }
    }

    /// A cycle with stall_m low and stall_x high (the divider runs, no
    /// branch in M flushes X; steady otherwise, both caches checking with
    /// `caches`): X, D and F hold, M takes a copy of the X record (not
    /// valid), W the M record; the M stage and the bus masters move as in
    /// `fastAdvanceCycle`. The divider's step is the caller's
    /// (`dividerCycle`).
    @inline(__always)
    mutating func fastDivideCycle(x: UnsafeMutablePointer<FastSlot>, m: UnsafeMutablePointer<FastSlot>,
                                  w: UnsafeMutablePointer<FastSlot>, into next: UnsafeMutablePointer<FastSlot>,
                                  learn d: inout FastDecisions, caches: Bool) {
        let r = fastBus()
        let mCtl = m.pointee.completion.ctl
        let loadQM = mCtl.load && validM, storeQM = mCtl.store && validM
        let wWriteEnable = w.pointee.completion.ctl.writeEnable
        let wResult = fastWResult(w)
        let dcMatch = caches && dcTag[dcTagRA] == CacheAddress.validTag(m.pointee.operandM)
        let dcacheDataM = caches ? dcData[dcDataRA] : 0
        let dcMiss = caches && !dcMatch && loadQM && m.pointee.completion.dcacheSelect

        d.set(FastDecisions.stallD, true)
        learnWAndM(&d, r, m: m, loadQM: loadQM, storeQM: storeQM, wWriteEnable: wWriteEnable)
        retireW(w, wResult: wResult)
        divideByZeroX = false
        ip |= r.interrupts
        cc &+= 1
        if r.dErr && dCyc { dataBusErrorSeen = true }
        // caches: the read addresses hold (stall_d, stall_x), no flush or
        // instruction miss (stall_d); a store that hits writes through
        if caches {
            if storeQM && m.pointee.completion.dcacheSelect && dcMatch { writeThrough(m, over: dcacheDataM) }
            if dcMiss { dcRefillRequest = true; dcRefillAddress = m.pointee.operandM; dcState = 4; dcRefillOffset = 0 }
        }
        // load/store unit
        let dataM = caches && !m.pointee.completion.wbSelect ? dcacheDataM : wbDataM
        loadStoreUnit(r, m: m, loadQM: loadQM, storeQM: storeQM)
        dataW = dataM
        copyIntoM(x: x, m: m, next: next, caches: caches)
        // valid bits (kill_f from a predicted-taken branch in D; no branch
        // in M is taken)
        if validD && decodedD.branchPredictTaken { validF = true }
        validW = validM
        validM = false
        cycle &+= 1
    }

    /// What a cycle with `stall_m` low decides of W and M: the retirement
    /// and its register write, the data beat, the start of a load or store.
    @inline(__always)
    func learnWAndM(_ d: inout FastDecisions, _ r: CycleBusResponse, m: UnsafeMutablePointer<FastSlot>, loadQM: Bool,
                    storeQM: Bool, wWriteEnable: Bool) {
        d.set(FastDecisions.retire, validW)
        d.set(FastDecisions.registerWrite, validW && wWriteEnable)
        d.set(FastDecisions.dataBeat, dCyc && (r.dAck || r.dErr))
        d.set(FastDecisions.storeStart, !dCyc && storeQM)
        d.set(FastDecisions.loadStart, !dCyc && !storeQM && loadQM && m.pointee.completion.wbSelect && !wbLoadComplete)
        d.set(FastDecisions.memoryOp, loadQM || storeQM)
    }

    /// W's retirement and register write (W's result `wResult`).
    @inline(__always)
    mutating func retireW(_ w: UnsafeMutablePointer<FastSlot>, wResult: UInt32) {
        guard validW else { return }
        retiredCount &+= 1
        if Bus.watchesRetirements { bus.retired(pc: w.pointee.entry.pc, word: w.pointee.entry.insn, ie: ie, cycle: cycle) }
        if w.pointee.completion.ctl.writeEnable { regs[w.pointee.completion.writeIdx] = wResult; arrayWrites &+= 1 }
    }

    /// The data cache's write-through of M's store that hits (the word it
    /// read, `over`, with the store's lanes replaced).
    @inline(__always)
    mutating func writeThrough(_ m: UnsafeMutablePointer<FastSlot>, over word: UInt32) {
        arrayWrites &+= 1
        let lanes = laneMask(m.pointee.byteEnable)
        dcData[Int((m.pointee.operandM >> 2) & 0x3FF)] = (m.pointee.storeData & lanes) | (word & ~lanes)
    }

    /// The load/store unit's bus master in a cycle with `stall_m` low: a
    /// beat ends, or M's store or uncached load starts one.
    @inline(__always)
    mutating func loadStoreUnit(_ r: CycleBusResponse, m: UnsafeMutablePointer<FastSlot>, loadQM: Bool, storeQM: Bool) {
        if dCyc {
            dataBusAnswer(r, dcRefilling0: false)
        } else if storeQM {
            dDatO = m.pointee.storeData; dAdr = m.pointee.operandM; dCyc = true; dSel = m.pointee.byteEnable; dWe = true; dCti = 7
        } else if loadQM && m.pointee.completion.wbSelect && !wbLoadComplete {
            stallWbLoad = false
            dAdr = m.pointee.operandM; dCyc = true; dSel = m.pointee.byteEnable; dWe = false; dCti = 7
        }
        wbLoadComplete = false
        if loadQM || storeQM { memopPcW = m.pointee.entry.pc }
    }

    /// M's registers from X's with stall_x high and stall_m low: a copy of
    /// the X record (into `next`) with its M part computed, the divider's
    /// result as x_result; shifter_result_m keeps M's value (it loads with
    /// stall_x low only). `m` is not lazy.
    @inline(__always)
    func copyIntoM(x: UnsafeMutablePointer<FastSlot>, m: UnsafeMutablePointer<FastSlot>, next: UnsafeMutablePointer<FastSlot>,
                   caches: Bool) {
        let shifterM = m.pointee.shifter
        next.pointee = x.pointee
        let xd = x.pointee.entry.dec
        let (sum, met, xResult) = Self.xStage(x.pointee.op0, x.pointee.op1, xd, adderOpXN: x.pointee.entry.adderOpXN,
                                              csr: csrReadData(xd.csr), mc: mcResultX)
        let (storeData, byteEnable) = Self.storeLanes(operand: x.pointee.storeOp, address: sum, size: xd.size)
        var completion = FastSlot.Completion(moving: xd)
        if caches {
            let cacheable = CacheAddress.cacheable(sum)
            completion.dcacheSelect = cacheable; completion.wbSelect = !cacheable
        }
        completeRecord(next, xResult: xResult, conditionMetX: met, storeData: storeData, byteEnable: byteEnable,
                       completion: completion)
        next.pointee.shifter = shifterM
        if xd.c.mSelShift { next.pointee.mResult = shifterM }
    }

    /// The X record's M part, as the record moves to M (no exception in X).
    @inline(__always)
    func completeRecord(_ x: UnsafeMutablePointer<FastSlot>, xResult: UInt32, conditionMetX: Bool, storeData: UInt32,
                        byteEnable: UInt8, completion: FastSlot.Completion) {
        let c = x.pointee.entry.dec.c
        let shifter = fastShift(x)
        x.pointee.operandM = xResult
        x.pointee.mResult = c.mSelCompare ? (conditionMetX ? 1 : 0) : c.mSelShift ? shifter : xResult
        x.pointee.shifter = shifter
        x.pointee.product = x.pointee.op0 &* x.pointee.op1
        x.pointee.branchTargetM = x.pointee.branchTargetX
        x.pointee.storeData = storeData
        x.pointee.conditionMet = conditionMetX
        x.pointee.byteEnable = byteEnable
        x.pointee.completion = completion
        x.pointee.lazy = false
    }

    /// The M part a replayed cycle left out of a record (`FastSlot.lazy`):
    /// the condition, the shifter's result, the store lanes and the
    /// product, all functions of the record's X part.
    @inline(__always)
    func finishRecord(_ r: UnsafeMutablePointer<FastSlot>) {
        guard r.pointee.lazy else { return }
        let d = r.pointee.entry.dec
        let (sum, carry) = Self.xAdder(r.pointee.op0, r.pointee.op1, adderOp: d.c.adderOp, adderOpXN: r.pointee.entry.adderOpXN)
        r.pointee.conditionMet = Self.xCondition(r.pointee.op0, r.pointee.op1, sum: sum, carry: carry, condition: d.condition)
        r.pointee.shifter = fastShift(r)
        (r.pointee.storeData, r.pointee.byteEnable) = Self.storeLanes(operand: r.pointee.storeOp, address: sum, size: d.size)
        r.pointee.product = r.pointee.op0 &* r.pointee.op1
        r.pointee.lazy = false
    }

    /// shifter_result_m from the X record's operands.
    @inline(__always)
    func fastShift(_ x: UnsafeMutablePointer<FastSlot>) -> UInt32 {
        Self.shift(x.pointee.op0, x.pointee.op1, x.pointee.entry.dec)
    }

    /// shifter_result_m from X's operands and decode.
    @inline(__always)
    static func shift(_ op0: UInt32, _ op1: UInt32, _ d: DecodedInstruction) -> UInt32 {
        let n = op1 & 31
        if d.direction { return op0 << n }
        if d.signExtend { return UInt32(bitPattern: Int32(bitPattern: op0) >> Int32(n)) }
        return op0 >> n
    }
}

/// A data address the data cache serves (the lower half; the upper is the
/// uncached I/O space: dcache_select_x), and the tag a cache line holding
/// `address` has while valid. The fast path's forms of `evaluateCycle`'s
/// expressions, which keeps them inline (a call there is not inlined).
enum CacheAddress {
    @inline(__always) static func cacheable(_ address: UInt32) -> Bool { address <= 0x7FFF_FFFF }
    @inline(__always) static func validTag(_ address: UInt32) -> UInt32 { (address >> 12) << 1 | 1 }
}

extension DecodedInstruction {
    /// A `scall`, `break`, `wcsr`, `eret`, `bret` or a bus error: valid in
    /// X, the state is not `steady`.
    @inline(__always)
    func leavesSteady(busError: Bool) -> Bool { scall || breakOpcode || busError || c.wcsr || eret || bret }
}

/// Decoded instruction words by word (a direct-mapped cache of the pure
/// function `DecodedInstruction.init`), for the fast path's D stage.
final class DecodeCache {
    static let size = 512
    let entries: UnsafeMutablePointer<DecodedInstruction>

    init() {
        entries = .allocate(capacity: Self.size)
        entries.initialize(repeating: DecodedInstruction(0), count: Self.size)
    }

    deinit {
        entries.deinitialize(count: Self.size)
        entries.deallocate()
    }

    @inline(__always)
    func decode(_ word: UInt32, table: UnsafePointer<OpControl>) -> DecodedInstruction {
        let e = entries + Int((word ^ word >> 9 ^ word >> 21) & UInt32(Self.size - 1))
        if e.pointee.word != word { e.pointee = DecodedInstruction(word, table: table) }
        return e.pointee
    }
}
