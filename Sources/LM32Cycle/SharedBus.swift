import LM32
import SimBus
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A RAM slave on the shared bus: every beat takes a fixed number of cycles
/// (ACK in the last one); a write lands at the edge ending its ACK cycle and
/// honours SEL.
public struct SharedBusMemory: Sendable, Equatable {
    public var name: String
    public var base: UInt32
    /// A power of two; `base` is aligned to it.
    public var size: UInt32
    public var readCycles: Int
    public var writeCycles: Int
    public init(name: String, base: UInt32, size: UInt32, readCycles: Int, writeCycles: Int) {
        precondition(size >= 4 && size & (size - 1) == 0 && base & (size - 1) == 0, "\(name): size a power of two, base aligned")
        precondition(readCycles >= 1 && writeCycles >= 1, "\(name): a beat takes at least one cycle")
        self.name = name; self.base = base; self.size = size; self.readCycles = readCycles; self.writeCycles = writeCycles
    }
}

/// A master of the shared bus: one of the CPU's Wishbone ports, or a port of
/// another component (the coprocessor, the PCIe DMA) that presents its
/// registered outputs before each cycle and reads its answer after it
/// (`SharedBusMachine.present`, `answer`).
/// A `yielding` component gives the bus up after each of its beats
/// (`FixedPriorityArbiter`).
public enum SharedBusMaster: Sendable, Equatable {
    case cpuData, cpuInstruction
    case component(String, yielding: Bool = false)
}

/// The requests and answers of the component masters of one cycle, by
/// master number. Requests are gathered before the cycle in any order (the
/// outputs of every master are registers, known at the start of the cycle),
/// the bus arbitrates once over all of them, and each component reads its
/// answer after the cycle: the result does not depend on the order in which
/// components present or read.
struct ComponentMasters {
    /// Bit i: master i presents CYC in the coming cycle.
    var pending: UInt32 = 0
    /// By master number (the CPU's ports' entries unused).
    var requests: [WishboneRequest]
    /// The component master answered in the last cycle (-1: none) and its answer.
    var answered: Int8 = -1
    var answer = WishboneAnswer()
    /// Bit i: master i's request of the coming cycle came from the devices
    /// (`CycleDevices.presentMasters`), which get its answer.
    var fromDevices: UInt32 = 0
    init(count: Int) {
        requests = Array(repeating: WishboneRequest(cyc: false, adr: 0), count: count)
    }
}

/// The slaves of a shared Wishbone bus (docs/soc.md, "Cycle contract"):
/// memories, one CSR window whose beats go to the devices (a read samples
/// the device during the beat's 2nd cycle, a write is presented during its
/// ACK cycle), and ERR in the first cycle for any other address. Decoding
/// ignores bit 31.
public struct SharedBusMap: Sendable, Equatable {
    public var memories: [SharedBusMemory]
    public var csrBase: UInt32, csrSize: UInt32
    /// CYC cycles of a CSR read (ACK in the last; the device is sampled in the 2nd).
    public var csrReadCycles: Int
    /// CYC cycles of a CSR write (ACK in the last, when the device sees the write).
    public var csrWriteCycles: Int
    /// The masters in arbitration order (0 = highest priority): the CPU's
    /// two ports, each once.
    public var masters: [SharedBusMaster]
    public init(memories: [SharedBusMemory], csrBase: UInt32, csrSize: UInt32, csrReadCycles: Int, csrWriteCycles: Int,
                masters: [SharedBusMaster] = [.cpuData, .cpuInstruction]) {
        precondition(csrReadCycles >= 2, "a CSR read samples the device in its 2nd cycle")
        precondition(csrWriteCycles >= 1)
        precondition((2...32).contains(masters.count) && masters.filter({ $0 == .cpuData }).count == 1
                     && masters.filter({ $0 == .cpuInstruction }).count == 1,
                     "the masters are the CPU's data and instruction ports and at most 30 components")
        self.masters = masters
        self.memories = memories; self.csrBase = csrBase; self.csrSize = csrSize
        self.csrReadCycles = csrReadCycles; self.csrWriteCycles = csrWriteCycles
    }
}

