import Conformance
import LM32Asm
import PCIe
import SimKernel
import SoC
import Verilated

/// The device as RTL: the `attest` firmware on the verilated milkymist SoC (profile
/// `milkymist`, the RTL endpoint in its top), stepped a cycle at a time by `RTLSoCHost`,
/// whose `HostStream` carries the same host software as the model device's
/// (docs/attestation.md, "The RTL device"). No cycle is skipped.
public final class RTLDevice: RoundPlayer {
    public let config: DriverConfig
    public let attacker: Attacker
    public let seed: UInt64
    public let rtl: RTLSoC
    private let host: RTLSoCHost
    private let program: LinkedImage
    private let software: HostSoftware
    private var rounds: FirmwareRounds
    private var deadline: UInt64?
    /// SoC cycles stepped so far (every cycle is).
    private var stepped: UInt64 = 0

    /// Loads and provisions the firmware as the other firmware devices do, resets the SoC
    /// and lets the host enumerate the endpoint before SoC cycle 0.
    public init(config: DriverConfig, attacker: Attacker, seed: UInt64, uartLines: Bool = false) throws(ExperimentError) {
        try config.requireEndpointStream(of: "RTL device")
        let (soc, program) = try AttestFirmware.linked.get()
        self.config = config
        self.attacker = attacker
        self.seed = seed
        self.program = program
        rounds = try FirmwareRounds(config: config, seed: seed, program: program)
        let loads = try AttestFirmware.provisioning(config: config, seed: seed, program: program, soc: soc, uartLines: uartLines)
        do {
            rtl = try RTLSoC(options: .init(soc: soc))
            for s in ProgramImage(program).segments { try rtl.load(s.bytes, at: s.address) }
            for l in loads { try rtl.load(l.bytes, at: l.address) }
            try rtl.reset()
            host = try RTLSoCHost(rtl: rtl, soc: soc)
            _ = try host.enumerateBeforeCycleZero()
        } catch {
            throw .device("the RTL SoC: \(error) (build it with RTL/build.sh milkymist)")
        }
        let stream = host.hostStream
        software = HostSoftware(host: AttestFirmware.host(config: config, attacker: attacker), seed: seed,
                                scheduler: stream.software) { [unowned stream] p in stream.send(p) }
        stream.onReceive = { [unowned self] _, rc, _ in self.software.follow(rc) }
    }

    public func play(rounds count: Int, scenario: String, deadlineCycles: UInt64,
                     each: (RoundRecord) -> Bool) throws(ExperimentError) {
        guard deadlineCycles <= UInt64(UInt32.max) else { throw .configuration("the deadline must fit in 32 bits of device cycles") }
        do {
            if deadline == nil, try rtl.observe().cycle == 0 {
                try rtl.load(AttestFirmware.bytes(UInt32(deadlineCycles)), at: try AttestFirmware.symbol(program, "cfg_deadline"))
                deadline = deadlineCycles
            }
        } catch let e as ExperimentError { throw e } catch { throw .device("the RTL SoC: \(error)") }
        guard deadline == deadlineCycles else {
            throw .configuration("the RTL device judges by the deadline it started with (\(deadline ?? 0) cycles)")
        }
        try rounds.play(rounds: count, scenario: scenario, each: each, run: { () throws(ExperimentError) in
            do {
                for _ in 0..<FirmwareRounds.chunkCycles { try host.step() }
                stepped += FirmwareRounds.chunkCycles
            } catch { throw .device("the RTL SoC: \(error)") }
            if let fault = software.fault { throw .device(fault) }
            if let fault = host.hostStream.softwareFault { throw .device("a host event failed: \(fault)") }
        }, word: { (try? rtl.readWord(at: $0)) ?? 0 })
    }

    public var cycleCounts: CycleCounts? { CycleCounts(run: stepped, jumped: 0) }
}
