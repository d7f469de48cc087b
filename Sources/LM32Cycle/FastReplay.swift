/// The fast path's replay (docs/lm32-fastpath.md, "Replaying the control"):
/// on a bus whose answer is a function of its beat counters, the masters'
/// addresses and its memory (`CycleBus.replays`, the bench), what the record
/// path decides in a cycle (held or advance, the D stage's stall and the
/// sources of its two operands, the retirement and register write, the
/// data beat, the start of a load or store, a divide entering X) and the
/// control registers it leaves behind are a function of the control
/// registers it started from (`FastKey`) and of data-derived inputs: the
/// condition and the target of a branch in M, and the word an instruction
/// beat ending in the cycle reads (with the caches: the instruction cache's
/// hit and the word it reads, whether X's load or store address is
/// cacheable, and the data cache's hit for a load in M). The first time a cycle runs
/// from a key with given inputs the record path runs it and files the
/// decisions and the key it led to as an edge of the table; afterwards the
/// replay follows the edge, doing only the cycle's data work (the X
/// datapath, the operand reads, the record writes, the register write, the
/// data beat) and leaving the control registers in the table until the
/// record path or the hand-over needs them (`writeBack`). A data beat that
/// ends in ERR is never replayed (the record path runs it and the episode
/// ends). `FastPathCheck` compares the state at every hand-over.

/// The control registers between two cycles of the record path: the
/// pipeline's valid bits, the F and D stages, the bus masters' control
/// outputs (not D_CTI_O, which the bench does not read and a data cache
/// sets from the address) and the bench's beat counters, the instruction
/// cache's read addresses, and the parts of the X, M and W records the
/// cycle's decisions read (not their data; M's bus select only for a load
/// or store).
struct FastKey: Hashable {
    var validF = false, validD = false, validX = false, validM = false, validW = false
    var busErrorF = false, busErrorD = false
    var iCyc = false, iCti: UInt8 = 0, iAdr: UInt32 = 0
    var dCyc = false, dWe = false
    var icDataRA: UInt16 = 0, icTagRA: UInt8 = 0
    var stallWbLoad = false, wbLoadComplete = false
    var pcF: UInt32 = 0, pcD: UInt32 = 0, instructionD: UInt32 = 0, wbDataF: UInt32 = 0
    var decodedD = DecodedInstruction.zero
    var iCnt = 0, dCnt = 0
    /// W holds the M record (after a held cycle), else the one before it.
    var wIsM = false
    var xPc: UInt32 = 0, xInsn: UInt32 = 0, xDec = DecodedInstruction.zero, xAdderOpXN = false, xBusError = false
    var mPc: UInt32 = 0, mInsn: UInt32 = 0, mCtl = OpControl(), mWriteIdx = 0
    var mBranchPredictTaken = false, mWbSelect = false, mException = false
    var wCtl = OpControl(), wWriteIdx = 0
    /// The divider's state and, while it runs (it holds X), the cycles it
    /// has left (`mcState` 0: idle, `mcCycles` then 0).
    var mcState: UInt8 = 0, mcCycles: UInt8 = 0

    /// The table looks a key up at every episode's start and every recorded
    /// cycle: hashing every field (two decodes among them) cost about 2 000
    /// host instructions a lookup. The stage PCs, valid bits, beat counters,
    /// the instruction cache's read address, D's word and M's and W's
    /// write indices tell nearly all keys of a program apart; `==` still
    /// compares every field.
    func hash(into hasher: inout Hasher) {
        let valid = (validF ? 1 : 0) | (validD ? 2 : 0) | (validX ? 4 : 0) | (validM ? 8 : 0) | (validW ? 16 : 0)
            | (iCyc ? 32 : 0) | (dCyc ? 64 : 0) | (stallWbLoad ? 128 : 0) | (wIsM ? 256 : 0)
            | (mcState != 0 ? 512 : 0) | Int(mcCycles & 63) << 10
        hasher.combine(UInt64(pcF) | UInt64(pcD) << 32)
        hasher.combine(UInt64(xPc) | UInt64(mPc) << 32)
        hasher.combine(UInt64(valid) | UInt64(truncatingIfNeeded: iCnt) << 16 | UInt64(truncatingIfNeeded: dCnt) << 32
            | UInt64(icDataRA) << 48)
        hasher.combine(UInt64(instructionD) | UInt64(truncatingIfNeeded: mWriteIdx) << 32
            | UInt64(truncatingIfNeeded: wWriteIdx) << 40 | (dWe ? 1 << 48 : 0) | (wbLoadComplete ? 1 << 49 : 0))
    }
}

