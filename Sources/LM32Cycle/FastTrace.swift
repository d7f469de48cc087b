import LM32

/// Traces (docs/lm32-fastpath.md, "The next step: traces" and "What is
/// built: traces"): an iteration of a loop is, to the replay, the same
/// sequence of edges every time it repeats, and running it is running its
/// instructions in program order with the checks that the edges' inputs
/// hold. The recorder files a trace from the replay's edges when an
/// iteration repeats unchanged; a shadow (`FastTraceShadow`, a check mode)
/// runs each iteration a trace starts functionally beside the replay and
/// compares the outcome at the iteration's end; the runs
/// (`LM32CycleMachine.traces`, on by default) take the replay's place for the
/// iterations that hold and hand back to it, exactly, at an iteration's
/// start (`runTrace`).

/// One instruction of a trace, run at its X-to-M edge.
struct TraceOp {
    /// The iteration's cycle of its X-to-M edge.
    var cycle: Int
    var pc: UInt32
    var dec: DecodedInstruction
    var adderOpXN: Bool
    /// Its operands as D made them, as functions of the register file in
    /// program order: `regs[read0] & mask0 | constant0` (F's PC for a
    /// call), `regs[read1] & mask1 | constant1` (0 or the immediate), the
    /// branch target `regs[read0] & targetMask | targetConstant`.
    var mask0: UInt32, constant0: UInt32, mask1: UInt32, constant1: UInt32
    var targetMask: UInt32, targetConstant: UInt32
    /// A branch: the condition and target the edges were chosen by.
    var branch = false, condition = false, target: UInt32 = 0
    /// A store: the iteration's cycle its data beat ends in.
    var beatCycle = 0
}

/// An op as a run's loop takes it: its class and only the fields that
/// class reads (`TraceOp` whole for the ops of class `generic`: a CSR
/// read, a sign extension, a call, a load or store whose adder does not
/// add, and the iteration's last two ops, whose values a rebuild reads).
struct TraceStep {
    /// The class of op, by the operands it reads: a register and a
    /// register, or (the `I` kinds) a register and the immediate (a load's
    /// and a store's: their address). An op whose operands are of another
    /// form (F's PC) is generic. Branches that check equality or
    /// inequality alone have kinds of their own. (`end`: the step after the
    /// last op, which ends an iteration's loop.) The step loop has one case
    /// a class, 16 at most: LLVM copies the dispatch into each case only
    /// for a jump table of 16 targets or fewer (`tail-dup-succ-size`), and
    /// the shared dispatch costs about a host instruction a cycle more.
    enum Kind: UInt8 {
        case generic, add, addI, sub, logic, logicI, shift, shiftI, compare, compareI, multiply, multiplyI, divide, branch,
             branchEqual, branchNotEqual, load, store, end
    }

    /// A branch of any of its kinds.
    var isBranch: Bool { kind == .branch || kind == .branchEqual || kind == .branchNotEqual }
    var kind: Kind = .generic
    var ra: UInt8 = 0, rb: UInt8 = 0
    /// The register written, or 32 (none: a branch, a store or a generic
    /// step).
    var rd: UInt8 = 32
    /// logic: the function; shift: 2 left, 1 right arithmetic, 0 right;
    /// compare and branch: the condition code; load and store: the size;
    /// divide: 1 for the remainder (`modu`).
    var aux: UInt8 = 0
    /// `adderOp`, `adderOpXN`, a branch's recorded condition, a branch
    /// whose condition is checked, a branch whose target is, a load that
    /// sign-extends, a load or store whose bus registers are kept
    /// (`keepsBus`, below).
    var flags: UInt8 = 0
    static let adderOp: UInt8 = 1, adderOpXN: UInt8 = 2, condition: UInt8 = 4, checksCondition: UInt8 = 8,
               checksTarget: UInt8 = 16, signExtend: UInt8 = 32, subtracts: UInt8 = 64, keepsBus: UInt8 = 128
    var mask0: UInt32 = 0, constant0: UInt32 = 0, mask1: UInt32 = 0, constant1: UInt32 = 0
    /// A branch through a register: the recorded target.
    var target: UInt32 = 0
    var pc: UInt32 = 0
    var beatCycle: Int32 = 0

    /// condition_met_x with the adder subtracting: its flags are the
    /// comparisons' (equal, signed and unsigned at least), by condition
    /// code.
    @inline(__always)
    static func compare(_ op0: UInt32, _ op1: UInt32, _ condition: UInt8) -> Bool {
        switch condition {
        case 1: return op0 == op1
        case 7: return op0 != op1
        case 2: return Int32(bitPattern: op0) > Int32(bitPattern: op1)
        case 3: return Int32(bitPattern: op0) >= Int32(bitPattern: op1)
        case 5: return op0 > op1
        case 4: return op0 >= op1
        default: return true
        }
    }

    /// The step after an iteration's last op.
    init(end: ()) { kind = .end }

    /// Its two registers' values on the register file `regs` (program
    /// order), and its operands.
    @inline(__always)
    func operands(_ regs: UnsafeMutablePointer<UInt32>) -> (a: UInt32, b: UInt32, op0: UInt32, op1: UInt32) {
        let a = regs[Int(ra)], b = regs[Int(rb)]
        return (a, b, a & mask0 | constant0, b & mask1 | constant1)
    }

    init(_ op: TraceOp, caches: Bool) {
        let d = op.dec, c = d.c
        ra = UInt8(d.readIdx0); rb = UInt8(d.readIdx1)
        rd = c.writeEnable && !c.store ? UInt8(d.writeIdx) : 32
        mask0 = op.mask0; constant0 = op.constant0; mask1 = op.mask1; constant1 = op.constant1
        pc = op.pc; beatCycle = Int32(op.beatCycle)
        let adds = op.adderOpXN && !c.adderOp, subtracts = !op.adderOpXN && c.adderOp
        flags = (c.adderOp ? Self.adderOp : 0) | (op.adderOpXN ? Self.adderOpXN : 0) | (subtracts ? Self.subtracts : 0)
        let plain = !c.load && !c.store && !c.branch && !c.mSelCompare && !c.mSelShift && !c.wSelMul
        if c.load || c.store {
            guard adds && !c.branch else { return }
            kind = c.load ? .load : .store
            aux = d.size
            if d.signExtend { flags |= Self.signExtend }
        } else if c.branch {
            // a call writes the link register: generic
            guard rd == 32 && !c.mSelCompare && !c.mSelShift && !c.wSelMul else { return }
            let always = d.condition == 0 || d.condition == 6
            if always { guard op.condition else { return } } else { flags |= Self.checksCondition }
            if op.condition { flags |= Self.condition }
            if op.targetMask != 0 {
                flags |= Self.checksTarget; target = op.target
            } else {
                guard op.targetConstant == op.target else { return }
            }
            aux = d.condition
            kind = .branch
        } else if c.wSelMul {
            kind = .multiply
        } else if c.xSelMC && plain {
            aux = c.modulus ? 1 : 0
            kind = .divide
        } else if c.mSelCompare && !c.mSelShift {
            aux = d.condition
            kind = .compare
        } else if c.mSelShift && !c.mSelCompare {
            aux = d.direction ? 2 : d.signExtend ? 1 : 0
            kind = .shift
        } else if plain && c.xSelAdd {
            if adds { kind = .add } else if subtracts { kind = .sub }
        } else if plain && !c.xSelCSR && !c.xSelSext && !c.xSelMC {
            aux = d.logicOp
            kind = .logic
        }
        // the operands' forms: op0 a register; op1 a register or the
        // immediate (mask 0)
        let register0 = mask0 == ~0 && constant0 == 0, register1 = mask1 == ~0 && constant1 == 0, immediate1 = mask1 == 0
        switch kind {
        case .add, .logic, .shift, .compare, .multiply:
            if !register0 || !(register1 || immediate1) {
                kind = .generic
            } else if immediate1 {
                kind = kind == .add ? .addI : kind == .logic ? .logicI : kind == .shift ? .shiftI
                     : kind == .compare ? .compareI : .multiplyI
            }
        case .sub, .divide: if !register0 || !register1 { kind = .generic }
        case .load, .store: if !register0 || !immediate1 { kind = .generic }
        case .branch:
            if flags & Self.checksCondition != 0 && (!register0 || !register1) {
                kind = .generic
            } else if flags & (Self.checksCondition | Self.checksTarget | Self.subtracts) == Self.checksCondition | Self.subtracts
                        && (aux == 1 || aux == 7) {
                kind = aux == 1 ? .branchEqual : .branchNotEqual
            }
        default: break
        }
        // the step loop writes a value-making step's register without a
        // check: one that writes none is generic
        if rd == 32 && !isBranch && kind != .store { kind = .generic }
    }

    /// The values of its registers `ra` and `rb` on the register file
    /// `regs` (program order).
    @inline(__always)
    func a(_ regs: UnsafeMutablePointer<UInt32>) -> UInt32 { regs[Int(ra)] }
    @inline(__always)
    func b(_ regs: UnsafeMutablePointer<UInt32>) -> UInt32 { regs[Int(rb)] }

