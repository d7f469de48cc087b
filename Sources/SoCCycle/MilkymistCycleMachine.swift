import LM32
import LM32Cycle
import PCIe
import SimBus
import SimKernel
import SoC

/// The coprocessor's view of the cycle-exact SoC's memories: the regions of
/// its checks and, should it be advanced lazily, reads of the machine's
/// words with the regions' latencies (clocked on the bus, it reads through
/// the bus instead).
struct CycleMemoryPort: CoprocessorMaster {
    final class Words { weak var machine: SharedBusMachine? }
    let bram: MapEntry, sdram: MapEntry
    let words = Words()

    func memoryRegion(_ address: UInt32) -> MapEntry? {
        let a = address & ~SoCDescription.uncachedAliasBit
        return bram.contains(a) ? bram : sdram.contains(a) ? sdram : nil
    }

    func read(_ address: UInt32) -> (BusResult, cycles: Int) {
        guard let r = memoryRegion(address), let w = words.machine?.word(at: address) else { return (.error, 1) }
        return (.ok(w), r.timing.readCycles)
    }
}

/// The milkymist SoC's CSR devices (UART, sysctl) behind the cycle-exact
/// core's shared bus, advanced lazily: only to the cycles of CSR beats and
/// to the cycles in which an interrupt line may change (docs/soc.md, "Cycle
/// contract"). Keeps the UART stream across system resets and drives the
/// GPIO input pins from a schedule. The automaton coprocessor, when the
/// description declares its bank, line and bus master, is clocked: it
/// presents its master's request before every cycle of a run, the bus
/// answers it (after arbitration), and the edge ending each cycle applies
/// that answer and the CSR write of the cycle (`AutomatonCoprocessor.clock`),
/// lazily, when a later cycle is asked for.
///
/// When the devices next need attention is kept as events of one
/// `Scheduler`, at instants of the system clock: each GPIO pin change the
/// harness drives (its action sets the pins), and each device's next
/// possible interrupt change further than the next cycle (its action brings
/// the device there). The bus asks for the lines only at `until`, the
/// earliest of those events (or the next cycle for a device that needs
/// every cycle, e.g. while the UART receives or the coprocessor runs); an
/// idle-skipping jump ends there.
public final class MilkymistCycleDevices: CycleDevices {
    public let soc: SoCDescription
    /// The CSR devices and their dispatch (shared with the functional machine).
    private var devices: MilkymistCSRDevices
    public var uart: UART { devices.uart }
    public var sysctl: Sysctl { devices.sysctl }
    /// The coprocessor as of the devices' cycle (nil when the SoC has none).
    public var coprocessor: AutomatonCoprocessor? { devices.coprocessor }
    public var coprocessorBank: Int? { devices.coprocessorBank }
    /// The coprocessor's master number on the bus.
    public let coprocessorMaster: Int?
    let memoryPort: CycleMemoryPort?
    /// The PCIe endpoint with the modelled host (`PCIeCycleEndpoint`), when the
    /// machine was given a set-up and the description declares its bank, line
    /// and master (else bank 3 reads 0, as without an endpoint).
    let pcie: PCIeCycleEndpoint?
    /// The device as the host enumerated it before SoC cycle 0.
    public let pcieDevice: EnumeratedDevice?

    /// The modelled host on the streams as of the start of SoC cycle `cycle`.
    public func pcieHostStream(at cycle: UInt64) -> HostStream? {
        guard let e = pcie else { return nil }
        bring(to: cycle)
        return e.hostStream
    }

    /// The endpoint's CSR dword `dword` (bank 3's view) as of the start of SoC cycle
    /// `cycle` (nil without an endpoint).
    public func pcieRegister(dword: Int, at cycle: UInt64) -> UInt32? {
        guard let e = pcie else { return nil }
        bring(to: cycle)
        return e.read(dword: dword, at: cycle)
    }