/// What the record path decided in one cycle, for the replay.
struct FastDecisions {
    static let held: UInt16 = 1, retire: UInt16 = 2, registerWrite: UInt16 = 4, stallD: UInt16 = 8
    static let dataBeat: UInt16 = 16, storeStart: UInt16 = 32, loadStart: UInt16 = 64, memoryOp: UInt16 = 128
    /// The divider runs: a held cycle, or without `held` a divide cycle
    /// (`fastDivideCycle`); the divider steps.
    static let divider: UInt16 = 256
    /// Filed by the table with the edge (`FastEdge.stops`, `writes`): one
    /// test of the bits tells a plain advance from everything else.
    static let stops: UInt16 = 512, writes: UInt16 = 1024
    var bits: UInt16 = 0
    /// The D operands' sources, as indices from the register file
    /// (`CycleCore.regs`): a register's number, or -1 X's result, -2 M's,
    /// -3 W's (the replay writes the three into the scratch words before
    /// the register file).
    var source0: Int8 = 0, source1: Int8 = 0
    /// The divider's state a divide or modulus entering X sets (0: none).
    var divide: UInt8 = 0

    @inline(__always) func has(_ b: UInt16) -> Bool { bits & b != 0 }
    @inline(__always) mutating func set(_ b: UInt16, _ on: Bool) { if on { bits |= b } }
}

/// What the table's keys assume of the bus and the profile: the bench's
/// wait states and whether both caches are on (the fast path runs with
/// both or neither).
struct FastBusShape: Equatable {
    var i: Int, d: Int, caches: Bool
}

/// A key of the table, with what the replay reads of it every cycle.
struct FastNode {
    var key: FastKey
    /// The first of this key's edges (-1: none yet).
    var firstEdge: Int32 = -1
    /// A valid branch is in M: its condition and target are inputs.
    let mBranch: Bool
    /// The cycle fetches: without caches an instruction beat ends in it,
    /// with them it advances and reads the instruction cache; the word
    /// (and with caches the hit) is an input.
    let fetchEnds: Bool
    /// A data beat ends in the cycle (ERR is not replayed).
    let dataEnds: Bool
    /// With caches: X holds a load or store, and whether its address is
    /// cacheable is an input; a valid load in M reads the data cache in an
    /// advancing cycle, and its hit is an input (a miss is not replayed); a
    /// valid store in M to a cacheable address writes through in an
    /// advancing cycle (its hit is data work).
    let xSelects: Bool, mLoadHits: Bool, mStoreHits: Bool
    /// The instruction cache's tag that hits for F's address.
    let icTagWant: UInt32
    /// One of the inputs: the edge depends on more than the key.
    let hasInputs: Bool
    /// With caches, the only inputs are the instruction cache's hit and
    /// word. Nothing writes the instruction cache while an episode runs (a
    /// refill or a flush ends it), so the edge they select stays the same
    /// for the rest of the episode: the replay files it here
    /// (`stampedEdge`, for episode `stamp`) and takes it without reading
    /// the cache again.
    let fetchOnly: Bool
    var stamp: UInt32 = 0, stampedEdge: Int32 = -1
    /// A valid `scall`, `break`, CSR write, `eret`, `bret` or bus error is in
    /// X: the episode ends here.
    let leaves: Bool
    /// D's branch target.
    let branchTargetD: UInt32
    /// D's operands and X's branch target as functions of the bypassed
    /// register values `b0`, `b1` (`(b & mask) | constant`: the selections
    /// d_result_sel_0, d_result_sel_1 and branch_reg make, without
    /// branches): d_result_0 takes b0 or F's PC, d_result_1 b1, the
    /// immediate or 0, the target b0 with its low bits cleared or
    /// `branchTargetD`.
    let dMask0: UInt32, dConstant0: UInt32, dMask1: UInt32, dConstant1: UInt32
    let targetMask: UInt32, targetConstant: UInt32
    /// The trace that starts from this node (`FastReplayTable.traces`;
    /// -1: none).
    var trace: Int32 = -1
    /// (A node of 320 bytes, five cache lines, makes the replay with
    /// caches 12 % slower: docs/lm32-fastpath.md.)
    private let padding: UInt32 = 0
    /// The X record's entry part when D moves to X.
    let entryD: FastSlot.Entry
    /// The X record's completion part when it moves to M.
    let completionX: FastSlot.Completion
    /// Which of the M part X's instruction reads as it moves to M (the
    /// replay computes those; `finishRecord` the rest when needed): its
    /// condition (a branch or compare), its shift, its store lanes (a load
    /// or store), its product (a multiply).
    let eagerX: UInt8
    static let condition: UInt8 = 1, shift: UInt8 = 2, lanes: UInt8 = 4, product: UInt8 = 8
    /// The class of X's instruction the replay tests first: an add whose
    /// result is the sum (`kindAdd`), the same for a load or store
    /// (`kindMemory`, which has the add's bit: its store lanes too), or any
    /// other (0: the generic datapath, which `eagerX` steers).
    let xKind: UInt8
    static let kindAdd: UInt8 = 1, kindMemory: UInt8 = 3