/// The devices behind the CSR window of a `SharedBusMachine`, and the
/// interrupt lines. Called only when the bus needs them (a CSR beat, or a
/// cycle in which the lines may change), always with non-decreasing cycles:
/// the devices bring themselves to the cycle asked (closed form).
public protocol CycleDevices: AnyObject {
    /// The interrupt lines during `cycle`, and the first later cycle in which
    /// they may change without a CSR write (an earlier one is always safe).
    func interrupts(at cycle: UInt64) -> (lines: UInt32, until: UInt64)
    /// A CSR read sampling the register at `offset` (from the window's base)
    /// during `cycle`.
    func read(offset: UInt32, at cycle: UInt64) -> UInt32
    /// A CSR write presented during `cycle` (lands at its ending edge).
    /// Returns true when it requests a system reset.
    func write(offset: UInt32, data: UInt32, sel: UInt8, at cycle: UInt64) -> Bool
    /// The SoC reset was high during `cycle - 1`: the devices hold their
    /// reset values during `cycle`.
    func reset(at cycle: UInt64)
    /// The first cycle after `cycle` in which a read of the register at
    /// `offset` may see another value; reads in between see the value of
    /// `cycle` and have no effect. nil (the default) when the register may
    /// change at any time or its read has an effect: such reads end an idle
    /// period. Whether a register is nil must not depend on the cycle.
    func readStableUntil(offset: UInt32, at cycle: UInt64) -> UInt64?
    /// Nothing in flight that the firmware waits for (the halt condition).
    func idle(at cycle: UInt64) -> Bool
    /// The devices that are bus masters (the coprocessor): their requests
    /// during `cycle`, each passed to `present` with its master number (a
    /// component of the map), before the bus arbitrates. Asked in every
    /// cycle in which the bus asks for the interrupt lines, which a device
    /// master keeps to every cycle while it runs (`interrupts` returns
    /// `until` = `cycle + 1`). Returns true while a device master runs (the
    /// bus is then not quiet: idle skipping must not jump over it).
    func presentMasters(at cycle: UInt64, _ present: (Int, WishboneRequest) -> Void) -> Bool
    /// The bus's answer (ACK or ERR) to device master `master` in `cycle`,
    /// the cycle evaluated last; it acts at the edge ending that cycle.
    func answered(master: Int, _ answer: WishboneAnswer, at cycle: UInt64)
    /// Fill the devices' pins of an observation of `cycle` (`gpioIn`,
    /// `gpioOut`, `uartTxWr`, `uartThre`) with their values during that
    /// cycle. `csrWrite`: the offset of a CSR write presented in the cycle
    /// (already passed to `write`, unless the bus only peeked); what it
    /// changes shows from the next cycle on. Called only while observing,
    /// after the bus's answer for `cycle`.
    func annotate(_ o: inout CycleObservation, at cycle: UInt64, csrWrite: UInt32?)
}

extension CycleDevices {
    public func readStableUntil(offset: UInt32, at cycle: UInt64) -> UInt64? { nil }
    public func presentMasters(at cycle: UInt64, _ present: (Int, WishboneRequest) -> Void) -> Bool { false }
    public func answered(master: Int, _ answer: WishboneAnswer, at cycle: UInt64) {}
    public func annotate(_ o: inout CycleObservation, at cycle: UInt64, csrWrite: UInt32?) {}
}

