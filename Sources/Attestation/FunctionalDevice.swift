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
    public let host: AttackedHost
    public let machine: MilkymistMachine
    private let endpoint: PCIeEndpointDevice
    private let program: LinkedImage
    private let log: LogLayout
    private var hostRNG: SplitMix64
    /// The host CPU runs one handler at a time: an interrupt arriving earlier waits for this instant.
    private var cpuFreeAt = Instant.zero
    /// Root-complex records already passed to the host model.
    private var writesSeen = 0, interruptsSeen = 0
    /// Log entries read so far, and a host-side failure to report.
    private var consumed: UInt32 = 0
    private var fault: String?

    /// Machine cycles run between looks at the log (each round takes more: the random wait alone is 800 or more).
    static let chunkCycles: UInt64 = 4_096

    /// The `attest` firmware, linked once for the milkymist SoC.
    static let firmware: Result<(SoCDescription, LinkedImage), ExperimentError> = {
        do {
            let soc = try SoCDescription.milkymist()
            return .success((soc, try Toolchain.firmware(.attest, for: soc)))
        } catch {
            return .failure(.device("the attest firmware does not build: \(error)"))
        }
    }()

    /// Builds the machine, loads and provisions the firmware (its configuration, its
    /// generator's state from `seed`, the golden image), and puts the hypervisor's image
    /// into host memory with the attacker's changes. `uartLines`: the firmware prints a
    /// line per round (slow: the UART runs at 115 200 baud).
    public init(config: DriverConfig, attacker: Attacker, seed: UInt64, uartLines: Bool = false) throws(ExperimentError) {
        let (soc, program) = try Self.firmware.get()
        self.config = config
        self.attacker = attacker
        self.seed = seed
        self.program = program
        var setup = PCIeSetup()
        setup.link = config.pcieLink
        machine = MilkymistMachine(soc: soc, pcie: setup)
        guard let endpoint = machine.bus.devices.pcie else { throw .device("the functional machine has no PCIe endpoint") }
        self.endpoint = endpoint
        log = try LogLayout(program)
        machine.load(ProgramImage(program))

        let plan = config.plan
        let golden = program.word(at: try Self.symbol(program, "cfg_golden"))
        let imageBytes = UInt64(plan.windowWords) * 4
        guard let sdram = soc.region(.sdram), sdram.contains(golden),
              UInt64(golden - sdram.base) + imageBytes <= UInt64(sdram.size) else {
            throw .configuration("a golden image of \(imageBytes) bytes does not fit in SDRAM at 0x\(String(golden, radix: 16))")
        }
        let image = config.imageBytes
        guard config.timeoutCycles <= UInt64(UInt32.max), config.minWaitCycles <= UInt64(UInt32.max),
              config.maxWaitCycles <= UInt64(UInt32.max) else {
            throw .configuration("the timeout and the waits must fit in 32 bits of device cycles")
        }
        guard plan.environmentTests.count <= Environment.capacity, (1...StateTable.maxStates).contains(plan.states) else {
            throw .configuration("1 to \(StateTable.maxStates) states and at most \(Environment.capacity) environment tests")
        }
        machine.load(image, at: golden)
        host = AttackedHost(memory: SparseHostMemory(),
                            hypervisor: SecurityHypervisor(cpu: config.cpu, mailbox: config.mailbox),
                            image: ImageLayout(base: UInt64(plan.windowBase), bytes: image), attacker: attacker)
        hostRNG = SplitMix64(seed: seed ^ 0x4057_4057_4057_4057)
        var words: [(String, UInt32, Int)] = [
            ("cfg_rounds", 0), ("cfg_min_wait", UInt32(config.minWaitCycles)),
            ("cfg_wait_span", UInt32(config.maxWaitCycles > config.minWaitCycles ? config.maxWaitCycles - config.minWaitCycles : 1)),
            ("cfg_timeout", UInt32(config.timeoutCycles)), ("cfg_deadline", UInt32(config.timeoutCycles)),
            ("cfg_mailbox_lo", UInt32(truncatingIfNeeded: config.mailbox)), ("cfg_mailbox_hi", UInt32(config.mailbox >> 32)),
            ("cfg_window_base", plan.windowBase), ("cfg_window_words", plan.windowWords), ("cfg_steps", plan.steps),
            ("cfg_states", UInt32(plan.states)), ("cfg_env_count", UInt32(plan.environmentTests.count)),
            ("cfg_uart_lines", uartLines ? 1 : 0),
        ].map { ($0.0, $0.1, 0) }
        for (i, selector) in plan.environmentTests.enumerated() {
            words.append(("cfg_env_selectors", selector, 4 * i))
            words.append(("cfg_env_values", config.cpu.environmentValue(selector).value, 4 * i))
        }
        // The generator's state: four words from SplitMix64(seed), never all zero.
        var g = SplitMix64(seed: seed)
        var state = (0..<4).map { _ in UInt32(truncatingIfNeeded: g.next()) }
        if state.allSatisfy({ $0 == 0 }) { state[3] = 1 }
        for (i, w) in state.enumerated() { words.append(("rng_state", w, 4 * i)) }
        for entry in words { try poke(entry.0, entry.1, offset: entry.2) }

        endpoint.system.onUpstreamArrival = { [unowned self] _, _ in self.followRootComplex() }
    }

    private static func symbol(_ program: LinkedImage, _ name: String) throws(ExperimentError) -> UInt32 {
        guard let a = program.address(of: name) else { throw .device("the attest firmware lacks the symbol \(name)") }
        return a
    }

    /// Stores a word where the firmware's symbol `name` (+ `offset`) is, as the CPU would.
    private func poke(_ name: String, _ value: UInt32, offset: Int = 0) throws(ExperimentError) {
        let a = try Self.symbol(program, name) + UInt32(offset)
        machine.load([UInt8(value >> 24), UInt8(truncatingIfNeeded: value >> 16),
                      UInt8(truncatingIfNeeded: value >> 8), UInt8(truncatingIfNeeded: value)], at: a)
    }

    private func peek(_ address: UInt32) -> UInt32 { machine.bus.bram.word(at: address) }

    // MARK: the host behind the root complex

    /// Passes what the root complex just took from the device to the host model: the
    /// device's writes through the attacker's IOMMU mapping into the hypervisor's
    /// memory, and each MSI to the CPU at the instant the root complex delivers it.
    private func followRootComplex() {
        let rc = endpoint.system.host
        while writesSeen < rc.deviceWrites.count {
            let w = rc.deviceWrites[writesSeen]
            writesSeen += 1
            host.deviceWrite(at: w.address, endpoint.system.hostMemory(w.address, count: w.count))
        }
        while interruptsSeen < rc.interrupts.count {
            let at = rc.interrupts[interruptsSeen].time
            interruptsSeen += 1
            endpoint.system.scheduler.schedule(at: at, phase: .host, component: "host cpu", label: "challenge interrupt") {
                [unowned self] s in self.interrupt(at: s.now)
            }
        }
    }

    /// The challenge interrupt reaching the core: the handler runs (after any handler
    /// still running), and its answer and the doorbell leave as posted writes to BAR0
    /// when it ends.
    private func interrupt(at now: Instant) {
        let scheduler = endpoint.system.scheduler
        guard cpuFreeAt <= now else {
            scheduler.schedule(at: cpuFreeAt, phase: .host, component: "host cpu", label: "challenge interrupt") {
                [unowned self] s in self.interrupt(at: s.now)
            }
            return
        }
        guard let response = host.interrupt(rng: &hostRNG) else { return }
        cpuFreeAt = now + response.hostTime
        scheduler.schedule(at: cpuFreeAt, phase: .host, component: "host cpu", label: "answer and doorbell") {
            [unowned self] _ in self.postAnswer(response.answer)
        }
    }

    private func postAnswer(_ bytes: [UInt8]) {
        let words = stride(from: 0, to: bytes.count, by: 4).map { i in
            (0..<4).reduce(UInt32(0)) { $0 | UInt32(bytes[i + $1]) << (8 * UInt32($1)) }
        }
        do {
            try endpoint.system.mmioWrite(Self.answerOffset, words)
            try endpoint.system.mmioWrite("DOORBELL", words.count > 1 ? words[1] : 0)
        } catch {
            fault = "the host could not post its answer: \(error)"
        }
    }

    static let answerOffset = EndpointRegisters.bar0Map.register("ANSWER0")!.offset

    // MARK: rounds

    public func play(rounds: Int, scenario: String, deadlineCycles: UInt64,
                     each: (RoundRecord) -> Bool) throws(ExperimentError) {
        guard deadlineCycles <= UInt64(UInt32.max) else { throw .configuration("the deadline must fit in 32 bits of device cycles") }
        try poke("cfg_deadline", UInt32(deadlineCycles))
        var played = 0
        while played < rounds {
            let stop = machine.run(maxCycles: machine.cycle + Self.chunkCycles)
            if let fault { throw .device(fault) }
            if stop == .halted {
                let text = String(decoding: machine.uartOutput.suffix(200), as: UTF8.self)
                throw .device("the attest firmware halted at cycle \(machine.cycle): \(text)")
            }
            let count = peek(log.count)
            guard count &- consumed <= log.entries else { throw .device("the log ring overran") }
            while consumed != count && played < rounds {
                let entry = log.entry(consumed, peek)
                consumed &+= 1
                if entry.round == 0 { continue }    // the warm-up round, unrecorded
                played += 1
                guard Int(entry.verdict) < LogLayout.verdicts.count else {
                    throw .device("the attest firmware logged verdict code \(entry.verdict) in round \(entry.round)")
                }
                guard each(record(entry, scenario: scenario, round: played)) else { return }
            }
        }
    }

    private func record(_ e: LogLayout.Entry, scenario: String, round: Int) -> RoundRecord {
        let verdict = LogLayout.verdicts[Int(e.verdict)]
        // A doorbell latched before this round's MSI belongs to an earlier challenge (it
        // is judged wrong): the record keeps no arrival for it.
        let arrival = verdict == .noAnswer || e.arrival < e.send ? nil : Optional(e.arrival)
        let period = config.deviceClock.period.picoseconds
        var r = RoundRecord(scenario: scenario, seed: seed, round: round, challengeID: e.id, nonce: e.nonce,
                            steps: e.steps, sendCycle: e.send, arrivalCycle: arrival,
                            elapsedNs: arrival.map { ($0 - e.send) * period / 1_000 },
                            expectedDigest: e.expected,
                            receivedDigest: verdict == .noAnswer || e.answerMagic != AnswerMessage.magic ? nil : e.received,
                            deadlineCycles: UInt64(e.deadline), verdict: verdict)
        r.windowWords = config.plan.windowWords
        return r
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

/// Where the firmware keeps its log (the symbols of attest.S).
struct LogLayout {
    let count: UInt32, ring: UInt32, entries: UInt32, bytes: UInt32
    let field: [String: UInt32]

    /// Verdict codes: the order of the endpoint's counters from VERDICT_TRUSTED, which the firmware indexes by the code.
    static let verdicts: [Verdict] = {
        let map = EndpointRegisters.csrMap
        let names: [(String, Verdict)] = [("VERDICT_TRUSTED", .trusted), ("VERDICT_WRONG", .wrongAnswer),
                                          ("VERDICT_LATE", .late), ("VERDICT_NO_ANSWER", .noAnswer)]
        return names.sorted { map.register($0.0)!.offset < map.register($1.0)!.offset }.map(\.1)
    }()

    static let fieldNames = ["LOG_ROUND", "LOG_ID", "LOG_NONCE_LO", "LOG_NONCE_HI", "LOG_EXPECTED_LO", "LOG_EXPECTED_HI",
                             "LOG_ANSWER_MAGIC", "LOG_RECEIVED_LO", "LOG_RECEIVED_HI", "LOG_SEND_LO", "LOG_SEND_HI",
                             "LOG_ARRIVAL_LO", "LOG_ARRIVAL_HI", "LOG_VERDICT", "LOG_DEADLINE", "LOG_STEPS"]

    init(_ p: LinkedImage) throws(ExperimentError) {
        func a(_ n: String) throws(ExperimentError) -> UInt32 {
            guard let v = p.address(of: n) else { throw .device("the attest firmware lacks the symbol \(n)") }
            return v
        }
        count = try a("log_count"); ring = try a("log_ring"); entries = try a("LOG_ENTRIES"); bytes = try a("LOG_BYTES")
        var f: [String: UInt32] = [:]
        for n in Self.fieldNames { f[n] = try a(n) }
        field = f
    }

    struct Entry {
        var round: UInt32, id: UInt32, nonce: UInt64, expected: UInt64, answerMagic: UInt32, received: UInt64
        var send: UInt64, arrival: UInt64, verdict: UInt32, deadline: UInt32, steps: UInt32
    }

    func entry(_ n: UInt32, _ word: (UInt32) -> UInt32) -> Entry {
        let base = ring + (n % entries) * bytes
        func w(_ name: String) -> UInt32 { word(base + field[name]!) }
        func d(_ lo: String, _ hi: String) -> UInt64 { UInt64(w(hi)) << 32 | UInt64(w(lo)) }
        return Entry(round: w("LOG_ROUND"), id: w("LOG_ID"), nonce: d("LOG_NONCE_LO", "LOG_NONCE_HI"),
                     expected: d("LOG_EXPECTED_LO", "LOG_EXPECTED_HI"), answerMagic: w("LOG_ANSWER_MAGIC"),
                     received: d("LOG_RECEIVED_LO", "LOG_RECEIVED_HI"), send: d("LOG_SEND_LO", "LOG_SEND_HI"),
                     arrival: d("LOG_ARRIVAL_LO", "LOG_ARRIVAL_HI"), verdict: w("LOG_VERDICT"),
                     deadline: w("LOG_DEADLINE"), steps: w("LOG_STEPS"))
    }
}