    init(_ key: FastKey, shape: FastBusShape) {
        self.key = key
        mBranch = key.validM && key.mCtl.branch
        dataEnds = key.dCyc && key.dCnt == shape.d
        if shape.caches {
            let held = key.stallWbLoad || (key.iCyc && key.mCtl.branch)
                || (key.dCyc && (key.mCtl.store || key.mCtl.load || key.xDec.c.load))
            fetchEnds = !held
            xSelects = key.xDec.c.load || key.xDec.c.store
            mLoadHits = !held && key.validM && key.mCtl.load && !key.mWbSelect
            mStoreHits = !held && key.validM && key.mCtl.store && !key.mWbSelect
        } else {
            fetchEnds = key.iCyc && key.iCnt == shape.i
            xSelects = false; mLoadHits = false; mStoreHits = false
        }
        icTagWant = CacheAddress.validTag(key.pcF)
        hasInputs = mBranch || fetchEnds || dataEnds || xSelects || mLoadHits
        fetchOnly = shape.caches && fetchEnds && !(mBranch || dataEnds || xSelects || mLoadHits)
        leaves = key.validX && key.xDec.leavesSteady(busError: key.xBusError)
        branchTargetD = key.pcD &+ key.decodedD.branchOffset
        let dc = key.decodedD.c
        (dMask0, dConstant0) = dc.dResultSel0Pc ? (0, key.pcF) : (~0, 0)
        (dMask1, dConstant1) = dc.dResultSel1 == 0 ? (0, 0) : dc.dResultSel1 == 1 ? (~0, 0) : (0, key.decodedD.immediate)
        (targetMask, targetConstant) = dc.branchReg ? (~3, 0) : (0, branchTargetD)
        entryD = FastSlot.Entry(pc: key.pcD, insn: key.instructionD, dec: key.decodedD, busError: key.busErrorD)
        completionX = FastSlot.Completion(moving: key.xDec)
        let c = key.xDec.c
        eagerX = (c.branch || c.mSelCompare ? Self.condition : 0) | (c.mSelShift ? Self.shift : 0)
            | (c.load || c.store ? Self.lanes : 0) | (c.wSelMul ? Self.product : 0)
        let plainAdd = c.xSelAdd && key.xAdderOpXN && !c.adderOp
        xKind = plainAdd && eagerX == 0 ? Self.kindAdd : plainAdd && eagerX == Self.lanes ? Self.kindMemory : 0
    }
}

/// One cycle run from a key with given inputs: its decisions and the key
/// it leads to.
struct FastEdge {
    /// The inputs (`CycleCore.cycleInputs`): M's condition and target
    /// (`mBranch`), the caches' hits and X's cacheable address, the
    /// fetched word (`fetchEnds`); 0 where the key does not read them.
    var inputs: UInt64, fetched: UInt32
    var to: Int32, next: Int32
    var decisions: FastDecisions
    /// The episode ends after this cycle: the key it leads to `leaves`.
    var stops: Bool
    /// The cycle ends a data-bus write (which may be the bench's end write).
    var writes: Bool
}

/// The keys and edges met so far on one machine (its program, its bench's
/// wait states and error windows). Not state: a key is checked against
/// the memory it reads (the fetched word) every time it is replayed, so
/// the table needs no invalidation when code is written.
final class FastReplayTable {
    static let nodeLimit = 1 << 16, edgeLimit = 1 << 18
    /// The nodes' and edges' storage (moves only when the record path
    /// files), behind a pointer the episode's loop reads them through
    /// rather than keep both in registers.
    struct Bases {
        var nodes: UnsafeMutablePointer<FastNode>, edges: UnsafeMutablePointer<FastEdge>
    }
    let bases: UnsafeMutablePointer<Bases>
    var nodes: UnsafeMutablePointer<FastNode> { bases.pointee.nodes }
    var edges: UnsafeMutablePointer<FastEdge> { bases.pointee.edges }
    private(set) var nodeCount = 0, edgeCount = 0
    /// The current episode's number for `FastNode.stamp` (never 0, which
    /// no episode has).
    private(set) var episode: UInt32 = 0

