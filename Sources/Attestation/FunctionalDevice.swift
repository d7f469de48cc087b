import Automaton
import LM32Asm
import PCIe
import SimKernel
import SoC

/// The device as firmware: the `attest` program (Sources/SoC/Firmware/attest.S) on the
/// functional milkymist SoC, whose LM32 draws each challenge, has the automaton
/// coprocessor compute the expected answer over the golden image in SDRAM, DMA-writes
/// the challenge into host memory through the PCIe endpoint, sends the MSI and judges
/// the doorbell; and behind the endpoint's link and root complex, on the same
/// scheduler, the attacked host (docs/attestation.md, "The functional device").
///
/// The verdicts, cycles and digests in the records are the firmware's, read from its
/// log ring; this class only provisions the device, plays the host and reads the log.
public final class FunctionalDevice: RoundPlayer {
    public let config: DriverConfig
    public let attacker: Attacker
    public let seed: UInt64
    public let machine: MilkymistMachine
    private let endpoint: PCIeEndpointDevice
    private let program: LinkedImage
    private let software: HostSoftware
    private var rounds: FirmwareRounds
    public var host: AttackedHost { software.host }

    /// Builds the machine, loads and provisions the firmware (its configuration, its
    /// generator's state from `seed`, the golden image), and puts the hypervisor's image
    /// into host memory with the attacker's changes. `uartLines`: the firmware prints a
    /// line per round (slow: the UART runs at 115 200 baud).
    public init(config: DriverConfig, attacker: Attacker, seed: UInt64, uartLines: Bool = false) throws(ExperimentError) {
        let (soc, program) = try AttestFirmware.linked.get()
        self.config = config
        self.attacker = attacker
        self.seed = seed
        self.program = program
        var setup = PCIeSetup()
        setup.link = config.pcieLink
        machine = MilkymistMachine(soc: soc, pcie: setup)
        guard let endpoint = machine.bus.devices.pcie else { throw .device("the functional machine has no PCIe endpoint") }
        self.endpoint = endpoint
        rounds = try FirmwareRounds(config: config, seed: seed, program: program)
        machine.load(ProgramImage(program))
        for load in try AttestFirmware.provisioning(config: config, seed: seed, program: program, soc: soc, uartLines: uartLines) {
            machine.load(load.bytes, at: load.address)
        }
        let system = endpoint.system
        software = HostSoftware(host: AttestFirmware.host(config: config, attacker: attacker), seed: seed,
                                scheduler: system.scheduler) { [unowned system] p in try system.hostSend(p) }
        system.onUpstreamArrival = { [unowned self] _, _ in self.software.follow(self.endpoint.system.host) }
    }

    private func peek(_ address: UInt32) -> UInt32 { machine.bus.bram.word(at: address) }

    // MARK: rounds

    /// Every cycle is run by executing the firmware's instructions: none is jumped.
    public var cycleCounts: CycleCounts? { CycleCounts(run: machine.cycle, jumped: 0) }

    public func play(rounds count: Int, scenario: String, deadlineCycles: UInt64,
                     each: (RoundRecord) -> Bool) throws(ExperimentError) {
        guard deadlineCycles <= UInt64(UInt32.max) else { throw .configuration("the deadline must fit in 32 bits of device cycles") }
        machine.load(AttestFirmware.bytes(UInt32(deadlineCycles)), at: try AttestFirmware.symbol(program, "cfg_deadline"))
        try rounds.play(rounds: count, scenario: scenario, each: each, run: { () throws(ExperimentError) in
            let stop = machine.run(maxCycles: machine.cycle + FirmwareRounds.chunkCycles)
            if let fault = software.fault { throw .device(fault) }
            if stop == .halted {
                let text = String(decoding: machine.uartOutput.suffix(200), as: UTF8.self)
                throw .device("the attest firmware halted at cycle \(machine.cycle): \(text)")
            }
        }, word: peek)
    }

    /// The endpoint's verdict counters as the firmware has counted (the warm-up round included).
    public var verdictCounters: [Verdict: UInt32] {
        let e = endpoint.system.endpoint
        return [.trusted: e.csrRead("VERDICT_TRUSTED"), .wrongAnswer: e.csrRead("VERDICT_WRONG"),
                .late: e.csrRead("VERDICT_LATE"), .noAnswer: e.csrRead("VERDICT_NO_ANSWER")]
    }

    /// The UART output so far (the per-round lines when `uartLines` was set).
    public var uartText: String { String(decoding: machine.uartOutput, as: UTF8.self) }
}

