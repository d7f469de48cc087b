import Automaton
import SimKernel

/// An attack on the host, with its parameters (docs/attackers.md). None of
/// them decides a verdict: each changes host memory, the IOMMU's mapping of
/// device writes, or the conditions the one handler runs under, and the
/// device judges the bytes and the time that come out.
public enum Attacker: Hashable, Sendable {
    /// The honest host.
    case none
    /// `bytes` bytes of the image changed in place (chosen by `seed`).
    case tamperedImage(bytes: Int, seed: UInt64)
    /// The image is changed in place and a clean copy kept `copyOffset` bytes
    /// higher; every window read is redirected to it at `stepCycles` extra per step.
    case memoryCopy(stepCycles: UInt64, copyOffset: UInt64)
    /// The hypervisor runs under an emulator: compute × `slowdownPermille`/1 000.
    case emulation(slowdownPermille: UInt64)
    /// The hypervisor runs as a guest of another one: the interrupt costs an
    /// exit and an injection, each environment test a trapped exit, each step
    /// `stepCycles` (EPT and TLB effects).
    case nested(exitCycles: UInt64, interruptCycles: UInt64, stepCycles: UInt64)
    /// The challenge is forwarded to a remote host with a clean image (core at
    /// `remoteHz`), the answer comes back after a network round trip.
    case proxy(roundTrip: Duration, remoteHz: UInt64)
    /// Answers with the digest of the last challenge it saw answered, under the current id.
    case replay
    /// After letting one challenge through, the IOMMU sends the device's
    /// challenge writes `remapOffset` bytes away; the hypervisor reads a stale mailbox, or (`chosen`) one the attacker
    /// rewrote to point the window at a clean copy `remapOffset` higher.
    case dmaRedirection(remapOffset: UInt64, chosen: Bool)
    /// A memory-copy attack on a core overclocked to `frequencyHz` so that its
    /// `stepCycles` of redirection cost less time.
    case fasterCPU(frequencyHz: UInt64, stepCycles: UInt64)
    /// The hypervisor is gone: no answer.
    case disabled

    /// Where the attackers that hide keep a clean copy of the image, above its base.
    public var cleanCopyOffset: UInt64? {
        switch self {
        case .memoryCopy(_, let o): o
        case .fasterCPU: Self.fasterCPUCopyOffset
        case .dmaRedirection(let o, true): o
        default: nil
        }
    }

    public static let fasterCPUCopyOffset: UInt64 = 0x0100_0000

    /// The name used in specifications and records.
    public var name: String {
        switch self {
        case .none: "honest"
        case .tamperedImage: "tampered"
        case .memoryCopy: "memory-copy"
        case .emulation: "emulation"
        case .nested: "nested"
        case .proxy: "proxy"
        case .replay: "replay"
        case .dmaRedirection: "dma-redirect"
        case .fasterCPU: "faster-cpu"
        case .disabled: "disabled"
        }
    }

    /// Every attacker at its defaults, the honest host first.
    public static let defaults: [Attacker] = [
        .none, .tamperedImage(bytes: 16, seed: 1), .memoryCopy(stepCycles: 2, copyOffset: 0x0100_0000),
        .emulation(slowdownPermille: 5_000), .nested(exitCycles: 12_000, interruptCycles: 12_000, stepCycles: 0),
        .proxy(roundTrip: .us(10), remoteHz: 3_000_000_000), .replay,
        .dmaRedirection(remapOffset: 0x0020_0000, chosen: false),
        .fasterCPU(frequencyHz: 3_300_000_000, stepCycles: 3), .disabled,
    ]

    /// The parameters as (key, value) in a fixed order.
    public var parameters: [(String, String)] {
        switch self {
        case .none, .replay, .disabled: []
        case .tamperedImage(let b, let s): [("bytes", "\(b)"), ("seed", "\(s)")]
        case .memoryCopy(let c, let o): [("step-cycles", "\(c)"), ("copy-offset", "\(o)")]
        case .emulation(let s): [("slowdown-permille", "\(s)")]
        case .nested(let e, let i, let s): [("exit-cycles", "\(e)"), ("interrupt-cycles", "\(i)"), ("step-cycles", "\(s)")]
        case .proxy(let r, let h): [("rtt-ps", "\(r.picoseconds)"), ("remote-hz", "\(h)")]
        case .dmaRedirection(let o, let c): [("remap-offset", "\(o)"), ("chosen", c ? "1" : "0")]
        case .fasterCPU(let f, let s): [("frequency-hz", "\(f)"), ("step-cycles", "\(s)")]
        }
    }

    /// `NAME[:key=value,...]`, e.g. `memory-copy:step-cycles=1`; unnamed keys keep their defaults.
    public var specification: String {
        parameters.isEmpty ? name : name + ":" + parameters.map { "\($0.0)=\($0.1)" }.joined(separator: ",")
    }

