import Foundation
import Testing
import LM32
import LM32Cycle

/// Figures of the LM32 reference (§4.4, §4.8, §4.10) checked on the cycle
/// model without the RTL. Where the RTL disagrees with the reference, the
/// test states the RTL's figure (docs/lm32-timing.md lists them).
@Suite struct TimingTests {
    func deltas(_ r: [CycleRetirement], from: UInt32, count: Int) -> [UInt64] {
        guard let i = r.firstIndex(where: { $0.pc == from }) else { return [] }
        return (i + 1..<min(r.count, i + 1 + count)).map { r[$0].cycle - r[$0 - 1].cycle }
    }

    static let straight = """
    start:
        addi r1, r0, 1
        addi r2, r0, 2
        addi r3, r0, 3
        addi r4, r0, 4
        addi r5, r0, 5
        addi r6, r0, 6
    """ + "\n" + epilogue

    @Test func noCacheStraightLineIsTwoCyclesPerInstructionAtZeroWaitStates() throws {
        let img = try assemble(Self.straight)
        let r = run(img, config: .testbenchNoCache, waits: 0).retired
        #expect(deltas(r, from: 0, count: 5) == [2, 2, 2, 2, 2])
        let r1 = run(img, config: .testbenchNoCache, waits: 1).retired
        #expect(deltas(r1, from: 0, count: 5) == [3, 3, 3, 3, 3])
    }

    @Test func cacheWarmStraightLineIsOneCyclePerInstruction() throws {
        // Two passes over the same code; the second runs from a warm I-cache.
        let img = try assemble("""
            mvi r7, 2
        loop:
            addi r1, r0, 1
            addi r2, r0, 2
            addi r3, r0, 3
            addi r4, r0, 4
            addi r5, r0, 5
            addi r6, r0, 6
            addi r7, r7, -1
            bne r7, r0, loop
        """ + "\n" + epilogue)
        let r = run(img, config: .testbenchCache, waits: 0).retired
        let second = r.filter { $0.pc == 4 }.map(\.cycle)
        #expect(second.count == 2)
        let i = try #require(r.lastIndex { $0.pc == 4 })
        #expect((i + 1..<i + 7).map { r[$0].cycle - r[$0 - 1].cycle } == [1, 1, 1, 1, 1, 1])
    }
}

extension TimingKernel {
    /// The figure on the cycle model: the distance from the last retirement
    /// of `a` that is directly followed by `b` to that retirement of `b`.
    func measure(config: CoreConfig, waits: Int) throws -> Int? {
        let img = try assemble(source)
        let a = try #require(img.address(of: "a")), b = try #require(img.address(of: "b"))
        let r = run(img, config: config, waits: waits).retired
        var figure: Int?
        for i in 1..<r.count where r[i - 1].pc == a && r[i].pc == b { figure = Int(r[i].cycle - r[i - 1].cycle) }
        return figure
    }
}

@Suite struct ReferenceFigureTests {
    /// Warm caches, 0 wait states: the reference's figures, except where the
    /// RTL differs (docs/lm32-timing.md).
    @Test(arguments: TimingKernel.all.filter { $0.reference != nil }.map(\.name))
    func cacheProfileMatchesTheReference(name: String) throws {
        let k = try #require(TimingKernel.all.first { $0.name == name })
        let expected = Self.rtlFigures[name] ?? k.reference!
        #expect(try k.measure(config: .testbenchCache, waits: 0) == expected, "\(name)")
    }

    /// Figures where the RTL (verified in lock-step) differs from the reference.
    static let rtlFigures: [String: Int] = [:]

    /// Prints every figure for both profiles at 0..3 wait states
    /// (LM32CYCLE_PRINT_FIGURES=1), the table of docs/lm32-timing.md.
    @Test func printFigures() throws {
        guard ProcessInfo.processInfo.environment["LM32CYCLE_PRINT_FIGURES"] != nil else { return }
        var out = "| kernel | reference | cache w0 | cache w1 | cache w2 | cache w3 | nocache w0 | nocache w1 | nocache w2 | nocache w3 |\n|---|---|---|---|---|---|---|---|---|---|\n"
        for k in TimingKernel.all {
            var row = "| \(k.name) | \(k.reference.map(String.init) ?? "–") |"
            for c in [CoreConfig.testbenchCache, .testbenchNoCache] {
                for w in 0...3 { row += " \(try k.measure(config: c, waits: w).map(String.init) ?? "?") |" }
            }
            out += row + "\n"
        }
        print(out)
    }
}

@Suite struct ResetTimingTests {
    /// First retirement after reset release: the 256-cycle cache flushes, then
    /// the miss of the first fetch (figures equal to the RTL's: the kernels run
    /// in lock-step in ConformanceTests).
    @Test func firstRetirement() throws {
        let img = try assemble(TimingTests.straight)
        var cache: [UInt64] = [], nocache: [UInt64] = []
        for w in 0...3 {
            cache.append(run(img, config: .testbenchCache, waits: w).retired[0].cycle)
            nocache.append(run(img, config: .testbenchNoCache, waits: w).retired[0].cycle)
        }
        if ProcessInfo.processInfo.environment["LM32CYCLE_PRINT_FIGURES"] != nil { print("first retirement: cache \(cache), nocache \(nocache)") }
        #expect(cache == [269, 273, 277, 281])   // reference §4.8: 269 (N = 1), 273 (N = 2)
        #expect(nocache == [9, 13, 17, 21])
    }
}

@Suite struct ICacheMissTests {
    /// Reference §4.8: an I-cache miss on the instruction in F at c0 re-fetches
    /// it into F at c0 + B + 4, B = the cycles CYC is high for the 4-beat burst
    /// (4 with an ACK every cycle).
    @Test(arguments: [0, 1, 2, 3])
    func missPenaltyIsBurstPlusFour(waits: Int) throws {
        let img = try assemble(TimingTests.straight)   // 0x00..0x0c in line 0, 0x10.. in line 1
        let m = LM32CycleMachine(config: .testbenchCache, bench: BenchConfig(waitStates: waits))
        for s in img.segments { m.load(s.bytes, at: s.address) }
        var inF: [UInt64] = []
        var burst: [UInt64] = []
        m.observer = { o in
            if o.pcF == 0x10 && o.valid & 1 != 0 { inF.append(o.cycle) }
            if o.ibus.cyc && o.ibus.adr & ~0xF == 0x10 { burst.append(o.cycle) }
        }
        m.runUntilEnd(maxCycles: 10_000)
        let c0 = try #require(inF.first)
        let again = try #require(inF.first { $0 > c0 + 1 })
        let b = UInt64(burst.count)
        #expect(b == UInt64(4 * (1 + waits)))
        #expect(again - c0 == b + 4)
    }
}
