import Automaton
import SimKernel

/// How a run of the challenge handler departs from the attested host. The
/// honest host uses the defaults; each attacker (Attacker.swift) sets some of
/// these, so every attack goes through the one handler below and shows up
/// only as different answer bytes or a different time.
public struct ExecutionConditions: Sendable {
    /// The core's actual frequency; nil: the attested one.
    public var frequencyHz: UInt64?
    /// Compute cycles (steps and environment tests) scaled by this, in
    /// thousandths (1 000: native; emulation: its slowdown).
    public var slowdownPermille: UInt64 = 1_000
    /// Added to interrupt entry (nesting: the exit to L0 and the injection into L1).
    public var extraInterruptCycles: UInt64 = 0
    /// Added to each environment test's native cost (nesting: every test
    /// traps and costs a VM exit; the timed loop still runs its loop).
    public var environmentTrapCycles: UInt64 = 0
    /// Added to every automaton step (memory copy: the redirection's compare and offset).
    public var extraStepCycles: UInt64 = 0
    /// Where the read of a window address is really served from (memory copy).
    public var readRedirect: (@Sendable (UInt64) -> UInt64)?
    /// False: the handler takes the interrupt, reads and decodes the mailbox
    /// and stops there, with no answer (a proxy forwarding the challenge, a
    /// replayer answering from a record).
    public var computes = true

    public init() {}
}

/// What the handler did: the answer it posts (nil when it posts none) and the
/// host cycles and time from the interrupt reaching the core to the doorbell write.
public struct HandlerOutcome: Sendable {
    public var challenge: ChallengeMessage?
    public var answer: AnswerMessage?
    /// Why the mailbox did not decode, when it did not.
    public var decodeError: WireError?
    public var cycles: UInt64
    public var duration: Duration
    /// The accesses of the automaton by the level that served them.
    public var accessesByLevel: [MemoryLevel: UInt64]
}

/// The security hypervisor's challenge handler on the modelled host CPU.
public struct SecurityHypervisor: Sendable {
    public var cpu: HostCPUConfig
    /// Host physical address of the mailbox the device writes challenges into.
    public var mailbox: UInt64

    public init(cpu: HostCPUConfig = HostCPUConfig(), mailbox: UInt64) {
        self.cpu = cpu
        self.mailbox = mailbox
    }

    /// Handles one challenge interrupt: reads the mailbox from `memory`, runs
    /// the environment tests, runs the reference automaton over the bytes of
    /// `memory` at the window's addresses, and answers.
    public func handle(memory: any HostMemory, conditions: ExecutionConditions = ExecutionConditions(),
                       rng: inout SplitMix64) -> HandlerOutcome {
        var core = cpu
        if let f = conditions.frequencyHz { core.frequencyHz = f }
        var cycles = core.interruptEntryCycles + conditions.extraInterruptCycles
        if core.interruptJitterCycles > 0 { cycles += rng.next() % core.interruptJitterCycles }
        let computeJitter = core.computeJitterPPM > 0 ? rng.next() % core.computeJitterPPM : 0
        cycles += core.handlerFixedCycles

        let message: ChallengeMessage
        do {
            guard let bytes = memory.read(at: mailbox, count: ChallengeMessage.size) else {
                return outcome(nil, nil, .size(expected: ChallengeMessage.size, found: 0), cycles, core, [:])
            }
            message = try ChallengeMessage(bytes: bytes)
        } catch {
            return outcome(nil, nil, error, cycles, core, [:])
        }

        guard conditions.computes else { return outcome(message, nil, nil, cycles, core, [:]) }
        var compute: UInt64 = 0
        var values: [UInt32] = []
        for selector in message.environmentTests {
            let (value, native) = core.environmentValue(selector)
            values.append(value)
            compute += native + conditions.environmentTrapCycles
        }
        let view = CostedMemory(memory: memory, cache: core.cache, redirect: conditions.readRedirect,
                                window: message.window)
        // The message decoded, so its environment has one value per selector and the challenge is valid.
        let result = (try? message.challenge(environment: Environment(values)))?.run(on: view)
            ?? AutomatonResult(digest: 0, finalState: 0, stepsDone: 0)
        compute += UInt64(result.stepsDone) * (core.stepALUCycles + conditions.extraStepCycles) + view.cycles
        compute = compute * conditions.slowdownPermille / 1_000
        compute += compute * computeJitter / 1_000_000
        cycles += compute
        return outcome(message, AnswerMessage(id: message.id, result: result), nil, cycles, core, view.byLevel)
    }

    private func outcome(_ c: ChallengeMessage?, _ a: AnswerMessage?, _ e: WireError?, _ cycles: UInt64,
                         _ core: HostCPUConfig, _ levels: [MemoryLevel: UInt64]) -> HandlerOutcome {
        HandlerOutcome(challenge: c, answer: a, decodeError: e, cycles: cycles,
                       duration: core.duration(cycles: cycles), accessesByLevel: levels)
    }
}

/// The automaton's view of host memory during one handler run: serves each
/// word from host memory (through a redirection, if any) and charges its
/// load latency by the cache rule of `CacheModel`.
final class CostedMemory: AutomatonMemory {
    let memory: any HostMemory
    let cache: CacheModel
    let redirect: (@Sendable (UInt64) -> UInt64)?
    let windowBytes: UInt64
    /// Lines touched this round: a bit per line of the region the window's reads land in, a set for any other.
    private var touchedBits: [UInt64]
    private let firstLine: UInt64
    private var touchedElsewhere = Set<UInt64>()
    private(set) var cycles: UInt64 = 0
    private var counts = [UInt64](repeating: 0, count: MemoryLevel.allCases.count)
    var byLevel: [MemoryLevel: UInt64] {
        Dictionary(uniqueKeysWithValues: MemoryLevel.allCases.compactMap { counts[$0.rawValue] > 0 ? ($0, counts[$0.rawValue]) : nil })
    }

    init(memory: any HostMemory, cache: CacheModel, redirect: (@Sendable (UInt64) -> UInt64)?, window: Window) {
        let windowBytes = UInt64(window.words) * 4
        firstLine = (redirect?(UInt64(window.base)) ?? UInt64(window.base)) / cache.lineBytes
        touchedBits = [UInt64](repeating: 0, count: Int(windowBytes / cache.lineBytes / 64) + 2)
        self.memory = memory
        self.cache = cache
        self.redirect = redirect
        self.windowBytes = windowBytes
    }

    func word(at address: UInt32) -> UInt32? {
        let served = redirect?(UInt64(address)) ?? UInt64(address)
        let line = served / cache.lineBytes
        var level = cache.residentLevel(line: line, windowBytes: windowBytes)
        if firstTouch(line) { level = max(level, cache.coldLevel) }
        cycles += cache.cycles(level)
        counts[level.rawValue] += 1
        return memory.word32(at: served)
    }

    private func firstTouch(_ line: UInt64) -> Bool {
        let i = line &- firstLine
        guard i < UInt64(touchedBits.count) * 64 else { return touchedElsewhere.insert(line).inserted }
        let bit: UInt64 = 1 << (i & 63), w = Int(i >> 6)
        defer { touchedBits[w] |= bit }
        return touchedBits[w] & bit == 0
    }
}