    /// A shift of `op0` by `op1`'s low five bits (`aux`: 2 left, 1 right
    /// arithmetic, 0 right).
    @inline(__always)
    static func shift(_ op0: UInt32, _ op1: UInt32, _ m: UInt8) -> UInt32 {
        let n = op1 & 31
        return m == 2 ? op0 << n : m == 1 ? UInt32(bitPattern: Int32(bitPattern: op0) >> Int32(n)) : op0 >> n
    }
}

/// What a run of a trace reads, by value (no reference to count while
/// an iteration runs).
struct TraceBody {
    let steps: UnsafeMutablePointer<TraceStep>, ops: UnsafeMutablePointer<TraceOp>
    let count: Int, length: Int
    let retirements: UInt64, registerWrites: UInt64
    let codeLow: UInt32, codeHigh: UInt32
}

/// A word a trace's iteration fetches (`FastTrace.fetches`).
struct TraceFetch {
    var address: UInt32, tagIndex: Int, tag: UInt32, dataIndex: Int, word: UInt32
    /// With caches: the fetch hits (else it misses and is killed).
    var hits: Bool
}

/// A loop iteration as the replay ran it.
final class FastTrace {
    /// The most traces from one node, and the longest iteration filed.
    static let alternatives = 8, maxLength = 512

    /// The edge (and so the node) it starts from and its cycles.
    let startEdge: Int32, startNode: Int32, length: Int
    let ops: [TraceOp]
    /// The iteration's retirements and register-file writes by retirement.
    let retirements: UInt64, registerWrites: UInt64
    /// The words its cycles fetch, as inputs (without caches the RAM's
    /// word at the address; with them the instruction cache's read
    /// addresses, the tag that hits and the word, or that it misses: a
    /// fetch a branch kills before the refill would start): a run starts
    /// only while they hold.
    @exclusivity(unchecked) var fetches: [TraceFetch] = []
    /// The fetched words' addresses (a store between them leaves the
    /// trace, without caches).
    @exclusivity(unchecked) var codeLow: UInt32 = .max, codeHigh: UInt32 = 0
    /// X's instruction at the start is the first op (else X holds a bubble
    /// or an instruction that is killed).
    @exclusivity(unchecked) var xIsFirstOp = false
    /// Its cycles' edges, and the next trace from the same node (its
    /// alternatives: a tree; -1 none).
    @exclusivity(unchecked) var edgeList: [Int32] = []
    /// The sum of its edges' hashes (`FastTraceRecorder.hash`).
    @exclusivity(unchecked) var edgeHash: UInt64 = 0
    @exclusivity(unchecked) var next: Int32 = -1
    /// The first trace from a node: all of them, itself first.
    @exclusivity(unchecked) var family: [FastTrace] = []

    /// What a run reads; `code`: the fetched words' addresses of all the
    /// traces the run may take (a store over any of them leaves it, without
    /// caches: their words are checked once a run).
    func body(code: (low: UInt32, high: UInt32)) -> TraceBody {
        TraceBody(steps: steps, ops: opStorage, count: ops.count, length: length, retirements: retirements,
                  registerWrites: registerWrites, codeLow: code.low, codeHigh: code.high)
    }

    /// `ops` where a run reads them, and as its loop takes them.
    let opStorage: UnsafeMutablePointer<TraceOp>
    let steps: UnsafeMutablePointer<TraceStep>

    init(startEdge: Int32, startNode: Int32, length: Int, ops: [TraceOp], retirements: UInt64, registerWrites: UInt64,
         caches: Bool) {
        self.startEdge = startEdge; self.startNode = startNode; self.length = length; self.ops = ops
        self.retirements = retirements; self.registerWrites = registerWrites
        opStorage = .allocate(capacity: ops.count)
        opStorage.initialize(from: ops, count: ops.count)
        steps = .allocate(capacity: ops.count + 1)
        steps.initialize(from: ops.map { TraceStep($0, caches: caches) }, count: ops.count)
        (steps + ops.count).initialize(to: TraceStep(end: ()))
        // The accesses whose bus registers the iteration may leave: a
        // store writes them all (address, data, select, CTI, read data,
        // PC), a load some of them (with caches the PC alone, without them
        // all but the data), so a store's are all overwritten by a later
        // store's and a load's by any later access's; the others' need
        // not be written.
        var laterStore = false, laterAccess = false
        for i in ops.indices.reversed() {
            let c = ops[i].dec.c
            guard c.load || c.store else { continue }
            if c.store ? !laterStore : !laterAccess { steps[i].flags |= TraceStep.keepsBus }
            laterAccess = true
            if c.store { laterStore = true }
        }
    }

    deinit {
        opStorage.deinitialize(count: ops.count)
        opStorage.deallocate()
        steps.deinitialize(count: ops.count + 1)
        steps.deallocate()
    }

    /// The trace of the iteration `cycles` (its nodes and edges, cycle by
    /// cycle, ending where it began), or nil when the iteration is not one
    /// a trace can run: with caches a load that misses or an uncached
    /// address in X, an edge the episode ends at, a data beat whose store
    /// is not the iteration's, a store whose beat ends after it, fewer than
    /// three ops or four advances, or a start where a memory operation or
    /// a divide is in flight.
    static func compile(nodes: UnsafePointer<FastNode>, edges: UnsafePointer<FastEdge>,
                        cycles: UnsafePointer<(node: Int32, edge: Int32)>, from first: Int, count: Int, caches: Bool) -> FastTrace? {
        let steps = Array(UnsafeBufferPointer(start: cycles + first, count: count))
        let length = steps.count
        guard length > 0 else { return nil }
        let start = nodes[Int(steps[0].node)].key
        // (a divide in X at the start has run its divider already: the
        // divider's result would be ahead of the ops')
        guard !start.mCtl.load && !start.mCtl.store && !start.dCyc && start.mcState == 0 && !start.wCtl.wSelLoad
                && !start.stallWbLoad && !start.wbLoadComplete && !(start.validX && start.xDec.c.xSelMC) else { return nil }
        var ops: [TraceOp] = []
        var retirements: UInt64 = 0, registerWrites: UInt64 = 0
        var stores: [Int] = []          // ops whose beat is still to come
        var fetches: [TraceFetch] = []
        var codeLow = UInt32.max, codeHigh: UInt32 = 0
        var advances = 0, freeAdvances = 0, firstAdvance = -1
        for (c, step) in steps.enumerated() {
            let n = nodes[Int(step.node)], e = edges[Int(step.edge)]
            let d = e.decisions
            if n.fetchEnds {
                if caches {
                    fetches.append(TraceFetch(address: n.key.pcF, tagIndex: Int(n.key.icTagRA), tag: n.icTagWant,
                                              dataIndex: Int(n.key.icDataRA), word: e.fetched, hits: e.inputs & (1 << 33) != 0))
                } else {
                    fetches.append(TraceFetch(address: n.key.iAdr, tagIndex: 0, tag: 0, dataIndex: 0, word: e.fetched, hits: true))
                    codeLow = min(codeLow, n.key.iAdr); codeHigh = max(codeHigh, n.key.iAdr)
                }
            }
            if !d.has(FastDecisions.held) && !d.has(FastDecisions.divider) {
                advances += 1
                if !d.has(FastDecisions.stallD) { freeAdvances += 1 }
                if firstAdvance < 0 { firstAdvance = c }
            }
            guard !(caches && d.has(FastDecisions.loadStart)) && !e.stops else { return nil }
            if d.has(FastDecisions.retire) { retirements += 1 }
            if d.has(FastDecisions.registerWrite) { registerWrites += 1 }
            if d.has(FastDecisions.dataBeat) {
                guard let s = stores.first else { return nil }
                ops[s].beatCycle = c
                stores.removeFirst()
            }
            if n.xSelects && n.key.validX && e.inputs & (1 << 34) == 0 { return nil }
            if n.mLoadHits && e.inputs & (1 << 35) == 0 { return nil }
            let to = nodes[Int(e.to)].key
            guard !d.has(FastDecisions.held) && n.key.validX && to.validM else { continue }
            let k = n.key, dec = k.xDec
            var op = TraceOp(cycle: c, pc: k.xPc, dec: dec, adderOpXN: k.xAdderOpXN,
                             mask0: dec.c.dResultSel0Pc ? 0 : ~0, constant0: dec.c.dResultSel0Pc ? k.pcD : 0,
                             mask1: dec.c.dResultSel1 == 1 ? ~0 : 0,
                             constant1: dec.c.dResultSel1 == 0 || dec.c.dResultSel1 == 1 ? 0 : dec.immediate,
                             targetMask: dec.c.branchReg ? ~3 : 0, targetConstant: dec.c.branchReg ? 0 : k.xPc &+ dec.branchOffset)
            if dec.c.branch {
                // its condition and target are the next cycle's inputs (M)
                let c1 = (c + 1) % length
                let n1 = nodes[Int(steps[c1].node)], e1 = edges[Int(steps[c1].edge)]
                guard n1.mBranch else { return nil }
                op.branch = true
                op.condition = e1.inputs & 1 != 0
                op.target = UInt32(truncatingIfNeeded: e1.inputs >> 1)
            }
            if dec.c.store || (!caches && dec.c.load) { stores.append(ops.count) }
            ops.append(op)
        }
        // (the records rebuilt at an iteration's start leave the pipeline
        // within the iteration: three advances and one with D not stalled)
        guard stores.isEmpty && ops.count >= 3 && advances >= 4 && freeAdvances >= 1 else { return nil }
        let t = FastTrace(startEdge: steps[0].edge, startNode: steps[0].node, length: length, ops: ops,
                          retirements: retirements, registerWrites: registerWrites, caches: caches)
        t.fetches = fetches; t.codeLow = codeLow; t.codeHigh = codeHigh
        t.xIsFirstOp = start.validX && ops[0].pc == start.xPc && ops[0].cycle == firstAdvance
        t.edgeList = steps.map { $0.edge }
        t.edgeHash = t.edgeList.reduce(0) { $0 &+ FastTraceRecorder.hash($1) }
        return t
    }
}

