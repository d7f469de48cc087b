import LM32
/// One Wishbone master's outputs during one cycle.
public struct WishboneRequest: Sendable, Equatable {
    public var cyc: Bool, adr: UInt32, datO: UInt32, sel: UInt8, we: Bool, cti: UInt8
    public init(cyc: Bool, adr: UInt32, datO: UInt32 = 0, sel: UInt8 = 15, we: Bool = false, cti: UInt8 = 0) {
        self.cyc = cyc; self.adr = adr; self.datO = datO; self.sel = sel; self.we = we; self.cti = cti
    }
}

/// What the bus answers one master during one cycle (DAT_I is only looked
/// at with ACK or ERR).
public struct WishboneAnswer: Sendable, Equatable {
    public var ack = false, err = false, dat: UInt32 = 0
    public init(ack: Bool = false, err: Bool = false, dat: UInt32 = 0) { self.ack = ack; self.err = err; self.dat = dat }
}

/// The CPU's two Wishbone master ports during one cycle. They are registers
/// of the LM32 (`lm32_instruction_unit.v`, `lm32_load_store_unit.v`), so they
/// are known at the start of the cycle, before the CPU's combinational logic.
/// (The instruction port never writes: DAT_O 0, SEL 15, WE 0.)
struct CycleBusRequest {
    var instruction: WishboneRequest
    var data: WishboneRequest
}

/// What the slaves answer the two ports during one cycle, and the CPU's
/// interrupt inputs during that cycle. DAT_I is only looked at with ACK/ERR.
struct CycleBusResponse {
    var iAck = false, iErr = false, iDat: UInt32 = 0
    var dAck = false, dErr = false, dDat: UInt32 = 0
    var interrupts: UInt32 = 0
}

/// The world around the cycle-exact CPU: slaves, interconnect and interrupt
/// sources, evaluated once per clock cycle by `CycleCore.step`. Conformers
/// are structs in this module so that `CycleCore<Bus>` is specialised and
/// `evaluate` inlined: the bench path costs what it did when the bench was
/// written into the core.
protocol CycleBus: Equatable {
    /// The slaves during `cycle`: answer the CPU's master outputs and give
    /// the interrupt lines. With `commit`, also perform what the slaves do at
    /// the edge ending `cycle` (a write landing, beat counters), since
    /// nothing else looks at them before that edge; without it (a
    /// `CycleCore.peek` of the current cycle, on a copy of the bus) nothing
    /// is written through pointers or to devices.
    mutating func evaluate(_ cycle: UInt64, _ r: CycleBusRequest, commit: Bool) -> CycleBusResponse
    /// Fill the bus-specific fields of an observation (its bus fields are set).
    func annotate(_ o: inout CycleObservation)
    /// `retired` is called for every retirement that does not take an
    /// exception (compiled out when false).
    static var watchesRetirements: Bool { get }
    mutating func retired(pc: UInt32, word: UInt32, ie: Bool, cycle: UInt64)
    /// The run should stop (test-device end write, firmware halt).
    var stopRequested: Bool { get }
    /// `resetsCPU` is looked at after every edge (compiled out when false).
    static var canResetCPU: Bool { get }
    /// The CPU's reset input was high during the cycle just stepped.
    var resetsCPU: Bool { get }
    /// The CPU took its reset values at that edge.
    mutating func cpuReset()
    /// Idle skipping is exact for this bus: its whole state is in the value
    /// (no devices moving on their own behind it).
    static var allowsIdleSkipping: Bool { get }
    /// Idle skipping may not pass this cycle: the bus's own inputs (e.g.
    /// devices' interrupt lines) may change in it.
    var quietUntil: UInt64 { get }
    /// The bus has seen an access since it was `earlier` (a copy of it)
    /// that makes it unequal to `earlier` from then on (its counts of such
    /// accesses only grow): an idle probe from `earlier` can end.
    func accessedSince(_ earlier: Self) -> Bool
    /// Back to the state at construction (the machine's `reset()`).
    mutating func reset()
    /// Equal including the memories behind pointers (tests).
    func sameContents(as other: Self) -> Bool

