import Automaton
import Foundation
import SimKernel
import Testing

/// The automaton's properties (issue 13, docs/automaton.md "Why this shape"),
/// over seeded samples: every figure is reproducible.
@Suite struct PropertyTests {
    /// A random image of `words` words at `base`.
    static func image(_ g: inout SplitMix64, words: Int, at base: UInt32) -> ByteImage {
        ByteImage(words: (0..<words).map { _ in UInt32(truncatingIfNeeded: g.next()) }, at: base)
    }

    static func challenge(_ g: inout SplitMix64, base: UInt32, words: UInt32, steps: UInt32) throws -> Challenge {
        let env = try Environment((0..<Int(g.next() % 17)).map { _ in UInt32(truncatingIfNeeded: g.next()) })
        return try Challenge(nonce: g.next(), window: try Window(base: base, words: words), steps: steps,
                             table: try StateTable.random(seed: g.next(), states: Int(g.next() % 64) + 1), environment: env)
    }

    /// 10 000 single-bit flips inside the window (100 samples of 100 flips,
    /// windows of 64 words, 16·N steps so every word is read): none leaves
    /// the digest unchanged.
    @Test func everyBitFlipChangesTheDigest() throws {
        var g = SplitMix64(seed: 13_001)
        var unchanged = 0, flips = 0
        for _ in 0..<100 {
            let words: UInt32 = 64
            let base = UInt32(truncatingIfNeeded: g.next()) & ~3
            let c = try Self.challenge(&g, base: base, words: words, steps: words * 16)
            var image = Self.image(&g, words: Int(words), at: base).words
            let reference = c.run(on: ByteImage(words: image, at: base)).digest
            for _ in 0..<100 {
                let i = Int(g.next() % UInt64(words)), bit = UInt32(g.next() % 32)
                image[i] ^= 1 << bit
                if c.run(on: ByteImage(words: image, at: base)).digest == reference { unchanged += 1 }
                image[i] ^= 1 << bit
                flips += 1
            }
        }
        #expect(flips == 10_000)
        #expect(unchanged == 0)
    }

    /// The same image and challenge at another base address: another digest
    /// (1 000 samples, the second base a random word-aligned address).
    @Test func relocatedImageGivesAnotherDigest() throws {
        var g = SplitMix64(seed: 13_002)
        var same = 0
        for _ in 0..<1_000 {
            let words = UInt32(1) << (g.next() % 9)
            let base = UInt32(truncatingIfNeeded: g.next()) & ~3
            var other = UInt32(truncatingIfNeeded: g.next()) & ~3
            if other == base { other &+= 4 }
            let c = try Self.challenge(&g, base: base, words: words, steps: 4 * words)
            let image = Self.image(&g, words: Int(words), at: base)
            var moved = c
            moved.window = try Window(base: other, words: words)
            if c.run(on: image).digest == moved.run(on: ByteImage(words: image.words, at: other)).digest { same += 1 }
        }
        #expect(same == 0)
    }

    /// A memory view that counts the distinct words read.
    final class Visits: AutomatonMemory {
        let base: UInt32
        var seen: [Bool]
        var distinct = 0
        init(base: UInt32, words: Int) { self.base = base; seen = Array(repeating: false, count: words) }
        func word(at address: UInt32) -> UInt32? {
            let i = Int((address &- base) >> 2)
            if !seen[i] { seen[i] = true; distinct += 1 }
            return address &* 0x0100_0193
        }
    }

    /// After k·N steps the fraction of words read is within 5 % of
    /// 1 − e^(−k), k = 1, 2, 4, on windows of 4 KiB (three seeds) and 1 MiB (one).
    @Test(arguments: [1_024, 262_144])
    func coverageIsPseudoRandom(words: Int) throws {
        var g = SplitMix64(seed: 13_003)
        for _ in 0..<(words < 65_536 ? 3 : 1) {
            let c = try Self.challenge(&g, base: 0x4000_0000, words: UInt32(words), steps: UInt32(4 * words))
            let memory = Visits(base: c.window.base, words: words)
            var s = AutomatonState(nonce: c.nonce)
            var fractions: [Int: Double] = [:]
            for n in 1...(4 * words) {
                let p = s.address(in: c.window)
                s.step(word: memory.word(at: p)!, at: p, entry: c.table.entries[Int(s.state)], environment: c.environment)
                if n % words == 0 { fractions[n / words] = Double(memory.distinct) / Double(words) }
            }
            for k in [1, 2, 4] {
                let expected = 1 - exp(-Double(k))
                let f = try #require(fractions[k])
                #expect(abs(f - expected) / expected < 0.05, "N = \(words), k = \(k): \(f), expected \(expected)")
            }
        }
    }

    /// 10 000 pairs that differ in the nonce (one bit) or in the table
    /// (another random table, or one constant bit of state 0): no two of the
    /// 20 000 digests are equal.
    @Test func differentNonceOrTableGivesAnotherDigest() throws {
        var g = SplitMix64(seed: 13_004)
        var digests = Set<UInt64>()
        var runs = 0
        for pair in 0..<10_000 {
            let words: UInt32 = 64
            let base = UInt32(truncatingIfNeeded: g.next()) & ~3
            let c = try Self.challenge(&g, base: base, words: words, steps: 256)
            let image = Self.image(&g, words: Int(words), at: base)
            var d = c
            switch pair % 3 {
            case 0: d.nonce ^= 1 << (g.next() % 64)
            case 1: d.table = try StateTable.random(seed: g.next(), states: c.table.entries.count)
            default:
                var e = c.table.entries
                e[0].constant ^= 1 << UInt32(g.next() % 32)
                d.table = try StateTable(e)
            }
            digests.insert(c.run(on: image).digest)
            digests.insert(d.run(on: image).digest)
            runs += 2
        }
        #expect(digests.count == runs)
    }
}