/// What a functional run of a trace changes, kept apart from the machine
/// (the shadow's run): the register file in program order, the data
/// cache's words, the RAM's words it wrote, and the data bus master's
/// registers after the iteration.
struct FastTraceRun {
    var regs: [UInt32]
    var dcData: [UInt32]
    var ram: [UInt32: UInt32] = [:]
    var dAdr: UInt32, dDatO: UInt32, dSel: UInt8, dCti: UInt8, wbDataM: UInt32, memopPcW: UInt32
    var mcResultX: UInt32
    var cacheWrites: UInt64 = 0
    /// The op whose check failed (the run left the trace there), or nil.
    var exit: Int? = nil
    var why = ""
}

extension CycleCore {
    /// The register file in program order at the start of a cycle of the
    /// replay (`n`: the registers' node, `r`: the records): the register
    /// file with W's and M's results written (neither is a load: a
    /// trace's start).
    func programOrderRegisters(_ n: UnsafePointer<FastNode>, ring r: FastRing) -> [UInt32] {
        var out = Array(UnsafeBufferPointer(start: regs, count: 32))
        let k = n.pointee.key
        if k.validW && k.wCtl.writeEnable { out[k.wWriteIdx] = fastWResult(r.w) }
        if k.validM && k.mCtl.writeEnable {
            let m = r.m
            out[k.mWriteIdx] = m.pointee.completion.ctl.wSelMul ? m.pointee.product : m.pointee.mResult
        }
        return out
    }

    /// Runs `t` functionally from the machine's state at its start (the
    /// replay's cycle `k`, node `n`), without changing the machine.
    func runTraceShadow(_ t: FastTrace, _ n: UnsafePointer<FastNode>, ring r: FastRing) -> FastTraceRun {
        var run = FastTraceRun(regs: programOrderRegisters(n, ring: r),
                               dcData: Array(UnsafeBufferPointer(start: dcData, count: 1024)),
                               dAdr: dAdr, dDatO: dDatO, dSel: dSel, dCti: dCti, wbDataM: wbDataM, memopPcW: memopPcW,
                               mcResultX: mcResultX)
        for (i, op) in t.ops.enumerated() {
            let d = op.dec
            let a = run.regs[d.readIdx0], b = run.regs[d.readIdx1]
            let op0 = a & op.mask0 | op.constant0, op1 = b & op.mask1 | op.constant1
            let (sum, carry) = Self.xAdder(op0, op1, adderOp: d.c.adderOp, adderOpXN: op.adderOpXN)
            let met = Self.xCondition(op0, op1, sum: sum, carry: carry, condition: d.condition)
            // a branch whose condition or target differs runs, and the
            // iteration leaves the trace after it
            var leaves = false
            if op.branch {
                let target = a & op.targetMask | op.targetConstant
                if met != op.condition || target != op.target {
                    leaves = true; run.why = "met \(met) target \(String(target, radix: 16))"
                }
            }
            var value: UInt32
            if d.c.load || d.c.store {
                guard CacheAddress.cacheable(sum) || !icacheOn else { run.exit = i; run.why = "uncacheable"; return run }
                let hit = icacheOn && dcTag[Int((sum >> 4) & 0xFF)] == CacheAddress.validTag(sum)
                let index = Int((sum >> 2) & 0x3FF)
                run.memopPcW = op.pc
                if d.c.load && !icacheOn {
                    // without caches: the RAM's word, by a beat
                    let word = run.ram[UInt32(UnitTestBench.wordIndex(sum))] ?? bus.instructionWord(at: sum & ~3)
                    value = Self.loadedValue(data: word, address: sum, size: d.size, signExtend: d.signExtend)
                    run.dAdr = sum; run.dSel = Self.storeLanes(operand: 0, address: sum, size: d.size).byteEnable
                    run.dCti = 7; run.wbDataM = word
                } else if d.c.load {
                    guard hit else { run.exit = i; run.why = "miss"; return run }
                    value = Self.loadedValue(data: run.dcData[index], address: sum, size: d.size, signExtend: d.signExtend)
                } else {
                    let (data, lanes) = Self.storeLanes(operand: b, address: sum, size: d.size)
                    let mask = wishboneLaneMask(lanes)
                    if hit {
                        run.dcData[index] = (data & mask) | (run.dcData[index] & ~mask)
                        run.cacheWrites += 1
                    }
                    let w = UInt32(UnitTestBench.wordIndex(sum))
                    let old = run.ram[w] ?? bus.instructionWord(at: sum & ~3)
                    if sum >> 16 == 0 { run.ram[w] = (data & mask) | (old & ~mask) }
                    run.dAdr = sum; run.dDatO = data; run.dSel = lanes
                    run.dCti = icacheOn ? (sum & 0x8 != 0 ? 7 : 2) : 7
                    run.wbDataM = old
                    value = 0
                }
            } else {
                let csr = d.csr == 5 && cycleCounterOn ? cc &+ UInt32(truncatingIfNeeded: op.cycle) : csrReadData(d.csr)
                var mc = run.mcResultX
                if d.c.xSelMC {
                    guard let q = Self.dividerResult(op0, op1, remainder: d.c.modulus) else {
                        run.exit = i; run.why = "divide by zero"; return run
                    }
                    mc = q; run.mcResultX = q
                }
                let x = Self.xResult(op0, op1, sum: sum, d, csr: csr, mc: mc)
                value = d.c.wSelMul ? op0 &* op1 : d.c.mSelCompare ? (met ? 1 : 0) : d.c.mSelShift ? Self.shift(op0, op1, d) : x
            }
            if d.c.writeEnable && !d.c.store { run.regs[d.writeIdx] = value }
            if leaves { run.exit = i; return run }
        }
        return run
    }
}

/// The shadow of the traces (a check mode, `LM32CycleMachine.traceShadow`):
/// records the replay's edges, files a trace when an iteration repeats
/// unchanged, and whenever the replay starts an iteration a trace starts
/// from, runs the trace functionally and compares the result with the
/// replay's state when the iteration ends, or checks that the run left
/// the trace where the replay's path left it.
final class FastTraceShadow {
    /// The traces by start edge.
    private(set) var traces: [Int32: FastTrace] = [:]
    /// Files the traces from the replay's cycles (the runs' recorder).
    private let recorder = FastTraceRecorder()
    /// The run in progress: its trace, its result, the cycles it has
    /// followed so far.
    private var pending: (trace: FastTrace, run: FastTraceRun, followed: Int, retired: UInt64, writes: UInt64, cc: UInt32)?
    /// Iterations checked, runs that left their trace (with the replay),
    /// and the first disagreement found.
    private(set) var checked = 0, exits = 0
    private(set) var failure: String?
    func beginEpisode() {
        recorder.reset()
        pending = nil
    }

    /// A recorded cycle: the iteration in progress is not a trace's.
    func recorded() {
        recorder.reset()
        pending = nil
    }

    private func fail(_ s: String) { if failure == nil { failure = s } }

    /// The replay is about to follow `edge` from `node` at the start of a
    /// cycle of state `core` (its records `r`; the table's storage).
    func cycle<Bus: CycleBus>(core: CycleCore<Bus>, ring r: FastRing, node: Int32, edge: Int32,
                              nodes: UnsafePointer<FastNode>, edges: UnsafePointer<FastEdge>) {
        if var p = pending {
            if p.followed == p.trace.length {
                // an iteration's end: compare; a run that left at a check
                // of this cycle's inputs (its last op a branch) must see
                // the replay leave here
                if let x = p.run.exit, p.trace.ops[x].cycle + 1 == p.trace.length {
                    if edge == p.trace.startEdge { fail("replay went on with trace \(p.trace.startEdge), the run did not") }
                    exits += 1
                    p.run.exit = nil
                }
                compare(core: core, ring: r, node: nodes + Int(node), p)
                pending = nil
            } else {
                if p.trace.edgeList[p.followed] != edge {
                    // the replay leaves the trace: so must the run
                    if p.run.exit == nil { fail("replay left trace \(p.trace.startEdge) at its cycle \(p.followed), the run did not") }
                    exits += 1
                    pending = nil
                } else {
                    p.followed += 1
                    pending = p
                }
            }
        }
        // one trace an edge (the recorder's alternatives are not checked)
        let known = traces[edge].map { [$0] } ?? []
        if let t = recorder.observe(node: node, edge: edge, nodes: nodes, edges: edges, caches: core.icacheOn, known: known),
           known.isEmpty {
            traces[edge] = t
        }
        if pending == nil, let t = traces[edge] {
            let run = core.runTraceShadow(t, nodes + Int(node), ring: r)
            pending = (t, run, 1, core.retiredCount, core.arrayWrites, core.cc)
        }
    }