    /// The replayed divide cycles in a row that the episode has just run
    /// and the episode's cycle of the last (`replayDivideCycle`).
    var copies = 0, lastCopy: UInt64 = 0

    /// Numbers a new episode.
    func beginEpisode() {
        copies = 0
        traceResume = 0
        recorder.reset()
        episode &+= 1
        if episode == 0 {
            for i in 0..<nodeCount { nodes[i].stamp = 0 }
            episode = 1
        }
    }
    private var nodeCapacity = 256, edgeCapacity = 512
    private var index: [FastKey: Int32] = [:]
    /// The bus's wait states and the profile the nodes were filed with
    /// (`FastNode.init` reads them); the table is cleared if they ever
    /// differ. (The bench's error windows, which the edges also assume, are
    /// fixed for a machine.)
    var shape: FastBusShape?
    /// The fast path's four records (X, M, W and the next X), kept here so
    /// that an episode allocates nothing (64-aligned: each is two cache
    /// lines).
    let slots: UnsafeMutablePointer<FastSlot>

    init() {
        bases = .allocate(capacity: 1)
        bases.initialize(to: Bases(nodes: .allocate(capacity: nodeCapacity), edges: .allocate(capacity: edgeCapacity)))
        slots = UnsafeMutableRawPointer.allocate(byteCount: 4 * MemoryLayout<FastSlot>.stride, alignment: 64)
            .bindMemory(to: FastSlot.self, capacity: 4)
        slots.initialize(repeating: FastSlot(), count: 4)
    }

    deinit {
        releaseTraces()
        slots.deinitialize(count: 4)
        UnsafeMutableRawPointer(slots).deallocate()
        nodes.deinitialize(count: nodeCount)
        nodes.deallocate()
        edges.deinitialize(count: edgeCount)
        edges.deallocate()
        bases.deallocate()
    }

    /// The table has reached its limits (the fast path then clears it at
    /// the start of its next episode).
    var full: Bool { nodeCount >= Self.nodeLimit || edgeCount >= Self.edgeLimit }

    /// The traces filed (FastTrace.swift), their recorder and the runs'
    /// scratch storage; a trace run is not tried again before
    /// `traceResume` (the episode's cycle).
    @exclusivity(unchecked) private(set) var traces: [FastTrace] = []
    let recorder = FastTraceRecorder()
    let traceScratch = FastTraceScratch()
    @exclusivity(unchecked) var traceResume: UInt64 = 0

    /// Files `t` as its node's first trace or its last alternative.
    func addTrace(_ t: FastTrace) {
        guard traces.count < 1 << 12 else { return }
        let known = traces(from: nodes[Int(t.startNode)].trace)
        guard known.count < FastTrace.alternatives, !known.contains(where: { $0.edgeList == t.edgeList }) else { return }
        if let first = known.first {
            known.last!.next = Int32(traces.count)
            first.family.append(t)
        } else {
            nodes[Int(t.startNode)].trace = Int32(traces.count)
            t.family = [t]
        }
        traces.append(t)
    }

    /// The traces from a node, from its first (`FastNode.trace`).
    func traces(from first: Int32) -> [FastTrace] {
        first >= 0 ? traces[Int(first)].family : []
    }

    /// Drops the traces (a family's first trace holds its family, itself
    /// included: the cycle is broken here).
    private func releaseTraces() {
        for t in traces { t.family = [] }
        traces.removeAll()
    }

    func clear() {
        releaseTraces()
        recorder.forget()
        nodes.deinitialize(count: nodeCount)
        edges.deinitialize(count: edgeCount)
        nodeCount = 0; edgeCount = 0
        index.removeAll(keepingCapacity: true)
    }

    /// Moves `count` elements to storage of twice the capacity.
    private static func double<T>(_ p: inout UnsafeMutablePointer<T>, count: Int, capacity: inout Int) {
        let bigger = UnsafeMutablePointer<T>.allocate(capacity: capacity * 2)
        bigger.moveInitialize(from: p, count: count)
        p.deallocate()
        p = bigger
        capacity *= 2
    }

    /// The node of `key`, filed if new (-1 when the table is full).
    func node(for key: FastKey, shape: FastBusShape) -> Int32 {
        if let i = index[key] { return i }
        guard nodeCount < Self.nodeLimit else { return -1 }
        if nodeCount == nodeCapacity { Self.double(&bases.pointee.nodes, count: nodeCount, capacity: &nodeCapacity) }
        (nodes + nodeCount).initialize(to: FastNode(key, shape: shape))
        let i = Int32(nodeCount)
        index[key] = i
        nodeCount += 1
        return i
    }