/// The shared Wishbone bus of the SoC as the cycle model's bus (docs/soc.md,
/// "Cycle contract"): the LM32's data and instruction ports behind a
/// combinational fixed-priority arbiter (`FixedPriorityArbiter`, the masters
/// in the map's order), per-beat slave
/// timing by region, lazily advanced devices, system reset, and the halt
/// condition of the functional machine (`bi .` retiring with IE = 0 while the
/// devices are idle).
struct SharedBus: CycleBus {
    struct Slot: Equatable {
        var base: UInt32, size: UInt32, readCycles: Int, writeCycles: Int
        var words: UnsafeMutablePointer<UInt32>
    }
    struct Devices: Equatable {
        let object: any CycleDevices
        static func == (a: Devices, b: Devices) -> Bool { a.object === b.object }
    }

    /// `var` only so that `sameContents` can compare another machine's bus.
    private(set) var slots: UnsafeMutablePointer<Slot>
    let slotCount: Int
    let csrBase: UInt32, csrSize: UInt32, csrReadCycles: Int, csrWriteCycles: Int
    private(set) var devices: Devices

    /// Holds the master granted during the previous cycle.
    var arbiter: FixedPriorityArbiter
    /// The CPU ports' master numbers and request bits.
    let dataMaster: Int8, instructionMaster: Int8, dBit: UInt32, iBit: UInt32
    /// The component masters' requests and answers (`present`, `answer`);
    /// `var` only for `sameContents`.
    private(set) var components: UnsafeMutablePointer<ComponentMasters>
    /// Cycles the current beat of `owner` has been granted, minus one.
    var beatCycle = 0
    /// The previous cycle ended a beat (ACK or ERR).
    var beatEnded = false
    /// A CSR read's value, sampled in its 2nd cycle.
    var csrSample: UInt32 = 0
    /// Interrupt lines, valid until `wakeAt`.
    var lines: UInt32 = 0
    var wakeAt: UInt64 = 0
    /// The cycle in which the SoC reset is high (after a reset request).
    var resetCycle = UInt64.max
    var resetHigh = false
    var halted = false
    /// The address of the `bi .` that halted the firmware.
    var haltPC: UInt32 = 0
    /// Ask the devices for the lines every cycle (checks the laziness).
    var wakeEveryCycle = false
    /// CSR writes, CSR reads of values that may change any cycle and
    /// memory writes so far: an idle period has none.
    var accesses: UInt64 = 0
    /// The arbiter grants the data port in this cycle (the RTL's gnt = 0,
    /// also while the SoC reset is high): DAT_O of the bus is the data port's.
    var grantD = false
    /// The last CSR write presented to the devices: its cycle and offset.
    var csrWriteCycle = UInt64.max, csrWriteOffset: UInt32 = 0
    /// A device master runs (`CycleDevices.presentMasters`): not quiet.
    var deviceMastersRun = false

    init(slots: UnsafeMutablePointer<Slot>, count: Int, map: SharedBusMap, devices: any CycleDevices,
         components: UnsafeMutablePointer<ComponentMasters>) {
        self.components = components
        self.slots = slots; slotCount = count
        csrBase = map.csrBase; csrSize = map.csrSize
        csrReadCycles = map.csrReadCycles; csrWriteCycles = map.csrWriteCycles
        self.devices = Devices(object: devices)
        var yielding: UInt32 = 0
        for (i, m) in map.masters.enumerated() { if case .component(_, yielding: true) = m { yielding |= 1 << UInt32(i) } }
        arbiter = FixedPriorityArbiter(count: map.masters.count, yielding: yielding)
        dataMaster = Int8(map.masters.firstIndex(of: .cpuData)!)
        dBit = 1 << UInt32(dataMaster)
        instructionMaster = Int8(map.masters.firstIndex(of: .cpuInstruction)!)
        iBit = 1 << UInt32(instructionMaster)
    }