    private func compare<Bus: CycleBus>(core: CycleCore<Bus>, ring r: FastRing, node: UnsafePointer<FastNode>,
                                        _ p: (trace: FastTrace, run: FastTraceRun, followed: Int, retired: UInt64, writes: UInt64, cc: UInt32)) {
        checked += 1
        let t = p.trace, run = p.run
        let what = "trace \(t.startEdge) (\(t.length) cycles, \(t.ops.count) instructions)"
        guard run.exit == nil else {
            let o = t.ops[run.exit!]
            fail("\(what): the run left at op \(run.exit!) (pc \(hex(o.pc)) word \(hex(o.dec.word)) cycle \(o.cycle) branch \(o.branch) "
                 + "\(o.condition) \(hex(o.target)), \(run.why)), the replay did not")
            return
        }
        let regs = core.programOrderRegisters(node, ring: r)
        if regs != run.regs {
            let i = (0..<32).first { regs[$0] != run.regs[$0] }!
            fail("\(what): r\(i) replay \(hex(regs[i])) run \(hex(run.regs[i]))")
        }
        if let i = (0..<1024).first(where: { core.dcData[$0] != run.dcData[$0] }) {
            fail("\(what): data cache word \(i) replay \(hex(core.dcData[i])) run \(hex(run.dcData[i]))")
        }
        for (w, v) in run.ram where core.bus.instructionWord(at: w << 2) != v {
            fail("\(what): RAM word \(hex(w << 2)) replay \(hex(core.bus.instructionWord(at: w << 2))) run \(hex(v))")
        }
        if core.retiredCount &- p.retired != t.retirements { fail("\(what): retirements \(core.retiredCount &- p.retired) vs \(t.retirements)") }
        if core.arrayWrites &- p.writes != t.registerWrites &+ run.cacheWrites {
            fail("\(what): array writes \(core.arrayWrites &- p.writes) vs \(t.registerWrites) + \(run.cacheWrites)")
        }
        if core.cc &- p.cc != UInt32(t.length) { fail("\(what): cc \(core.cc &- p.cc)") }
        if core.mcResultX != run.mcResultX { fail("\(what): the divider's result replay \(hex(core.mcResultX)) run \(hex(run.mcResultX))") }
        if (core.dAdr, core.dDatO, core.dSel, core.dCti, core.wbDataM, core.memopPcW)
            != (run.dAdr, run.dDatO, run.dSel, run.dCti, run.wbDataM, run.memopPcW) {
            fail("\(what): data bus master replay \(hex(core.dAdr)) \(hex(core.dDatO)) \(core.dSel) \(core.dCti) \(hex(core.wbDataM)) "
                 + "\(hex(core.memopPcW)), run \(hex(run.dAdr)) \(hex(run.dDatO)) \(run.dSel) \(run.dCti) \(hex(run.wbDataM)) \(hex(run.memopPcW))")
        }
    }

    private func hex(_ v: UInt32) -> String { "0x" + String(v, radix: 16) }
}

/// What a trace's run keeps of each op it ran (for the records rebuilt
/// when the run leaves, and the register file put back in retirement
/// order).
struct TraceOpValues {
    var op0: UInt32 = 0, op1: UInt32 = 0, storeOp: UInt32 = 0
    var xResult: UInt32 = 0, mResult: UInt32 = 0, target: UInt32 = 0
    /// The register it wrote and the value it replaced.
    var old: UInt32 = 0
    var wrote = false
}

/// The data bus master's registers and the counts an iteration changes
/// as it runs.
struct TraceIterationState {
    var adr: UInt32 = 0, datO: UInt32 = 0, sel: UInt8 = 0, cti: UInt8 = 0, wbData: UInt32 = 0, memopPc: UInt32 = 0
    /// The divider's result (the last divide's quotient or remainder).
    var mcResult: UInt32 = 0
    /// The machine's counters.
    var cycle: UInt64 = 0, cc: UInt32 = 0, retiredCount: UInt64 = 0, arrayWrites: UInt64 = 0
}

/// The trace runs' scratch storage (one per machine, in its table).
final class FastTraceScratch {
    /// The op values of an iteration run again for a rebuild.
    @exclusivity(unchecked) var values = UnsafeMutablePointer<TraceOpValues>.allocate(capacity: 64)
    @exclusivity(unchecked) var valueCapacity = 64
    /// The run's stores, the words they replaced (to take an iteration
    /// back), in a journal that `dropJournal` trims.
    @exclusivity(unchecked) var undo = UnsafeMutablePointer<TraceUndo>.allocate(capacity: 1024)
    @exclusivity(unchecked) var undoCount = 0
    @exclusivity(unchecked) private var undoCapacity = 1024
    /// Three register files, the starts of the last three iterations, and
    /// the rest of those starts.
    let regs = UnsafeMutablePointer<UInt32>.allocate(capacity: 96)
    let starts = UnsafeMutablePointer<TraceIterationStart>.allocate(capacity: 3)

    init() {
        regs.initialize(repeating: 0, count: 96)
        for i in 0..<3 { (starts + i).initialize(to: TraceIterationStart(regs: regs + 32 * i)) }
    }
    deinit {
        starts.deinitialize(count: 3); starts.deallocate()
        regs.deallocate(); values.deallocate(); undo.deallocate()
    }

    /// The journal's entries before the oldest start kept from which
    /// `dropJournal` trims them.
    static let journalTrim = 512

    /// Room for a trace of `n` ops: its values, and the journal's entries
    /// (`dropJournal` leaves fewer than `journalTrim` before the oldest
    /// start kept, then come the stores of three iterations at most).
    func reserve(_ n: Int) {
        while undoCapacity < Self.journalTrim + 3 * n { grow() }
        guard n > valueCapacity else { return }
        values.deallocate()
        valueCapacity = n
        values = .allocate(capacity: n)
    }

    @inline(__always)
    func journal(_ u: TraceUndo) {
        assert(undoCount < undoCapacity, "a run's journal is reserved for its traces")
        undo[undoCount] = u
        undoCount &+= 1
    }

    @inline(never)
    private func grow() {
        let q = UnsafeMutablePointer<TraceUndo>.allocate(capacity: undoCapacity * 2)
        q.moveInitialize(from: undo, count: undoCapacity)
        undo.deallocate()
        undo = q
        undoCapacity *= 2
    }

    /// Forgets the journal's entries before `oldest`'s (the start of an
    /// iteration no run goes back past; `later`, a later start, moves with
    /// them), so that it stays short over a long run.
    @inline(__always)
    func dropJournal(before oldest: inout TraceIterationStart, _ later: inout TraceIterationStart) {
        if oldest.undo >= Self.journalTrim { moveJournal(before: &oldest, &later) }
    }

    @inline(never)
    private func moveJournal(before oldest: inout TraceIterationStart, _ later: inout TraceIterationStart) {
        let n = oldest.undo
        for i in 0..<(undoCount - n) { undo[i] = undo[n + i] }
        undoCount -= n; oldest.undo = 0; later.undo -= n
    }
}

/// A store a run made: the RAM's word it replaced and, when the data
/// cache held the word, the cache's (its index, or -1).
struct TraceUndo {
    var address: UInt32, oldRAM: UInt32
    var cacheIndex: Int32, oldCache: UInt32
}

/// The machine's registers a trace's iteration changes besides the
/// register file and the memories, as they were at its start.
struct TraceIterationStart {
    /// Its register file (in the scratch storage's).
    var regs: UnsafeMutablePointer<UInt32>
    var state = TraceIterationState()
    /// The journal's length.
    var undo = 0
}

extension CycleCore {
    /// The trace's fetched words still hold (the code and, with caches,
    /// the instruction cache's contents).
    func traceFetchesHold(_ t: FastTrace, caches: Bool) -> Bool {
        for f in t.fetches {
            if caches {
                if f.hits {
                    guard icTag[f.tagIndex] == f.tag && icData[f.dataIndex] == f.word else { return false }
                } else {
                    guard icTag[f.tagIndex] != f.tag else { return false }
                }
            } else {
                guard bus.instructionWord(at: f.address) == f.word else { return false }
            }
        }
        return true
    }

    /// Saves the start of an iteration in `s` (`state`: the data bus
    /// master's registers and the counters as the run keeps them).
    @inline(__always)
    private func saveIterationStart(_ s: inout TraceIterationStart, _ x: FastTraceScratch, _ state: TraceIterationState) {
        s.regs.update(from: regs, count: 32)
        s.state = state
        s.undo = x.undoCount
    }

    /// Takes the machine back to an iteration's start `s`.
    private mutating func restoreIterationStart(_ s: TraceIterationStart, _ x: FastTraceScratch) {
        regs.update(from: s.regs, count: 32)
        setIterationState(s.state)
        while x.undoCount > s.undo {
            x.undoCount -= 1
            let u = x.undo[x.undoCount]
            if u.cacheIndex >= 0 { dcData[Int(u.cacheIndex)] = u.oldCache }
            bus.undoDataWrite(address: u.address, old: u.oldRAM)
        }
    }