    public init(specification: String) throws(AttackerError) {
        let parts = specification.split(separator: ":", maxSplits: 1).map(String.init)
        guard let name = parts.first, let base = Self.defaults.first(where: { $0.name == name }) else {
            throw .unknownAttacker(specification)
        }
        var values = Dictionary(uniqueKeysWithValues: base.parameters)
        for pair in parts.count > 1 ? parts[1].split(separator: ",").map(String.init) : [] {
            let kv = pair.split(separator: "=", maxSplits: 1).map(String.init)
            guard kv.count == 2, values[kv[0]] != nil else { throw .unknownParameter(name, pair) }
            guard UInt64(kv[1]) != nil else { throw .badValue(name, kv[0], kv[1]) }
            values[kv[0]] = kv[1]
        }
        func v(_ k: String) -> UInt64 { UInt64(values[k]!)! }
        switch base {
        case .none: self = .none
        case .replay: self = .replay
        case .disabled: self = .disabled
        case .tamperedImage:
            guard v("bytes") > 0, v("bytes") <= 1 << 20 else { throw .badValue(name, "bytes", values["bytes"]!) }
            self = .tamperedImage(bytes: Int(v("bytes")), seed: v("seed"))
        case .memoryCopy: self = .memoryCopy(stepCycles: v("step-cycles"), copyOffset: v("copy-offset"))
        case .emulation: self = .emulation(slowdownPermille: v("slowdown-permille"))
        case .nested: self = .nested(exitCycles: v("exit-cycles"), interruptCycles: v("interrupt-cycles"), stepCycles: v("step-cycles"))
        case .proxy:
            guard v("remote-hz") > 0 else { throw .badValue(name, "remote-hz", "0") }
            self = .proxy(roundTrip: .ps(v("rtt-ps")), remoteHz: v("remote-hz"))
        case .dmaRedirection: self = .dmaRedirection(remapOffset: v("remap-offset"), chosen: v("chosen") != 0)
        case .fasterCPU:
            guard v("frequency-hz") > 0 else { throw .badValue(name, "frequency-hz", "0") }
            self = .fasterCPU(frequencyHz: v("frequency-hz"), stepCycles: v("step-cycles"))
        }
    }
}

public enum AttackerError: Error, Hashable, Sendable, CustomStringConvertible {
    case unknownAttacker(String)
    case unknownParameter(String, String)
    case badValue(String, String, String)

    public var description: String {
        switch self {
        case .unknownAttacker(let s):
            "unknown attacker '\(s)' (one of: \(Attacker.defaults.map(\.name).joined(separator: ", ")))"
        case .unknownParameter(let a, let p):
            "attacker \(a) has no parameter '\(p)' (its parameters: \(try! Attacker(specification: a).parameters.map(\.0).joined(separator: ", ")))"
        case .badValue(let a, let k, let v): "attacker \(a): \(k) = '\(v)' is not a valid value"
        }
    }
}

/// Where the hypervisor's image lies in host memory.
public struct ImageLayout: Hashable, Sendable {
    public var base: UInt64
    public var bytes: [UInt8]
    public init(base: UInt64, bytes: [UInt8]) { self.base = base; self.bytes = bytes }
    public var range: Range<UInt64> { base..<base + UInt64(bytes.count) }
}

/// What the host posts back for one challenge interrupt: the answer bytes and
/// the host time from the interrupt reaching the core to the doorbell write.
public struct HostResponse: Hashable, Sendable {
    public var answer: [UInt8]
    public var hostTime: Duration
}

/// The host the device talks to: its memory with the hypervisor's image and
/// mailbox, the hypervisor, and the attacker acting on them.
public final class AttackedHost {
    public let memory: any HostMemory
    public let hypervisor: SecurityHypervisor
    public let attacker: Attacker
    public let image: ImageLayout
    /// Device writes into the mailbox so far (the redirection lets the first through).
    private var mailboxWrites = 0
    /// The replay attacker's last posted answer.
    private var lastAnswer: AnswerMessage?
    /// The proxy's remote machine: a clean image and its own mailbox.
    private let remote: (memory: SparseHostMemory, hypervisor: SecurityHypervisor)?

    /// Places the image in `memory` and lets the attacker prepare.
    public init(memory: any HostMemory, hypervisor: SecurityHypervisor, image: ImageLayout, attacker: Attacker) {
        self.memory = memory
        self.hypervisor = hypervisor
        self.attacker = attacker
        self.image = image
        memory.write(at: image.base, image.bytes)
        switch attacker {
        case .tamperedImage(let n, let seed):
            Self.tamper(memory, image, bytes: n, seed: seed)
        case .memoryCopy, .fasterCPU, .dmaRedirection, .proxy:
            if let offset = attacker.cleanCopyOffset { memory.write(at: image.base + offset, image.bytes) }
            Self.tamper(memory, image, bytes: Self.implantBytes, seed: 0xBAD)
        default:
            break
        }
        if case .proxy(_, let hz) = attacker {
            let m = SparseHostMemory()
            m.write(at: image.base, image.bytes)
            var cpu = hypervisor.cpu
            cpu.frequencyHz = hz
            cpu.interruptEntryCycles = 0
            cpu.interruptJitterCycles = 0
            remote = (m, SecurityHypervisor(cpu: cpu, mailbox: hypervisor.mailbox))
        } else {
            remote = nil
        }
    }