    /// The modelled host (its memory, the MSIs it received) as of SoC cycle `cycle`.
    public func pcieHost(at cycle: UInt64) -> RootComplex? {
        guard let e = pcie else { return nil }
        bring(to: cycle)
        return e.root
    }
    /// The bus's answer to the coprocessor in a cycle, applied at its edge.
    private var coprocessorAnswer: (cycle: UInt64, result: BusResult)?
    /// The last CSR read sampled (cycle, offset, value) and the last write's data.
    private var lastRead: (cycle: UInt64, offset: UInt32, value: UInt32) = (.max, 0, 0)
    private var lastWriteData: UInt32 = 0
    /// Every byte written to RXTX, stamped with the cycle of the write (its
    /// ACK cycle), across system resets.
    public private(set) var uartStream: [UART.Sent] = []
    /// Called with each byte as the UART starts sending it.
    public var onUARTByte: ((UART.Sent) -> Void)?
    /// Cycles in which a system reset was high.
    public private(set) var systemResets: [UInt64] = []
    /// The devices' and the pins' next events (see above).
    private let events = Scheduler()
    /// The last pin change driven (`drive` keeps them in cycle order).
    private var lastPinCycle: UInt64 = 0
    /// The posted wake-up of each device (UART, sysctl) and its cycle;
    /// cleared when it runs.
    private var wake: [(id: EventID, cycle: UInt64)?] = [nil, nil]
    /// The cycle of the scheduler's next event (.max: none), kept here so
    /// that asking costs no queue look-up.
    private var nextEventCycle: UInt64 = .max

    private func noteNextEvent() {
        nextEventCycle = events.nextEvent.map { soc.clock.cycles(at: $0.time) } ?? .max
    }

    public init(soc: SoCDescription, pcie setup: PCIeSetup? = nil) {
        self.soc = soc
        if let setup, let m = soc.master(named: SoCDescription.pcieMaster.name), let b = soc.bank(named: "pcie"),
           let l = soc.interrupt(named: "pcie") {
            let e = PCIeCycleEndpoint(soc: soc, setup: setup, master: m, bank: b.bank, line: l.number)
            do {
                pcieDevice = setup.enumerate ? try e.enumerate() : nil
            } catch {
                preconditionFailure("the modelled host could not enumerate the endpoint: \(error)")
            }
            pcie = e
        } else {
            pcie = nil
            pcieDevice = nil
        }
        if let m = soc.master(named: SoCDescription.coprocessorMaster.name), soc.bank(named: "coprocessor") != nil,
           soc.interrupt(named: "coprocessor") != nil, let b = soc.region(.bram), let s = soc.region(.sdram) {
            let port = CycleMemoryPort(bram: b, sdram: s)
            memoryPort = port
            coprocessorMaster = m
            devices = MilkymistCSRDevices(soc: soc, coprocessorMaster: port, clocked: true)
        } else {
            memoryPort = nil
            coprocessorMaster = nil
            devices = MilkymistCSRDevices(soc: soc)
        }
    }

    /// Drive the GPIO input pins with `pins` from cycle `cycle` on (not
    /// before a cycle the devices have already reached).
    public func drive(pins: UInt32, at cycle: UInt64) {
        precondition(cycle >= sysctl.cycle && cycle >= lastPinCycle, "pin changes in cycle order, not in the past")
        lastPinCycle = cycle
        events.schedule(at: soc.clock.instant(ofCycle: cycle), component: "gpio pins", label: "drive \(pins)") { [unowned self] _ in
            devices.sysctl.advance(to: cycle)
            devices.sysctl.gpioPins = pins
        }
        nextEventCycle = min(nextEventCycle, cycle)
    }

    /// Runs the events up to `c`, then brings every device to `c`.
    private func bring(to c: UInt64) {
        if c >= nextEventCycle {
            try! events.run(until: soc.clock.instant(ofCycle: c))    // the actions do not throw
            noteNextEvent()
        }
        devices.advance(to: c)
        if coprocessorMaster != nil && coprocessorCycle < c { clockCoprocessor(to: c) }
        pcie?.bring(to: c)
    }

    /// The coprocessor's cycle, its master's request, whether it runs and its interrupt
    /// lines, as last clocked: a mirror, since reading them through the devices moves the
    /// whole coprocessor. It changes only when clocked (CSR writes land at its edges) and
    /// by a reset.
    private var coprocessorCycle: UInt64 = 0
    private var coprocessorView: (request: UInt32?, busy: Bool, lines: UInt32) = (nil, false, 0)

    private func mirrorCoprocessor(_ cp: AutomatonCoprocessor) {
        coprocessorCycle = cp.cycle
        coprocessorView = (cp.request, cp.busy, cp.interruptLines)
    }

