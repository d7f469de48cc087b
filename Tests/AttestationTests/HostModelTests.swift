import Attestation
import Automaton
import SimKernel
import Testing

/// The host CPU model and the hypervisor's handler (docs/host-model.md).
@Suite struct HostModelTests {
    static let mailbox: UInt64 = 0x1_0000_0000, base: UInt32 = 0x0040_0000

    /// Host memory with a SplitMix64 image of `words` words at `base` and `message` in the mailbox.
    static func host(words: Int, message: ChallengeMessage) -> (SparseHostMemory, [UInt32]) {
        var g = SplitMix64(seed: 42)
        let image = (0..<words).map { _ in UInt32(truncatingIfNeeded: g.next()) }
        let m = SparseHostMemory()
        m.write(at: UInt64(base), image.flatMap { w in (0..<4).map { UInt8(truncatingIfNeeded: w >> (8 * $0)) } })
        m.write(at: mailbox, message.bytes)
        return (m, image)
    }

    static func message(words: UInt32, steps: UInt32, tests: [UInt32] = Array(0..<8)) throws -> ChallengeMessage {
        try ChallengeMessage(id: 7, nonce: 0x1234_5678_9ABC_DEF0, window: Window(base: base, words: words), steps: steps,
                             table: StateTable.random(seed: 3), environmentTests: tests)
    }

    @Test func answerIsTheReferenceOverTheImageInHostMemory() throws {
        let msg = try Self.message(words: 1_024, steps: 10_000)
        let (memory, image) = Self.host(words: 1_024, message: msg)
        let cpu = HostCPUConfig()
        let env = try Environment(msg.environmentTests.map { cpu.environmentValue($0).value })
        let expected = try msg.challenge(environment: env).run(on: ByteImage(words: image, at: Self.base))
        var rng = SplitMix64(seed: 1)
        let out = SecurityHypervisor(mailbox: Self.mailbox).handle(memory: memory, rng: &rng)
        #expect(out.answer == AnswerMessage(id: 7, result: expected))

        // One flipped bit in the image changes the digest.
        var w = memory.read(at: UInt64(Self.base) + 400, count: 1)!
        w[0] ^= 0x10
        memory.write(at: UInt64(Self.base) + 400, w)
        let tampered = SecurityHypervisor(mailbox: Self.mailbox).handle(memory: memory, rng: &rng)
        #expect(tampered.answer?.digest != expected.digest)
    }

    @Test func cyclesFollowTheCostModel() throws {
        // 4 KiB window: every line L1-resident; the 64 lines' first touches come from the LLC.
        var cpu = HostCPUConfig()
        cpu.interruptJitterCycles = 0
        cpu.computeJitterPPM = 0
        let msg = try Self.message(words: 1_024, steps: 20_000)
        let (memory, _) = Self.host(words: 1_024, message: msg)
        var rng = SplitMix64(seed: 9)
        let out = SecurityHypervisor(cpu: cpu, mailbox: Self.mailbox).handle(memory: memory, rng: &rng)
        let env: UInt64 = (0..<8).reduce(0) { $0 + cpu.environmentValue($1).cycles }
        let c = cpu.cache
        let firstTouches = out.accessesByLevel[.llc] ?? 0
        #expect(firstTouches == 64)
        #expect(out.accessesByLevel[.l1] == 20_000 - 64)
        let expected = cpu.interruptEntryCycles + cpu.handlerFixedCycles + env + 20_000 * cpu.stepALUCycles
            + 64 * c.llcCycles + (20_000 - 64) * c.l1Cycles
        #expect(out.cycles == expected)
        #expect(out.duration == HostCPUConfig.duration(cycles: expected, hz: 3_000_000_000))
    }

    @Test func durationRoundsUpToAPicosecond() {
        #expect(HostCPUConfig.duration(cycles: 3, hz: 3_000_000_000) == .ps(1_000))
        #expect(HostCPUConfig.duration(cycles: 1, hz: 3_000_000_000) == .ps(334))
        #expect(HostCPUConfig.duration(cycles: 30_000_000_000, hz: 3_000_000_000) == .ms(10_000))
    }