    func addEdge(from node: Int32, inputs: UInt64, fetched: UInt32, decisions: FastDecisions, to: Int32) {
        guard edgeCount < Self.edgeLimit else { return }
        if edgeCount == edgeCapacity { Self.double(&bases.pointee.edges, count: edgeCount, capacity: &edgeCapacity) }
        let n = nodes + Int(node)
        let stops = nodes[Int(to)].leaves, writes = decisions.has(FastDecisions.dataBeat) && n.pointee.key.dWe
        var d = decisions
        d.set(FastDecisions.stops, stops)
        d.set(FastDecisions.writes, writes)
        (edges + edgeCount).initialize(to: FastEdge(inputs: inputs, fetched: fetched, to: to, next: n.pointee.firstEdge,
                                                    decisions: d, stops: stops, writes: writes))
        n.pointee.firstEdge = Int32(edgeCount)
        edgeCount += 1
    }
}

extension CycleCore {
    /// The fast path replays on this bus (`CycleBus.replays`; the replay
    /// does not report retirements to a bus that watches them).
    static var replaying: Bool { Bus.replays && !Bus.watchesRetirements }

    /// The record path's control registers as a key (`w` is W's slot).
    @inline(__always)
    func fastKey(x: UnsafeMutablePointer<FastSlot>, m: UnsafeMutablePointer<FastSlot>, w: UnsafeMutablePointer<FastSlot>) -> FastKey {
        var k = FastKey()
        k.validF = validF; k.validD = validD; k.validX = validX; k.validM = validM; k.validW = validW
        k.busErrorF = busErrorF; k.busErrorD = busErrorD
        k.iCyc = iCyc; k.iCti = iCti; k.iAdr = iAdr
        k.dCyc = dCyc; k.dWe = dWe
        k.icDataRA = UInt16(icDataRA); k.icTagRA = UInt8(icTagRA)
        k.stallWbLoad = stallWbLoad; k.wbLoadComplete = wbLoadComplete
        k.pcF = pcF; k.pcD = pcD; k.instructionD = instructionD; k.wbDataF = wbDataF
        k.decodedD = decodedD
        (k.iCnt, k.dCnt) = bus.beatCounters
        k.wIsM = w == m
        k.xPc = x.pointee.entry.pc; k.xInsn = x.pointee.entry.insn; k.xDec = x.pointee.entry.dec
        k.xAdderOpXN = x.pointee.entry.adderOpXN; k.xBusError = x.pointee.entry.busError
        k.mPc = m.pointee.entry.pc; k.mInsn = m.pointee.entry.insn; k.mCtl = m.pointee.completion.ctl; k.mWriteIdx = m.pointee.completion.writeIdx
        k.mBranchPredictTaken = m.pointee.completion.branchPredictTaken
        k.mWbSelect = m.pointee.completion.wbSelect && (k.mCtl.load || k.mCtl.store)
        k.mException = m.pointee.completion.exception
        k.wCtl = w.pointee.completion.ctl; k.wWriteIdx = w.pointee.completion.writeIdx
        // (the idle divider's count is not control)
        k.mcState = UInt8(mcState); k.mcCycles = mcState != 0 ? UInt8(mcCycles) : 0
        return k
    }

    /// The control registers from a key, and the M and W records' parts
    /// the replay left out (the record path or the hand-over takes over
    /// from the replay). (The divider's state is not written: the replay
    /// keeps it, `dividerCycle`.)
    @inline(__always)
    mutating func writeBack(_ n: UnsafePointer<FastNode>, ring r: FastRing) {
        r.fillEntries()
        finishRecord(r.m)
        finishRecord(r.w)
        let k = n.pointee.key
        validF = k.validF; validD = k.validD; validX = k.validX; validM = k.validM; validW = k.validW
        busErrorF = k.busErrorF; busErrorD = k.busErrorD
        iCyc = k.iCyc; iCti = k.iCti; iAdr = k.iAdr
        dCyc = k.dCyc; dWe = k.dWe
        icDataRA = Int(k.icDataRA); icTagRA = Int(k.icTagRA)
        stallWbLoad = k.stallWbLoad; wbLoadComplete = k.wbLoadComplete
        pcF = k.pcF; pcD = k.pcD; instructionD = k.instructionD; wbDataF = k.wbDataF
        decodedD = k.decodedD
        bus.beatCounters = (k.iCnt, k.dCnt)
    }

