import Automaton
import LM32Asm
import PCIe
import SimKernel
import SoC

/// What the devices that run the `attest` firmware share (docs/attestation.md,
/// "Devices"): the linked firmware and its provisioning, the host software behind the
/// root complex (`HostSoftware`), and the reading of the firmware's log ring into
/// records (`FirmwareRounds`). A firmware device only runs its machine.
enum AttestFirmware {
    /// The `attest` firmware, linked once for the milkymist SoC.
    static let linked: Result<(SoCDescription, LinkedImage), ExperimentError> = {
        do {
            let soc = try SoCDescription.milkymist()
            return .success((soc, try Toolchain.firmware(.attest, for: soc)))
        } catch {
            return .failure(.device("the attest firmware does not build: \(error)"))
        }
    }()

    static func symbol(_ program: LinkedImage, _ name: String) throws(ExperimentError) -> UInt32 {
        guard let a = program.address(of: name) else { throw .device("the attest firmware lacks the symbol \(name)") }
        return a
    }

    /// A word as the CPU stores it (big-endian bytes).
    static func bytes(_ value: UInt32) -> [UInt8] {
        [UInt8(value >> 24), UInt8(truncatingIfNeeded: value >> 16), UInt8(truncatingIfNeeded: value >> 8),
         UInt8(truncatingIfNeeded: value)]
    }

    /// What to store before the first instruction, besides the program: the
    /// configuration words, the generator's state from `seed`, and the golden image.
    /// `uartLines`: the firmware prints a line per round (slow: 115 200 baud).
    static func provisioning(config: DriverConfig, seed: UInt64, program: LinkedImage, soc: SoCDescription,
                             uartLines: Bool) throws(ExperimentError) -> [(address: UInt32, bytes: [UInt8])] {
        let plan = config.plan
        let golden = program.word(at: try symbol(program, "cfg_golden"))
        let imageBytes = UInt64(plan.windowWords) * 4
        guard let sdram = soc.region(.sdram), sdram.contains(golden),
              UInt64(golden - sdram.base) + imageBytes <= UInt64(sdram.size) else {
            throw .configuration("a golden image of \(imageBytes) bytes does not fit in SDRAM at 0x\(String(golden, radix: 16))")
        }
        guard config.timeoutCycles <= UInt64(UInt32.max), config.minWaitCycles <= UInt64(UInt32.max),
              config.maxWaitCycles <= UInt64(UInt32.max) else {
            throw .configuration("the timeout and the waits must fit in 32 bits of device cycles")
        }
        guard plan.environmentTests.count <= Environment.capacity, (1...StateTable.maxStates).contains(plan.states) else {
            throw .configuration("1 to \(StateTable.maxStates) states and at most \(Environment.capacity) environment tests")
        }
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
        var out: [(address: UInt32, bytes: [UInt8])] = [(golden, config.imageBytes)]
        for (name, value, offset) in words { out.append((try symbol(program, name) + UInt32(offset), bytes(value))) }
        return out
    }

    /// The attacked host of `config` and `attacker`: the hypervisor's image in its memory
    /// with the attacker's changes.
    static func host(config: DriverConfig, attacker: Attacker) -> AttackedHost {
        AttackedHost(memory: SparseHostMemory(),
                     hypervisor: SecurityHypervisor(cpu: config.cpu, mailbox: config.mailbox),
                     image: ImageLayout(base: UInt64(config.plan.windowBase), bytes: config.imageBytes), attacker: attacker)
    }
}

/// The attacked host's software behind a root complex, whatever carries the link: it
/// follows the root complex's records (the device's writes, through the attacker's IOMMU
/// mapping, into the hypervisor's memory; each MSI to the CPU at the instant the root
/// complex delivers it), runs the challenge handler on the host CPU one interrupt at a
/// time, and posts the answer and the doorbell as MWr TLPs into BAR0 when it ends.
final class HostSoftware {
    let host: AttackedHost
    /// Where its events run (the timeline of the root complex's instants).
    private let scheduler: Scheduler
    /// Queues a packet from the host towards the device.
    private let send: (WirePacket) throws -> Void
    private var rng: SplitMix64
    /// The host CPU runs one handler at a time: an interrupt arriving earlier waits for this instant.
    private var cpuFreeAt = Instant.zero
    /// Root-complex records already followed, and the root complex's configuration (BAR0).
    private var writesSeen = 0, interruptsSeen = 0
    private var rootConfiguration: HostConfiguration?
    /// A failure to post an answer, for the device to report.
    private(set) var fault: String?

