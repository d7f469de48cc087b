import PCIe
import SimBus
import SimKernel

/// The PCIe endpoint on CSR bank 3 and IRQ 5 of the functional machine, with the
/// modelled root complex and host memory behind its link (docs/pcie-endpoint.md).
///
/// The host enumerates the device when the machine is built, before the firmware's
/// cycle 0; from then on SoC cycle n is `origin + n` system-clock periods on the PCIe
/// scheduler, which `advance(to:)` runs up to. The DMA engine reads and writes BRAM and
/// SDRAM directly, at the simulated instant of each transfer step (transaction level:
/// no Wishbone arbitration with the CPU).
/// The endpoint's and the modelled host's parameters for a machine (the endpoint's
/// system clock is the SoC's, whatever `endpoint` says).
public struct PCIeSetup: Sendable {
    public var endpoint = EndpointConfiguration()
    public var host = HostConfiguration()
    public var link = LinkConfiguration()
    /// The cycle-exact SoC only (the functional machine always enumerates, and has no
    /// reset edges): whether the host enumerates the device before SoC cycle 0 (false:
    /// the host stays idle, the device is as reset left it), and the system-clock edges
    /// the endpoint's reset holds from instant 0, so that its cycles and the user clock
    /// meet as on an RTL SoC whose reset held as many (docs/pcie-endpoint.md, "On the
    /// cycle-exact SoC").
    public var enumerate = true
    public var resetEdges = standardResetEdges

    /// The system edges the RTL SoC's reset holds in every harness: 2 when it is created
    /// (`RTLModel.Options.resetCycles`) and 2 more by the `RTLSoC.reset()` after its
    /// memories are loaded (a test checks `RTLSoC.resetEdges` against it). The cycle-exact
    /// SoC's endpoint takes it by default, so that a run of either SoC alone meets the
    /// user clock at the same phase.
    public static let standardResetEdges: UInt64 = 4

    public init() {}

    public init(enumerate: Bool, resetEdges: UInt64) {
        self.enumerate = enumerate
        self.resetEdges = resetEdges
    }

    /// The endpoint's system cycle that becomes SoC cycle 0 after the host's enumeration
    /// (the cycle-exact SoC and the RTL SoC alike): the first to start after the instant
    /// `t` (ps) of the user-clock edge at which the host took the enumeration's last
    /// answer, where the endpoint's cycle 0 starts at `cycleZeroStart` and a cycle lasts
    /// `period`; a cycle starting at `t` began before that edge (the system clock acts
    /// first at a shared instant).
    public static func origin(afterLastAnswerAt t: UInt64, cycleZeroStart: UInt64, period: UInt64) -> UInt64 {
        precondition(t >= cycleZeroStart && period > 0)
        return (t - cycleZeroStart) / period + 1
    }
}

public final class PCIeEndpointDevice {
    public let system: PCIeSystem
    public let line: Int
    public let device: EnumeratedDevice
    let period: SimKernel.Duration
    let origin: Instant

    init(line: Int, clockHertz: UInt64, memory: DeviceMemory, setup: PCIeSetup) {
        guard let clock = Clock(name: "sys", hertz: clockHertz) else {
            preconditionFailure("the system clock's period must be a whole number of picoseconds")
        }
        var ec = setup.endpoint
        ec.systemClock = clock
        system = PCIeSystem(endpoint: ec, host: setup.host, link: setup.link, memory: memory)
        do {
            device = try system.enumerate()
        } catch {
            preconditionFailure("the modelled host could not enumerate the endpoint: \(error)")
        }
        self.line = line
        period = clock.period
        origin = system.now
        target = origin
        nextDue = system.scheduler.nextEvent?.time
    }

    /// The instant of the start of SoC cycle `cycle`.
    public func instant(ofCycle cycle: UInt64) -> Instant { origin + period * cycle }

    /// Brings the link and the host to the start of `cycle`. The scheduler only runs when
    /// an event is due (the machine calls this every cycle); otherwise the instant is
    /// remembered and reached before the next CSR access.
    public func advance(to cycle: UInt64) {
        target = instant(ofCycle: cycle)
        if let due = nextDue, due <= target { catchUp() }
    }

    private var target = Instant.zero
    private var nextDue: Instant?

    private func catchUp() {
        if target > system.now {
            do {
                try system.scheduler.run(until: target)
            } catch {
                // The endpoint's and the host's events do not throw; one that does is a model defect.
                preconditionFailure("PCIe model: \(error)")
            }
        }
        nextDue = system.scheduler.nextEvent?.time
        interruptLines = system.endpoint.irq ? 1 << UInt32(line) : 0
    }

    func read(index: Int) -> UInt32 {
        catchUp()
        return system.endpoint.csrRead(offset: 4 * index)
    }

    func write(index: Int, value: UInt32) {
        catchUp()
        system.firmwareWrite(offset: 4 * index, value)
        nextDue = system.scheduler.nextEvent?.time
        interruptLines = system.endpoint.irq ? 1 << UInt32(line) : 0
    }

    /// Queues host packets at the start of the cycle the machine is at.
    public func hostSend(_ packets: [WirePacket]) throws {
        catchUp()
        for p in packets { try system.hostSend(p) }
        nextDue = system.scheduler.nextEvent?.time
    }

    /// IRQ 5 while an enabled cause is pending (the endpoint's state changes only at its
    /// events and CSR writes, after which this is updated).
    public private(set) var interruptLines: UInt32 = 0
}

/// BRAM and SDRAM as the DMA engine reaches them: bytes in the bus's big-endian order,
/// bit 31 ignored as the interconnect does; a range must lie within one region.
final class SoCDeviceMemory: DeviceMemory {
    let regions: [WordMemory]

    init(_ regions: [WordMemory]) { self.regions = regions }

    private func region(_ address: UInt32, count: Int) -> WordMemory? {
        let a = address & ~SoCDescription.uncachedAliasBit
        return regions.first { $0.contains(a) && UInt64(a - $0.base) + UInt64(count) <= UInt64($0.byteCount) }
    }

    func contains(_ address: UInt32, count: Int) -> Bool { region(address, count: count) != nil }

    func read(_ address: UInt32, count: Int) -> [UInt8] {
        guard let m = region(address, count: count) else { return [] }
        let a = address & ~SoCDescription.uncachedAliasBit
        return (0..<count).map { m.byte(at: a + UInt32($0)) }
    }

    func write(_ address: UInt32, _ bytes: [UInt8]) {
        region(address, count: bytes.count)?.load(bytes, at: address & ~SoCDescription.uncachedAliasBit)
    }
}