    /// `body` on the coprocessor in place (there must be one): moved out of the devices
    /// and back, never copied. A copy (its master an existential, its arrays) costs more
    /// than the rest of a cycle, and the bus reaches it every cycle while it runs.
    private func withCoprocessor<R>(_ body: (inout AutomatonCoprocessor) -> R) -> R {
        var cp = devices.coprocessor.take()!
        let r = body(&cp)
        devices.coprocessor = consume cp
        return r
    }

    /// Apply the coprocessor's edges up to the start of `c`: each with the
    /// bus's answer and the CSR write of its cycle; an idle coprocessor
    /// without a write only counts cycles.
    private func clockCoprocessor(to c: UInt64) {
        withCoprocessor { cp in
            while cp.cycle < c {
                let k = cp.cycle
                var write: (index: Int, value: UInt32)? = nil
                if let w = devices.coprocessorWrite, w.cycle == k { write = (w.index, w.value); devices.coprocessorWrite = nil }
                var answer: BusResult? = nil
                if let a = coprocessorAnswer, a.cycle == k { answer = a.result; coprocessorAnswer = nil }
                if !cp.busy && write == nil {
                    cp.advance(to: c)
                } else {
                    cp.clock(answer: answer, write: write)
                }
            }
            mirrorCoprocessor(cp)
        }
    }

    public func presentMasters(at cycle: UInt64, _ present: (Int, WishboneRequest) -> Void) -> Bool {
        guard coprocessorMaster != nil || pcie != nil else { return false }
        bring(to: cycle)
        var runs = false
        if let m = coprocessorMaster {
            if let adr = coprocessorView.request { present(m, WishboneRequest(cyc: true, adr: adr)) }
            runs = coprocessorView.busy
        }
        if let e = pcie {
            if let r = e.request(at: cycle) { present(e.master, r) }
            runs = runs || !e.quiet
        }
        return runs
    }

    public func answered(master: Int, _ answer: WishboneAnswer, at cycle: UInt64) {
        if let e = pcie, master == e.master {
            e.answered(answer, at: cycle)
        } else {
            coprocessorAnswer = (cycle, answer.err ? .error : .ok(answer.dat))
        }
    }

    /// Posts device `k`'s next interrupt change `next` (after `cycle`) as
    /// its wake-up, replacing the one posted before; returns `next` when it
    /// is the next cycle (not posted: the bus asks every cycle then).
    private func post(_ k: Int, _ next: UInt64?, after cycle: UInt64) -> UInt64? {
        if let next, next <= cycle + 1 { return next }
        if wake[k]?.cycle == next { return nil }
        if let w = wake[k] {
            events.cancel(w.id)
            wake[k] = nil
            if w.cycle == nextEventCycle { noteNextEvent() }
        }
        guard let next else { return nil }
        let id = events.schedule(at: soc.clock.instant(ofCycle: next), component: k == 0 ? "uart" : "sysctl",
                                 label: "interrupt lines may change") { [unowned self] _ in
            wake[k] = nil
            devices.advance(to: next)
        }
        wake[k] = (id, next)
        nextEventCycle = min(nextEventCycle, next)
        return nil
    }

    public func interrupts(at cycle: UInt64) -> (lines: UInt32, until: UInt64) {
        bring(to: cycle)
        var until = UInt64.max
        // the devices' stored models, not the `uart`/`sysctl` accessors (copies)
        if let u = post(0, devices.uart.nextInterruptChange, after: cycle) { until = u }
        if let s = post(1, devices.sysctl.nextInterruptChange, after: cycle) { until = min(until, s) }
        var lines = devices.uart.interruptLines | devices.sysctl.interruptLines
        if coprocessorMaster != nil {
            lines |= coprocessorView.lines
            // a run changes the coprocessor in any cycle; it is clocked through every one
            if coprocessorView.busy || devices.coprocessorWrite != nil { until = cycle + 1 }
        }
        if let e = pcie {
            lines |= e.interruptLines
            // in flight, the endpoint is clocked through every cycle; quiet, only a CSR write
            // (which wakes the bus in the next cycle) or the host's next event changes it
            if !e.quiet { until = cycle + 1 } else if let h = e.nextHostEvent { until = min(until, max(h, cycle + 1)) }
        }
        return (lines, min(until, nextEventCycle))
    }

    public func read(offset: UInt32, at cycle: UInt64) -> UInt32 {
        let v = register(offset: offset, at: cycle)
        lastRead = (cycle, offset, v)
        return v
    }