    /// The data bus master's registers, the divider's result and the
    /// counters, as a run keeps them while its iterations run (the
    /// machine's are written back when it stops).
    @inline(__always)
    private func iterationState() -> TraceIterationState {
        TraceIterationState(adr: dAdr, datO: dDatO, sel: dSel, cti: dCti, wbData: wbDataM, memopPc: memopPcW, mcResult: mcResultX,
                            cycle: cycle, cc: cc, retiredCount: retiredCount, arrayWrites: arrayWrites)
    }

    @inline(__always)
    private mutating func setIterationState(_ s: TraceIterationState) {
        dAdr = s.adr; dDatO = s.datO; dSel = s.sel; dCti = s.cti; wbDataM = s.wbData; memopPcW = s.memopPc
        mcResultX = s.mcResult
        cycle = s.cycle; cc = s.cc; retiredCount = s.retiredCount; arrayWrites = s.arrayWrites
    }

    /// One iteration of `t` on the machine, in program order: returns
    /// whether it ran to its end, whether it leaves the trace after it
    /// (its last branch went another way), and the op it failed at. An
    /// iteration that does not run to its end has changed the register
    /// file, the data cache, the RAM and the run's state (`iterationState`:
    /// bus registers, divider result, array write count); the caller takes
    /// them back from its start and the journal.
    private mutating func runIteration(_ t: TraceBody, _ x: FastTraceScratch, caches: Bool) -> (complete: Bool, leaves: Bool, at: Int) {
        caches ? runIterationCaches(t, x) : runIterationNoCache(t, x)
    }

    @inline(never)
    private mutating func runIterationCaches(_ t: TraceBody, _ x: FastTraceScratch) -> (complete: Bool, leaves: Bool, at: Int) {
        var s = iterationState()
        let ran = iteration(t, nil, x, &s, caches: true)
        setIterationState(s)
        return ran
    }

    @inline(never)
    private mutating func runIterationNoCache(_ t: TraceBody, _ x: FastTraceScratch) -> (complete: Bool, leaves: Bool, at: Int) {
        var s = iterationState()
        let ran = iteration(t, nil, x, &s, caches: false)
        setIterationState(s)
        return ran
    }

    /// Iterations of `t` from the replay's cycle `k` while they run to
    /// their end and stay on it and `k` stays at most `lastStart`, each
    /// start saved in `start` and the three starts rotated (`before`,
    /// `last`: the two last iterations'): how many ran, whether the next
    /// failed (its start in `start`; it changed the register file, the
    /// memories and the run's state, which that start and the journal take
    /// back) and the op it failed
    /// at, and whether the last leaves the trace. (One copy a profile.)
    private mutating func runIterations(_ t: TraceBody, _ x: FastTraceScratch, caches: Bool, k: inout UInt64, lastStart: UInt64,
                                        _ before: inout UnsafeMutablePointer<TraceIterationStart>,
                                        _ last: inout UnsafeMutablePointer<TraceIterationStart>,
                                        _ start: inout UnsafeMutablePointer<TraceIterationStart>)
        -> (done: Int, failed: Bool, at: Int, leaves: Bool) {
        caches ? runIterationsCaches(t, x, k: &k, lastStart: lastStart, &before, &last, &start)
               : runIterationsNoCache(t, x, k: &k, lastStart: lastStart, &before, &last, &start)
    }

    @inline(never)
    private mutating func runIterationsCaches(_ t: TraceBody, _ x: FastTraceScratch, k: inout UInt64, lastStart: UInt64,
                                              _ before: inout UnsafeMutablePointer<TraceIterationStart>,
                                              _ last: inout UnsafeMutablePointer<TraceIterationStart>,
                                              _ start: inout UnsafeMutablePointer<TraceIterationStart>) -> (done: Int, failed: Bool, at: Int, leaves: Bool) {
        iterations(t, x, caches: true, k: &k, lastStart: lastStart, &before, &last, &start)
    }

    @inline(never)
    private mutating func runIterationsNoCache(_ t: TraceBody, _ x: FastTraceScratch, k: inout UInt64, lastStart: UInt64,
                                               _ before: inout UnsafeMutablePointer<TraceIterationStart>,
                                               _ last: inout UnsafeMutablePointer<TraceIterationStart>,
                                               _ start: inout UnsafeMutablePointer<TraceIterationStart>) -> (done: Int, failed: Bool, at: Int, leaves: Bool) {
        iterations(t, x, caches: false, k: &k, lastStart: lastStart, &before, &last, &start)
    }

    @inline(__always)
    private mutating func iterations(_ t: TraceBody, _ x: FastTraceScratch, caches: Bool, k: inout UInt64, lastStart: UInt64,
                                     _ before: inout UnsafeMutablePointer<TraceIterationStart>,
                                     _ last: inout UnsafeMutablePointer<TraceIterationStart>,
                                     _ start: inout UnsafeMutablePointer<TraceIterationStart>)
        -> (done: Int, failed: Bool, at: Int, leaves: Bool) {
        var done = 0
        let length = UInt64(t.length)
        var s = iterationState()
        // (locals, written back once: the loop keeps them in registers)
        var kk = k, b = before, l = last, st = start
        defer { setIterationState(s); k = kk; before = b; last = l; start = st }
        while kk <= lastStart {
            x.dropJournal(before: &b.pointee, &l.pointee)
            saveIterationStart(&st.pointee, x, s)
            let (complete, leaves, at) = iteration(t, nil, x, &s, caches: caches)
            guard complete else { return (done, true, at, false) }
            kk &+= length
            done &+= 1
            (b, l, st) = (l, st, b)
            if leaves { return (done, false, 0, true) }
        }
        return (done, false, 0, false)
    }

    /// `runIteration`, keeping the values of the last two ops (a rebuild's).
    @inline(never)
    private mutating func runIteration(_ t: TraceBody, keeping values: UnsafeMutablePointer<TraceOpValues>, _ x: FastTraceScratch,
                                       caches: Bool) -> (complete: Bool, leaves: Bool, at: Int) {
        var s = iterationState()
        let ran = iteration(t, values, x, &s, caches: caches)
        setIterationState(s)
        return ran
    }

