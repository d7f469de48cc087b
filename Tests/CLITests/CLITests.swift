import Foundation
import Testing

/// End-to-end tests of the `socsim` executable (and `attest-sweep`) built beside the test bundle.
struct CLI {
    static var executable: URL { executable("socsim") }

    static func executable(_ tool: String) -> URL {
        var dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        // Swift Testing on Linux runs the .xctest binary; the tool sits beside it.
        if dir.lastPathComponent.hasSuffix(".xctest") { dir = dir.deletingLastPathComponent() }
        return dir.appendingPathComponent(tool)
    }

    struct Result { var status: Int32; var stdout: String; var stderr: String }

    static func run(_ args: [String], tool: String = "socsim", cwd: URL? = nil, interruptAfter: Double? = nil) throws -> Result {
        let p = Process()
        p.executableURL = executable(tool)
        p.arguments = args
        if let cwd { p.currentDirectoryURL = cwd }
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        if let interruptAfter {
            Thread.sleep(forTimeInterval: interruptAfter)
            p.interrupt()
        }
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return Result(status: p.terminationStatus, stdout: String(decoding: o, as: UTF8.self), stderr: String(decoding: e, as: UTF8.self))
    }

    static func tempDir() throws -> URL {
        let d = FileManager.default.temporaryDirectory.appendingPathComponent("socsim-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: d, withIntermediateDirectories: true)
        return d
    }

    static func write(_ text: String, to dir: URL, name: String) throws -> String {
        let u = dir.appendingPathComponent(name)
        try text.write(to: u, atomically: true, encoding: .utf8)
        return u.path
    }
}

@Suite(.serialized) struct CLITests {
    @Test func helpDocumentsExitCodes() throws {
        let r = try CLI.run(["--help"])
        #expect(r.status == 0)
        for needle in ["run", "asm", "disasm", "tlp", "Exit codes", "cycle limit"] {
            #expect(r.stdout.contains(needle), "help lacks \(needle)")
        }
        let runHelp = try CLI.run(["run", "--help"])
        #expect(runHelp.stdout.contains("--max-cycles"))
        #expect(runHelp.stdout.contains("--trace"))
    }

    @Test func defaultRunPrintsGreetingAndPasses() throws {
        // Without PROGRAM: the embedded firmware on the milkymist SoC, its UART output.
        let r = try CLI.run(["run"])
        #expect(r.status == 0, "stderr: \(r.stderr)")
        #expect(r.stdout.contains("Hello from the LM32 on SoCSim."))
        #expect(r.stdout.contains("1 + 2 + ... + 100 = 5050"))
        #expect(r.stdout.contains("sysctl: system id 0x00015353, clock 80000000 Hz"))
        #expect(r.stderr.contains("firmware halted"))
        // The test bench's default program is still there.
        let bench = try CLI.run(["run", "--soc", "testbench"])
        #expect(bench.status == 0, "stderr: \(bench.stderr)")
        #expect(bench.stdout.contains("TC SUM OK"))
    }

    @Test func milkymistFirmwareAndOptions() throws {
        let timer = try CLI.run(["run", "--firmware", "timer"])
        #expect(timer.status == 0, "stderr: \(timer.stderr)")
        #expect(timer.stdout == "timer0: counting ticks\ntimer0: 10 ticks of 8000 cycles\n")
        #expect(try CLI.run(["run", "--soc", "nonsense"]).status == 2)
        #expect(try CLI.run(["run", "--firmware", "nonsense"]).status == 2)
        #expect(try CLI.run(["run", "--soc", "testbench", "--firmware", "timer"]).status == 2)
        #expect(try CLI.run(["run", "--firmware", "hello", "--max-cycles", "1000"]).status == 3)
        // A user program on the SoC: linked after the boot stub, with the generated include.
        let d = try CLI.tempDir()
        let src = try CLI.write("""
                    .include "soc.inc"
                    .global main
            main:   mvi r1, 0x4f
                    addi sp, sp, -4
                    sw (sp+4), ra
                    calli uart_putc
                    lw ra, (sp+4)
                    addi sp, sp, 4
                    ret
            """, to: d, name: "mine.S")
        let mine = try CLI.run(["run", "--soc", "milkymist", src])
        #expect(mine.status == 0, "stderr: \(mine.stderr)")
        #expect(mine.stdout == "O")
        // Writing a declared but unmodelled field is reported once, however often.
        let thru = try CLI.write("""
                    .include "soc.inc"
                    .global main
            main:   mvhi r1, hi(UART_BASE)
                    ori r1, r1, lo(UART_BASE)
                    mvi r2, UART_CTRL_THRU_MASK
                    sw (r1+UART_CTRL), r2
                    sw (r1+UART_CTRL), r2
                    ret
            """, to: d, name: "thru.S")
        let warned = try CLI.run(["run", "--soc", "milkymist", thru])
        #expect(warned.status == 0)
        #expect(warned.stderr.components(separatedBy: "uart.CTRL.THRU").count == 2, "stderr: \(warned.stderr)")
    }

