import LM32
import PCIe
import SimBus

/// The SDRAM model: plain RAM whose every single access takes a fixed number
/// of cycles (CYC held that long, ACK in the last cycle).
public final class SDRAM {
    public static let defaultLatency = 8
    public let memory: WordMemory
    public let latency: Int

    public init(base: UInt32, byteCount: Int, latency: Int) {
        precondition(latency >= 1, "an access takes at least one cycle")
        memory = WordMemory(base: base, byteCount: byteCount)
        self.latency = latency
    }
}

/// The SoC's interconnect as the functional core sees it: BRAM, SDRAM and the
/// CSR bridge decoded from the `SoCDescription` (bit 31 ignored), and a bus
/// error for any address no region decodes. CSR accesses first bring the
/// devices to the bus's current cycle (`cycle`), so a cycle-exact CPU model
/// can drive the same bus by setting `cycle` to the cycle of each access.
public final class MilkymistBus: LM32Bus {
    public let soc: SoCDescription
    public let bram: WordMemory
    public let sdram: SDRAM
    /// The CSR devices and their dispatch.
    public var devices: MilkymistCSRDevices
    public var uart: UART {
        get { devices.uart }
        set { devices.uart = newValue }
    }
    public var sysctl: Sysctl {
        get { devices.sysctl }
        set { devices.sysctl = newValue }
    }
    public var coprocessor: AutomatonCoprocessor {
        get { devices.coprocessor! }
        set { devices.coprocessor = newValue }
    }
    /// The cycle of the access being made.
    public var cycle: UInt64 = 0
    private let bramRegion: MapEntry, sdramRegion: MapEntry, csrRegion: MapEntry

    /// `pcie`: the endpoint and the modelled host behind it (nil: no endpoint, bank 3 reads 0).
    public init(soc: SoCDescription, pcie setup: PCIeSetup? = PCIeSetup()) {
        self.soc = soc
        guard let b = soc.region(.bram), let s = soc.region(.sdram), let c = soc.region(.csr) else {
            preconditionFailure("the SoC description lacks a region the machine needs")
        }
        bramRegion = b; sdramRegion = s; csrRegion = c
        bram = WordMemory(base: b.base, byteCount: Int(b.size))
        sdram = SDRAM(base: s.base, byteCount: Int(s.size), latency: s.timing.readCycles)
        var pcie: PCIeEndpointDevice?
        if let setup, let line = soc.interrupt(named: "pcie") {
            pcie = PCIeEndpointDevice(line: line.number, clockHertz: soc.clockHertz,
                                      memory: SoCDeviceMemory([bram, sdram.memory]), setup: setup)
        }
        devices = MilkymistCSRDevices(soc: soc, coprocessorMaster: MemoryMaster(bram: bram, bramRegion: b,
                                                                               sdram: sdram.memory, sdramRegion: s),
                                      pcie: pcie)
    }

    /// The coprocessor's master port: single reads of BRAM and SDRAM with
    /// their regions' latencies. Anything else gets ERR in the first cycle
    /// (the coprocessor's checks keep its reads inside BRAM and SDRAM).
    struct MemoryMaster: CoprocessorMaster {
        let bram: WordMemory, bramRegion: MapEntry, sdram: WordMemory, sdramRegion: MapEntry

        func memoryRegion(_ address: UInt32) -> MapEntry? {
            let a = address & ~SoCDescription.uncachedAliasBit
            return bramRegion.contains(a) ? bramRegion : sdramRegion.contains(a) ? sdramRegion : nil
        }

        func read(_ address: UInt32) -> (BusResult, cycles: Int) {
            let a = address & ~SoCDescription.uncachedAliasBit
            if bramRegion.contains(a) { return (.ok(bram.word(at: a)), bramRegion.timing.readCycles) }
            if sdramRegion.contains(a) { return (.ok(sdram.word(at: a)), sdramRegion.timing.readCycles) }
            return (.error, 1)
        }
    }

    /// Reset the devices (a sysctl system reset); memories keep their contents.
    public func resetDevices() { devices.reset(at: cycle) }

    /// Bring the devices to the start of `target` (their internal cycle
    /// numbers follow the bus's from construction on).
    public func advanceDevices(to target: UInt64) { devices.advance(to: target) }

    /// The offset of `a` in the CSR window, nil outside it.
    @inline(__always) private func csrOffset(_ a: UInt32) -> UInt32? {
        csrRegion.contains(a) ? a - csrRegion.base : nil
    }

    public func fetch(_ address: UInt32) -> BusResult { read(address, sel: 0b1111) }

    public func read(_ address: UInt32, sel: UInt8) -> BusResult {
        let a = address & ~SoCDescription.uncachedAliasBit
        if bramRegion.contains(a) { return .ok(bram.word(at: a)) }
        if sdramRegion.contains(a) { return .ok(sdram.memory.word(at: a)) }
        if let offset = csrOffset(a) {
            advanceDevices(to: cycle)
            return .ok(devices.read(offset: offset))    // a bank without a device reads 0, acknowledged
        }
        return .error
    }

    public func write(_ address: UInt32, data: UInt32, sel: UInt8) -> Bool {
        let a = address & ~SoCDescription.uncachedAliasBit
        if bramRegion.contains(a) { bram.write(at: a, data: data, sel: sel); return true }
        if sdramRegion.contains(a) { sdram.memory.write(at: a, data: data, sel: sel); return true }
        if let offset = csrOffset(a) {
            // Byte selects are ignored: the replicated store data is written as a word.
            advanceDevices(to: cycle)
            devices.write(offset: offset, data: data)
            return true
        }
        return false
    }

