import Automaton
import SimBus

/// What the coprocessor's Wishbone master reaches: the memory map of its
/// checks and, in lazy mode, single reads answered after the region's read
/// latency (docs/automaton.md, "Timing").
public protocol CoprocessorMaster {
    /// The memory region (BRAM or SDRAM) holding `address` (bit 31 ignored), or nil.
    func memoryRegion(_ address: UInt32) -> MapEntry?
    /// A single read: the bus word (device byte order) or ERR, and the cycles it takes (ACK in the last).
    func read(_ address: UInt32) -> (BusResult, cycles: Int)
}

/// The automaton coprocessor on CSR bank 2, IRQ 4 (docs/automaton.md, "The
/// device"): parameter registers, a check cycle, the table read word by
/// word, then one read per step, back to back; each read costs the read
/// latency of its region. Lazy mode (`advance(to:)`, `write`) applies the
/// reads whose ACK edges it passes, so the result registers are the live
/// accumulators at every cycle and each word is read in the cycle of its
/// ACK; clocked mode (`request`, `clock(answer:write:)`) lets a cycle-exact
/// bus answer the master's request, so reads may wait for a grant.
public struct AutomatonCoprocessor: CSRDevice {
    public static let registerMap: RegisterMap = try! RegisterMap("coprocessor", size: 0x100) {
        Register("CTRL", at: 0x00, "control") {
            Field("START", bit: 0, .readOnlyWriteAction, "write 1: start a run (ignored while BUSY)")
            Field("ABORT", bit: 1, .readOnlyWriteAction, "write 1: end the run after the current read (ABORTED)")
            Field("IRQ_EN", bit: 2, .readWrite, "IRQ 4 = STATUS.DONE & IRQ_EN")
        }
        Register("STATUS", at: 0x04, "status") {
            Field("BUSY", bit: 0, .readOnly, "a run is in progress")
            Field("DONE", bit: 1, .writeOneToClear, "the last run ended (result or error); write 1 to clear")
            Field("ERROR", bits: 8...15, .readOnly, "the last run's error code (0: none; docs/automaton.md)")
        }
        Register("NONCE_LO", at: 0x08, "nonce bits 31:0") { Field("VALUE", bits: 0...31, .readWrite) }
        Register("NONCE_HI", at: 0x0C, "nonce bits 63:32") { Field("VALUE", bits: 0...31, .readWrite) }
        Register("WINDOW_BASE", at: 0x10, "window address bound into the digest") {
            Field("ADDRESS", bits: 2...31, .readWrite)
        }
        Register("WINDOW_WORDS", at: 0x14, "window length in words, a power of two") {
            Field("VALUE", bits: 0...31, .readWrite)
        }
        Register("SOURCE", at: 0x18, "device address of the window's first word (BRAM or SDRAM)") {
            Field("ADDRESS", bits: 2...31, .readWrite)
        }
        Register("STEPS", at: 0x1C, "steps to run, at least 1") { Field("VALUE", bits: 0...31, .readWrite) }
        Register("TABLE_ADDR", at: 0x20, "device address of the state table") {
            Field("ADDRESS", bits: 2...31, .readWrite)
        }
        Register("STATES", at: 0x24, "states in the table, 1 to 64") { Field("COUNT", bits: 0...6, .readWrite) }
        Register("ENV_COUNT", at: 0x28, "environment words in use, 0 to 16") { Field("COUNT", bits: 0...4, .readWrite) }
        Register("DIGEST_LO", at: 0x30, "accumulator a (digest bits 31:0)") { Field("VALUE", bits: 0...31, .readOnly) }
        Register("DIGEST_HI", at: 0x34, "accumulator b (digest bits 63:32)") { Field("VALUE", bits: 0...31, .readOnly) }
        Register("FINAL_STATE", at: 0x38, "current state") { Field("STATE", bits: 0...5, .readOnly) }
        Register("STEPS_DONE", at: 0x3C, "steps done") { Field("VALUE", bits: 0...31, .readOnly) }
        Register("CYCLES", at: 0x40, "cycles BUSY so far (modulo 2^32)") { Field("VALUE", bits: 0...31, .readOnly) }
        for i in 0..<Environment.capacity {
            Register("ENV\(i)", at: 0x80 + 4 * i, "environment word \(i)") { Field("VALUE", bits: 0...31, .readWrite) }
        }
    }

