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