    /// The inputs of a cycle from `n`'s key (the control registers) and the
    /// records: M's condition and target when a valid branch is in M (bits
    /// 0-32), the instruction cache's hit (33), X's address cacheable (34),
    /// the data cache's hit (35); and the fetched word.
    @inline(__always)
    func cycleInputs(_ n: UnsafePointer<FastNode>, ring r: FastRing, caches: Bool) -> (inputs: UInt64, fetched: UInt32) {
        var inputs: UInt64 = n.pointee.mBranch
            ? (r.m.pointee.conditionMet ? 1 : 0) | UInt64(r.m.pointee.branchTargetM) << 1 : 0
        var fetched: UInt32 = 0
        if caches {
            if n.pointee.fetchEnds && icTag[Int(n.pointee.key.icTagRA)] == n.pointee.icTagWant {
                inputs |= 1 << 33
                fetched = icData[Int(n.pointee.key.icDataRA)]
            }
            if n.pointee.xSelects {
                let x = r.x
                let (sum, _) = Self.xAdder(x.pointee.op0, x.pointee.op1, adderOp: n.pointee.key.xDec.c.adderOp,
                                           adderOpXN: n.pointee.key.xAdderOpXN)
                if CacheAddress.cacheable(sum) { inputs |= 1 << 34 }
            }
            if n.pointee.mLoadHits && dcTag[dcTagRA] == CacheAddress.validTag(r.m.pointee.operandM) { inputs |= 1 << 35 }
        } else if n.pointee.fetchEnds {
            fetched = bus.instructionWord(at: n.pointee.key.iAdr)
        }
        return (inputs, fetched)
    }

    /// A replayed held or divide cycle's data beat (its word; 0 without
    /// one) and W's retirement.
    @_transparent
    mutating func replayBeatAndRetire(_ d: FastDecisions, _ n: UnsafePointer<FastNode>,
                                      w: UnsafeMutablePointer<FastSlot>) -> UInt32 {
        var beat: UInt32 = 0
        if d.has(FastDecisions.dataBeat) {
            beat = bus.dataBeat(cycle: cycle, address: dAdr, data: dDatO, sel: dSel, we: n.pointee.key.dWe)
        }
        if d.has(FastDecisions.retire) {
            retiredCount &+= 1
            if d.has(FastDecisions.registerWrite) { regs[w.pointee.completion.writeIdx] = fastWResult(w); arrayWrites &+= 1 }
        }
        return beat
    }

    /// A held cycle from its decisions (`fastHeldCycle`'s data work).
    @inline(__always)
    mutating func replayHeld(_ e: UnsafePointer<FastEdge>, _ n: UnsafePointer<FastNode>,
                             m: UnsafeMutablePointer<FastSlot>, w: UnsafeMutablePointer<FastSlot>, caches: Bool) {
        let d = e.pointee.decisions
        let beat = replayBeatAndRetire(d, n, w: w)
        let dataM = caches && !m.pointee.completion.wbSelect ? dcData[dcDataRA] : wbDataM
        // (divide_by_zero_x is low: `steady`; IP holds the lines: `fastEpisode`)
        cc &+= 1
        if d.has(FastDecisions.dataBeat) {
            wbDataM = beat
            if caches { dCti = dAdr & 0x8 != 0 ? 7 : 2 }
        } else if d.has(FastDecisions.loadStart) {
            dAdr = m.pointee.operandM; dSel = m.pointee.byteEnable; dCti = 7
        }
        dataW = dataM
        cycle &+= 1
    }

    /// A divide cycle from its decisions (the episode's cycle `k`; the
    /// divider's step is the caller's): from the fourth in a row with no
    /// retirement and no beat `replayDividerCopy`, else `fastDivideCycle`'s
    /// data work.
    @inline(never)
    mutating func replayDivideCycle(_ e: UnsafePointer<FastEdge>, _ n: UnsafePointer<FastNode>, ring r: inout FastRing,
                                    table: FastReplayTable, k: UInt64, caches: Bool) {
        r.fillEntries()
        // `copyIntoM` writes the record `next`: after three divide cycles
        // in a row, M's, the one before and `next` are all copies of X's
        table.copies = table.copies > 0 && table.lastCopy &+ 1 == k ? table.copies + 1 : 1
        table.lastCopy = k
        if table.copies > 3 && e.pointee.decisions.bits & ~(FastDecisions.stops | FastDecisions.writes) == FastDecisions.divider | FastDecisions.stallD {
            replayDividerCopy(m: r.m, into: r.next, caches: caches)
        } else {
            replayDivideData(e, n, x: r.x, m: r.m, w: r.w, into: r.next, caches: caches)
        }
        r.advanceHoldingX()
    }

