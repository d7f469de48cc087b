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
    }

    @Test func usageErrors() throws {
        #expect(try CLI.run(["conform"]).status == 2)
        #expect(try CLI.run(["conform", "--random", "1", "--profile", "nonsense"]).status == 2)
        #expect(try CLI.run(["conform", "--random", "1", "x.S"]).status == 2)
    }
}
