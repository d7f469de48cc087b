import Foundation
import Testing

/// `socsim run --cycle` fast-forwards waiting firmware (issue 18): the
/// programs of bench/fastforward, whose stepped runs take 13–90 s in a
/// release build, finish at once with the stepped runs' counts
/// (BENCHMARKS.md, "Fast-forward of waiting firmware").
@Suite(.serialized) struct FastForwardCLITests {
    static let dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../bench/fastforward").standardized.path

    @Test func branchToSelfOnTheBench() throws {
        let r = try CLI.run(["run", Self.dir + "/idle.S", "--cycle", "--profile", "testbench-cache",
                             "--max-cycles", "1000000000", "--stats"])
        #expect(r.status == 3, "stderr: \(r.stderr)")
        // the stepped run retires as many (main's binary, 19.7 s)
        #expect(r.stderr.contains("1000000000 cycles, 499999867 instructions"), "stderr: \(r.stderr)")
        #expect(r.stderr.contains("cycles skipped as idle in 1 jumps"), "stderr: \(r.stderr)")
    }

    @Test func timerWaitOnTheSoC() throws {
        let r = try CLI.run(["run", "--soc", "milkymist", "--cycle", Self.dir + "/wait.S",
                             "--max-cycles", "2000000000", "--stats"])
        #expect(r.status == 0, "stderr: \(r.stderr)")
        // stepped: the same halt (main's binary, 89 s)
        #expect(r.stderr.contains("firmware halted after 799998674 cycles (cycle-exact)"), "stderr: \(r.stderr)")
        #expect(r.stderr.contains("cycles skipped as idle in 1 jumps"), "stderr: \(r.stderr)")
    }
}