    /// The answer and, when `commit`, what lands at the edge (memory and CSR
    /// writes). Without `commit` the devices are only brought to `cycle` and
    /// read, which the next committed cycle would do as well.
    @inline(__always)
    mutating func evaluate(_ cycle: UInt64, _ r: CycleBusRequest, commit: Bool) -> CycleBusResponse {
        var o = CycleBusResponse()
        if cycle >= wakeAt {
            let w = devices.object.interrupts(at: cycle)
            lines = w.lines
            wakeAt = wakeEveryCycle ? cycle + 1 : max(w.until, cycle + 1)
            let c = components
            c.pointee.fromDevices = 0
            deviceMastersRun = devices.object.presentMasters(at: cycle) { m, request in
                c.pointee.requests[m] = request
                if request.cyc { c.pointee.pending |= 1 << UInt32(m); c.pointee.fromDevices |= 1 << UInt32(m) }
            }
        }
        o.interrupts = lines
        let pending = components.pointee.pending
        let requests = (r.data.cyc ? dBit : 0) | (r.instruction.cyc ? iBit : 0) | pending
        if commit && (pending != 0 || components.pointee.answered >= 0) {
            // the components present again for the next cycle, and read this one's answer
            components.pointee.pending = 0
            components.pointee.answered = -1
        }
        // The RTL's gnt (also computed while in reset).
        let g = arbiter.grantIndex(requests: requests, beatEnded: beatEnded)
        grantD = g == dataMaster
        if cycle == resetCycle {
            // The interconnect is in reset: no beat completes.
            resetHigh = true
            arbiter.release(); beatEnded = false
            return o
        }
        let previous = arbiter.ownerIndex
        arbiter.take(g)
        if g < 0 { beatEnded = false; return o }
        beatCycle = (g == previous && !beatEnded) ? beatCycle + 1 : 0
        // the granted master's beat
        let data = g == dataMaster
        let component = !data && g != instructionMaster
        let m = data ? r.data : component ? components.pointee.requests[Int(g)] : r.instruction
        let adr = m.adr, we = m.we
        let a = adr & 0x7FFF_FFFF
        var ack = false, err = false, dat: UInt32 = 0
        var decoded = false
        for s in 0..<slotCount {
            let slot = slots[s]
            if a &- slot.base < slot.size {
                decoded = true
                if beatCycle == (we ? slot.writeCycles : slot.readCycles) - 1 {
                    ack = true
                    let i = Int((a &- slot.base) >> 2)
                    // DAT_I is the addressed word also in a write's ACK cycle (before it lands)
                    dat = slot.words[i]
                    if we && commit {
                        let mask = wishboneLaneMask(m.sel)
                        slot.words[i] = (slot.words[i] & ~mask) | (m.datO & mask)
                        accesses &+= 1
                    }
                }
                break
            }
        }
        if !decoded {
            if a &- csrBase < csrSize {
                if we {
                    accesses &+= 1
                    if beatCycle == csrWriteCycles - 1 {
                        ack = true
                        dat = csrSample     // DAT_I: the CSR read register, also for a write
                        csrWriteCycle = cycle; csrWriteOffset = a &- csrBase
                        if commit, devices.object.write(offset: a &- csrBase, data: m.datO, sel: m.sel, at: cycle) {
                            resetCycle = cycle + 1
                        }
                        wakeAt = cycle + 1
                    }
                } else {
                    if beatCycle == 1 {
                        csrSample = devices.object.read(offset: a &- csrBase, at: cycle)
                        // A value that stays until a known cycle bounds the
                        // bus's quiet span like an interrupt change; one that
                        // may change any cycle is an access (no idle period).
                        if let stable = devices.object.readStableUntil(offset: a &- csrBase, at: cycle) {
                            wakeAt = min(wakeAt, max(stable, cycle + 1))
                        } else {
                            accesses &+= 1
                        }
                    }
                    if beatCycle == csrReadCycles - 1 { ack = true; dat = csrSample }
                }
            } else {
                err = true          // unmapped: ERR in the first cycle, a write does nothing
            }
        }
        beatEnded = ack || err
        if data { o.dAck = ack; o.dErr = err; o.dDat = dat }
        else if component {
            let answer = WishboneAnswer(ack: ack, err: err, dat: dat)
            if commit { components.pointee.answered = g; components.pointee.answer = answer }
            // a peek tells the device too: the committed evaluation of the same cycle repeats it
            if (ack || err) && components.pointee.fromDevices >> UInt32(g) & 1 != 0 {
                devices.object.answered(master: Int(g), answer, at: cycle)
            }
            return o
        } else { o.iAck = ack; o.iErr = err; o.iDat = dat }
        return o
    }