    @Test func cacheRuleGivesEachLevelItsShareOfTheWindow() {
        let c = CacheModel()
        // 4 MiB window: L1 holds 32 KiB / 4 MiB = 1/128 of the lines, L2 1/4, LLC the rest.
        let window: UInt64 = 4 << 20
        var n = [MemoryLevel: Int]()
        for line in 0..<window / 64 { n[c.residentLevel(line: 0x10000 + line, windowBytes: window), default: 0] += 1 }
        let lines = Double(window / 64)
        #expect(abs(Double(n[.l1] ?? 0) / lines - 1.0 / 128) < 0.002)
        #expect(abs(Double((n[.l1] ?? 0) + (n[.l2] ?? 0)) / lines - 0.25) < 0.01)
        #expect(n[.dram] == nil)
        #expect(c.residentLevel(line: 5, windowBytes: 4_096) == .l1)
        #expect(c.residentLevel(line: 5, windowBytes: 1 << 40) == c.residentLevel(line: 5, windowBytes: 1 << 40))
    }

    @Test func badMailboxGetsNoAnswer() {
        let memory = SparseHostMemory()
        var rng = SplitMix64(seed: 1)
        let out = SecurityHypervisor(mailbox: Self.mailbox).handle(memory: memory, rng: &rng)
        #expect(out.answer == nil)
        #expect(out.decodeError == .magic(expected: ChallengeMessage.magic, found: 0))
    }

    @Test func timedLoopSeesAFasterCore() {
        var cpu = HostCPUConfig()
        let native = cpu.environmentValue(HostCPUConfig.timedLoopSelector).value
        #expect(native == 64)
        cpu.frequencyHz = 3_300_000_000
        #expect(cpu.environmentValue(HostCPUConfig.timedLoopSelector).value == 58)
    }

    @Test func sparseMemoryCrossesPagesAndRejectsWrap() {
        let m = SparseHostMemory()
        #expect(m.write(at: 4_094, [1, 2, 3, 4]))
        #expect(m.read(at: 4_093, count: 6) == [0, 1, 2, 3, 4, 0])
        #expect(m.populatedPages == 2)
        #expect(m.read(at: UInt64.max, count: 2) == nil)
        #expect(!m.write(at: UInt64.max - 1, [1, 2, 3]))
        #expect(m.word32(at: 4_094) == 0x0403_0201)
    }
}

/// What the attackers do to host memory before any round.
@Suite struct AttackSetUpTests {
    static let image = ImageLayout(base: 0x40_0000, bytes: (0..<4_096).map { UInt8(truncatingIfNeeded: $0 &* 7) })

    func host(_ a: Attacker) -> AttackedHost {
        AttackedHost(memory: SparseHostMemory(), hypervisor: SecurityHypervisor(mailbox: 0x1_0000_0000), image: Self.image, attacker: a)
    }

    func changedBytes(_ h: AttackedHost, at base: UInt64) -> Int {
        zip(h.memory.read(at: base, count: Self.image.bytes.count)!, Self.image.bytes).filter { $0 != $1 }.count
    }

    @Test func tamperingChangesExactlyTheBytesAsked() {
        for n in [1, 16, 300, 4_096] { #expect(changedBytes(host(.tamperedImage(bytes: n, seed: 5)), at: Self.image.base) == n) }
        #expect(changedBytes(host(.none), at: Self.image.base) == 0)
    }

    @Test func hidingAttackersKeepACleanCopyAndAnImplant() {
        let h = host(.memoryCopy(stepCycles: 1, copyOffset: 0x10_0000))
        #expect(changedBytes(h, at: Self.image.base) == AttackedHost.implantBytes)
        #expect(changedBytes(h, at: Self.image.base + 0x10_0000) == 0)
    }

    @Test func dmaRedirectionLetsTheFirstChallengeThrough() {
        let h = host(.dmaRedirection(remapOffset: 0x1000, chosen: false))
        h.deviceWrite(at: 0x1_0000_0000, [1, 2, 3, 4])
        h.deviceWrite(at: 0x1_0000_0000, [5, 6, 7, 8])
        #expect(h.memory.read(at: 0x1_0000_0000, count: 4) == [1, 2, 3, 4])
        #expect(h.memory.read(at: 0x1_0000_1000, count: 4) == [5, 6, 7, 8])
    }
}