    /// The register at `offset` during `cycle`, not as a bus read (nothing
    /// shows in the observation).
    func register(offset: UInt32, at cycle: UInt64) -> UInt32 {
        bring(to: cycle)
        let (bank, index) = CSRBridge.decode(offset: offset)
        if let e = pcie, bank == e.bank { return e.read(dword: index, at: cycle) }
        return devices.read(offset: offset)
    }

    public func write(offset: UInt32, data: UInt32, sel: UInt8, at cycle: UInt64) -> Bool {
        bring(to: cycle)
        // what the write changes shows from the next cycle on (annotate)
        beforeWrite = (cycle, UInt8(truncatingIfNeeded: sysctl.gpioOutputs), uart.transmitterIdle)
        lastWriteData = data
        let (bank, index) = CSRBridge.decode(offset: offset)
        if let e = pcie, bank == e.bank {
            e.write(dword: index, value: data, at: cycle)
        } else if let s = devices.write(offset: offset, data: data) {
            uartStream.append(s)
            onUARTByte?(s)
        }
        if devices.sysctl.resetRequested {
            devices.sysctl.resetRequested = false
            systemResets.append(cycle + 1)
            return true
        }
        return false
    }

    public func reset(at cycle: UInt64) {
        bring(to: cycle)
        // the devices start over: their wake-ups are posted again when asked
        for k in wake.indices { if let w = wake[k] { events.cancel(w.id) }; wake[k] = nil }
        noteNextEvent()
        devices.reset(at: cycle)
        coprocessorAnswer = nil
        if coprocessorMaster != nil { withCoprocessor { mirrorCoprocessor($0) } }
    }

    /// The CSR banks whose registers change only at the devices' interrupt
    /// changes or by CSR writes: UART and sysctl (not its timer counters).
    /// The endpoint's bank is stable while it is quiet (`readStableUntil`);
    /// any other bank's reads are volatile for idle skipping.
    lazy var eventDrivenBanks: [Int] = ["uart", "sysctl"].compactMap { soc.bank(named: $0)?.bank }

    /// A read's value during `cycle` stays the same until the next interrupt
    /// change of a device or pin (THRE and TX_EVT, RX, the GPIO synchroniser,
    /// a timer reaching COMPARE, which also clears ENABLE), except a timer's
    /// COUNTER, which may change any cycle. Reads have no side effects.
    public func readStableUntil(offset: UInt32, at cycle: UInt64) -> UInt64? {
        let (bank, index) = CSRBridge.decode(offset: offset)
        // bank 3 has no free-running register: a quiet endpoint's CSRs change only by a
        // CSR write or the host's next event, which bound `until`
        if let e = pcie, bank == e.bank { return interrupts(at: cycle).until }
        guard eventDrivenBanks.contains(bank) else { return nil }
        if bank == soc.bank(named: "sysctl")?.bank && Sysctl.timerCounter.contains(Sysctl.alias(index)) { return nil }
        return interrupts(at: cycle).until
    }

    public func idle(at cycle: UInt64) -> Bool {
        bring(to: cycle)
        return uart.transmitterIdle && devices.coprocessor?.busy != true
    }

    /// GPIO_OUT and THRE just before the last CSR write, and its cycle.
    private var beforeWrite: (cycle: UInt64, gpioOut: UInt8, thre: Bool) = (.max, 0, true)