    @Test func milkymistOnTheCycleExactCore() throws {
        // --soc milkymist --cycle: the firmware on the cycle-exact core, the same text.
        let r = try CLI.run(["run", "--soc", "milkymist", "--cycle", "--firmware", "timer", "--stats"])
        #expect(r.status == 0, "stderr: \(r.stderr)")
        #expect(r.stdout == "timer0: counting ticks\ntimer0: 10 ticks of 8000 cycles\n")
        #expect(r.stderr.contains("firmware halted after 452147 cycles (cycle-exact)"), "stderr: \(r.stderr)")
        #expect(r.stderr.contains("million cycles/s"))
        #expect(try CLI.run(["run", "--soc", "milkymist", "--cycle", "--max-cycles", "1000"]).status == 3)
        #expect(try CLI.run(["run", "--soc", "milkymist", "--cycle", "--wait-states", "1"]).status == 2)
        // --vcd implies the cycle-exact core (its VCD: Tests/WavesTests/SoCWavesTests.swift)
        #expect(try CLI.run(["run", "--soc", "milkymist", "--vcd", "/dev/null", "--max-cycles", "1000"]).status == 3)
        // --rtl runs the verilated SoC instead (Tests/CLITests/SoCRTLRunTests.swift); not both
        #expect(try CLI.run(["run", "--soc", "milkymist", "--rtl", "--cycle"]).status == 2)
    }

    @Test func anExplicitProfileOnTheSoCIsTheCPU() throws {
        // without --profile the SoC runs its own CPU (milkymist); any profile
        // given, testbench-cache too, replaces it (the VCD's $version names it)
        let dir = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        for (args, name) in [([], "milkymist"), (["--profile", "testbench-cache"], "testbench-cache"),
                             (["--profile", "testbench-nocache"], "testbench-nocache")] {
            let vcd = dir.appendingPathComponent("\(name).vcd").path
            let r = try CLI.run(["run", "--soc", "milkymist", "--vcd", vcd, "--vcd-to", "0", "--max-cycles", "100"] + args)
            #expect(r.status == 3, "stderr: \(r.stderr)")
            let text = try String(contentsOfFile: vcd, encoding: .utf8)
            #expect(text.contains("profile \(name), top socsim_soc_top"), "\(args)")
        }
        // the verilated SoC has the milkymist CPU only
        #expect(try CLI.run(["run", "--soc", "milkymist", "--rtl", "--profile", "testbench-cache"]).status == 2)
    }

    @Test func mapAndHeader() throws {
        let map = try CLI.run(["map"])
        #expect(map.status == 0)
        #expect(map.stdout.contains("0xe0001000"))
        let h = try CLI.run(["header"])
        #expect(h.status == 0)
        #expect(h.stdout.contains("#define UART_BASE 0xe0000000u"))
        let asm = try CLI.run(["header", "--asm"])
        #expect(asm.stdout.contains(".equ SYSCTL_TIMER0_CONTROL, 0x010"))
    }

    @Test func usageErrorsExitTwo() throws {
        #expect(try CLI.run(["run", "--max-cycles", "abc"]).status == 2)
        #expect(try CLI.run(["run", "--profile", "nonsense"]).status == 2)
        #expect(try CLI.run(["frobnicate"]).status == 2)
        #expect(try CLI.run(["run", "/nonexistent/file.elf"]).status == 2)
    }

    @Test func assemblyErrorNamesFileLineColumn() throws {
        let d = try CLI.tempDir()
        let src = try CLI.write(".text\n_start:\n  addi r1, r2, 5\n  ad r1, r2, r3\n", to: d, name: "bad.S")
        let r = try CLI.run(["run", src])
        #expect(r.status == 2)
        #expect(r.stderr.contains("bad.S:4:3"), "stderr: \(r.stderr)")
    }

    @Test func cycleLimitExitsThree() throws {
        let d = try CLI.tempDir()
        let src = try CLI.write(".text\n.global _start\n_start:\n1: bi 1b\n", to: d, name: "loop.S")
        let r = try CLI.run(["run", src, "--max-cycles", "1000"])
        #expect(r.status == 3)
        #expect(r.stderr.contains("1000 cycles"))
    }

