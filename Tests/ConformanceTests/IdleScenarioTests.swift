import Conformance
import Testing

/// Fast-forward is exact: seeded random waiting firmware (bi ., a polled
/// memory flag cached or not, UART THRE, a timer counter; interrupts on or
/// off; timer, UART-byte and harness interrupts ending the wait; SDRAM
/// latencies and wait states) ends in the same whole machine state with
/// idle skipping as stepping every cycle: 300 per machine here, more with
/// `socsim fast-forward-check --random N` (BENCHMARKS.md).
@Suite struct IdleScenarioTests {
    @Test(arguments: [false, true])
    func randomWaitingScenarios(bench: Bool) throws {
        var skipped: UInt64 = 0
        for seed in UInt64(70_001)...70_300 {
            let s = IdleScenario.generate(seed: seed, bench: bench)
            let o = try s.check()
            #expect(o.same, "\(s)")
            skipped += o.skips.skipped
        }
        #expect(skipped > 6_000_000, "the scenarios wait: most of their cycles are skipped (\(skipped))")
    }
}
