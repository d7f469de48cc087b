import Foundation
import Testing

/// The reproductions of issue 17 (hostile and careless input), each run as
/// the issue writes it: a clear message and exit 2 (or the documented code),
/// never a signal, never a file replaced.
@Suite(.serialized) struct HardeningCLITests {
    /// Exit 2 with `fragment` in the message, and no signal.
    static func expectInputError(_ r: CLI.Result, _ fragment: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(r.status == 2, "status \(r.status), stderr: \(r.stderr)", sourceLocation: sourceLocation)
        #expect(r.stderr.contains(fragment), "stderr lacks '\(fragment)': \(r.stderr)", sourceLocation: sourceLocation)
    }

    @Test func longEquChainsAssemble() throws {
        // python3 -c "n=1400;print(''.join('.equ s%d, s%d+1\n'%(i,i+1) for i in range(n))+'.equ s%d, 0\nmvi r1, s0'%n)" > eq.S
        let d = try CLI.tempDir()
        let n = 1400
        let forward = (0..<n).map { ".equ s\($0), s\($0 + 1)+1\n" }.joined() + ".equ s\(n), 0\nmvi r1, s0\n"
        let backward = ".equ s0, later\n" + (1...n).map { ".equ s\($0), s\($0 - 1)+1\n" }.joined() + "mvi r1, s\(n)\n.equ later, 2\n"
        for (name, text, value) in [("eq.S", forward, n), ("eqb.S", backward, n + 2)] {
            let src = try CLI.write(text, to: d, name: name)
            let elf = d.appendingPathComponent(name + ".elf").path
            let r = try CLI.run(["asm", src, "-o", elf])
            #expect(r.status == 0, "\(name): status \(r.status), stderr: \(r.stderr.prefix(500))")
            let listing = try CLI.run(["disasm", elf])
            #expect(listing.stdout.contains("mvi r1,\(value)"), "\(name): \(listing.stdout)")
        }
    }

    @Test func conformSeedsDoNotWrap() throws {
        let max = String(UInt64.max)
        Self.expectInputError(try CLI.run(["conform", "--random", "2", "--seed", max]), "passes the last seed, \(max)")
        Self.expectInputError(try CLI.run(["conform", "--random", "2", "--seed", max, "--profile", "milkymist"]), "passes the last seed")
        Self.expectInputError(try CLI.run(["conform", "--random", max, "--seed", "2"]), "passes the last seed")
        Self.expectInputError(try CLI.run(["conform", "--random", "0"]), "--random must be at least 1")
    }

    @Test func imagesOutsideMemoryAreRefused() throws {
        let d = try CLI.tempDir()
        let word = d.appendingPathComponent("x.bin"), big = d.appendingPathComponent("big.bin"), b69 = d.appendingPathComponent("b69.bin")
        try Data([0xE0, 0, 0, 0]).write(to: word)
        try Data(count: 128 << 10).write(to: big)
        try Data(count: 69 << 10).write(to: b69)
        let nop = try CLI.write("nop\n", to: d, name: "n.S")
        let far = d.appendingPathComponent("far.elf").path, top = d.appendingPathComponent("top.elf").path
        #expect(try CLI.run(["asm", nop, "-Ttext", "0x20000000", "-o", far]).status == 0)
        #expect(try CLI.run(["asm", nop, "-Ttext", "0xffff0000", "-o", top]).status == 0)
        let soc = "bram [0x0, 0x10000) or sdram [0x40000000, 0x41000000)"
        for cycle in [["--cycle"], []] {
            let milkymist = ["run", "--soc", "milkymist"] + cycle
            Self.expectInputError(try CLI.run(milkymist + ["--load-addr", "0x20000000", word.path]),
                                  "the 4-byte segment at 0x20000000 does not fit in memory (the image must lie in \(soc))")
            Self.expectInputError(try CLI.run(milkymist + [far]), "segment at 0x20000000 does not fit")
            Self.expectInputError(try CLI.run(milkymist + [big.path]), "the 131072-byte segment at 0x0 does not fit")
            // the test bench's loaders wrapped these modulo 64 KiB
            let bench = ["run"] + cycle
            Self.expectInputError(try CLI.run(bench + [b69.path]), "the 70656-byte segment at 0x0 does not fit in memory (the image must lie in RAM [0x0, 0x10000))")
            Self.expectInputError(try CLI.run(bench + [big.path]), "the 131072-byte segment at 0x0 does not fit")
            Self.expectInputError(try CLI.run(bench + ["--load-addr", "0x40000000", word.path]), "segment at 0x40000000 does not fit")
            Self.expectInputError(try CLI.run(bench + [top]), "segment at 0xffff0000 does not fit")
        }
        // the uncached alias of BRAM is BRAM
        let alias = try CLI.run(["run", "--soc", "milkymist", "--cycle", "--load-addr", "0x80000000", word.path, "--max-cycles", "100"])
        #expect(alias.status == 3, "\(alias.stderr)")
    }