    /// The ops run by their step's class, to the step that ends the
    /// iteration; with `values`, the last two as `runOp` runs them,
    /// keeping their values. `s`: the run's state (the data bus master's
    /// registers, the divider's result, the counters), which the caller
    /// keeps.
    @inline(__always)
    private mutating func iteration(_ t: TraceBody, _ values: UnsafeMutablePointer<TraceOpValues>?, _ x: FastTraceScratch,
                                    _ s: inout TraceIterationState, caches: Bool) -> (complete: Bool, leaves: Bool, at: Int) {
        let steps = t.steps, count = t.count
        // with values, the fast loop stops before the last two ops
        let kept = max(0, count - 2)
        let stop = steps + kept
        var leaves = false
        var p = steps
        run: while values == nil || p < stop {
            let value: UInt32
            switch p.pointee.kind {
            case .end: break run
            case .add: value = p.pointee.a(regs) &+ p.pointee.b(regs)
            case .addI: value = p.pointee.a(regs) &+ p.pointee.constant1
            case .sub: value = p.pointee.a(regs) &- p.pointee.b(regs)
            case .logic: value = Self.xLogic(p.pointee.a(regs), p.pointee.b(regs), function: p.pointee.aux)
            case .logicI: value = Self.xLogic(p.pointee.a(regs), p.pointee.constant1, function: p.pointee.aux)
            case .shift: value = TraceStep.shift(p.pointee.a(regs), p.pointee.b(regs), p.pointee.aux)
            case .shiftI: value = TraceStep.shift(p.pointee.a(regs), p.pointee.constant1, p.pointee.aux)
            case .compare, .compareI:
                let op0 = p.pointee.a(regs), op1 = p.pointee.kind == .compare ? p.pointee.b(regs) : p.pointee.constant1
                let f = p.pointee.flags
                // (`traceCondition`'s own first test, written out: the
                // step loop compiles to about one host instruction a cycle
                // less than with the call alone)
                value = (f & TraceStep.subtracts != 0 ? TraceStep.compare(op0, op1, p.pointee.aux)
                                                      : Self.traceCondition(op0, op1, f, p.pointee.aux)) ? 1 : 0
            case .multiply, .multiplyI:
                value = p.pointee.a(regs) &* (p.pointee.kind == .multiply ? p.pointee.b(regs) : p.pointee.constant1)
            case .divide:
                guard let v = Self.dividerResult(p.pointee.a(regs), p.pointee.b(regs), remainder: p.pointee.aux == 1)
                else { return (false, false, p - steps) }
                value = v
                s.mcResult = v
            case .branch:
                let f = p.pointee.flags
                if f & TraceStep.checksCondition != 0 {
                    let op0 = p.pointee.a(regs), op1 = p.pointee.b(regs)
                    let met = f & TraceStep.subtracts != 0 ? TraceStep.compare(op0, op1, p.pointee.aux)
                                                           : Self.traceCondition(op0, op1, f, p.pointee.aux)
                    if met != (f & TraceStep.condition != 0) {
                        // the branch runs; the trace is left after it (the
                        // last op), or in the middle (taken back)
                        guard (p + 1).pointee.kind == .end else { return (false, false, p - steps) }
                        leaves = true
                    }
                }
                if f & TraceStep.checksTarget != 0 && p.pointee.a(regs) & ~3 != p.pointee.target {
                    guard (p + 1).pointee.kind == .end else { return (false, false, p - steps) }
                    leaves = true
                }
                p += 1
                continue
            case .branchEqual, .branchNotEqual:
                // (`compare`'s conditions 1 and 7)
                let equal = p.pointee.a(regs) == p.pointee.b(regs)
                if (equal == (p.pointee.kind == .branchEqual)) != (p.pointee.flags & TraceStep.condition != 0) {
                    guard (p + 1).pointee.kind == .end else { return (false, false, p - steps) }
                    leaves = true
                }
                p += 1
                continue
            case .load:
                // RAM only, outside the data-error window; with caches a
                // hit, without them a beat that reads the RAM's word
                guard let v = traceLoad(p.pointee.a(regs) &+ p.pointee.constant1, size: p.pointee.aux,
                                        signExtend: p.pointee.flags & TraceStep.signExtend != 0,
                                        pc: p.pointee.pc, keeps: p.pointee.flags & TraceStep.keepsBus != 0, &s,
                                        caches: caches) else { return (false, false, p - steps) }
                value = v
            case .store:
                guard traceStore(p.pointee.a(regs) &+ p.pointee.constant1, operand: p.pointee.b(regs),
                                 size: p.pointee.aux, beatCycle: Int(p.pointee.beatCycle), pc: p.pointee.pc,
                                 keeps: p.pointee.flags & TraceStep.keepsBus != 0, t, x, &s, caches: caches)
                else { return (false, false, p - steps) }
                p += 1
                continue
            case .generic:
                let i = p - steps
                let (runs, leavesAfter) = runOp(t.ops + i, t, nil, x, &s, caches: caches)
                guard runs && (!leavesAfter || i == count - 1) else { return (false, false, i) }
                leaves = leavesAfter
                p += 1
                continue
            }
            regs[Int(p.pointee.rd)] = value
            p += 1
        }
        if let values {
            for i in kept..<count {
                let (runs, leavesAfter) = runOp(t.ops + i, t, values + i, x, &s, caches: caches)
                guard runs && (!leavesAfter || i == count - 1) else { return (false, false, i) }
                leaves = leavesAfter
            }
        }
        let l = UInt64(t.length)
        s.cycle &+= l; s.cc &+= UInt32(truncatingIfNeeded: l)
        s.retiredCount &+= t.retirements; s.arrayWrites &+= t.registerWrites
        return (true, leaves, count)
    }

    /// A load at `sum` (RAM only, outside the data-error window; with
    /// caches a hit, without them a beat reading the RAM, which holds the
    /// iteration's earlier stores): the loaded value, or nil (the
    /// iteration fails). `keeps`: the bus registers it leaves are kept
    /// (no later access of the iteration overwrites them all).
    @inline(__always)
    private mutating func traceLoad(_ sum: UInt32, size: UInt8, signExtend: Bool, pc: UInt32, keeps: Bool,
                                    _ s: inout TraceIterationState, caches: Bool) -> UInt32? {
        guard sum >> 16 == 0 && !bus.dataError(at: sum) else { return nil }
        let word: UInt32
        if caches {
            guard dcTag[Int((sum >> 4) & 0xFF)] == CacheAddress.validTag(sum) else { return nil }
            word = dcData[Int((sum >> 2) & 0x3FF)]
        } else {
            word = bus.instructionWord(at: sum)
            if keeps {
                s.adr = sum; s.sel = Self.storeLanes(operand: 0, address: sum, size: size).byteEnable; s.cti = 7
                s.wbData = word
            }
        }
        if keeps { s.memopPc = pc }
        return size == 2 ? word : Self.loadedValue(data: word, address: sum, size: size, signExtend: signExtend)
    }

    /// A store at `sum` (RAM only, outside the data-error window; without
    /// caches not over the code of the run's traces): the data cache's word
    /// when it hits and the beat, in its cycle, both journalled (the
    /// journal takes them back if the iteration fails); false: the
    /// iteration fails. `keeps` as `traceLoad`'s.
    @inline(__always)
    private mutating func traceStore(_ sum: UInt32, operand: UInt32, size: UInt8, beatCycle: Int, pc: UInt32, keeps: Bool,
                                     _ t: TraceBody, _ x: FastTraceScratch, _ s: inout TraceIterationState,
                                     caches: Bool) -> Bool {
        guard sum >> 16 == 0 && !bus.dataError(at: sum) else { return false }
        if !caches && sum >= t.codeLow && sum <= t.codeHigh &+ 3 { return false }
        let (data, lanes) = size == 2 ? (operand, UInt8(15)) : Self.storeLanes(operand: operand, address: sum, size: size)
        let m = Self.storeMask(address: sum, size: size)
        var u = TraceUndo(address: sum, oldRAM: 0, cacheIndex: -1, oldCache: 0)
        if caches && dcTag[Int((sum >> 4) & 0xFF)] == CacheAddress.validTag(sum) {
            let index = Int((sum >> 2) & 0x3FF)
            u.cacheIndex = Int32(index); u.oldCache = dcData[index]
            dcData[index] = (data & m) | (u.oldCache & ~m)
            s.arrayWrites &+= 1
        }
        // the word the beat read is the bus's read data
        let old = bus.dataWrite(cycle: s.cycle &+ UInt64(truncatingIfNeeded: beatCycle), address: sum, data: data, sel: lanes, mask: m)
        u.oldRAM = old
        x.journal(u)
        if keeps {
            s.adr = sum; s.datO = data; s.sel = lanes; s.cti = caches && sum & 0x8 == 0 ? 2 : 7; s.wbData = old
            s.memopPc = pc
        }
        return true
    }

    /// The lanes a store of `size` at `address` writes, as a mask of its
    /// bits (`wishboneLaneMask` of `storeLanes`' byte enables).
    @inline(__always)
    static func storeMask(address: UInt32, size: UInt8) -> UInt32 {
        size == 2 ? 0xFFFF_FFFF : size == 0 ? 0xFF00_0000 >> ((address & 3) << 3) : address & 2 != 0 ? 0x0000_FFFF : 0xFFFF_0000
    }

    /// The divider's result when a divide or modulus by `op1` leaves X
    /// (what 32 steps of its restoring division leave in the quotient or
    /// the remainder, and its last step passes on: the division's, as the
    /// partial remainder stays below 2^31 until the last step), or nil for
    /// a divide by zero (an exception: not a trace's).
    @inline(__always)
    static func dividerResult(_ op0: UInt32, _ op1: UInt32, remainder: Bool) -> UInt32? {
        guard op1 != 0 else { return nil }
        return remainder ? op0 % op1 : op0 / op1
    }

    /// condition_met_x of a compare or branch step (its adder's flags and
    /// condition code).
    @inline(__always)
    static func traceCondition(_ op0: UInt32, _ op1: UInt32, _ flags: UInt8, _ condition: UInt8) -> Bool {
        if flags & TraceStep.subtracts != 0 { return TraceStep.compare(op0, op1, condition) }
        let (sum, carry) = xAdder(op0, op1, adderOp: flags & TraceStep.adderOp != 0, adderOpXN: flags & TraceStep.adderOpXN != 0)
        return xCondition(op0, op1, sum: sum, carry: carry, condition: condition)
    }

    /// One op of an iteration, its whole X datapath (`values`: where its
    /// values are kept, or nil): whether it runs (its checks hold) and
    /// whether the trace is left after it (a branch that went another way).
    @inline(never)
    private mutating func runOp(_ op: UnsafePointer<TraceOp>, _ t: TraceBody, _ values: UnsafeMutablePointer<TraceOpValues>?,
                                _ x: FastTraceScratch, _ s: inout TraceIterationState, caches: Bool) -> (runs: Bool, leaves: Bool) {
        let d = op.pointee.dec
        let a = regs[d.readIdx0], b = regs[d.readIdx1]
        let op0 = a & op.pointee.mask0 | op.pointee.constant0, op1 = b & op.pointee.mask1 | op.pointee.constant1
        let (sum, carry) = Self.xAdder(op0, op1, adderOp: d.c.adderOp, adderOpXN: op.pointee.adderOpXN)
        let met = op.pointee.branch || d.c.mSelCompare ? Self.xCondition(op0, op1, sum: sum, carry: carry, condition: d.condition) : false
        var v = TraceOpValues(op0: op0, op1: op1, storeOp: b, xResult: 0, mResult: 0, target: 0, old: 0, wrote: false)
        var leaves = false
        v.target = a & op.pointee.targetMask | op.pointee.targetConstant
        if op.pointee.branch && (met != op.pointee.condition || v.target != op.pointee.target) {
            // the branch runs; the trace is left after it
            leaves = true
        }
        var value: UInt32
        if d.c.load || d.c.store {
            v.xResult = sum; v.mResult = sum
            if d.c.load {
                guard let w = traceLoad(sum, size: d.size, signExtend: d.signExtend, pc: op.pointee.pc, keeps: true, &s,
                                        caches: caches)
                else { return (false, false) }
                value = w
            } else {
                guard traceStore(sum, operand: b, size: d.size, beatCycle: op.pointee.beatCycle, pc: op.pointee.pc, keeps: true,
                                 t, x, &s, caches: caches) else { return (false, false) }
                value = 0
            }
        } else {
            let csr = d.csr == 5 && cycleCounterOn ? s.cc &+ UInt32(truncatingIfNeeded: op.pointee.cycle) : csrReadData(d.csr)
            if d.c.xSelMC {
                guard let q = Self.dividerResult(op0, op1, remainder: d.c.modulus) else { return (false, false) }
                s.mcResult = q
            }
            let xr = Self.xResult(op0, op1, sum: sum, d, csr: csr, mc: s.mcResult)
            let mr = d.c.mSelCompare ? (met ? 1 : 0) : d.c.mSelShift ? Self.shift(op0, op1, d) : xr
            v.xResult = xr; v.mResult = mr
            value = d.c.wSelMul ? op0 &* op1 : mr
        }
        if d.c.writeEnable && !d.c.store {
            v.old = regs[d.writeIdx]; v.wrote = true
            regs[d.writeIdx] = value
        }
        values?.pointee = v
        return (true, leaves)
    }