    func annotate(_ o: inout CycleObservation) {
        o.reset = resetHigh
        o.uartTxData = grantD ? UInt8(truncatingIfNeeded: o.dbus.datW) : 0
        devices.object.annotate(&o, at: o.cycle, csrWrite: csrWriteCycle == o.cycle ? csrWriteOffset : nil)
    }

    /// Skipping is exact between device wake-ups when no CSR beat or memory
    /// write happened in the compared interval (`accesses`): the devices
    /// are not consulted then, and the lines are constant until `wakeAt`.
    /// A component master with a request or an answer in flight, or a
    /// device master that runs, is not quiet: its next cycle depends on the
    /// bus, so nothing is skipped.
    static var allowsIdleSkipping: Bool { true }
    @inline(__always)
    func accessedSince(_ earlier: Self) -> Bool { accesses != earlier.accesses }
    var quietUntil: UInt64 {
        wakeEveryCycle || deviceMastersRun || components.pointee.pending != 0 || components.pointee.answered >= 0 ? 0 : wakeAt
    }

    static var watchesRetirements: Bool { true }
    mutating func retired(pc: UInt32, word: UInt32, ie: Bool, cycle: UInt64) {
        if word == 0xE000_0000 && !ie && !halted && devices.object.idle(at: cycle) { halted = true; haltPC = pc }
    }
    var stopRequested: Bool { halted }

    static var canResetCPU: Bool { true }
    var resetsCPU: Bool { resetHigh }
    mutating func cpuReset() {
        let next = resetCycle + 1
        resetHigh = false
        resetCycle = .max
        arbiter.release(); beatCycle = 0; beatEnded = false; csrSample = 0
        devices.object.reset(at: next)
        wakeAt = next; deviceMastersRun = false
    }

    mutating func reset() {
        arbiter.release(); beatCycle = 0; beatEnded = false; csrSample = 0
        lines = 0; wakeAt = 0; resetCycle = .max; resetHigh = false; halted = false; deviceMastersRun = false; haltPC = 0
        devices.object.reset(at: 0)
    }

    /// The same state as `other`, this machine's bus or another machine's
    /// with the same map: every field, and the memories' words (the devices
    /// are objects of their own; tests compare them through their pins and
    /// streams).
    func sameContents(as other: SharedBus) -> Bool {
        var b = other
        b.slots = slots
        b.devices = devices
        b.components = components
        guard self == b else { return false }
        for i in 0..<slotCount {
            let x = slots[i], y = other.slots[i]
            guard x.base == y.base && x.size == y.size else { return false }
            if x.words != y.words && memcmp(x.words, y.words, Int(x.size)) != 0 { return false }
        }
        return true
    }
}

/// The cycle-exact LM32 on a shared Wishbone bus (`SharedBus`): the SoC
/// model of docs/soc.md's cycle contract. Memories are owned here; the
/// devices are the caller's (`CycleDevices`). `step()` is one clock cycle.
public final class SharedBusMachine {
    var core: CycleCore<SharedBus>
    public let map: SharedBusMap
    private let storage: UnsafeMutablePointer<UInt32>
    private let bytes: UnsafeMutablePointer<UInt8>
    private let slots: UnsafeMutablePointer<SharedBus.Slot>
    private let components: UnsafeMutablePointer<ComponentMasters>

    /// Called with the observation of every cycle when set (the bus as the
    /// CPU sees it: ACK, ERR and DAT_R only for the granted master).
    public var observer: ((CycleObservation) -> Void)?
    /// Receives every retirement with its architectural effects when set.
    public var trace: ((CycleRetirement) -> Void)?
    /// Called with the observations of the cycles stepped in batches, as
    /// `LM32CycleMachine.batchObserver`.
    public var batchObserver: ((UnsafeBufferPointer<CycleObservation>) -> Void)? {
        didSet { batch = batchObserver.map(ObservationBatch.init) }
    }
    private var batch: ObservationBatch?