    static let ctrl = index("CTRL"), status = index("STATUS"), digestLo = index("DIGEST_LO"), digestHi = index("DIGEST_HI")
    static let finalState = index("FINAL_STATE"), stepsDone = index("STEPS_DONE"), cyclesIndex = index("CYCLES")

    /// What a run is doing.
    enum Phase: Equatable {
        case idle
        /// The check cycle: the run's first cycle.
        case check
        /// Reading table word `word` (0 ..< 2·states).
        case table(word: Int)
        /// Reading the word of the next step.
        case step
    }

    public private(set) var cycle: UInt64
    public let line: Int
    public let master: CoprocessorMaster
    private var registers = RegisterFile(Self.registerMap)
    var phase = Phase.idle
    /// Lazy mode: the cycle of the next edge at which the device acts by itself.
    private var eventCycle: UInt64 = 0
    private var abortPending = false
    private var done = false, error: UInt8 = 0, cycles: UInt32 = 0
    /// The accumulators, state and steps done: the result registers.
    public private(set) var automaton = AutomatonState(nonce: 0)
    private var tableWords: [UInt32] = []
    private var entries: [StateEntry] = []
    private var window = try! Window(base: 0, words: 1)
    private var environment = try! Environment()
    private var steps: UInt32 = 0, source: UInt32 = 0

    /// A coprocessor out of reset at the start of `cycle`, raising `line`.
    /// `master` gives the memory map of its checks and, when it is advanced
    /// lazily (`advance(to:)`, `write`), its reads and their latencies.
    public init(line: Int = 4, master: CoprocessorMaster, cycle: UInt64 = 0) {
        self.line = line
        self.master = master
        self.cycle = cycle
    }

    public var busy: Bool { phase != .idle }
    public var irqEnabled: Bool { registers.value(of: "CTRL", "IRQ_EN") != 0 }
    public var interruptLines: UInt32 { done && irqEnabled ? 1 << UInt32(line) : 0 }
    /// The last run's error code (0: none).
    public var errorCode: UInt8 { error }

    /// The Wishbone master's request during the current cycle: CYC = STB
    /// high with this address (a single read, SEL 1111, CTI 000), or nil.
    public var request: UInt32? {
        switch phase {
        case .idle, .check: nil
        case .table(let k): tableAddress(k)
        case .step: sourceAddress(automaton.address(in: window))
        }
    }

    /// Lazy mode: the cycle of the next edge at which the device changes by itself (nil: idle).
    public var nextEvent: UInt64? { busy ? eventCycle : nil }

    /// Lazy mode: apply the edges ending cycles `cycle ..< target`, each read
    /// answered by `master` after its latency, with no wait for a grant.
    public mutating func advance(to target: UInt64) {
        guard target > cycle else { return }
        while busy, eventCycle < target {
            cycles &+= UInt32(truncatingIfNeeded: eventCycle + 1 - cycle)
            cycle = eventCycle + 1
            switch phase {
            case .idle: break
            case .check: ownUpdate(answer: nil)
            case .table, .step: ownUpdate(answer: master.read(request!).0)
            }
            if busy, let r = request { eventCycle = cycle + UInt64(master.read(r).cycles) - 1 }
        }
        if busy { cycles &+= UInt32(truncatingIfNeeded: target - cycle) }
        cycle = target
    }

    /// Cycle-exact mode: the edge ending the current cycle on a bus that
    /// answered `request` during it with `answer` (nil: neither ACK nor
    /// ERR, e.g. not granted yet), then the CSR write presented during the
    /// cycle, if any. `master` is not read.
    public mutating func clock(answer: BusResult?, write: (index: Int, value: UInt32)? = nil) {
        let wasBusy = busy
        if busy { cycles &+= 1 }
        cycle += 1
        switch phase {
        case .idle: break
        case .check: ownUpdate(answer: nil)
        case .table, .step: if let answer { ownUpdate(answer: answer) }
        }
        if let write { land(write.index, write.value, wasBusy: wasBusy) }
    }