    /// `fastDivideCycle`'s data work from its decisions.
    @inline(__always)
    mutating func replayDivideData(_ e: UnsafePointer<FastEdge>, _ n: UnsafePointer<FastNode>, x: UnsafeMutablePointer<FastSlot>,
                                   m: UnsafeMutablePointer<FastSlot>, w: UnsafeMutablePointer<FastSlot>,
                                   into next: UnsafeMutablePointer<FastSlot>, caches: Bool) {
        let d = e.pointee.decisions
        let beat = replayBeatAndRetire(d, n, w: w)
        cc &+= 1
        dataW = replayMStage(d, n, m: m, beat: beat, caches: caches)
        finishRecord(m)
        copyIntoM(x: x, m: m, next: next, caches: caches)
        cycle &+= 1
    }

    /// The M stage's data work of a replayed cycle with `stall_m` low (an
    /// advance or a divide cycle): a store that hits writes through, the
    /// data beat's word, the start of a load or store. Returns M's data
    /// (`dataW`'s next value).
    @_transparent
    mutating func replayMStage(_ d: FastDecisions, _ n: UnsafePointer<FastNode>, m: UnsafeMutablePointer<FastSlot>,
                               beat: UInt32, caches: Bool) -> UInt32 {
        let dataM: UInt32
        if caches {
            let dcacheDataM = dcData[dcDataRA]
            dataM = m.pointee.completion.wbSelect ? wbDataM : dcacheDataM
            if n.pointee.mStoreHits && dcTag[dcTagRA] == CacheAddress.validTag(m.pointee.operandM) {
                writeThrough(m, over: dcacheDataM)
            }
        } else {
            dataM = wbDataM
        }
        if d.has(FastDecisions.dataBeat | FastDecisions.memoryOp) {
            if d.has(FastDecisions.dataBeat) {
                wbDataM = beat
                if caches { dCti = dAdr & 0x8 != 0 ? 7 : 2 }
            } else if d.has(FastDecisions.storeStart) {
                dDatO = m.pointee.storeData; dAdr = m.pointee.operandM; dSel = m.pointee.byteEnable; dCti = 7
            } else if d.has(FastDecisions.loadStart) {
                dAdr = m.pointee.operandM; dSel = m.pointee.byteEnable; dCti = 7
            }
            if d.has(FastDecisions.memoryOp) { memopPcW = n.pointee.key.mPc }
        }
        return dataM
    }

    /// A divide cycle whose decisions are none but D's stall (W and M hold
    /// copies of X's record, no beat), with the record `next` already a
    /// copy of X's (the fourth divide cycle in a row or later): only its
    /// result changes.
    @inline(__always)
    mutating func replayDividerCopy(m: UnsafeMutablePointer<FastSlot>, into next: UnsafeMutablePointer<FastSlot>,
                                    caches: Bool) {
        cc &+= 1
        dataW = caches && !m.pointee.completion.wbSelect ? dcData[dcDataRA] : wbDataM
        let result = mcResultX
        next.pointee.operandM = result
        let c = next.pointee.entry.dec.c
        if !(c.mSelCompare || c.mSelShift) { next.pointee.mResult = result }
        cycle &+= 1
    }

    /// `replayAdvance` for each profile, with `caches` a constant (left to
    /// itself the compiler keeps one out-of-line copy with `caches` a
    /// run-time value). Without caches out of line (half the cycles are
    /// held; inlined, the loop costs 4 host instructions per cycle more),
    /// with caches inlined (nearly every cycle advances: 8 fewer).
    @inline(never)
    mutating func replayAdvanceNoCache(_ e: UnsafePointer<FastEdge>, _ n: UnsafePointer<FastNode>, x: UnsafeMutablePointer<FastSlot>,
                                       m: UnsafeMutablePointer<FastSlot>, w: UnsafeMutablePointer<FastSlot>,
                                       into next: UnsafeMutablePointer<FastSlot>) {
        replayAdvance(e, n, x: x, m: m, w: w, into: next, caches: false)
    }

    @_transparent
    mutating func replayAdvanceCaches(_ e: UnsafePointer<FastEdge>, _ n: UnsafePointer<FastNode>, x: UnsafeMutablePointer<FastSlot>,
                                      m: UnsafeMutablePointer<FastSlot>, w: UnsafeMutablePointer<FastSlot>,
                                      into next: UnsafeMutablePointer<FastSlot>) {
        replayAdvance(e, n, x: x, m: m, w: w, into: next, caches: true)
    }