    public init(config: CoreConfig, map: SharedBusMap, devices: any CycleDevices) {
        precondition(config.debug && config.breakpoints == 4 && config.watchpoints == 4,
                     "the cycle model implements the test-bench CPU options (debug, 4 BP, 4 WP)")
        self.map = map
        let words = CycleCore<SharedBus>.allocationWords
        storage = .allocate(capacity: words)
        storage.initialize(repeating: 0, count: words)
        bytes = .allocate(capacity: 4)
        bytes.initialize(repeating: 0, count: 4)
        slots = .allocate(capacity: map.memories.count)
        for (k, m) in map.memories.enumerated() {
            // calloc: untouched pages of a large SDRAM cost nothing
            let w = calloc(Int(m.size / 4), 4)!.bindMemory(to: UInt32.self, capacity: Int(m.size / 4))
            (slots + k).initialize(to: SharedBus.Slot(base: m.base, size: m.size, readCycles: m.readCycles,
                                                      writeCycles: m.writeCycles, words: w))
        }
        components = .allocate(capacity: 1)
        components.initialize(to: ComponentMasters(count: map.masters.count))
        let bus = SharedBus(slots: slots, count: map.memories.count, map: map, devices: devices, components: components)
        core = CycleCore(config: config, bus: bus, storage: storage, bytes: bytes)
    }

    deinit {
        for k in 0..<map.memories.count { free(slots[k].words) }
        slots.deinitialize(count: map.memories.count)
        slots.deallocate()
        components.deinitialize(count: 1)
        components.deallocate()
        storage.deallocate()
        bytes.deallocate()
    }

    public var config: CoreConfig { core.config }
    /// The current cycle (cycle 0 = the first with reset low; a system reset
    /// does not restart it).
    public var cycle: UInt64 { core.cycle }
    /// Instructions retired (valid_w & ~kill_w) so far.
    public var retiredCount: UInt64 { core.retiredCount }
    /// The register file.
    public var regs: [UInt32] { Array(UnsafeBufferPointer(start: core.regs, count: 32)) }
    /// IE.IE.
    public var interruptsEnabled: Bool { core.ie }
    /// A `bi .` retired with IE = 0 while the devices were idle.
    public var halted: Bool { core.bus.halted }
    /// Where it halted (the `bi .`'s address), once `halted`.
    public var haltPC: UInt32? { core.bus.halted ? core.bus.haltPC : nil }
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
    /// The CPU's external break input in the current cycle.
    public var extBreak: Bool {
        get { core.extBreak }
        set { core.extBreak = newValue }
    }
    /// The devices' inputs changed from outside the bus (e.g. a new GPIO pin
    /// schedule entry): ask them for the interrupt lines again in the next
    /// cycle stepped.
    public func devicesChanged() { core.bus.wakeAt = 0 }
    /// Bring the devices to every cycle instead of only to those in which an
    /// interrupt line may change (slower; the two must agree exactly).
    public var advancesDevicesEveryCycle: Bool {
        get { core.bus.wakeEveryCycle }
        set { core.bus.wakeEveryCycle = newValue }
    }

    @inline(__always) private func slot(for address: UInt32) -> SharedBus.Slot? {
        let a = address & 0x7FFF_FFFF
        for k in 0..<map.memories.count where a &- slots[k].base < slots[k].size { return slots[k] }
        return nil
    }

    /// The memory word holding `address` (bit 31 ignored), nil outside the memories.
    public func word(at address: UInt32) -> UInt32? {
        guard let s = slot(for: address) else { return nil }
        return s.words[Int(((address & 0x7FFF_FFFF) &- s.base) >> 2)]
    }

