import Testing
@testable import SimKernel

@Suite struct TimeTests {
    @Test func clockFromFrequency() throws {
        let sys = try #require(Clock(name: "sys", hertz: 80_000_000))
        #expect(sys.period == .ps(12_500))
        #expect(sys.instant(ofCycle: 8) == Instant(picoseconds: 100_000))
        #expect(sys.cycles(at: Instant(picoseconds: 100_001)) == 8)
        #expect(Clock(name: "odd", hertz: 3) == nil)
    }

    @Test func splitMixIsReproducible() {
        var a = SplitMix64(seed: 42), b = SplitMix64(seed: 42)
        let xs = (0..<8).map { _ in a.next() }
        let ys = (0..<8).map { _ in b.next() }
        #expect(xs == ys)
        // First output of SplitMix64 seeded with 0 (reference value of the algorithm).
        var z = SplitMix64(seed: 0)
        #expect(z.next() == 0xE220_A839_7B1D_CDAF)
    }
}