    /// The pins of socsim_soc_top during `cycle`: GPIO inputs and outputs,
    /// the UART's RXTX write strobe and STAT.THRE (a write presented in this
    /// cycle changes GPIO_OUT and THRE from the next one).
    public func annotate(_ o: inout CycleObservation, at cycle: UInt64, csrWrite: UInt32?) {
        bring(to: cycle)
        o.gpioIn = UInt8(truncatingIfNeeded: sysctl.gpioPins)
        if beforeWrite.cycle == cycle {
            o.gpioOut = beforeWrite.gpioOut
            o.uartThre = beforeWrite.thre
        } else {
            o.gpioOut = UInt8(truncatingIfNeeded: sysctl.gpioOutputs)
            o.uartThre = uart.transmitterIdle
        }
        if let offset = csrWrite { o.uartTxWr = devices.isUARTData(offset: offset) }
        if let e = pcie { e.annotate(&o, at: cycle) }
        guard let cp = devices.coprocessorBank, let c = devices.coprocessor else { return }
        o.copIrq = c.interruptLines != 0
        if let adr = c.request { o.copCyc = true; o.copAdr = adr }
        if let a = coprocessorAnswer, a.cycle == cycle {
            switch a.result {
            case .ok(let w): o.copAck = true; o.copDatR = w
            case .error: o.copErr = true
            }
        }
        if let offset = csrWrite, CSRBridge.decode(offset: offset).bank == cp {
            o.copCsrWe = true; o.copCsrAdr = UInt32(CSRBridge.decode(offset: offset).index); o.copCsrDatW = lastWriteData
        }
        if lastRead.cycle == cycle, CSRBridge.decode(offset: lastRead.offset).bank == cp {
            o.copCsrRe = true; o.copCsrAdr = UInt32(CSRBridge.decode(offset: lastRead.offset).index); o.copCsrDatR = lastRead.value
        }
    }
}

/// The cycle-exact LM32 (`LM32Cycle`) on the milkymist SoC, per the cycle
/// contract of docs/soc.md: one shared Wishbone bus (data port over
/// instruction port), BRAM 2 cycles a beat, SDRAM the configured latency,
/// the CSR bridge (read 4, write 2), ERR in the first cycle for an unmapped
/// address, UART and sysctl with their exact timing, interrupt lines 0–3,
/// system reset on a SYSTEM_ID write.
///
/// The CPU starts from reset at its reset vector (EBA reset, 0 for the
/// milkymist profile), as the RTL does; a program's entry point is not used.
/// A run ends, as on the functional `MilkymistMachine`, when a `bi .`
/// retires with IE.IE = 0 while the UART transmitter is idle.
public final class MilkymistCycleMachine {
    public let soc: SoCDescription
    public let devices: MilkymistCycleDevices
    let machine: SharedBusMachine

    /// The SoC with its own CPU profile, or `config` instead.
    /// `pcie`: the endpoint and the modelled host behind it (nil: no endpoint, bank 3
    /// reads 0 and its master never requests the bus).
    public init(soc: SoCDescription, config: CoreConfig? = nil, pcie: PCIeSetup? = nil) {
        self.soc = soc
        var memories: [SharedBusMemory] = []
        for r in soc.regions where r.kind != .csr {
            memories.append(SharedBusMemory(name: r.name, base: r.base, size: r.size,
                                            readCycles: r.timing.readCycles, writeCycles: r.timing.writeCycles))
        }
        guard let csr = soc.region(.csr) else { preconditionFailure("the SoC description has no CSR region") }
        // the CPU's ports by name; any other master is a component's
        let masters: [SharedBusMaster] = soc.masters.map { m in
            switch m.name {
            case SoCDescription.cpuMasters[0].name: .cpuData
            case SoCDescription.cpuMasters[1].name: .cpuInstruction
            default: .component(m.name, yielding: m.yielding)
            }
        }
        let map = SharedBusMap(memories: memories, csrBase: csr.base, csrSize: csr.size,
                               csrReadCycles: csr.timing.readCycles, csrWriteCycles: csr.timing.writeCycles,
                               masters: masters)
        devices = MilkymistCycleDevices(soc: soc, pcie: pcie)
        machine = SharedBusMachine(config: config ?? soc.cpu, map: map, devices: devices)
        devices.memoryPort?.words.machine = machine
    }

    public convenience init(sdramLatency: Int = SDRAM.defaultLatency, config: CoreConfig? = nil) throws(SoCDescriptionError) {
        self.init(soc: try .milkymist(sdramLatency: sdramLatency), config: config)
    }

    public var config: CoreConfig { machine.config }
    /// Called with the observation of every cycle when set.
    public var observer: ((CycleObservation) -> Void)? {
        get { machine.observer }
        set { machine.observer = newValue }
    }
    /// Receives every retirement with its architectural effects when set.
    public var trace: ((CycleRetirement) -> Void)? {
        get { machine.trace }
        set { machine.trace = newValue }
    }
    /// Observations in batches (`SharedBusMachine.batchObserver`).
    public var batchObserver: ((UnsafeBufferPointer<CycleObservation>) -> Void)? {
        get { machine.batchObserver }
        set { machine.batchObserver = newValue }
    }
    /// Called with each byte as the UART starts sending it (stamped with the
    /// cycle of its RXTX write).
    public var onUARTByte: ((UART.Sent) -> Void)? {
        get { devices.onUARTByte }
        set { devices.onUARTByte = newValue }
    }

