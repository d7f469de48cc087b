import Foundation
import Testing
@testable import socsim

/// Issue 17, item 8: inputs whose size once cost quadratic time or unbounded
/// memory. Each is sized so that the old behaviour takes minutes (the time
/// limit fails it) while the fixed one takes well under a second; where the
/// work can be counted, the test counts it instead.
@Suite(.serialized, .timeLimit(.minutes(1))) struct InputScaleCLITests {
    static func expectInputError(_ r: CLI.Result, _ fragment: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(r.status == 2, "status \(r.status), stderr: \(r.stderr.prefix(500))", sourceLocation: sourceLocation)
        #expect(r.stderr.contains(fragment), "stderr lacks '\(fragment)': \(r.stderr.prefix(500))", sourceLocation: sourceLocation)
    }

    @Test func positionalListsReachTheParserAsAFewArguments() {
        let bytes = (0..<10_000).map { String(format: "%02x", $0 & 0xFF) }
        let bundled = ArgumentBundling.bundle(["tlp", "decode"] + bytes + ["--json"], root: SoCSim.self)
        // the subcommand path, the first value apart, the rest joined, the flag
        #expect(bundled.count == 5, "\(bundled.count) arguments reach the parser")
        #expect(Array(bundled.prefix(2)) == ["tlp", "decode"] && bundled.last == "--json")
        #expect(ArgumentBundling.unbundle(Array(bundled[2...3])) == bytes)

        let files = (0..<4000).map { "f\($0).S" }
        let run = ["run", "-I", "inc", "--stats"] + files.prefix(2000) + ["--max-cycles", "5"] + files.dropFirst(2000) + ["--", "-x.S", "", "y.S"]
        func joined(_ a: some Sequence<String>) -> String { a.joined(separator: String(ArgumentBundling.separator)) }
        // option values stay where the parser expects them: the first of a run is never joined
        #expect(ArgumentBundling.bundle(run, root: SoCSim.self) == [
            "run", "-I", "inc", "--stats", "f0.S", joined(files[1..<2000]), "--max-cycles", "5", joined(files[2000...]),
            "--", joined(["-x.S", "", "y.S"]),
        ])
        #expect(ArgumentBundling.unbundle(["f0.S", joined(files[1..<2000]), joined(["-x.S", "", "y.S"])])
                == Array(files.prefix(2000)) + ["-x.S", "", "y.S"])

        // a command without a list of positionals is parsed as given
        let plain = ["wave", "list"] + files
        #expect(ArgumentBundling.bundle(plain, root: SoCSim.self) == plain)
    }

    @Test func tlpDecodeOfTenThousandArguments() throws {
        // the command: 10 000 one-byte arguments (a MWr header followed by too many bytes)
        let header = ["40", "00", "00", "01", "01", "00", "00", "0f", "fe", "e0", "00", "00"]
        let r = try CLI.run(["tlp", "decode"] + header + Array(repeating: "00", count: 10_000 - header.count))
        Self.expectInputError(r, "9988 payload bytes follow the header")
        // split per byte and grouped by dword decode alike
        let split = try CLI.run(["tlp", "decode", "--json"] + header + ["41", "00", "00", "00"])
        let grouped = try CLI.run(["tlp", "decode", "--json", "40000001", "0100000f", "fee00000", "41000000"])
        #expect(split.status == 0 && split.stdout == grouped.stdout, "\(split.stderr)")
        // a long single argument full of 0x prefixes is read in one pass (an argument holds at most 128 KiB)
        let prefixed = try CLI.run(["tlp", "decode", "0x40 0x00 0x00 0x01 0x01 0x00 0x00 0x0f 0xfe 0xe0 0x00 0x00 0x41 0x00 0x00 0x00"])
        #expect(prefixed.status == 0 && prefixed.stdout.contains("MWr"), "\(prefixed.stderr)")
        let long = try CLI.run(["tlp", "decode", Array(repeating: "0x00 ", count: 25_000).joined()])
        Self.expectInputError(long, "bytes")
    }

    @Test func thousandsOfProgramFilesAndTooManyOptions() throws {
        let d = try CLI.tempDir()
        let nop = try CLI.write("nop\n", to: d, name: "n.S")
        let many = Array(repeating: nop, count: 4000)
        // 4 000 sources linked together (4 000 nops), run to the cycle limit
        let r = try CLI.run(["run", "--max-cycles", "10"] + many)
        #expect(r.status == 3, "status \(r.status): \(r.stderr.prefix(300))")
        let options = (0..<300).flatMap { ["-I", "d\($0)"] }
        Self.expectInputError(try CLI.run(["run"] + options + [nop]), "too many arguments (602 options and values; at most 512")
    }

    @Test func includeRepeatedByReptCountsAgainstTheStatementLimit() throws {
        let d = try CLI.tempDir()
        _ = try CLI.write("", to: d, name: "empty.S")
        let src = try CLI.write(".rept 10000000\n.include \"empty.S\"\n.endr\n", to: d, name: "r.S")
        let r = try CLI.run(["asm", src, "-o", d.appendingPathComponent("r.elf").path])
        Self.expectInputError(r, "too many statements (over 2000000, an .include counting 200)")
        // within the budget, repeated includes assemble (the file is read once)
        let ok = try CLI.write(".rept 9000\n.include \"empty.S\"\n.endr\nnop\n", to: d, name: "ok.S")
        #expect(try CLI.run(["asm", ok, "-o", d.appendingPathComponent("ok.elf").path]).status == 0)
    }

    @Test func hugeProgramFilesAreRefusedBeforeReading() throws {
        let d = try CLI.tempDir()
        let big = d.appendingPathComponent("big.bin")
        // sparse: no disk space used
        #expect(FileManager.default.createFile(atPath: big.path, contents: nil))
        let h = try FileHandle(forWritingTo: big)
        try h.truncate(atOffset: 300 << 20)
        try h.close()
        for cmd in [["run"], ["run", "--cycle"], ["disasm"]] {
            Self.expectInputError(try CLI.run(cmd + [big.path]), "big.bin' is too large (314572800 bytes; input files are limited to 67108864 bytes)")
        }
        // a device is read only up to the limit
        Self.expectInputError(try CLI.run(["disasm", "--load-addr", "0", "/dev/zero"]), "'/dev/zero' is too large (more than 67108864 bytes")
    }

    @Test func endlessOrHugeIncludesAreRefusedAtTheDirective() throws {
        let d = try CLI.tempDir()
        let out = d.appendingPathComponent("x.elf").path
        // a device that never ends: read up to the limit, then refused at the .include
        let zero = try CLI.write("nop\n  .include \"/dev/zero\"\n", to: d, name: "z.S")
        Self.expectInputError(try CLI.run(["asm", zero, "-o", out]),
                              "z.S:2:3: error: .include '/dev/zero': '/dev/zero' is too large (more than 67108864 bytes; input files are limited to 67108864 bytes)")
        #expect(!FileManager.default.fileExists(atPath: out))
        // a regular file over the limit (sparse): refused by its size, before reading
        let big = d.appendingPathComponent("big.S")
        #expect(FileManager.default.createFile(atPath: big.path, contents: nil))
        let h = try FileHandle(forWritingTo: big)
        try h.truncate(atOffset: 300 << 20)
        try h.close()
        let inc = try CLI.write(".include \"big.S\"\n", to: d, name: "b.S")
        Self.expectInputError(try CLI.run(["run", inc]), "b.S:1:1: error: .include 'big.S': '\(big.path)' is too large (314572800 bytes; input files are limited to 67108864 bytes)")
        // a FIFO fed without end (`yes`), from a firmware's .include as well
        let fifo = d.appendingPathComponent("endless.inc").path
        #expect(mkfifo(fifo, 0o600) == 0)
        let writer = Process()
        writer.executableURL = URL(fileURLWithPath: "/bin/sh")
        writer.arguments = ["-c", "exec yes nop > '\(fifo)'"]
        try writer.run()
        defer { if writer.isRunning { writer.terminate() }; writer.waitUntilExit() }
        let fw = try CLI.write("  .include \"endless.inc\"\n", to: d, name: "fw.S")
        Self.expectInputError(try CLI.run(["run", "--soc", "milkymist", fw]),
                              "fw.S:1:3: error: .include 'endless.inc': '\(fifo)' is too large (more than 67108864 bytes")
    }

    @Test func longHexLinesLoadInLinearTime() throws {
        // one line of 300 000 bytes (900 000 characters): minutes with the old per-token column count
        let d = try CLI.tempDir()
        let n = 300_000
        let hex = try CLI.write("@100 " + Array(repeating: "e0 00 00 00", count: n / 4).joined(separator: " ") + "\n", to: d, name: "long.hex")
        let r = try CLI.run(["disasm", hex])
        #expect(r.status == 0, "\(r.stderr.prefix(300))")
        #expect(r.stdout.contains(String(0x100 + n - 4, radix: 16) + ":"), "last word missing")
        let bad = try CLI.write(Array(repeating: "00", count: n).joined(separator: " ") + " 0g\n", to: d, name: "bad.hex")
        Self.expectInputError(try CLI.run(["disasm", bad]), "bad.hex:1:\(3 * n + 1): expected a two-digit hex byte, found '0g'")
    }
}