    init(host: AttackedHost, seed: UInt64, scheduler: Scheduler, send: @escaping (WirePacket) throws -> Void) {
        self.host = host
        self.scheduler = scheduler
        self.send = send
        rng = SplitMix64(seed: seed ^ 0x4057_4057_4057_4057)
    }

    /// Follows what the root complex `rc` has taken from the device since the last call.
    func follow(_ rc: RootComplex) {
        rootConfiguration = rc.configuration
        while writesSeen < rc.deviceWrites.count {
            let w = rc.deviceWrites[writesSeen]
            writesSeen += 1
            host.deviceWrite(at: w.address, rc.memory.read(w.address, count: w.count))
        }
        while interruptsSeen < rc.interrupts.count {
            let at = rc.interrupts[interruptsSeen].time
            interruptsSeen += 1
            scheduler.schedule(at: at, phase: .host, component: "host cpu", label: "challenge interrupt") {
                [unowned self] s in self.interrupt(at: s.now)
            }
        }
    }

    /// The challenge interrupt reaching the core: the handler runs (after any handler
    /// still running), and its answer and the doorbell leave when it ends.
    private func interrupt(at now: Instant) {
        guard cpuFreeAt <= now else {
            scheduler.schedule(at: cpuFreeAt, phase: .host, component: "host cpu", label: "challenge interrupt") {
                [unowned self] s in self.interrupt(at: s.now)
            }
            return
        }
        guard let response = host.interrupt(rng: &rng) else { return }
        cpuFreeAt = now + response.hostTime
        scheduler.schedule(at: cpuFreeAt, phase: .host, component: "host cpu", label: "answer and doorbell") {
            [unowned self] _ in self.postAnswer(response.answer)
        }
    }

    static let answerOffset = EndpointRegisters.bar0Map.register("ANSWER0")!.offset
    static let doorbellOffset = EndpointRegisters.bar0Map.register("DOORBELL")!.offset

    /// The answer's words at ANSWER0, then the doorbell (the answer's id), posted.
    private func postAnswer(_ bytes: [UInt8]) {
        guard let rc = rootConfiguration else { return }
        let words = stride(from: 0, to: bytes.count, by: 4).map { i in
            (0..<4).reduce(UInt32(0)) { $0 | UInt32(bytes[i + $1]) << (8 * UInt32($1)) }
        }
        let writer = RootComplex(rc)
        let bar0 = UInt64(rc.bar0Base)
        do {
            try send(writer.memoryWrite(address: bar0 + UInt64(Self.answerOffset), words: words))
            try send(writer.memoryWrite(address: bar0 + UInt64(Self.doorbellOffset), words: [words.count > 1 ? words[1] : 0]))
        } catch {
            fault = "the host could not post its answer: \(error)"
        }
    }
}

extension DriverConfig {
    /// The cycle-exact and the RTL SoC carry the endpoint's 32-bit TLP streams on the
    /// 62.5 MHz user clock, a Gen1 x1 link: a configuration asking for another link does
    /// not fit `device` (the functional device models any).
    func requireEndpointStream(of device: String) throws(ExperimentError) {
        guard pcieLink.generation == .gen1 && pcieLink.width == 1 else {
            throw .configuration("the \(device)'s endpoint has a Gen1 x1 stream (the 62.5 MHz user clock)")
        }
    }
}

/// The records of a firmware device, read from the `attest` firmware's log ring as its
/// entries appear: the verdicts, cycles and digests are the firmware's.
struct FirmwareRounds {
    let config: DriverConfig
    let seed: UInt64
    let log: LogLayout
    /// Log entries read so far.
    private var consumed: UInt32 = 0

    /// Device cycles run between looks at the log (each round takes more: the random wait alone is 800 or more).
    static let chunkCycles: UInt64 = 4_096

    init(config: DriverConfig, seed: UInt64, program: LinkedImage) throws(ExperimentError) {
        self.config = config
        self.seed = seed
        log = try LogLayout(program)
    }

    /// `RoundPlayer.play` over a machine: `run` runs about `chunkCycles` more cycles (it
    /// throws when the firmware halted or the host failed), `word` reads device memory.
    mutating func play(rounds: Int, scenario: String, each: (RoundRecord) -> Bool,
                       run: () throws(ExperimentError) -> Void, word: (UInt32) -> UInt32) throws(ExperimentError) {
        var played = 0
        while played < rounds {
            try run()
            let count = word(log.count)
            guard count &- consumed <= log.entries else { throw .device("the log ring overran") }
            while consumed != count && played < rounds {
                let entry = log.entry(consumed, word)
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
        func a(_ n: String) throws(ExperimentError) -> UInt32 { try AttestFirmware.symbol(p, n) }
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