    /// `path` is a symlink to `target` (lstat, not followed).
    static func isSymlink(_ path: String, to target: String) -> Bool {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: path)) == target
    }

    @Test func outputsWriteThroughSymlinks() throws {
        // asm -o and every other output path wrote a temporary file renamed
        // over the target: a symlink became a regular file
        let d = try CLI.tempDir()
        let nop = try CLI.write("nop\n", to: d, name: "n.S")
        let plain = d.appendingPathComponent("plain.elf").path
        #expect(try CLI.run(["asm", nop, "-o", plain]).status == 0)
        let link = d.appendingPathComponent("link.elf").path, target = d.appendingPathComponent("target.elf").path
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: target)
        #expect(try CLI.run(["asm", nop, "-o", link]).status == 0)
        #expect(Self.isSymlink(link, to: target))
        #expect(FileManager.default.contents(atPath: target) == FileManager.default.contents(atPath: plain))
        // the trace through a symlink to an existing file: truncated and written in place
        let traceLink = d.appendingPathComponent("t.trace").path
        try FileManager.default.createSymbolicLink(atPath: traceLink, withDestinationPath: target)
        let r = try CLI.run(["run", nop, "--trace", traceLink, "--max-cycles", "3"])
        #expect(r.status == 3, "\(r.stderr)")
        #expect(Self.isSymlink(traceLink, to: target))
        let text = try String(contentsOfFile: target, encoding: .utf8)
        #expect(text.hasPrefix("#socsim-trace") && text.split(separator: "\n").count == 5, "\(text)")
    }

    @Test func aFullDeviceIsAnErrorAndStaysADevice() throws {
        // -o /dev/full (here through a symlink, so that a regression replaces
        // the link and never the machine's device) reported success
        let d = try CLI.tempDir()
        let nop = try CLI.write("nop\n", to: d, name: "n.S")
        let full = d.appendingPathComponent("full").path
        try FileManager.default.createSymbolicLink(atPath: full, withDestinationPath: "/dev/full")
        let records = try CLI.write("", to: d, name: "r.jsonl")
        let runs: [[String]] = [
            ["asm", nop, "-o", full],
            ["run", nop, "--trace", full, "--max-cycles", "100000"],
            ["run", "--soc", "milkymist", "--trace", full, "--max-cycles", "100000"],
            ["run", nop, "--vcd", full, "--max-cycles", "1000"],
            ["run", "--soc", "milkymist", "--cycle", "--vcd", full, "--max-cycles", "1000"],
            // Verilator's VCD writer ended the process in vl_fatal (here it hung)
            ["run", nop, "--rtl", "--vcd", full, "--max-cycles", "1000"],
            ["run", "--soc", "milkymist", "--rtl", "--vcd", full, "--max-cycles", "1000"],
            ["attest", "report", "--in", records, "--out", full],
            ["attest", "report", "--in", records, "--csv", full],
        ]
        for args in runs {
            Self.expectInputError(try CLI.run(args), "cannot write '\(full)': No space left on device")
            #expect(Self.isSymlink(full, to: "/dev/full"), "\(args)")
        }
        // conform --vcd-dir: the model's VCD and the RTL's (Verilator's, through the bridge)
        for side in ["model", "rtl"] {
            let dir = d.appendingPathComponent("vcd-\(side)")
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            let link = dir.appendingPathComponent("random-testbench-cache-1-\(side).vcd").path
            try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: "/dev/full")
            Self.expectInputError(try CLI.run(["conform", "--random", "1", "--profile", "testbench-cache", "--vcd-dir", dir.path]),
                                  "cannot write '\(link)': No space left on device")
        }
        var st = stat()
        #expect(stat("/dev/full", &st) == 0 && st.st_mode & S_IFMT == S_IFCHR)
    }

    @Test func aFullStandardOutputIsAnError() throws {
        // FileHandle's write trapped (SIGILL) on the UART's first byte; print's loss went unnoticed
        let d = try CLI.tempDir()
        let elf = d.appendingPathComponent("n.elf").path
        #expect(try CLI.run(["asm", try CLI.write("nop\n", to: d, name: "n.S"), "-o", elf]).status == 0)
        for args in [["run", "--soc", "milkymist"], ["disasm", elf], ["wave", "--help"]] {
            let p = Process()
            p.executableURL = CLI.executable
            p.arguments = args
            p.standardOutput = FileHandle(forWritingAtPath: "/dev/full")
            let err = Pipe()
            p.standardError = err
            try p.run()
            let e = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            p.waitUntilExit()
            #expect(p.terminationReason == .exit && p.terminationStatus == 2, "\(args): \(p.terminationStatus) \(e)")
            #expect(e.contains("socsim: error: cannot write standard output: No space left on device"), "\(args): \(e)")
        }
    }

    @Test func aFIFOIsWrittenThroughAndStaysAFIFO() throws {
        let d = try CLI.tempDir()
        let nop = try CLI.write("nop\n", to: d, name: "n.S")
        let plain = d.appendingPathComponent("plain.elf").path
        #expect(try CLI.run(["asm", nop, "-o", plain]).status == 0)
        let fifo = d.appendingPathComponent("fifo.elf").path
        #expect(mkfifo(fifo, 0o644) == 0)
        // the reader: open blocks until the writer opens, then reads to its close
        nonisolated(unsafe) var read: Data?
        let done = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            read = FileHandle(forReadingAtPath: fifo)?.readDataToEndOfFile()
            done.signal()
        }
        let r = try CLI.run(["asm", nop, "-o", fifo])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(done.wait(timeout: .now() + 20) == .success)
        #expect(read == FileManager.default.contents(atPath: plain))
        var st = stat()
        #expect(lstat(fifo, &st) == 0 && st.st_mode & S_IFMT == S_IFIFO)
    }

    @Test func anUnexpectedExceptionFailsTheRun() throws {
        // the firmware printed "exception 2 at ea …", then "firmware halted", and exit 0
        let d = try CLI.tempDir()
        let busError = try CLI.write("        .global main\nmain:   mvhi r1, 0x2000\n        b r1\n", to: d, name: "exc.S")
        let scall = try CLI.write("        .global main\nmain:   scall\n        ret\n", to: d, name: "sc.S")
        for path in [["run", "--soc", "milkymist"], ["run", "--soc", "milkymist", "--cycle"], ["run", "--soc", "milkymist", "--rtl"]] {
            for (file, text) in [(busError, "exception 2 at ea 0x20000000\n"), (scall, "exception 7 at ea 0x")] {
                let r = try CLI.run(path + [file])
                #expect(r.status == 1, "\(path) \(file): \(r.status) \(r.stderr)")
                #expect(r.stdout.hasPrefix(text), "\(r.stdout)")
                #expect(r.stderr.contains("socsim: firmware halted after an unexpected exception after"), "\(r.stderr)")
            }
        }
        // a firmware that returns from main still ends with 0
        let ok = try CLI.run(["run", "--soc", "milkymist", "--cycle", try CLI.write("        .global main\nmain:   ret\n", to: d, name: "ok.S")])
        #expect(ok.status == 0 && ok.stderr.contains("socsim: firmware halted after"), "\(ok.stderr)")
    }

    @Test func aVCDWindowNeverReachedLeavesAValidFile() throws {
        // --vcd-from C with C never reached (or SIGINT before C) left 0 bytes, which wave list refused
        let d = try CLI.tempDir()
        let loop = try CLI.write("1: bi 1b\n", to: d, name: "loop.S")
        let vcd = d.appendingPathComponent("e.vcd").path
        let r = try CLI.run(["run", loop, "--vcd", vcd, "--vcd-from", "5000", "--max-cycles", "100"])
        #expect(r.status == 3, "\(r.stderr)")
        #expect(r.stderr.contains("socsim: warning: the run stopped in cycle 100, before --vcd-from 5000"), "\(r.stderr)")
        let list = try CLI.run(["wave", "list", vcd])
        #expect(list.status == 0 && list.stdout.contains("TOP.socsim_tb_top.pc_w 32"), "\(list.stderr)")
        let show = try CLI.run(["wave", "show", vcd, "--signals", "pc_w"])
        #expect(show.status == 0 && show.stdout.contains("pc_w"), "\(show.stdout) \(show.stderr)")
        let soc = d.appendingPathComponent("soc.vcd").path
        let s = try CLI.run(["run", "--soc", "milkymist", "--cycle", "--vcd", soc, "--vcd-from", "1000000000", "--max-cycles", "50"])
        let socList = try CLI.run(["wave", "list", soc])
        #expect(s.status == 3 && socList.status == 0, "\(s.stderr) \(socList.stderr)")
        // interrupted before the window
        let i = try CLI.run(["run", loop, "--vcd", vcd, "--vcd-from", "1000000000000", "--max-cycles", "100000000000"],
                            interruptAfter: 1.5)
        #expect(i.status == 130, "\(i.stderr)")
        let after = try CLI.run(["wave", "list", vcd])
        #expect(after.status == 0, "\(after.stderr)")
    }

    @Test func aVCDScopeMatchingNothingIsAnError() throws {
        let d = try CLI.tempDir()
        let nop = try CLI.write("nop\n", to: d, name: "n.S")
        let vcd = d.appendingPathComponent("s.vcd").path
        let r = try CLI.run(["run", nop, "--vcd", vcd, "--vcd-scope", "TOP.socsim_tb_top.lm32,TOP.nosuch", "--max-cycles", "10"])
        Self.expectInputError(r, "--vcd-scope TOP.nosuch matches no signal; the scopes of socsim_tb_top are:\n  TOP\n  TOP.socsim_tb_top\n")
        #expect(r.stderr.contains("\n  TOP.socsim_tb_top.lm32.cpu\n"))
        #expect(!FileManager.default.fileExists(atPath: vcd))
        Self.expectInputError(try CLI.run(["run", "--soc", "milkymist", "--cycle", "--vcd", vcd, "--vcd-scope", "lm32", "--max-cycles", "10"]),
                              "--vcd-scope lm32 matches no signal; the scopes of socsim_soc_top are:")
    }

    @Test func assemblerAndLinkerWarningsAreErrors() throws {
        // .byte 256 and --entry nosuch passed without a word
        let d = try CLI.tempDir()
        let byte = try CLI.write("nop\n.byte 1\n.byte 256, -129\n", to: d, name: "b.S")
        let out = d.appendingPathComponent("x.elf").path
        let r = try CLI.run(["asm", byte, "-o", out])
        Self.expectInputError(r, "\(byte):3:7: error: value 0x100 truncated to 0x0\n\(byte):3:12: error: value 0xffffffffffffff7f truncated to 0x7f\n")
        #expect(!r.stderr.contains("socsim: error"))
        Self.expectInputError(try CLI.run(["run", byte]), "b.S:3:7: error: value 0x100 truncated to 0x0")
        let nop = try CLI.write("nop\n", to: d, name: "n.S")
        Self.expectInputError(try CLI.run(["asm", nop, "--entry", "nosuch", "-o", out]), "socsim: error: cannot find entry symbol 'nosuch'")
        Self.expectInputError(try CLI.run(["run", nop, "--entry", "nosuch"]), "cannot find entry symbol 'nosuch'")
        #expect(try CLI.run(["run", nop, "--entry", "0x0", "--max-cycles", "2"]).status == 3)
    }

    @Test func waveDiffOfAFileWithItselfFindsNoDifference() throws {
        // NaN reals differed from themselves
        let d = try CLI.tempDir()
        let vcd = try CLI.write("""
            $timescale 1ps $end
            $scope module TOP $end
            $var real 64 ! r $end
            $upscope $end
            $enddefinitions $end
            #0
            rnan !
            #10
            r1.5 !
            #20
            rnan !

            """, to: d, name: "n.vcd")
        let r = try CLI.run(["wave", "diff", vcd, vcd])
        #expect(r.status == 0 && r.stdout.contains("no differences"), "\(r.stdout) \(r.stderr)")
    }

    @Test func messagesSayErrorOnceAndEscapeTheirInput() throws {
        let d = try CLI.tempDir()
        // "socsim: error: f.S:1:7: error: …"
        let bad = try CLI.write("nop\nfoo\n", to: d, name: "f.S")
        let r = try CLI.run(["asm", bad, "-o", d.appendingPathComponent("x.elf").path])
        #expect(r.status == 2 && r.stderr == "\(bad):2:1: error: unknown instruction 'foo'\n", "\(r.stderr)")
        // control bytes escaped, non-ASCII shown whole
        let ctl = try CLI.write("ad\u{1}d r1\n", to: d, name: "c.S")
        Self.expectInputError(try CLI.run(["asm", ctl, "-o", d.appendingPathComponent("x").path]), "c.S:1:3: error: unexpected character '\\x01'")
        let nul = try CLI.write("a\u{0}\n", to: d, name: "z.S")
        Self.expectInputError(try CLI.run(["asm", nul, "-o", d.appendingPathComponent("x").path]), "z.S:1:2: error: unexpected character '\\x00'")
        let utf = try CLI.write("mvi r1, 1 é\n", to: d, name: "u.S")
        Self.expectInputError(try CLI.run(["asm", utf, "-o", d.appendingPathComponent("x").path]), "u.S:1:11: error: unexpected character 'é' (U+00E9)")
        let soc = try CLI.run(["run", "--soc", "\u{1}\u{1b}[31m", bad])
        Self.expectInputError(soc, "socsim: error: unknown SoC '\\x01\\x1b[31m'")
        #expect(!soc.stderr.contains("\u{1b}") && !soc.stderr.contains("Error:"))
        // negative numbers are bad values, not missing ones
        Self.expectInputError(try CLI.run(["run", "--load-addr", "-4", d.appendingPathComponent("x.bin").path]),
                              "socsim: error: invalid load address '-4'")
        Self.expectInputError(try CLI.run(["run", "--max-cycles", "-5", bad]), "socsim: error: The value '-5' is invalid for '--max-cycles")
        let bin = d.appendingPathComponent("x.bin")
        try Data([0, 0, 0, 0]).write(to: bin)
        Self.expectInputError(try CLI.run(["disasm", "--load-addr", "-4", bin.path]), "invalid load address '-4'")
        // a validation failure found while running prints its message
        let trace = try CLI.run(["run", "--rtl", "--trace", d.appendingPathComponent("t").path, try CLI.write("nop\n", to: d, name: "n.S")])
        Self.expectInputError(trace, "socsim: error: --trace is for the models (functional or --cycle), not --rtl")
        #expect(!trace.stderr.contains("Usage: socsim <subcommand>"))
    }

    /// The lines of a trace file without its two header lines, as columns.
    static func traceLines(_ path: String) throws -> [[Substring]] {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text.hasPrefix("#socsim-trace 1\n#cycle\tpc\tinsn\tdisasm\teffects\n"))
        return text.split(separator: "\n").dropFirst(2).map { $0.split(separator: "\t", omittingEmptySubsequences: false) }
    }

    @Test func cycleTraceOnTheBench() throws {
        // socsim run --cycle --trace: the functional trace's instructions and effects at their true cycles
        let d = try CLI.tempDir()
        let prog = try CLI.write("""
                    mvi r1, 5
            1:      addi r1, r1, -1
                    bne r1, r0, 1b
                    sw (r0+0x100), r1
                    mvhi r2, 0xdead
                    ori r3, r0, 0xbeef
                    sw (r2+0), r3

            """, to: d, name: "t.S")
        let f = d.appendingPathComponent("f.trace").path, c = d.appendingPathComponent("c.trace").path
        let cv = d.appendingPathComponent("cv.trace").path, vcd = d.appendingPathComponent("c.vcd").path
        #expect(try CLI.run(["run", prog, "--trace", f]).status == 0)
        let r = try CLI.run(["run", prog, "--cycle", "--trace", c])
        #expect(r.status == 0 && r.stderr.contains("program ended after 305 cycles"), "\(r.stderr)")
        let functional = try Self.traceLines(f), cycle = try Self.traceLines(c)
        #expect(functional.map { $0.dropFirst() } == cycle.map { $0.dropFirst() })
        #expect(cycle.map { String($0[0]) } == ["269", "270", "271", "273", "274", "276", "277", "279", "280", "282", "283", "293", "296", "297", "304"])
        // with --vcd beside it: the same trace
        #expect(try CLI.run(["run", prog, "--cycle", "--trace", cv, "--vcd", vcd]).status == 0)
        #expect(FileManager.default.contents(atPath: cv) == FileManager.default.contents(atPath: c))
        Self.expectInputError(try CLI.run(["run", prog, "--rtl", "--trace", c]), "--trace is for the models (functional or --cycle), not --rtl")
    }

    @Test func cycleTraceOnTheSoCStepsTheIdleSpans() throws {
        // the timer firmware idles 101 137 cycles in 21 jumps; traced, every cycle is stepped, the run is the same
        let d = try CLI.tempDir()
        let t = d.appendingPathComponent("s.trace").path, tv = d.appendingPathComponent("sv.trace").path
        let plain = try CLI.run(["run", "--soc", "milkymist", "--cycle", "--firmware", "timer", "--stats"])
        #expect(plain.stderr.contains("452147 cycles, 137230 instructions") && plain.stderr.contains("101137 cycles skipped as idle"), "\(plain.stderr)")
        let traced = try CLI.run(["run", "--soc", "milkymist", "--cycle", "--firmware", "timer", "--stats", "--trace", t])
        #expect(traced.status == 0 && traced.stdout == plain.stdout, "\(traced.stderr)")
        #expect(traced.stderr.contains("452147 cycles, 137230 instructions") && traced.stderr.contains("0 cycles skipped as idle"), "\(traced.stderr)")
        let lines = try Self.traceLines(t)
        #expect(lines.count == 137230)
        #expect(lines.first.map { Array($0[0...3]) } == ["273", "00000000", "98000000", "xor r0,r0,r0"])
        #expect(lines.last?[0] == "452146")
        let cycles = lines.compactMap { UInt64($0[0]) }
        #expect(cycles.count == lines.count && zip(cycles, cycles.dropFirst()).allSatisfy { $0 < $1 })
        let vcd = d.appendingPathComponent("s.vcd").path
        #expect(try CLI.run(["run", "--soc", "milkymist", "--cycle", "--firmware", "timer", "--trace", tv, "--vcd", vcd,
                             "--vcd-to", "1000"]).status == 0)
        #expect(FileManager.default.contents(atPath: tv) == FileManager.default.contents(atPath: t))
    }
}