    /// The current cycle (cycle 0 = the first with reset low; system resets
    /// do not restart it).
    public var cycle: UInt64 { machine.cycle }
    public var retiredCount: UInt64 { machine.retiredCount }
    public var regs: [UInt32] { machine.regs }
    public var halted: Bool { machine.halted }
    /// Where the firmware halted (the `bi .`'s address), once `halted`.
    public var haltPC: UInt32? { machine.haltPC }
    /// The UART stream: every byte with the cycle of its RXTX write.
    public var uartStream: [UART.Sent] { devices.uartStream }
    /// The UART output so far, as bytes.
    public var uartOutput: [UInt8] { devices.uartStream.map(\.byte) }
    /// GPIO_OUT as the devices last were (they advance lazily; the value
    /// changes only by CSR writes, so it is exact after any run).
    public var gpioOutputs: UInt32 { devices.sysctl.gpioOutputs }
    /// Drive the GPIO input pins with `pins` from `cycle` on.
    public func drive(gpioPins pins: UInt32, at cycle: UInt64) {
        devices.drive(pins: pins, at: cycle)
        machine.devicesChanged()
    }
    /// Evaluate cycles in which the whole pipeline is held with the cheap
    /// `stalledStep` (default); false evaluates every cycle in full. Both give
    /// the same state in every cycle (tests compare them).
    public var stallFastPath: Bool {
        get { machine.stallFastPath }
        set { machine.stallFastPath = newValue }
    }
    /// Step a cycle whose state is steady (`CycleCore.steady`: no exception
    /// can be raised in X, no CSR, debug or running-divider update) through
    /// a copy of the cycle's equations specialised for the profile, when
    /// no observer or trace is set (default); false: the generic step. Both
    /// give the same state in every cycle (tests compare them).
    public var specialisedStep: Bool {
        get { machine.specialisedStep }
        set { machine.specialisedStep = newValue }
    }
    /// The CPU's external break input in the current cycle.
    public var extBreak: Bool {
        get { machine.extBreak }
        set { machine.extBreak = newValue }
    }

    /// Bring the devices to every cycle instead of only to those in which an
    /// interrupt line may change (slower; the two must agree exactly).
    public var advancesDevicesEveryCycle: Bool {
        get { machine.advancesDevicesEveryCycle }
        set { machine.advancesDevicesEveryCycle = newValue }
    }

    /// Skip whole periods of a provably idle CPU between device events when
    /// no observer and no trace are set (exact; see `SharedBusMachine`).
    public var idleSkipping: Bool {
        get { machine.idleSkipping }
        set { machine.idleSkipping = newValue }
    }
    public var skippedCycles: UInt64 { machine.skippedCycles }
    /// Stepped cycles between two probes of idle skipping (`SharedBusMachine.probeInterval`).
    public var probeInterval: UInt64 {
        get { machine.probeInterval }
        set { machine.probeInterval = newValue }
    }
    /// Cycles skipped and jumps so far.
    public var skipStats: IdleSkipStats { machine.skipStats }

    /// The whole state equals `other`'s: CPU, caches, bus, memories, and
    /// the devices brought to this cycle (every CSR's value, the interrupt
    /// lines and their next change, THRE's next rise, the UART stream, the
    /// system resets, the GPIO outputs). Checks idle skipping against stepping.
    /// Every register of the CPU model equals `other`'s (not the memories,
    /// not the devices; a cheap per-cycle check, `sameState` for the rest).
    public func sameRegisters(as other: MilkymistCycleMachine) -> Bool { machine.sameRegisters(as: other.machine) }

    /// The next cycle is steady for the CPU model (`SharedBusMachine.steady`).
    public var steady: Bool { machine.steady }

