import Foundation
import SoCSimTestSupport
import Testing

/// `socsim conform` end to end: the model and the RTL libraries built by
/// RTL/build.sh (the README's test command builds them).
@Suite(.serialized) struct ConformCLITests {
    @Test func unitTestProgramHasNoDivergence() throws {
        let dir = try Upstream.unitTestsDirectory()
        for profile in ["testbench-cache", "testbench-nocache"] {
            let r = try CLI.run(["conform", "-I", dir.path, dir.appendingPathComponent("crt.S").path,
                                 dir.appendingPathComponent("test_sw.S").path, "--profile", profile, "--wait-states", "2"])
            #expect(r.status == 0, "\(profile): \(r.stdout) \(r.stderr)")
            #expect(r.stdout.contains("no divergence"))
        }
    }

    @Test func bothVCDsOfARunAgree() throws {
        let dir = try Upstream.unitTestsDirectory()
        let out = try CLI.tempDir()
        let r = try CLI.run(["conform", "-I", dir.path, dir.appendingPathComponent("crt.S").path,
                             dir.appendingPathComponent("test_lw.S").path, "--vcd-dir", out.path])
        #expect(r.status == 0, "\(r.stdout) \(r.stderr)")
        let model = out.appendingPathComponent("program-model.vcd").path, rtl = out.appendingPathComponent("program-rtl.vcd").path
        let d = try CLI.run(["wave", "diff", model, rtl])
        #expect(d.status == 0, "\(d.stdout) \(d.stderr)")
        #expect(d.stdout.contains("no differences"))
    }

    @Test func randomProgramsHaveNoDivergence() throws {
        let r = try CLI.run(["conform", "--random", "20", "--seed", "77"])
        #expect(r.status == 0, "\(r.stdout) \(r.stderr)")
        #expect(r.stdout.contains("20 random programs (seeds 77…96) × 2 profile(s): 0 divergences"))
        #expect(r.stdout.contains("20 random SoC programs (seeds 77…96) on milkymist: 0 divergences"))
    }

    @Test func theLastSeedRuns() throws {
        // seeds S … S+N−1 end at 2^64−1 without wrapping (issue 17)
        let max = String(UInt64.max)
        let r = try CLI.run(["conform", "--random", "1", "--seed", max])
        #expect(r.status == 0, "\(r.stdout) \(r.stderr)")
        #expect(r.stdout.contains("1 random programs (seeds \(max)…\(max)) × 2 profile(s): 0 divergences"))
        #expect(r.stdout.contains("1 random SoC programs (seeds \(max)…\(max)) on milkymist: 0 divergences"))
    }

    @Test func firmwareOnTheSoCHasNoDivergence() throws {
        let r = try CLI.run(["conform", "--profile", "milkymist", "--firmware", "hello"])
        #expect(r.status == 0, "\(r.stdout) \(r.stderr)")
        #expect(r.stdout.contains("milkymist, SDRAM latency 8: no divergence"))
        #expect(r.stdout.contains("UART bytes with equal stamps"))
        let out = try CLI.tempDir()
        let src = out.appendingPathComponent("main.S")
        try """
                .include "soc.inc"
                .text
                .global main
        main:   mvhi    r1, 0x4000          # SDRAM, cached and uncached
                sw      (r1+16), r1
                lw      r2, (r1+16)
                mvhi    r3, 0xc000
                lw      r4, (r3+16)
                mvhi    r5, 0x2000          # unmapped: ERR, EID 4, the boot stub's handler
                sw      (r5+0), r2
                ret
        """.write(to: src, atomically: true, encoding: .utf8)
        let p = try CLI.run(["conform", "--profile", "milkymist", "--sdram-latency", "3", src.path, "--max-cycles", "200000"])
        #expect(p.status == 0, "\(p.stdout) \(p.stderr)")
        #expect(p.stdout.contains("milkymist, SDRAM latency 3: no divergence"))
    }

    @Test func usageErrors() throws {
        #expect(try CLI.run(["conform"]).status == 2)
        #expect(try CLI.run(["conform", "--random", "1", "--profile", "nonsense"]).status == 2)
        #expect(try CLI.run(["conform", "--random", "1", "x.S"]).status == 2)
        #expect(try CLI.run(["conform", "--profile", "milkymist", "--firmware", "nope"]).status == 2)
        #expect(try CLI.run(["conform", "--firmware", "hello"]).status == 2)
        #expect(try CLI.run(["conform", "--profile", "milkymist", "--random", "1", "--firmware", "hello"]).status == 2)
    }
}