    /// Load bytes into the memories (address order, big-endian words; bit 31
    /// ignored). Returns false when a byte falls outside every memory.
    @discardableResult
    public func load(_ bytes: [UInt8], at address: UInt32) -> Bool {
        for (k, b) in bytes.enumerated() {
            let a = (address &+ UInt32(k)) & 0x7FFF_FFFF
            guard let s = slot(for: a) else { return false }
            let i = Int((a &- s.base) >> 2)
            let shift = (3 - (a & 3)) * 8
            s.words[i] = (s.words[i] & ~(0xFF << shift)) | UInt32(b) << shift
        }
        return true
    }

    /// The whole state equals `other`'s (a machine with the same map): every
    /// register of the model, the caches, the bus's state and the memories'
    /// words. The devices are the caller's to compare.
    public func sameState(as other: SharedBusMachine) -> Bool { core.sameState(asMachineWith: other.core) }

    /// Every register of the model equals `other`'s (not the memories, not
    /// the bus; a cheap per-cycle check, `sameState` for the rest).
    public func sameRegisters(as other: SharedBusMachine) -> Bool { core.sameRegisters(as: other.core) }

    /// The next cycle is `steady` (`CycleCore.steady`): an unobserved step
    /// takes the profile-specialised copy if `specialisedStep`.
    public var steady: Bool { core.steady }

    /// One clock cycle.
    public func step() { core.step(observer: observer, trace: trace, batch: batch) }

    /// A component master's outputs for the next cycle stepped (its
    /// registers; present them before every `step` in which it holds CYC,
    /// in any order among components). `master`: its number in the map.
    public func present(_ request: WishboneRequest, master: Int) {
        guard case .component = map.masters[master] else { preconditionFailure("master \(master) is a CPU port") }
        components.pointee.requests[master] = request
        if request.cyc { components.pointee.pending |= 1 << UInt32(master) } else { components.pointee.pending &= ~(1 << UInt32(master)) }
    }

    /// What the bus answered component master `master` in the cycle last
    /// stepped (no ACK or ERR when another master had the bus).
    public func answer(master: Int) -> WishboneAnswer {
        components.pointee.answered == Int8(master) ? components.pointee.answer : WishboneAnswer()
    }

    /// The observation of the current cycle, without stepping (what the next
    /// `step` shows; nothing changes). A VCD ends with it, as the RTL's file
    /// ends with the values of the cycle its last edge entered.
    public func peekObservation() -> CycleObservation { core.peekObservation() }

    /// Skip whole periods of a provably idle machine in `run` when no
    /// observer, batch observer and trace are set (`CycleCore.runSkippingIdle`, bounded by
    /// the next cycle in which an interrupt line may change).
    public var idleSkipping = true
    /// Stepped cycles between two probes of idle skipping (`CycleCore.runSkippingIdle`):
    /// 16 384 unless set; shorter finds shorter waits, at the cost of more probes.
    public var probeInterval: UInt64 = CycleCore<SharedBus>.probeInterval {
        didSet { precondition(probeInterval > 0, "a probe interval of at least one cycle") }
    }
    /// What idle skipping did so far.
    public private(set) var skipStats = IdleSkipStats()
    /// Cycles advanced by idle skipping so far.
    public var skippedCycles: UInt64 { skipStats.skipped }

    /// Run `cycles` clock cycles (or until the halt when `untilHalt`),
    /// stepping at most `stepBudget` of them (skipped cycles do not count).
    /// Returns whether the machine halted.
    @discardableResult
    public func run(cycles: UInt64, untilHalt: Bool = true, stepBudget: UInt64 = .max) -> Bool {
        var c = core
        let end = c.cycle &+ cycles
        skipStats += c.run(to: end, untilEnd: untilHalt, observer: observer, trace: trace, batch: batch,
                           idleSkipping: idleSkipping, stepBudget: stepBudget, probeInterval: probeInterval)
        core = c
        return c.bus.halted
    }
}