    /// At the replay's cycle `k`, about to follow `edge` from `node`
    /// (`np`): runs the trace that starts there if it may (true: the
    /// replay goes on from the same node at the new `k`), else lets the
    /// recorder see the cycle and files the trace it finds.
    @inline(never)
    mutating func tryTrace(_ np: UnsafePointer<FastNode>, node: Int32, edge: Int32, ring r: inout FastRing, k: inout UInt64,
                           limit: UInt64, table: FastReplayTable, caches: Bool) -> Bool {
        guard np.pointee.trace >= 0 else {
            // (an empty collection: no array to retain on the replay's
            // common path)
            if let t = table.recorder.observe(node: node, edge: edge, nodes: table.nodes, edges: table.edges, caches: caches,
                                              known: EmptyCollection()) {
                table.addTrace(t)
            }
            return false
        }
        let known = table.traces(from: np.pointee.trace)
        if k >= table.traceResume {
            var longest: UInt64 = 0
            for t in known { longest = max(longest, UInt64(t.length)) }
            if k &+ 2 * longest &+ 64 <= limit,
               let t = known.first(where: { $0.startEdge == edge && traceFetchesHold($0, caches: caches) }) {
                table.traceResume = runTrace(t, among: known, ring: &r, k: &k, limit: limit, table: table, caches: caches)
                table.recorder.reset()
                return true
            }
        }
        if let t = table.recorder.observe(node: node, edge: edge, nodes: table.nodes, edges: table.edges, caches: caches,
                                          known: known) {
            table.addTrace(t)
        }
        return false
    }

    /// Runs iterations of `t` from the replay's cycle `k` (node `t.startNode`,
    /// records `r`, exact) while they hold and `k` stays `margin` cycles
    /// before `limit`; returns with the replay's state at the start of an
    /// iteration of `t` (`k` moved on by the iterations that stay run) and
    /// the cycle before which no trace is to run again (the iteration the
    /// replay is to run itself, and the one after it).
    mutating func runTrace(_ t: FastTrace, among known: [FastTrace], ring r: inout FastRing, k: inout UInt64, limit: UInt64,
                           table: FastReplayTable, caches: Bool) -> UInt64 {
        let x = table.traceScratch
        let entryK = k
        let key = table.nodes[Int(t.startNode)].key
        var longest: UInt64 = 0, most = 0, code = (low: UInt32.max, high: UInt32(0))
        for u in known {
            longest = max(longest, UInt64(u.length)); most = max(most, u.ops.count)
            code = (min(code.low, u.codeLow), max(code.high, u.codeHigh))
        }
        x.reserve(most)
        // the traces the last two iterations ran (`known` keeps them)
        unowned(unsafe) var ranLast = t, ranBefore = t
        unowned(unsafe) var current = t
        var body = t.body(code: code)
        x.undoCount = 0
        // the register file in program order: W's and M's results written
        // (neither is a load at a trace's start)
        var entryUndo: [(Int, UInt32)] = []
        if key.validW && key.wCtl.writeEnable {
            entryUndo.append((key.wWriteIdx, regs[key.wWriteIdx])); regs[key.wWriteIdx] = fastWResult(r.w)
        }
        if key.validM && key.mCtl.writeEnable {
            let m = r.m
            entryUndo.append((key.mWriteIdx, regs[key.mWriteIdx]))
            regs[key.mWriteIdx] = m.pointee.completion.ctl.wSelMul ? m.pointee.product : m.pointee.mResult
        }
        var done = 0
        // the starts of the last two iterations that ran and of the one
        // running (the scratch storage's three, rotated)
        let starts = x.starts
        for i in 0..<3 { starts[i] = TraceIterationStart(regs: x.regs + 32 * i) }
        var before = starts, last = starts + 1, start = starts + 2
        // the alternatives whose fetched words were checked, and hold (bits
        // by index in `known`; the words do not change in a run)
        var checked: UInt32 = 0, holding: UInt32 = 0
        var leaving = false
        // the last cycle an iteration may start at (`tryTrace` saw that
        // `limit` leaves room for the first)
        let lastStart = limit &- 2 * longest &- 64
        while !leaving && k <= lastStart {
            // the trace that ran last while it holds, else its alternatives
            let ran = runIterations(body, x, caches: caches, k: &k, lastStart: lastStart, &before, &last, &start)
            done += ran.done
            if ran.done >= 2 {
                ranBefore = current; ranLast = current
            } else if ran.done == 1 {
                ranBefore = ranLast; ranLast = current
            }
            guard ran.failed else { break }
            // the iteration at `start` failed at op `at` (its alternatives
            // from there): a load, a store or a divide fails every one of
            // them (they ran the same ops before it); a branch that went
            // another way tries first those that take its way there
            let failed = body.steps + ran.at
            let way = failed.pointee.isBranch ? branchWay(failed) : nil
            restoreIterationStart(start.pointee, x)
            if failed.pointee.kind == .load || failed.pointee.kind == .store || failed.pointee.kind == .divide { break }
            var complete = false, leaves = false
            alternatives: for pass in 0..<(way == nil ? 1 : 2) {
                for i in known.indices {
                    unowned(unsafe) let candidate = known[i]
                    guard candidate !== current && candidate.startEdge == t.startEdge else { continue }
                    if let way {
                        let takes = ran.at < candidate.ops.count && Self.takes(candidate.steps + ran.at, way, pc: failed.pointee.pc)
                        guard takes == (pass == 0) else { continue }
                    }
                    let bit: UInt32 = 1 << i
                    if checked & bit == 0 {
                        checked |= bit
                        if traceFetchesHold(candidate, caches: caches) { holding |= bit }
                    }
                    guard holding & bit != 0 else { continue }
                    let b = candidate.body(code: code)
                    (complete, leaves, _) = runIteration(b, x, caches: caches)
                    if complete { current = candidate; body = b; break alternatives }
                    restoreIterationStart(start.pointee, x)
                }
            }
            guard complete else { break }
            leaving = leaves
            ranBefore = ranLast; ranLast = current
            k &+= UInt64(body.length)
            done += 1
            (before, last, start) = (last, start, before)
        }
        if done == 0 {
            for (i, v) in entryUndo.reversed() { regs[i] = v }
            return k &+ 2 * longest
        }
        // the replay runs the last iteration again, from records rebuilt at
        // its start (exact by its end: docs/lm32-fastpath.md, "The
        // hand-over from a trace")
        restoreIterationStart(last.pointee, x)
        done -= 1
        k &-= UInt64(ranLast.length)
        fastPathStats.value.traceIterations &+= UInt64(done)
        fastPathStats.value.traceCycles &+= k &- entryK
        if done == 0 {
            // the records of the entry, untouched
            for (i, v) in entryUndo.reversed() { regs[i] = v }
            return k &+ 2 * longest
        }
        // the iteration before it again, from its start, keeping the values
        // of its last two ops (it ran to its end on the same inputs)
        restoreIterationStart(before.pointee, x)
        let again = runIteration(ranBefore.body(code: code), keeping: x.values, x, caches: caches)
        precondition(again.complete && !again.leaves, "a trace's iteration ran otherwise the second time")
        rebuildRecords(ranBefore, next: ranLast, key: key, values: x.values, slots: table.slots, ring: &r, caches: caches)
        return k &+ 2 * longest
    }

    /// The way a branch step goes on the register file as it is (the ops
    /// before it run): its condition and target.
    private func branchWay(_ p: UnsafePointer<TraceStep>) -> (condition: Bool, target: UInt32) {
        let (a, _, op0, op1) = p.pointee.operands(regs)
        return (Self.traceCondition(op0, op1, p.pointee.flags, p.pointee.aux), a & ~3)
    }

