import Foundation
import Testing

/// `socsim run --vcd` and `socsim wave` end to end.
@Suite(.serialized) struct WaveCLITests {
    static func vcd2fst() throws -> String {
        for d in ["/usr/bin", "/usr/local/bin", "/bin"] where FileManager.default.isExecutableFile(atPath: d + "/vcd2fst") {
            return d + "/vcd2fst"
        }
        Issue.record("vcd2fst (Debian package gtkwave) is not installed; run ./scripts/test.sh, which installs it")
        throw CancellationError()
    }

    static func status(_ exe: String, _ args: [String]) throws -> Int32 {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: exe)
        p.arguments = args
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        return p.terminationStatus
    }

    /// `socsim ARGS`, interrupted once the run is under way (the first
    /// 256 KiB of the VCD at `vcd` are out).
    static func interruptedRun(_ args: [String], vcd: String) throws -> CLI.Result {
        let p = Process()
        p.executableURL = CLI.executable
        p.arguments = args
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let deadline = Date().addingTimeInterval(60)
        func size() -> Int { (try? FileManager.default.attributesOfItem(atPath: vcd)[.size] as? NSNumber)?.intValue ?? 0 }
        while size() == 0 && p.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
        p.interrupt()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return CLI.Result(status: p.terminationStatus, stdout: String(decoding: o, as: UTF8.self), stderr: String(decoding: e, as: UTF8.self))
    }

    /// A run that would take minutes, stopped by SIGINT: exit 130, the
    /// results so far printed, and a VCD that the reader and vcd2fst accept.
    @Test func sigintLeavesAValidVCD() throws {
        let d = try CLI.tempDir()
        let src = try CLI.write("""
            .text
            .global _start
        _start:
            mvi r1, 0x41
            mvhi r2, 0xff00
            sw (r2+0), r1
        1:  addi r3, r3, 1
            sw (r0+0x4000), r3
            bi 1b
        """, to: d, name: "spin.S")
        let vcd = d.appendingPathComponent("spin.vcd").path
        // The bound keeps a lost signal from leaving a runaway process
        // writing a huge file: at most 4 M cycles of two signals (about 40
        // bytes a cycle).
        let r = try Self.interruptedRun(["run", src, "--vcd", vcd, "--vcd-scope", "TOP.socsim_tb_top.cc,TOP.socsim_tb_top.pc_w",
                                         "--max-cycles", "4000000"], vcd: vcd)
        #expect(r.status == 130, "stderr: \(r.stderr)")
        #expect(r.stderr.contains("interrupted after"))
        #expect(r.stdout == "A")
        let list = try CLI.run(["wave", "list", vcd])
        #expect(list.status == 0, "\(list.stderr)")
        #expect(list.stdout.contains("TOP.socsim_tb_top.pc_w 32"))
        #expect(try Self.status(try Self.vcd2fst(), [vcd, vcd + ".fst"]) == 0)
        let written = (try FileManager.default.attributesOfItem(atPath: vcd)[.size] as? NSNumber)?.intValue ?? 0
        #expect(written > 100_000)
    }

    /// The same on the milkymist SoC (`run --soc milkymist --vcd`): the
    /// firmware's UART text so far, exit 130, a VCD the reader and vcd2fst accept.
    @Test func sigintLeavesAValidSoCVCD() throws {
        let d = try CLI.tempDir()
        let vcd = d.appendingPathComponent("soc.vcd").path
        let r = try Self.interruptedRun(["run", "--soc", "milkymist", "--firmware", "timer", "--vcd", vcd, "--vcd-scope",
                                         "TOP.socsim_soc_top.pc_w,TOP.socsim_soc_top.irq,TOP.socsim_soc_top.uart_thre",
                                         "--max-cycles", "400000000"], vcd: vcd)
        #expect(r.status == 130, "stderr: \(r.stderr)")
        #expect(r.stderr.contains("interrupted after"))
        #expect("timer0: counting ticks\n".hasPrefix(r.stdout.prefix(23)))
        let list = try CLI.run(["wave", "list", vcd])
        #expect(list.status == 0, "\(list.stderr)")
        #expect(list.stdout.contains("TOP.socsim_soc_top.uart_thre 1"))
        #expect(try Self.status(try Self.vcd2fst(), [vcd, vcd + ".fst"]) == 0)
    }

    @Test func runVCDListShowAndDiff() throws {
        let d = try CLI.tempDir()
        let a = d.appendingPathComponent("a.vcd").path, b = d.appendingPathComponent("b.vcd").path
        let r = try CLI.run(["run", "--vcd", a, "--profile", "testbench-nocache", "--max-cycles", "100000"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("TC SUM OK"))
        #expect(r.stderr.contains("program ended after"))
        _ = try CLI.run(["run", "--vcd", b, "--profile", "testbench-nocache", "--max-cycles", "100000"])
        #expect(try Data(contentsOf: URL(fileURLWithPath: a)) == Data(contentsOf: URL(fileURLWithPath: b)))

        let list = try CLI.run(["wave", "list", a])
        #expect(list.stdout.contains("TOP.socsim_tb_top.lm32.I_ADR_O 32\n"))
        #expect(list.stdout.contains("TOP.socsim_tb_top.lm32.cpu.instruction_unit.pc_w 30\n"))

        let show = try CLI.run(["wave", "show", a, "--signals", "TOP.socsim_tb_top.pc_f,TOP.clk", "--from", "4", "--to", "6",
                                "--clock-period", "12500"])
        #expect(show.status == 0, "\(show.stderr)")
        let lines = show.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first == "time_ps  cycle     TOP.socsim_tb_top.pc_f  TOP.clk")
        #expect(lines.count == 6) // header, 50000, 56250, 62500, 68750, 75000
        #expect(lines[1].hasPrefix("50000    4 "))
        #expect(lines[2].hasPrefix("56250    4+6250ps"))
        #expect(try CLI.run(["wave", "show", a, "--signals", "nonexistent"]).status == 2)

        let same = try CLI.run(["wave", "diff", a, b])
        #expect(same.status == 0)
        #expect(same.stdout.hasSuffix("no differences\n"))
        // a later window of the same run differs from the whole run nowhere
        let c = d.appendingPathComponent("c.vcd").path
        _ = try CLI.run(["run", "--vcd", c, "--vcd-from", "500", "--vcd-to", "900", "--profile", "testbench-nocache",
                         "--max-cycles", "100000"])
        #expect(try CLI.run(["wave", "diff", a, c, "--common-span"]).status == 0)
        let span = try CLI.run(["wave", "diff", a, c])
        #expect(span.status == 1)
        #expect(span.stdout.contains("spans differ: A 50000–"), "\(span.stdout)")
        // other wait states: the waves differ, first at the instruction bus's ack
        _ = try CLI.run(["run", "--vcd", b, "--wait-states", "1", "--profile", "testbench-nocache", "--max-cycles", "100000"])
        let diff = try CLI.run(["wave", "diff", a, b])
        #expect(diff.status == 1)
        #expect(diff.stdout.contains("TOP.i_wait: first differs at 50000 ps: A=0x0 B=0x1"), "\(diff.stdout)")
        #expect(diff.stdout.contains("signals differ"))
        #expect(try CLI.run(["wave", "list", d.appendingPathComponent("missing.vcd").path]).status == 2)
        #expect(try CLI.run(["run", "--vcd-from", "5"]).status == 2)
    }

    /// The model's and the RTL's VCDs of the default firmware, both written by
    /// `socsim run`, diff clean; every signal of every GTKWave view in Waves/
    /// is in both files with the width its name says.
    @Test(arguments: ["testbench-nocache", "testbench-cache"])
    func modelAndRTLRunsDiffCleanAndOpenWithTheViews(profile: String) throws {
        let d = try CLI.tempDir()
        let m = d.appendingPathComponent("model.vcd").path, r = d.appendingPathComponent("rtl.vcd").path
        let rm = try CLI.run(["run", "--vcd", m, "--profile", profile, "--wait-states", "1", "--max-cycles", "200000"])
        #expect(rm.status == 0, "\(rm.stderr)")
        let rr = try CLI.run(["run", "--rtl", "--vcd", r, "--profile", profile, "--wait-states", "1", "--max-cycles", "200000"])
        #expect(rr.status == 0, "the RTL run failed (run ./scripts/test.sh to build the RTL): \(rr.stderr)")
        #expect(rr.stdout == rm.stdout)
        #expect(rr.stderr == rm.stderr)
        let diff = try CLI.run(["wave", "diff", m, r])
        #expect(diff.status == 0, "\(diff.stdout)")

        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let views = try FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent("Waves").path)
            .filter { $0.hasSuffix(".gtkw") }.sorted()
        #expect(views == ["cpu-pipeline.gtkw", "data-bus.gtkw", "devices-interrupts.gtkw", "instruction-bus.gtkw", "soc-coprocessor.gtkw", "soc-devices.gtkw"])
        let lists = try [m, r].map { path -> Set<String> in
            Set(try CLI.run(["wave", "list", path]).stdout.split(separator: "\n").map(String.init))
        }
        for v in views {
            let text = try String(contentsOf: root.appendingPathComponent("Waves").appendingPathComponent(v), encoding: .utf8)
            if text.contains("TOP.socsim_soc_top.") { continue }     // the SoC's view: WavesTests.SoCWavesTests
            var count = 0
            for line in text.split(separator: "\n") where line.hasPrefix("TOP.") {
                // "TOP.a.b[31:0]" is the 32-bit signal TOP.a.b
                var name = String(line), width = 1
                if let open = name.firstIndex(of: "["), name.hasSuffix("]") {
                    let range = name[name.index(after: open)..<name.index(before: name.endIndex)].split(separator: ":")
                    width = (Int(range.first ?? "") ?? 0) - (Int(range.last ?? "") ?? 0) + 1
                    name = String(name[..<open])
                }
                for (i, list) in lists.enumerated() {
                    #expect(list.contains("\(name) \(width)"), "\(v): \(line) not in the \(i == 0 ? "model's" : "RTL's") VCD")
                }
                count += 1
            }
            #expect(count >= 10, "\(v)")
        }
    }
}
