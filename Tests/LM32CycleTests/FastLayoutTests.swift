import Testing
@testable import LM32Cycle

/// The sizes of the fast path's records and nodes that BENCHMARKS.md's
/// figures were measured with: the replay's speed depends on them by more
/// than the noise (docs/lm32-fastpath.md, "What the layout costs"), so a
/// change of field that moves them is caught here, not in a benchmark.
@Suite struct FastLayoutTests {
    @Test func recordSize() {
        #expect(MemoryLayout<FastSlot>.stride == 128)
    }

    @Test func nodeSize() {
        #expect(MemoryLayout<FastNode>.stride == 328)
    }
}