    /// The fast path's replay (FastReplay.swift) may run on this bus: its
    /// answer is a function of its two beat counters, the masters'
    /// addresses and its memory, and its interrupt lines change only
    /// between calls (as the bench's).
    static var replays: Bool { get }
    /// The instruction and data beat counters (wait states counted so far).
    var beatCounters: (i: Int, d: Int) { get set }
    /// A beat ends in the cycle its counter equals these (wait states).
    var waitStates: (i: Int, d: Int) { get }
    /// DAT_I of an instruction beat at `address`.
    func instructionWord(at address: UInt32) -> UInt32
    /// A data beat at `address` ends in ERR.
    func dataError(at address: UInt32) -> Bool
    /// The data beat ending (ACK) in `cycle`: DAT_I, and the write at its edge.
    mutating func dataBeat(cycle: UInt64, address: UInt32, data: UInt32, sel: UInt8, we: Bool) -> UInt32
    /// `dataBeat` writing, with `mask` the bits of `sel`'s lanes (the fast
    /// path's traces: an address in the RAM).
    mutating func dataWrite(cycle: UInt64, address: UInt32, data: UInt32, sel: UInt8, mask: UInt32) -> UInt32
    /// Takes back a RAM write `dataBeat` made (`old`: the word it read),
    /// the last one not yet taken back (a trace's iteration undone).
    mutating func undoDataWrite(address: UInt32, old: UInt32)
    /// The interrupt lines during the cycles being replayed.
    var interruptInputs: UInt32 { get }
}

extension CycleBus {
    static var allowsIdleSkipping: Bool { false }
    var quietUntil: UInt64 { .max }
    mutating func dataWrite(cycle: UInt64, address: UInt32, data: UInt32, sel: UInt8, mask: UInt32) -> UInt32 {
        dataBeat(cycle: cycle, address: address, data: data, sel: sel, we: true)
    }
    func accessedSince(_ earlier: Self) -> Bool { false }
    static var watchesRetirements: Bool { false }
    mutating func retired(pc: UInt32, word: UInt32, ie: Bool, cycle: UInt64) {}
    static var canResetCPU: Bool { false }
    var resetsCPU: Bool { false }
    mutating func cpuReset() {}
    func annotate(_ o: inout CycleObservation) {}
    static var replays: Bool { false }
    mutating func undoDataWrite(address: UInt32, old: UInt32) {}
    var beatCounters: (i: Int, d: Int) { get { (0, 0) } set {} }
    var waitStates: (i: Int, d: Int) { (0, 0) }
    func instructionWord(at address: UInt32) -> UInt32 { 0 }
    func dataError(at address: UInt32) -> Bool { true }
    mutating func dataBeat(cycle: UInt64, address: UInt32, data: UInt32, sel: UInt8, we: Bool) -> UInt32 { 0 }
    var interruptInputs: UInt32 { 0 }
}

/// A value kept with a state that is not part of it (a per-cycle scratch
/// value): any two compare equal.
struct NotState<Value>: Equatable {
    var value: Value
    init(_ value: Value) { self.value = value }
    static func == (_: Self, _: Self) -> Bool { true }
}

/// Wishbone SEL as a mask of the big-endian byte lanes.
@inline(__always) func wishboneLaneMask(_ sel: UInt8) -> UInt32 {
    (sel & 8 != 0 ? 0xFF00_0000 : 0) | (sel & 4 != 0 ? 0x00FF_0000 : 0)
        | (sel & 2 != 0 ? 0x0000_FF00 : 0) | (sel & 1 != 0 ? 0x0000_00FF : 0)
}

