import Automaton
import Foundation
import SimKernel
import SoCSimTestSupport
import Testing

/// `socsim automaton run` and `random-table` against the reference library.
@Suite(.serialized) struct AutomatonCLITests {
    /// The image of docs/automaton.md's `every-op` example: 256 SplitMix64(1) words, little-endian.
    static func everyOpImage(in dir: URL) throws -> String {
        var g = SplitMix64(seed: 1)
        var bytes: [UInt8] = []
        for _ in 0..<256 {
            let w = UInt32(truncatingIfNeeded: g.next())
            bytes += (0..<4).map { UInt8(truncatingIfNeeded: w >> (8 * $0)) }
        }
        let u = dir.appendingPathComponent("image.bin")
        try Data(bytes).write(to: u)
        return u.path
    }

    /// The `every-op` example's table, in the text format.
    static var everyOpTable: String {
        get throws { try AutomatonDoc.example("every-op").values("table").joined(separator: "\n") }
    }

    @Test func runPrintsTheDocsDigest() throws {
        let dir = try CLI.tempDir()
        let image = try Self.everyOpImage(in: dir)
        let table = try CLI.write(try Self.everyOpTable, to: dir, name: "table.txt")
        let args = ["automaton", "run", "--image", image, "--base", "0x40000000", "--nonce", "0xfedcba9876543210",
                    "--table", table, "--steps", "1000", "--env", "0x11111111,0x22222222,0xcafef00d,1"]
        let r = try CLI.run(args)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout == "digest      0x94a110d67cd11e43\nfinal-state 6\nsteps-done  1000\n")
        let j = try CLI.run(args + ["--json"])
        #expect(j.stdout == "{\"version\": 1, \"digest\": \"0x94a110d67cd11e43\", \"final_state\": 6, \"steps_done\": 1000}\n")
        // The relocated example: same bytes one page higher.
        let moved = try CLI.run(args.map { $0 == "0x40000000" ? "0x40001000" : $0 })
        #expect(moved.stdout.hasPrefix("digest      0x7484945c0600528f\n"))
    }

    @Test func randomTableIsTheLibrarysAndRunsAsAFile() throws {
        let dir = try CLI.tempDir()
        let r = try CLI.run(["automaton", "random-table", "--seed", "0x2024", "--states", "12"])
        #expect(r.status == 0)
        #expect(r.stdout == (try StateTable.random(seed: 0x2024, states: 12)).text)
        let table = try CLI.write(r.stdout, to: dir, name: "random.txt")
        let image = try Self.everyOpImage(in: dir)
        let common = ["automaton", "run", "--image", image, "--base", "4096", "--nonce", "7", "--steps", "333", "--words", "128"]
        let fromFile = try CLI.run(common + ["--table", table])
        let fromSeed = try CLI.run(common + ["--random-table", "0x2024", "--states", "12"])
        #expect(fromFile.status == 0 && fromFile.stdout == fromSeed.stdout)
        var g = SplitMix64(seed: 1)
        let words = (0..<128).map { _ in UInt32(truncatingIfNeeded: g.next()) }
        let c = try Challenge(nonce: 7, window: try Window(base: 4096, words: 128), steps: 333,
                              table: try StateTable.random(seed: 0x2024, states: 12), environment: try Environment())
        let expected = c.run(on: ByteImage(words: words, at: 4096))
        #expect(fromFile.stdout.hasPrefix("digest      0x" + String(format: "%016llx", expected.digest) + "\nfinal-state \(expected.finalState)\n"))
    }

    static let badInputs: [([String], String)] = [
        (["--steps", "0"], "the step count is 0"),
        (["--steps", "5", "--words", "3"], "not a power of two"),
        (["--steps", "5", "--base", "0x40000002"], "not word-aligned"),
        (["--steps", "5", "--words", "512"], "larger than"),
        (["--steps", "5", "--env", "1,x"], "--env: 'x'"),
        (["--steps", "5", "--env", "1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1"], "more than 16"),
        (["--steps", "5", "--random-table", "3"], "exactly one of"),
        (["--steps", "5", "--nonce", "0x1_0000_0000_0000_0000"], "--nonce"),
        (["--steps", "0x100000000"], "--steps"),
        (["--steps", "5", "--base", "0xfffffff0"], "past the end"),
        (["--steps", "5", "--table", "/nonexistent/table"], "cannot read"),
        (["--steps", "5", "--table", "BAD"], "unknown operation 'MUL'"),
    ]

    @Test(arguments: badInputs)
    func badInputExitsWith2(extra: [String], message: String) throws {
        let dir = try CLI.tempDir()
        let image = try Self.everyOpImage(in: dir)
        let bad = try CLI.write("MUL 1 2 0 0\n", to: dir, name: "bad.txt")
        var args = ["automaton", "run", "--image", image, "--base", "0x40000000", "--nonce", "1"]
        let overridden = Set(extra.filter { $0.hasPrefix("--") })
        if overridden.contains("--base") || overridden.contains("--nonce") {
            args = args.enumerated().filter { i, a in
                !(overridden.contains(a) || (i > 0 && overridden.contains(args[i - 1])))
            }.map(\.1)
        }
        if !overridden.contains("--table") {
            args += ["--table", try CLI.write(try AutomatonCLITests.everyOpTable, to: dir, name: "t.txt")]
        }
        let r = try CLI.run(args + extra.map { $0 == "BAD" ? bad : $0 })
        #expect(r.status == 2)
        #expect(r.stderr.contains(message), "\(r.stderr)")
        #expect(r.stdout.isEmpty)
    }

    /// `socsim run --soc milkymist --firmware automaton` prints the digest
    /// `socsim automaton run` gives on the same inputs (the firmware's image,
    /// table, nonce, window, steps and environment, restated here from
    /// Sources/SoC/Firmware/automaton.S), on the functional SoC, the
    /// cycle-exact SoC and the RTL SoC alike.
    @Test func firmwareDigestEqualsTheHostSide() throws {
        let dir = try CLI.tempDir()
        var x: UInt32 = 0x2545_F491
        var bytes: [UInt8] = []
        for _ in 0..<4096 {
            x ^= x << 13; x ^= x >> 17; x ^= x << 5
            bytes += [24, 16, 8, 0].map { UInt8(truncatingIfNeeded: x >> $0) }     // stored big-endian by `sw`
        }
        let image = dir.appendingPathComponent("golden.bin")
        try Data(bytes).write(to: image)
        let table = try CLI.write(try Self.everyOpTable.split(separator: "\n").prefix(8).joined(separator: "\n"), to: dir, name: "t.txt")
        let host = try CLI.run(["automaton", "run", "--image", image.path, "--base", "0x00200000", "--nonce", "0x0123456789abcdef",
                                "--table", table, "--steps", "10000", "--env", "0x11111111,0x22222222,0xcafef00d,1"])
        #expect(host.status == 0, "\(host.stderr)")
        var exact: [(stdout: String, halt: String)] = []
        for model in [[], ["--cycle"], ["--rtl"]] {
            let fw = try CLI.run(["run", "--soc", "milkymist", "--firmware", "automaton"] + model)
            #expect(fw.status == 0, "\(model): \(fw.stderr)")
            if !model.isEmpty {
                let halt = fw.stderr.split(separator: "\n").first { $0.contains("halted after") }.map(String.init) ?? ""
                exact.append((fw.stdout, String(halt.prefix { $0 != "(" })))
            }
            let line = try #require(fw.stdout.split(separator: "\n").first { $0.hasPrefix("automaton: digest ") }, "\(model)")
            let f = line.split(separator: " ")
            #expect(host.stdout == "digest      \(f[2])\(f[3].dropFirst(2))\nfinal-state \(f[5])\nsteps-done  \(f[7])\n", "\(model)")
        }
        // the cycle-exact SoC and the RTL: the same text (the coprocessor's CYCLES included) and halt cycle
        #expect(exact[0].stdout == exact[1].stdout)
        #expect(!exact[0].halt.isEmpty && exact[0].halt == exact[1].halt, "\(exact.map(\.halt))")
    }

    /// The firmware in lock-step through the CLI: model and RTL agree.
    @Test func automatonFirmwareConforms() throws {
        let c = try CLI.run(["conform", "--profile", "milkymist", "--firmware", "automaton"])
        #expect(c.status == 0, "\(c.stdout)\(c.stderr)")
    }
}