    /// The size of the implant the hiding attackers put into the image in place.
    public static let implantBytes = 64

    /// Changes `bytes` bytes at distinct positions of the image in memory (each xored with a non-zero value).
    static func tamper(_ memory: any HostMemory, _ image: ImageLayout, bytes n: Int, seed: UInt64) {
        var g = SplitMix64(seed: seed)
        var positions = Set<UInt64>()
        while positions.count < min(n, image.bytes.count) {
            let at = image.base + g.next() % UInt64(image.bytes.count)
            guard positions.insert(at).inserted, let old = memory.read(at: at, count: 1) else { continue }
            memory.write(at: at, [old[0] ^ UInt8(1 + g.next() % 255)])
        }
    }

    /// A device write into host memory, through the IOMMU's mapping.
    public func deviceWrite(at address: UInt64, _ bytes: [UInt8]) {
        let mailbox = hypervisor.mailbox..<hypervisor.mailbox + UInt64(ChallengeMessage.size)
        let redirected = mailbox.contains(address) && mailboxWrites > 0
        if mailbox.contains(address) { mailboxWrites += 1 }
        guard case .dmaRedirection(let offset, let chosen) = attacker, redirected else {
            memory.write(at: address, bytes)
            return
        }
        memory.write(at: address + offset, bytes)
        // The chosen variant rewrites the mailbox: the real challenge with its window moved onto the clean copy.
        guard chosen, let real = memory.read(at: hypervisor.mailbox + offset, count: ChallengeMessage.size),
              var message = try? ChallengeMessage(bytes: real),
              let moved = try? Window(base: message.window.base &+ UInt32(truncatingIfNeeded: offset), words: message.window.words)
        else { return }
        message.window = moved
        memory.write(at: hypervisor.mailbox, message.bytes)
    }

    /// The challenge interrupt: what the host posts back, or nil for no answer.
    public func interrupt(rng: inout SplitMix64) -> HostResponse? {
        var conditions = ExecutionConditions()
        switch attacker {
        case .none, .tamperedImage, .dmaRedirection:
            break
        case .memoryCopy(let step, let offset):
            conditions.extraStepCycles = step
            conditions.readRedirect = Self.redirect(image.range, by: offset)
        case .fasterCPU(let hz, let step):
            conditions.frequencyHz = hz
            conditions.extraStepCycles = step
            conditions.readRedirect = Self.redirect(image.range, by: Attacker.fasterCPUCopyOffset)
        case .emulation(let permille):
            conditions.slowdownPermille = permille
        case .nested(let exit, let irq, let step):
            conditions.extraInterruptCycles = irq
            conditions.environmentTrapCycles = exit
            conditions.extraStepCycles = step
        case .disabled:
            return nil
        case .proxy(let rtt, _):
            // The local handler takes the interrupt and forwards the mailbox; the remote computes over its clean image.
            conditions.computes = false
            let local = hypervisor.handle(memory: memory, conditions: conditions, rng: &rng)
            guard local.challenge != nil, let (m, h) = remote,
                  let bytes = memory.read(at: hypervisor.mailbox, count: ChallengeMessage.size) else { return nil }
            m.write(at: h.mailbox, bytes)
            let far = h.handle(memory: m, rng: &rng)
            return far.answer.map { HostResponse(answer: $0.bytes, hostTime: local.duration + rtt + far.duration) }
        case .replay:
            guard let old = lastAnswer else {
                let out = hypervisor.handle(memory: memory, conditions: conditions, rng: &rng)
                lastAnswer = out.answer
                return out.answer.map { HostResponse(answer: $0.bytes, hostTime: out.duration) }
            }
            // Answers at once with the recorded digest under the current id.
            conditions.computes = false
            let local = hypervisor.handle(memory: memory, conditions: conditions, rng: &rng)
            guard let id = local.challenge?.id else { return nil }
            var answer = old
            answer.id = id
            return HostResponse(answer: answer.bytes, hostTime: local.duration)
        }
        let out = hypervisor.handle(memory: memory, conditions: conditions, rng: &rng)
        return out.answer.map { HostResponse(answer: $0.bytes, hostTime: out.duration) }
    }

    static func redirect(_ range: Range<UInt64>, by offset: UInt64) -> @Sendable (UInt64) -> UInt64 {
        { range.contains($0) ? $0 + offset : $0 }
    }
}