    /// The device's own update at an edge where it acts: the end of the
    /// check cycle, or of the cycle a read was answered in (`answer`).
    private mutating func ownUpdate(answer: BusResult?) {
        if abortPending { return finish(.aborted) }
        switch phase {
        case .idle: break
        case .check:
            if let failure = checkParameters() { return finish(failure) }
            phase = .table(word: 0)
        case .table(let k):
            guard case .ok(let w) = answer else { return finish(.busError) }
            tableWords.append(w)
            if k % 2 == 1 {
                guard let entry = try? StateTable.entry(constant: tableWords[k - 1], descriptor: w, states: states) else {
                    return finish(.tableEntry)
                }
                entries.append(entry)
            }
            phase = k + 1 < 2 * states ? .table(word: k + 1) : .step
        case .step:
            guard case .ok(let bus) = answer else { return finish(.busError) }
            // The image's bytes in address order travel in lanes 31:24 … 7:0: the automaton's
            // little-endian word is the bus word byte-swapped.
            let bound = automaton.address(in: window)
            automaton.step(word: bus.byteSwapped, at: bound, entry: entries[Int(automaton.state)], environment: environment)
            if automaton.stepsDone == steps { finish(nil) }
        }
    }

    private var states: Int { Int(registers.value(of: "STATES", "COUNT")) }
    private func tableAddress(_ k: Int) -> UInt32 { UInt32(registers.value(of: "TABLE_ADDR")) &+ 4 * UInt32(k) }
    private func sourceAddress(_ bound: UInt32) -> UInt32 { source &+ (bound &- window.base) }

    private mutating func finish(_ failure: AutomatonError?) {
        phase = .idle
        abortPending = false
        done = true
        error = failure?.rawValue ?? 0
    }

    /// The checks of the check cycle, in the documented order.
    private mutating func checkParameters() -> AutomatonError? {
        func value(_ r: String) -> UInt32 { UInt32(registers.value(of: r)) }
        steps = value("STEPS")
        guard steps > 0 else { return .zeroSteps }
        guard let w = try? Window(base: value("WINDOW_BASE"), words: value("WINDOW_WORDS")) else { return .windowLength }
        window = w
        source = value("SOURCE")
        guard inOneRegion(source, bytes: UInt64(w.words) * 4) else { return .windowRange }
        let envCount = Int(value("ENV_COUNT"))
        guard envCount <= Environment.capacity else { return .environmentCount }
        environment = try! Environment((0..<envCount).map { value("ENV\($0)") })
        guard (1...StateTable.maxStates).contains(states) else { return .stateCount }
        guard inOneRegion(value("TABLE_ADDR"), bytes: UInt64(states) * 8) else { return .tableAddress }
        tableWords = []
        entries = []
        return nil
    }

    private func inOneRegion(_ address: UInt32, bytes: UInt64) -> Bool {
        let a = address & ~SoCDescription.uncachedAliasBit
        guard let r = master.memoryRegion(a) else { return false }
        return UInt64(a) + bytes - 1 <= UInt64(r.last)
    }

    public func read(index: Int) -> UInt32 {
        switch Self.alias(index) {
        case Self.status: return (busy ? 1 : 0) | (done ? 2 : 0) | UInt32(error) << 8
        case Self.digestLo: return automaton.a
        case Self.digestHi: return automaton.b
        case Self.finalState: return UInt32(automaton.state)
        case Self.stepsDone: return automaton.stepsDone
        case Self.cyclesIndex: return cycles
        case let i: return UInt32(truncatingIfNeeded: registers.read(at: i * 4, count: 4))
        }
    }

    /// Lazy mode: a write presented during the current cycle; it lands at
    /// the edge ending it, after (and overriding) the device's own update there.
    public mutating func write(index: Int, value: UInt32) {
        let wasBusy = busy
        advance(to: cycle + 1)
        land(index, value, wasBusy: wasBusy)
    }

    /// A CSR write landing at the edge just applied; `wasBusy`: BUSY during its cycle.
    private mutating func land(_ index: Int, _ value: UInt32, wasBusy: Bool) {
        let i = Self.alias(index)
        switch i {
        case Self.ctrl:
            registers.write(at: i * 4, count: 4, value: UInt64(value))
            if value & 2 != 0, busy { abortPending = true }
            if value & 1 != 0, !wasBusy { start() }
        case Self.status:
            if value & 2 != 0 { done = false }
        default:
            // Parameters are frozen while a run uses them.
            if !wasBusy { registers.write(at: i * 4, count: 4, value: UInt64(value)) }
        }
    }

    /// START landed at the edge ending `cycle - 1`: busy from `cycle`.
    private mutating func start() {
        automaton = AutomatonState(nonce: UInt64(registers.value(of: "NONCE_HI")) << 32 | registers.value(of: "NONCE_LO"))
        done = false
        error = 0
        cycles = 0
        abortPending = false
        eventCycle = cycle
        phase = .check
    }
}