/// The RTL test bench (RTL/tb/socsim_tb_top.v) as the cycle model's bus:
/// one 64 KiB RAM shared by both ports (each port its own wait states, so
/// no arbitration), bus-error windows, the unit-test device and the
/// character port; interrupt lines are inputs set by the harness.
struct BenchBus: CycleBus {
    static let ramWords = UnitTestBench.ramBytes / 4
    let config: BenchConfig
    let iWait: Int, dWait: Int
    let iErrLo: UInt32, iErrHi: UInt32, dErrLo: UInt32, dErrHi: UInt32
    /// The bench RAM: 16 Ki big-endian words shared by both ports.
    var memory: UnsafeMutablePointer<UInt32>
    /// Interrupt lines as driven in the current cycle.
    var interruptLines: UInt32 = 0
    /// Wait-state counters (socsim_tb_top.v).
    var iCnt = 0, dCnt = 0
    /// RAM writes so far (idle skipping needs none between checkpoints).
    var writes: UInt64 = 0
    /// Test-device and character-port events so far.
    var events: [BenchEvent] = []
    var ended = false
    var testNameAddress: UInt32 = 0

    init(config: BenchConfig, memory: UnsafeMutablePointer<UInt32>) {
        self.config = config
        iWait = config.instructionWaitStates
        dWait = config.dataWaitStates
        // an empty window is lo > hi
        iErrLo = config.instructionErrorWindow?.lowerBound ?? 1; iErrHi = config.instructionErrorWindow?.upperBound ?? 0
        dErrLo = config.dataErrorWindow?.lowerBound ?? 1; dErrHi = config.dataErrorWindow?.upperBound ?? 0
        self.memory = memory
    }

    /// The answer and, when `commit`, the edge (counters, RAM write, test device).
    @inline(__always)
    mutating func evaluate(_ cycle: UInt64, _ r: CycleBusRequest, commit: Bool) -> CycleBusResponse {
        var o = CycleBusResponse()
        let iDone = r.instruction.cyc && iCnt == iWait
        let iInErr = r.instruction.adr >= iErrLo && r.instruction.adr <= iErrHi
        o.iAck = iDone && !iInErr; o.iErr = iDone && iInErr
        o.iDat = memory[UnitTestBench.wordIndex(r.instruction.adr)]
        let dDone = r.data.cyc && dCnt == dWait
        let dInErr = r.data.adr >= dErrLo && r.data.adr <= dErrHi
        o.dAck = dDone && !dInErr; o.dErr = dDone && dInErr
        o.dDat = memory[UnitTestBench.wordIndex(r.data.adr)]
        o.interrupts = interruptLines
        guard commit else { return o }
        // the edge
        iCnt = (r.instruction.cyc && !iDone) ? iCnt + 1 : 0
        dCnt = (r.data.cyc && !dDone) ? dCnt + 1 : 0
        if o.dAck && r.data.we { write(cycle: cycle, address: r.data.adr, data: r.data.datO, sel: r.data.sel) }
        return o
    }

    /// A data-bus write at the edge of its ACK cycle: the test device, the
    /// character port and the RAM.
    @inline(__always)
    mutating func write(cycle: UInt64, address: UInt32, data: UInt32, sel: UInt8) {
        if address >> 16 == 0 {
            let i = UnitTestBench.wordIndex(address)
            let m = wishboneLaneMask(sel)
            memory[i] = (memory[i] & ~m) | (data & m)
            writes &+= 1
        } else {
            // (the test device's addresses are all outside the RAM)
            testDevice(cycle: cycle, address: address, data: data)
        }
    }

