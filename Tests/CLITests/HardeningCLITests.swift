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
}
