import LM32Asm
import PCIe
import SoC
import SoCCycle

/// The device as firmware on the cycle-exact SoC: the `attest` program on
/// `MilkymistCycleMachine` with the cycle-exact PCIe endpoint (CSR bank 3, IRQ 5, its DMA
/// a bus master), the automaton coprocessor clocked on the bus, and behind the
/// endpoint's 32-bit TLP stream the root complex (which enumerated it before cycle 0)
/// and the same attacked host as the functional device's (`HostSoftware`), its events on
/// `HostStream.software` (docs/attestation.md, "The model device").
///
/// The host's packets reach the device as stream beats on the PCIe user clock; the
/// device's MWr and MSI reach the root complex the same way. The records are the
/// firmware's log, as for the functional device. Idle skipping is on unless told: the
/// random wait and the doorbell wait are jumped over, each jump ended by the next
/// device event or the host's next event, so the records are those of stepping.
public final class ModelDevice: RoundPlayer {
    public let config: DriverConfig
    public let attacker: Attacker
    public let seed: UInt64
    public let machine: MilkymistCycleMachine
    private let program: LinkedImage
    private let software: HostSoftware
    /// The host on the endpoint's stream; its software's callbacks run inside the
    /// machine's cycles and never run the machine.
    private let stream: HostStream
    private var rounds: FirmwareRounds
    /// The deadline the firmware judges by (provisioned before its first instruction).
    private var deadline: UInt64?
    public var host: AttackedHost { software.host }

    /// Builds the machine (the host enumerates the endpoint), loads and provisions the
    /// firmware as the functional device does. `idleSkipping` false steps every cycle.
    public init(config: DriverConfig, attacker: Attacker, seed: UInt64, uartLines: Bool = false,
                idleSkipping: Bool = true) throws(ExperimentError) {
        try config.requireEndpointStream(of: "model device")
        let (soc, program) = try AttestFirmware.linked.get()
        self.config = config
        self.attacker = attacker
        self.seed = seed
        self.program = program
        machine = MilkymistCycleMachine(soc: soc, pcie: PCIeSetup())
        machine.idleSkipping = idleSkipping
        machine.probeInterval = Self.probeInterval
        guard let stream = machine.pcieHostStream(at: 0) else { throw .device("the cycle-exact machine has no PCIe endpoint") }
        self.stream = stream
        rounds = try FirmwareRounds(config: config, seed: seed, program: program)
        machine.load(ProgramImage(program))
        for load in try AttestFirmware.provisioning(config: config, seed: seed, program: program, soc: soc, uartLines: uartLines) {
            machine.load(load.bytes, at: load.address)
        }
        software = HostSoftware(host: AttestFirmware.host(config: config, attacker: attacker), seed: seed,
                                scheduler: stream.software) { [unowned stream] p in stream.send(p) }
        stream.onReceive = { [unowned self] _, rc, _ in self.software.follow(rc) }
    }

    /// Stepped cycles between probes for a wait: the random wait is 800 cycles or more
    /// and the doorbell wait a few thousand; a probe that finds no repeat costs only its
    /// comparisons (up to 512 cycles stepped with a few words compared each).
    static let probeInterval: UInt64 = 1_024

    /// A bound on one chunk's cycles, stepped or jumped (2^40 cycles: 3.8 hours of device time).
    static let cycleBound: UInt64 = 1 << 40

    public func play(rounds count: Int, scenario: String, deadlineCycles: UInt64,
                     each: (RoundRecord) -> Bool) throws(ExperimentError) {
        guard deadlineCycles <= UInt64(UInt32.max) else { throw .configuration("the deadline must fit in 32 bits of device cycles") }
        // The firmware reads its deadline through the data cache: it is provisioned
        // before the first instruction, like the rest of its configuration.
        if deadline == nil && machine.cycle == 0 {
            machine.load(AttestFirmware.bytes(UInt32(deadlineCycles)), at: try AttestFirmware.symbol(program, "cfg_deadline"))
            deadline = deadlineCycles
        }
        guard deadline == deadlineCycles else {
            throw .configuration("the model device judges by the deadline it started with (\(deadline ?? 0) cycles)")
        }
        try rounds.play(rounds: count, scenario: scenario, each: each, run: { () throws(ExperimentError) in
            // a chunk of stepped cycles: a jump over a wait is not cut at a chunk's end
            let stop = machine.run(maxCycles: machine.cycle + Self.cycleBound, chunk: FirmwareRounds.chunkCycles) { true }
            if let fault = software.fault { throw .device(fault) }
            if let fault = stream.softwareFault { throw .device("a host event failed: \(fault)") }
            if stop == .halted {
                let text = String(decoding: machine.uartOutput.suffix(200), as: UTF8.self)
                throw .device("the attest firmware halted at cycle \(machine.cycle): \(text)")
            }
        }, word: { machine.word(at: $0) ?? 0 })
    }

    /// The UART output so far (the per-round lines when `uartLines` was set).
    public var uartText: String { String(decoding: machine.uartOutput, as: UTF8.self) }
    /// Cycles jumped over by idle skipping so far.
    public var skippedCycles: UInt64 { machine.skippedCycles }
    public var cycleCounts: CycleCounts? { CycleCounts(run: machine.cycle, jumped: machine.skippedCycles) }
}