    static var replays: Bool { true }
    var beatCounters: (i: Int, d: Int) {
        get { (iCnt, dCnt) }
        set { iCnt = newValue.i; dCnt = newValue.d }
    }
    var waitStates: (i: Int, d: Int) { (iWait, dWait) }
    @inline(__always) func instructionWord(at address: UInt32) -> UInt32 { memory[UnitTestBench.wordIndex(address)] }
    @inline(__always) func dataError(at address: UInt32) -> Bool { address >= dErrLo && address <= dErrHi }
    @inline(__always)
    mutating func dataBeat(cycle: UInt64, address: UInt32, data: UInt32, sel: UInt8, we: Bool) -> UInt32 {
        let read = memory[UnitTestBench.wordIndex(address)]
        if we { write(cycle: cycle, address: address, data: data, sel: sel) }
        return read
    }
    @inline(__always)
    mutating func dataWrite(cycle: UInt64, address: UInt32, data: UInt32, sel: UInt8, mask: UInt32) -> UInt32 {
        guard address >> 16 == 0 else { return dataBeat(cycle: cycle, address: address, data: data, sel: sel, we: true) }
        let i = UnitTestBench.wordIndex(address)
        let old = memory[i]
        memory[i] = (old & ~mask) | (data & mask)
        writes &+= 1
        return old
    }
    mutating func undoDataWrite(address: UInt32, old: UInt32) {
        guard address >> 16 == 0 else { return }
        memory[UnitTestBench.wordIndex(address)] = old
        writes &-= 1
    }
    var interruptInputs: UInt32 { interruptLines }

    @inline(__always)
    func annotate(_ o: inout CycleObservation) {
        o.tdev = Self.testDeviceBits(ack: o.dbus.ack, we: o.dbus.we, address: o.dbus.adr, data: o.dbus.datW)
        o.tdevData = o.dbus.datW
    }

    var stopRequested: Bool { ended }
    static var allowsIdleSkipping: Bool { true }
    /// A RAM write or a test-device event (outside traces, which take
    /// their writes back, the counts only grow).
    @inline(__always)
    func accessedSince(_ earlier: Self) -> Bool { writes != earlier.writes || events.count != earlier.events.count }

    mutating func reset() {
        iCnt = 0; dCnt = 0
        ended = false
        events = []
    }

    func sameContents(as other: BenchBus) -> Bool {
        var b = other
        b.memory = memory
        guard self == b else { return false }
        return (0..<Self.ramWords).allSatisfy { memory[$0] == other.memory[$0] }
    }

    static func testDeviceBits(ack: Bool, we: Bool, address: UInt32, data: UInt32) -> UInt8 {
        guard ack && we else { return 0 }
        var b: UInt8 = 0
        if address == 0xFFFF_0000 || (address == 0xDEAD_0000 && data == 0x0000_BEEF) { b |= TestDeviceBits.end }
        if address == 0xFFFF_0004 { b |= TestDeviceBits.result }
        if address == 0xFFFF_0008 { b |= TestDeviceBits.name }
        if address == 0xFF00_0000 { b |= TestDeviceBits.character }
        return b
    }

    /// A data-bus write in its ACK cycle.
    mutating func testDevice(cycle: UInt64, address: UInt32, data: UInt32) {
        let bits = Self.testDeviceBits(ack: true, we: true, address: address, data: data)
        guard bits != 0 else { return }
        if bits & TestDeviceBits.name != 0 { testNameAddress = data & 0xFFFF }
        if bits & TestDeviceBits.result != 0 { events.append(.result(cycle: cycle, name: cString(at: testNameAddress), value: data)) }
        if bits & TestDeviceBits.character != 0 { events.append(.character(cycle: cycle, UInt8(truncatingIfNeeded: data))) }
        if bits & TestDeviceBits.end != 0 { events.append(.end(cycle: cycle)); ended = true }
    }

    /// A NUL-terminated string from the bench RAM (at most 64 bytes).
    func cString(at address: UInt32) -> String {
        var bytes: [UInt8] = []
        var a = address
        while bytes.count < 64 {
            let b = UInt8(truncatingIfNeeded: memory[UnitTestBench.wordIndex(a)] >> ((3 - (a & 3)) * 8))
            if b == 0 { break }
            bytes.append(b)
            a &+= 1
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