    /// An advancing cycle from its decisions (`fastAdvanceCycle`'s data work).
    @_transparent
    mutating func replayAdvance(_ e: UnsafePointer<FastEdge>, _ n: UnsafePointer<FastNode>, x: UnsafeMutablePointer<FastSlot>,
                                m: UnsafeMutablePointer<FastSlot>, w: UnsafeMutablePointer<FastSlot>,
                                into next: UnsafeMutablePointer<FastSlot>, caches: Bool) {
        let d = e.pointee.decisions
        var beat: UInt32 = 0
        if d.has(FastDecisions.dataBeat) {
            beat = bus.dataBeat(cycle: cycle, address: dAdr, data: dDatO, sel: dSel, we: n.pointee.key.dWe)
        }
        let xd = n.pointee.key.xDec
        let op0 = x.pointee.op0, op1 = x.pointee.op1
        // X's datapath and its record's M part (what its instruction does
        // not read is left to `finishRecord`), by the node's class of X's
        // instruction: one dispatch instead of a test per unit
        let sum: UInt32, xResult: UInt32
        let kind = n.pointee.xKind
        if kind & FastNode.kindAdd != 0 {
            sum = op0 &+ op1; xResult = sum
            x.pointee.operandM = sum; x.pointee.mResult = sum
            if kind == FastNode.kindMemory {
                (x.pointee.storeData, x.pointee.byteEnable) = Self.storeLanes(operand: x.pointee.storeOp, address: sum, size: xd.size)
            }
        } else {
            let carry: Bool
            (sum, carry) = Self.xAdder(op0, op1, adderOp: xd.c.adderOp, adderOpXN: n.pointee.key.xAdderOpXN)
            xResult = Self.xResult(op0, op1, sum: sum, xd, csr: csrReadData(xd.csr), mc: mcResultX)
            let eager = n.pointee.eagerX
            x.pointee.operandM = xResult
            if eager & FastNode.condition != 0 {
                let met = Self.xCondition(op0, op1, sum: sum, carry: carry, condition: xd.condition)
                x.pointee.conditionMet = met
                x.pointee.mResult = xd.c.mSelCompare ? (met ? 1 : 0) : xResult
            } else if eager & FastNode.shift != 0 {
                let shifter = Self.shift(op0, op1, xd)
                x.pointee.shifter = shifter
                x.pointee.mResult = shifter
            } else {
                x.pointee.mResult = xResult
            }
            if eager & FastNode.lanes != 0 {
                (x.pointee.storeData, x.pointee.byteEnable) = Self.storeLanes(operand: x.pointee.storeOp, address: sum, size: xd.size)
            }
            if eager & FastNode.product != 0 { x.pointee.product = op0 &* op1 }
        }
        let wResult = fastWResult(w)
        let mResult = m.pointee.mResult
        regs[-1] = xResult; regs[-2] = mResult; regs[-3] = wResult
        let bypassData0 = regs[Int(d.source0)], bypassData1 = regs[Int(d.source1)]
        let dResult0 = bypassData0 & n.pointee.dMask0 | n.pointee.dConstant0
        let dResult1 = bypassData1 & n.pointee.dMask1 | n.pointee.dConstant1

        if d.has(FastDecisions.retire) {
            retiredCount &+= 1
            if d.has(FastDecisions.registerWrite) { regs[w.pointee.completion.writeIdx] = wResult; arrayWrites &+= 1 }
        }
        // (divide_by_zero_x is low: `steady`)
        if !d.has(FastDecisions.stallD) {
            mcCycles = 32; mcP = 0; mcA = dResult0; mcB = dResult1
            if d.divide != 0 { mcState = Int(d.divide) }
        }
        cc &+= 1
        dataW = replayMStage(d, n, m: m, beat: beat, caches: caches)
        if caches { dcDataRA = Int((sum >> 2) & 0x3FF); dcTagRA = Int((sum >> 4) & 0xFF) }

        // X's record moves to M
        x.pointee.branchTargetM = x.pointee.branchTargetX
        x.pointee.completion = n.pointee.completionX
        if caches {
            let cacheable = CacheAddress.cacheable(sum)
            x.pointee.completion.dcacheSelect = cacheable
            x.pointee.completion.wbSelect = !cacheable
        }
        x.pointee.lazy = true
        next.pointee.entryFrom = n
        next.pointee.op0 = dResult0; next.pointee.op1 = dResult1; next.pointee.storeOp = bypassData1
        next.pointee.branchTargetX = bypassData0 & n.pointee.targetMask | n.pointee.targetConstant
        cycle &+= 1
    }
}