    public func sameState(as other: MilkymistCycleMachine) -> Bool {
        guard cycle == other.cycle, soc == other.soc, machine.sameState(as: other.machine) else { return false }
        let a = devices, b = other.devices
        guard a.interrupts(at: cycle) == b.interrupts(at: cycle),
              a.uartStream == b.uartStream, a.systemResets == b.systemResets,
              a.uart.transmitDoneCycle == b.uart.transmitDoneCycle, a.uart.overruns == b.uart.overruns,
              a.sysctl.gpioOutputs == b.sysctl.gpioOutputs, a.sysctl.timers == b.sysctl.timers,
              a.coprocessor?.cycle == b.coprocessor?.cycle, a.coprocessor?.busy == b.coprocessor?.busy,
              (a.pcie == nil) == (b.pcie == nil) else { return false }
        if let x = a.pcie, let y = b.pcie, !x.sameState(as: y, at: cycle) { return false }
        if let cp = a.coprocessorBank {
            for index in 0..<(AutomatonCoprocessor.registerMap.size / 4) {
                let offset = UInt32(cp) << 12 | UInt32(index) << 2
                if a.register(offset: offset, at: cycle) != b.register(offset: offset, at: cycle) { return false }
            }
        }
        for bank in a.eventDrivenBanks {
            for index in 0..<32 {
                let offset = UInt32(bank) << 12 | UInt32(index) << 2       // CSRBridge.decode's inverse
                if a.register(offset: offset, at: cycle) != b.register(offset: offset, at: cycle) { return false }
            }
        }
        return true
    }

    /// The device as the host enumerated it before cycle 0 (nil without an endpoint).
    public var pcieDevice: EnumeratedDevice? { devices.pcieDevice }
    /// The modelled host behind the endpoint as of the current cycle: its memory, the MSIs
    /// it received.
    public var pcieHost: RootComplex? { devices.pcieHost(at: cycle) }
    /// The endpoint's system cycle at SoC cycle 0 (0 without enumeration or endpoint).
    public var pcieOrigin: UInt64 { devices.pcie?.origin ?? 0 }

    /// The modelled host on the endpoint's streams with the endpoint brought to the start
    /// of SoC cycle `cycle` (nil without an endpoint): what it received, and where host
    /// software queues its packets (`send`, `mmioWrite`), offered from that cycle on.
    public func pcieHostStream(at cycle: UInt64) -> HostStream? { devices.pcieHostStream(at: cycle) }

    /// The endpoint's register `name` of CSR bank 3 as of the start of the current cycle
    /// (nil without an endpoint or such a register).
    public func pcieRegister(_ name: String) -> UInt32? {
        guard let r = EndpointRegisters.csrMap.register(name) else { return nil }
        return devices.pcieRegister(dword: r.offset / 4, at: cycle)
    }

    /// Place bytes in BRAM or SDRAM (bit 31 ignored).
    public func load(_ bytes: [UInt8], at address: UInt32) {
        precondition(machine.load(bytes, at: address), "load outside BRAM and SDRAM")
    }

    /// Load a program image's segments (the CPU starts at its reset vector).
    public func load(_ image: ProgramImage) {
        for s in image.segments { load(s.bytes, at: s.address) }
    }

    /// The memory word holding `address` (bit 31 ignored), nil outside BRAM and SDRAM.
    public func word(at address: UInt32) -> UInt32? { machine.word(at: address) }

    /// One clock cycle.
    public func step() { machine.step() }

    /// A component master's outputs for the next `step` (`SharedBusMachine.present`).
    public func present(_ request: WishboneRequest, master: Int) { machine.present(request, master: master) }

    /// What the bus answered a component master in the cycle last stepped.
    public func answer(master: Int) -> WishboneAnswer { machine.answer(master: master) }

    /// The observation of the current cycle, without stepping (what the next
    /// `step` shows; nothing changes but the devices' lazy catching up).
    public func peekObservation() -> CycleObservation { machine.peekObservation() }

    /// Run until the firmware halts, `maxCycles` (an absolute cycle number,
    /// as `MilkymistMachine.run`) or `shouldStop` (asked between chunks of
    /// at most `chunk` stepped cycles; skipped ones do not count).
    public func run(maxCycles: UInt64, chunk: UInt64 = 1 << 16, shouldStop: (() -> Bool)? = nil) -> MilkymistStop {
        while !machine.halted && machine.cycle < maxCycles {
            // a stepped chunk bounds the latency of `shouldStop`; a jump over an idle span is instant
            machine.run(cycles: maxCycles - machine.cycle, stepBudget: chunk)
            if !machine.halted, let shouldStop, shouldStop() { return .interrupted }
        }
        return machine.halted ? .halted : .cycleLimit
    }
}