    /// A trace's step `p` is the branch at `pc` and expects `way`.
    private static func takes(_ p: UnsafePointer<TraceStep>, _ way: (condition: Bool, target: UInt32), pc: UInt32) -> Bool {
        let f = p.pointee.flags
        return p.pointee.isBranch && p.pointee.pc == pc
            && (f & TraceStep.checksCondition == 0 || (f & TraceStep.condition != 0) == way.condition)
            && (f & TraceStep.checksTarget == 0 || p.pointee.target == way.target)
    }

    /// The records at the start of an iteration of `t` after one that ran
    /// with `values`, and the register file in retirement order: the valid
    /// instructions' from their values (their read operands are program
    /// order's), the rest from the start's key (what differs from the
    /// per-cycle model's leaves the pipeline within the iteration the
    /// replay then runs).
    private mutating func rebuildRecords(_ t: FastTrace, next: FastTrace, key: FastKey, values: UnsafeMutablePointer<TraceOpValues>,
                                         slots: UnsafeMutablePointer<FastSlot>, ring r: inout FastRing, caches: Bool) {
        slots.update(repeating: FastSlot(), count: 4)
        r = FastRing(slots)
        let ops = t.ops, count = ops.count
        // X
        let xs = r.x
        xs.pointee.entry = FastSlot.Entry(pc: key.xPc, insn: key.xInsn, dec: key.xDec, busError: key.xBusError)
        if next.xIsFirstOp {
            let op = next.ops[0], d = op.dec
            let a = regs[d.readIdx0], b = regs[d.readIdx1]
            xs.pointee.op0 = a & op.mask0 | op.constant0; xs.pointee.op1 = b & op.mask1 | op.constant1
            xs.pointee.storeOp = b; xs.pointee.branchTargetX = a & op.targetMask | op.targetConstant
        }
        // M and W: the last ops run, M's the last when it is valid
        func fill(_ s: UnsafeMutablePointer<FastSlot>, _ i: Int) {
            let op = ops[i], v = values[i], d = op.dec
            s.pointee.entry = FastSlot.Entry(pc: op.pc, insn: d.word, dec: d, busError: false)
            s.pointee.op0 = v.op0; s.pointee.op1 = v.op1; s.pointee.storeOp = v.storeOp
            s.pointee.branchTargetX = v.target; s.pointee.branchTargetM = v.target
            s.pointee.operandM = v.xResult; s.pointee.mResult = v.mResult
            var c = FastSlot.Completion(moving: d)
            if caches { c.dcacheSelect = CacheAddress.cacheable(v.xResult); c.wbSelect = !c.dcacheSelect }
            s.pointee.completion = c
            s.pointee.lazy = true
            finishRecord(s)
        }
        func bubble(_ s: UnsafeMutablePointer<FastSlot>, pc: UInt32, insn: UInt32) {
            let d = decodeCache.value.decode(insn, table: opTable)
            s.pointee.entry = FastSlot.Entry(pc: pc, insn: insn, dec: d, busError: false)
            s.pointee.completion = FastSlot.Completion(moving: d)
        }
        if key.validM { fill(r.m, count - 1) } else { bubble(r.m, pc: key.mPc, insn: key.mInsn) }
        if key.wIsM {
            r.hold()
        } else if key.validW {
            fill(r.w, key.validM ? count - 2 : count - 1)
        } else {
            r.w.pointee.completion.ctl = key.wCtl; r.w.pointee.completion.writeIdx = key.wWriteIdx
        }
        // the register file in retirement order: M's write, then W's, taken back
        if key.validM && values[count - 1].wrote { regs[ops[count - 1].dec.writeIdx] = values[count - 1].old }
        if !key.wIsM && key.validW {
            let i = key.validM ? count - 2 : count - 1
            if values[i].wrote { regs[ops[i].dec.writeIdx] = values[i].old }
        }
    }
}

/// Files traces from the replay's edges (the table's, for the runs): an
/// iteration from an edge back to it that repeats the one before it.
final class FastTraceRecorder {
    /// The most cycles kept before the history starts again.
    static let historyLimit = 1 << 16
    /// The episode's path since the last reset, and the sums of its edges'
    /// hashes (`sums[i]`: of the first `i`), so that an iteration's hash is
    /// a difference.
    private let history = UnsafeMutablePointer<(node: Int32, edge: Int32)>.allocate(capacity: historyLimit)
    private let sums = UnsafeMutablePointer<UInt64>.allocate(capacity: historyLimit + 1)
    @exclusivity(unchecked) private var count = 0
    /// By edge: the generation it was last seen in and where in `history`
    /// (a reset starts a generation), and whether a trace was tried from
    /// it and not filed (not tried again).
    @exclusivity(unchecked) private var seenGeneration = UnsafeMutablePointer<UInt32>.allocate(capacity: 0)
    @exclusivity(unchecked) private var seenAt = UnsafeMutablePointer<Int32>.allocate(capacity: 0)
    @exclusivity(unchecked) private var refused = UnsafeMutablePointer<Bool>.allocate(capacity: 0)
    @exclusivity(unchecked) private var edgeCapacity = 0
    /// Iterations (by start edge, length and hash) not filed as another
    /// node's alternative (not tried again).
    @exclusivity(unchecked) private var refusedAlternatives: Set<UInt64> = []
    @exclusivity(unchecked) private var generation: UInt32 = 1

    init() { sums[0] = 0 }
    deinit {
        history.deallocate(); sums.deallocate(); seenGeneration.deallocate(); seenAt.deallocate(); refused.deallocate()
    }

    /// An edge's term in an iteration's hash (a sum, so any order of the
    /// same edges collides): a repeat is compared edge by edge; an
    /// iteration whose length and hash are a known trace's is taken as it
    /// (a collision only leaves an alternative unfiled: runs check every
    /// op).
    @inline(__always)
    static func hash(_ edge: Int32) -> UInt64 {
        (UInt64(UInt32(bitPattern: edge)) &+ 0x9E37_79B9) &* 0xBF58_476D_1CE4_E5B9 ^ 0x94D0_49BB_1331_11EB
    }

    /// A new episode, a recorded cycle or a trace's run: the replay's
    /// path so far is not an iteration's.
    func reset() {
        count = 0
        generation &+= 1
        if generation == 0 {
            seenGeneration.update(repeating: 0, count: edgeCapacity)
            generation = 1
        }
    }

    func forget() {
        reset()
        refused.update(repeating: false, count: edgeCapacity)
        refusedAlternatives.removeAll()
    }

    private func grow(to n: Int) {
        func grown<T>(_ p: UnsafeMutablePointer<T>, _ zero: T) -> UnsafeMutablePointer<T> {
            let q = UnsafeMutablePointer<T>.allocate(capacity: n)
            q.moveInitialize(from: p, count: edgeCapacity)
            (q + edgeCapacity).initialize(repeating: zero, count: n - edgeCapacity)
            p.deallocate()
            return q
        }
        seenGeneration = grown(seenGeneration, 0); seenAt = grown(seenAt, 0); refused = grown(refused, false)
        edgeCapacity = n
    }

    /// The history's cycles `a..<a+n` and `b..<b+n` are the same edges.
    private func same(_ a: Int, _ b: Int, _ n: Int) -> Bool {
        for i in 0..<n where history[a + i].edge != history[b + i].edge { return false }
        return true
    }

    /// The replay follows `edge` from `node`: a trace when the iteration
    /// that ends here repeats the one before it.
    /// With `known` (the node's traces so far), any iteration from the
    /// edge back to it that none of them is becomes an alternative.
    func observe<Known: Collection<FastTrace>>(node: Int32, edge: Int32, nodes: UnsafePointer<FastNode>,
                                               edges: UnsafePointer<FastEdge>, caches: Bool, known: Known) -> FastTrace? {
        let e = Int(edge)
        if e >= edgeCapacity { grow(to: max(e + 1, edgeCapacity * 2, 1024)) }
        let now = count
        var filed: FastTrace? = nil
        if seenGeneration[e] == generation {
            let j = Int(seenAt[e])
            let length = now - j
            let h = sums[now] &- sums[j]
            if length <= FastTrace.maxLength {
                if known.isEmpty {
                    if !refused[e] && j - length >= 0 && sums[j] &- sums[j - length] == h && same(j - length, j, length) {
                        filed = FastTrace.compile(nodes: nodes, edges: edges, cycles: history, from: j, count: length, caches: caches)
                        if filed == nil { refused[e] = true }
                    }
                } else if known.count < FastTrace.alternatives
                            && !known.contains(where: { $0.length == length && $0.edgeHash == h }) {
                    let key = h &+ UInt64(length) &* 0x1_0000_0001 &+ UInt64(e) << 40
                    if !refusedAlternatives.contains(key) {
                        filed = FastTrace.compile(nodes: nodes, edges: edges, cycles: history, from: j, count: length, caches: caches)
                        if filed == nil { refusedAlternatives.insert(key) }
                    }
                }
            }
        }
        if count >= Self.historyLimit { reset() }
        seenGeneration[e] = generation
        seenAt[e] = Int32(count)
        history[count] = (node, edge)
        sums[count + 1] = sums[count] &+ Self.hash(edge)
        count += 1
        return filed
    }
}