    @Test func failingTestCaseExitsOne() throws {
        let d = try CLI.tempDir()
        let src = try CLI.write("""
            .text
            .global _start
            _start:
                mvhi r12, 0xffff
                mvhi r1, hi(name)
                ori r1, r1, lo(name)
                sw (r12+8), r1
                mvi r1, 1
                sw (r12+4), r1
                sw (r12+0), r0
            .data
            name: .asciz "BAD"
            """, to: d, name: "fail.S")
        let r = try CLI.run(["run", src])
        #expect(r.status == 1)
        #expect(r.stdout.contains("TC BAD FAILED"))
    }

    @Test func tracesAreDeterministicAndVersioned() throws {
        let d = try CLI.tempDir()
        let t1 = d.appendingPathComponent("a.trace").path, t2 = d.appendingPathComponent("b.trace").path
        #expect(try CLI.run(["run", "--trace", t1]).status == 0)
        #expect(try CLI.run(["run", "--trace", t2]).status == 0)
        let a = try Data(contentsOf: URL(fileURLWithPath: t1)), b = try Data(contentsOf: URL(fileURLWithPath: t2))
        #expect(a == b)
        let text = String(decoding: a, as: UTF8.self)
        #expect(text.hasPrefix("#socsim-trace 1\n"))
        #expect(text.contains("\t00000000\t98000000\txor r0,r0,r0\tr0=0x00000000\n"))
    }

    @Test func sigintLeavesAValidTrace() throws {
        let d = try CLI.tempDir()
        let src = try CLI.write(".text\n.global _start\n_start:\n addi r1, r1, 1\n bi _start\n", to: d, name: "spin.S")
        let t = d.appendingPathComponent("spin.trace").path
        // The cycle limit bounds the run even if the signal were lost.
        let r = try CLI.run(["run", src, "--trace", t, "--max-cycles", "20000000"], interruptAfter: 2)
        #expect(r.status == 130, "stderr: \(r.stderr)")
        let text = try String(contentsOfFile: t, encoding: .utf8)
        #expect(text.hasPrefix("#socsim-trace 1\n"))
        #expect(text.hasSuffix("\n"))
        let last = text.split(separator: "\n").last!
        #expect(last.split(separator: "\t", omittingEmptySubsequences: false).count == 5)
    }

    @Test func asmAndDisasmRoundTrip() throws {
        let d = try CLI.tempDir()
        let src = try CLI.write(".text\n.global _start\n_start:\n  add r1, r2, r3\nloop:\n  be r1, r2, loop\n  lw r1, (r2+4)\n", to: d, name: "p.S")
        let elf = d.appendingPathComponent("p.elf").path
        let a = try CLI.run(["asm", src, "-o", elf])
        #expect(a.status == 0, "stderr: \(a.stderr)")
        let r = try CLI.run(["disasm", elf])
        #expect(r.status == 0)
        #expect(r.stdout.contains("00000000 <_start>:"))
        #expect(r.stdout.contains("add r1,r2,r3"))
        #expect(r.stdout.contains("be r1,r2,4 <loop>"))
        #expect(r.stdout.contains("lw r1,(r2+4)"))
        // the ELF runs too (it loops forever: the cycle limit ends it)
        #expect(try CLI.run(["run", elf, "--max-cycles", "100"]).status == 3)
        // a corrupted ELF is an input error
        var bytes = try Data(contentsOf: URL(fileURLWithPath: elf))
        bytes[5] = 9
        let bad = d.appendingPathComponent("bad.elf")
        try bytes.write(to: bad)
        let b = try CLI.run(["disasm", bad.path])
        #expect(b.status == 2)
        #expect(b.stderr.contains("error"))
    }

    @Test func binaryAndHexRunAtTheirLoadAddress() throws {
        let d = try CLI.tempDir()
        // Position-independent: prints 'A' and ends, wherever it is loaded.
        let src = try CLI.write("""
            .text
            .global _start
            _start:
                mvhi r1, 0xff00
                mvi r2, 65
                sw (r1+0), r2
                mvhi r1, 0xffff
                sw (r1+0), r0
            """, to: d, name: "pic.S")
        for (fmt, ext) in [("bin", "bin"), ("hex", "hex")] {
            let out = d.appendingPathComponent("p.\(ext)").path
            let a = try CLI.run(["asm", src, "-o", out, "-Ttext", "0x400", "--format", fmt])
            #expect(a.status == 0, "\(a.stderr)")
            let r = try CLI.run(["run", out, "--load-addr", ext == "bin" ? "0x400" : "0"])
            #expect(r.status == 0, "\(fmt): \(r.stderr)")
            #expect(r.stdout == "A", "\(fmt): \(r.stdout)")
        }
        // --load-addr makes no sense for assembly
        #expect(try CLI.run(["run", src, "--load-addr", "0x400"]).status == 2)
    }
}