    /// A Wishbone single access whose CYC rises in cycle `start`, with the
    /// slave timing of its region (a transaction-level view of the cycle
    /// contract; the cycle-exact core runs on `SharedBus`, see
    /// `SoCCycle.MilkymistCycleMachine`): returns the
    /// result and the cycle of ACK (or ERR). A CSR read samples the device
    /// during `start + CSRBridge.readSampleCycle`; a CSR write lands at the
    /// end of `start + CSRBridge.writeCommitCycle`. An unmapped address gets
    /// ERR in the first cycle (docs/soc.md, cycle contract).
    /// Devices only move forward: accesses must come in cycle order.
    public func access(_ address: UInt32, write: Bool, data: UInt32 = 0, sel: UInt8 = 0b1111,
                       start: UInt64) -> (result: BusResult, ack: UInt64) {
        guard let region = soc.decode(address) else { return (.error, start) }
        let cycles = UInt64(write ? region.timing.writeCycles : region.timing.readCycles)
        let ack = start + cycles - 1
        if region.kind == .csr {
            cycle = start + UInt64(write ? CSRBridge.writeCommitCycle : CSRBridge.readSampleCycle)
        }
        if write { return (self.write(address, data: data, sel: sel) ? .ok(0) : .error, ack) }
        return (read(address, sel: sel), ack)
    }

    /// The interrupt lines to OR into IP for the cycle the devices are at:
    /// levels now, plus pulses seen since the last advance.
    public var interruptLines: UInt32 {
        // Through the stored devices: the accessors above would copy each device every cycle.
        devices.uart.interruptLines | devices.sysctl.interruptLines | devices.sysctl.linesSeen
            | (devices.coprocessor?.interruptLines ?? 0) | (devices.pcie?.interruptLines ?? 0)
    }
}

/// Why a run of the SoC stopped.
public enum MilkymistStop: Equatable, Sendable {
    /// The CPU branched to itself with interrupts disabled and the UART was idle.
    case halted
    case cycleLimit
    case interrupted
}

/// The functional LM32 core on the Milkymist-style SoC.
///
/// **Functional timing, not cycle-exact**: the devices advance by one cycle
/// of the 80 MHz clock per retired instruction (exception entries included),
/// and bus latencies (CSR bridge, SDRAM, caches) are not charged. Device
/// timing is exact relative to that cycle count (a timer period of N is N
/// retirements); `SoCCycle.MilkymistCycleMachine` runs the cycle-exact
/// core on the same device models with the real cycle of each access.
///
/// A run ends when the CPU executes a branch to itself (`bi .`, 0xE0000000)
/// with IE.IE = 0 and the UART transmitter is idle: the firmware's way to stop.
public final class MilkymistMachine {
    public let bus: MilkymistBus
    public let core: LM32Core
    public var soc: SoCDescription { bus.soc }
    /// Cycles simulated so far.
    public private(set) var cycle: UInt64 = 0
    /// Called with each byte as the UART starts sending it.
    public var onUARTByte: ((UART.Sent) -> Void)?
    private var reported = 0

    /// The SoC with its own CPU profile, or `config` instead; `pcie` as `MilkymistBus` takes it.
    public init(soc: SoCDescription, config: CoreConfig? = nil, pcie: PCIeSetup? = PCIeSetup()) {
        bus = MilkymistBus(soc: soc, pcie: pcie)
        core = LM32Core(config: config ?? soc.cpu, bus: bus)
    }

    public convenience init(sdramLatency: Int = SDRAM.defaultLatency, config: CoreConfig? = nil) throws(SoCDescriptionError) {
        self.init(soc: try .milkymist(sdramLatency: sdramLatency), config: config)
    }

    /// Place bytes in BRAM or SDRAM (bit 31 ignored).
    public func load(_ bytes: [UInt8], at address: UInt32) {
        let a = address & ~SoCDescription.uncachedAliasBit
        if bus.sdram.memory.contains(a) { bus.sdram.memory.load(bytes, at: a) } else { bus.bram.load(bytes, at: a) }
    }

    /// Load a program image and start at its entry point.
    public func load(_ image: ProgramImage) {
        for s in image.segments { load(s.bytes, at: s.address) }
        core.setPC(image.entry)
    }

    /// The UART output so far, as bytes.
    public var uartOutput: [UInt8] { bus.uart.sent.map(\.byte) }

    /// True when the instruction at PC is a branch to itself, interrupts are
    /// off, the UART is idle and the coprocessor is not busy.
    public var isHalted: Bool {
        guard core.ie & 1 == 0, case .ok(0xE000_0000) = bus.fetch(core.pc) else { return false }
        return bus.uart.transmitterIdle && !bus.coprocessor.busy
    }

    public func run(maxCycles: UInt64, shouldStop: (() -> Bool)? = nil) -> MilkymistStop {
        let core = self.core, bus = self.bus
        while cycle < maxCycles {
            if core.ie & 1 == 0, isHalted { return .halted }
            bus.cycle = cycle
            bus.advanceDevices(to: cycle)
            core.interruptLines = bus.interruptLines
            core.step()
            cycle &+= 1
            bus.cycle = cycle
            bus.advanceDevices(to: cycle)
            if bus.uart.sent.count > reported { reportUART() }
            if bus.sysctl.resetRequested {
                bus.sysctl.resetRequested = false
                bus.resetDevices()
                core.reset()
                reported = 0
            }
            if cycle & 4095 == 0, let shouldStop, shouldStop() { return .interrupted }
        }
        return .cycleLimit
    }

    private func reportUART() {
        let sent = bus.uart.sent
        while reported < sent.count {
            onUARTByte?(sent[reported])
            reported += 1
        }
    }
}
