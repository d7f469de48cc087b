import CycleWaves
import Foundation
import LM32
import LM32Cycle
import SoC
import Testing
import Verilated
import Waves

/// A small deterministic generator (SplitMix64).
struct Mix {
    var s: UInt64
    mutating func next() -> UInt64 {
        s &+= 0x9E37_79B9_7F4A_7C15
        var z = s
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

func writeToMemory(_ build: (VCDWriter) throws -> Void, bufferSize: Int = 4096) rethrows -> [UInt8] {
    var bytes: [UInt8] = []
    let w = VCDWriter(bufferSize: bufferSize) { bytes += $0 }
    try build(w)
    return bytes
}

@Suite struct WriterReaderTests {
    /// Random signals and changes through the writer, back through the reader.
    @Test(arguments: [1, 2, 3])
    func roundTrip(seed: UInt64) throws {
        var g = Mix(s: seed)
        var expected: [[(UInt64, UInt64)]] = []
        var widths: [Int] = []
        let bytes = try writeToMemory { w in
            var sigs: [VCDWriter.Signal] = []
            for i in 0..<40 {
                let width = Int(g.next() % 64) + 1
                widths.append(width)
                let scope = ["top", "u\(i % 3)"] + (i % 2 == 0 ? ["deep"] : [])
                sigs.append(w.declare(scope: scope, name: "s\(i)", width: width))
            }
            var current = sigs.indices.map { _ in UInt64(0) }
            try w.begin(at: 100, initial: current)
            expected = current.map { [(UInt64(100), $0)] }
            var t: UInt64 = 100
            for _ in 0..<2000 {
                t += g.next() % 3 == 0 ? 0 : g.next() % 1000 + 1
                w.advance(to: t)
                let i = Int(g.next() % UInt64(sigs.count))
                let mask: UInt64 = widths[i] == 64 ? .max : (1 << UInt64(widths[i])) - 1
                let v = g.next() & mask
                try w.set(sigs[i], v)
                if v != current[i] {
                    current[i] = v
                    if expected[i].last!.0 == t { expected[i][expected[i].count - 1].1 = v } else { expected[i].append((t, v)) }
                }
            }
            try w.finish(at: t + 1)
        }
        let f = try VCDReader.parse(bytes)
        #expect(f.signals.count == 40)
        #expect(f.startTime == 100)
        for i in 0..<40 {
            let s = try #require(f.signal(named: "top.u\(i % 3)\(i % 2 == 0 ? ".deep" : "").s\(i)"))
            #expect(s.width == widths[i])
            let got = f.changes[s.idIndex].map { ($0.time, $0.value.integer ?? .max) }
            #expect(got.map { $0.0 } == expected[i].map { $0.0 }, "times of s\(i)")
            #expect(got.map { $0.1 } == expected[i].map { $0.1 }, "values of s\(i)")
        }
    }

    /// `clockPeriod` writes what its parts written one by one write (rising
    /// clock, gathered signals, falling inputs and clock), with rows that
    /// fit the buffer and with rows larger than it (one signal at a time).
    @Test(arguments: [8, 150])
    func clockPeriodAsItsParts(vectors: Int) throws {
        func run(_ whole: Bool) throws -> [UInt8] {
            var gen = Mix(s: UInt64(vectors))
            var records = [UInt64](repeating: 0, count: vectors + 1)
            return try writeToMemory { w in
                let clk = w.declare(scope: ["t"], name: "clk", width: 1)
                let a = w.declare(scope: ["t"], name: "a", width: 1)
                let b = w.declare(scope: ["t"], name: "b", width: 8)
                for i in 0..<vectors { w.gather(w.declare(scope: ["t"], name: "v\(i)", width: 32), offset: 8 * i) }
                try w.begin(at: 10)
                for k in 0..<200 as Range<UInt64> {
                    for i in 0..<vectors where gen.next() % 3 == 0 { records[i] = gen.next() }
                    let va = gen.next() % 7 == 0 ? 1 : 0 as UInt64, vb = gen.next() % 5 == 0 ? gen.next() : 3
                    let t = 20 + 100 * k
                    try records.withUnsafeBytes { r in
                        if whole {
                            try w.clockPeriod(rising: t, clock: clk, gathering: r.baseAddress!, falling: t + 50, a, va, b, vb)
                        } else {
                            try w.set(clk, 1, at: t)
                            try w.update(gathering: r.baseAddress!)
                            try w.set(a, va, at: t + 50)
                            try w.set(b, vb)
                            try w.set(clk, 0)
                        }
                    }
                }
                try w.finish(at: 30_000)
            }
        }
        let parts = try run(false)
        #expect(try run(true) == parts)
        #expect(parts.count > 10_000)
    }

    /// Time lines under every kind of step: a regular step dividing a power
    /// of 10 (the writer's periodic time lines) across the wrap of its low
    /// digits and growth of the high ones, steps that divide none, a step
    /// change in the middle of a period, and back: each line's text is the
    /// time's decimal digits.
    @Test func timeLinesUnderEveryStep() throws {
        var times: [UInt64] = []
        var t: UInt64 = 0
        func run(_ step: UInt64, _ count: Int) { for _ in 0..<count { t += step; times.append(t) } }
        run(6250, 200)              // through 10^5 and 10^6 (head grows)
        run(3, 40)                  // divides no power of 10
        run(6250, 20)               // periodic again, another residue
        run(1, 30); run(5, 30)      // 10 and 2 phases
        run(12_500, 900)            // past 10^7
        run(100_000_007, 3)         // 10^8 and more
        run(6250, 40)
        t = 9_999_999_999_999_993_750; times.append(t)
        run(6250, 3)                // to 20 digits
        let bytes = try writeToMemory({ w in
            let a = w.declare(scope: ["t"], name: "a", width: 1)
            try w.begin(at: 0)
            for (i, time) in times.enumerated() { w.advance(to: time); try w.set(a, UInt64(i & 1 ^ 1)) }
            try w.finish(at: t)
        }, bufferSize: 4096)
        let lines = String(decoding: bytes, as: UTF8.self).split(separator: "\n").filter { $0.hasPrefix("#") }
        #expect(lines.map { String($0.dropFirst()) } == (["0"] + times.map { String($0) }))
    }

    /// The writer's exact bytes for a small hand-made sequence: header,
    /// initial values, scalars, vectors with their leading zeros dropped (a
    /// 64-bit one, a 30-bit one with lsb 2), masking to the width, no line
    /// for an unchanged value, a flush mid-stream, rows by `update` from
    /// values and by gathering, and time lines whose step carries past the
    /// low 8 digits, is 10^8 or more, or reaches 20 digits.
    @Test func pinsTheBytes() throws {
        var chunks: [[UInt8]] = []
        let w = VCDWriter(version: "pin", bufferSize: 4096) { chunks.append(Array($0)) }
        let a = w.declare(scope: ["t"], name: "a", width: 1)
        let b = w.declare(scope: ["t"], name: "b", width: 8)
        let c = w.declare(scope: ["t", "u"], name: "c", width: 64)
        let d = w.declare(scope: ["t", "u"], name: "d", width: 30, lsb: 2)
        w.gather(a, offset: 0, shift: 3)
        w.gather(b, offset: 1)
        w.gather(c, offset: 8)
        w.gather(d, offset: 16, shift: 2)
        try w.begin(at: 5, initial: [1, 0x05, 0, 0x3FFF_FFFF])
        w.advance(to: 9); try w.set(a, 0); try w.set(b, 0x1FF)
        try w.flush()
        w.advance(to: 10); try w.set(b, 0xFF)
        w.advance(to: 99_999_999)
        try [0, 0x80, 0x8000_0000_0000_0001, 1].withUnsafeBufferPointer { try w.update($0.baseAddress!) }
        w.advance(to: 100_000_005)
        try [1, 0x80, 0, 1].withUnsafeBufferPointer { try w.update($0.baseAddress!) }
        w.advance(to: 100_000_010)
        let bytes: [UInt8] = [0, 0x0F, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0x13, 0, 0, 0, 0, 0, 0, 0]
        try bytes.withUnsafeBytes { try w.update(gathering: $0.baseAddress!) }
        w.advance(to: 300_000_010); try w.set(c, .max)
        try w.finish(at: .max)
        let first = """
        $version
        \tpin
        $end
        $timescale 1ps $end
        $scope module t $end
        $var wire 1 ! a $end
        $var wire 8 " b [7:0] $end
        $scope module u $end
        $var wire 64 # c [63:0] $end
        $var wire 30 $ d [31:2] $end
        $upscope $end
        $upscope $end
        $enddefinitions $end
        #5
        $dumpvars
        1!
        b101 "
        b0 #
        b111111111111111111111111111111 $
        $end
        #9
        0!
        b11111111 "

        """
        let rest = """
        #99999999
        b10000000 "
        b1000000000000000000000000000000000000000000000000000000000000001 #
        b1 $
        #100000005
        1!
        b0 #
        #100000010
        0!
        b1111 "
        b100000000 #
        b100 $
        #300000010
        b1111111111111111111111111111111111111111111111111111111111111111 #
        #18446744073709551615

        """
        #expect(chunks.count == 2)
        #expect(String(decoding: chunks.first ?? [], as: UTF8.self) == first)
        #expect(String(decoding: chunks.dropFirst().joined(), as: UTF8.self) == rest)
        #expect(w.bytesWritten == UInt64(first.utf8.count + rest.utf8.count))
    }

    @Test func headerIsDeterministicAndHasNoDate() throws {
        let make = { () throws -> [UInt8] in
            try writeToMemory { w in
                let a = w.declare(scope: ["TOP"], name: "clk", width: 1)
                let b = w.declare(scope: ["TOP", "x"], name: "pc", width: 30, lsb: 2)
                w.alias(a, scope: ["TOP", "x"], name: "clk_i")
                try w.begin(at: 0)
                w.advance(to: 5); try w.set(a, 1); try w.set(b, 0x123)
                w.advance(to: 10); try w.set(a, 0); try w.set(b, 0x123)
                try w.finish(at: 10)
            }
        }
        let one = try make(), two = try make()
        #expect(one == two)
        let text = String(decoding: one, as: UTF8.self)
        #expect(!text.contains("$date"))
        #expect(text.contains("$timescale 1ps $end"))
        #expect(text.contains("$var wire 30 \" pc [31:2] $end"))
        #expect(text.contains("$var wire 1 ! clk_i $end"))
        // only changes: b is written once at 5, not again at 10
        #expect(text.components(separatedBy: "b100100011 \"").count == 2)
        #expect(text.hasSuffix("#10\n0!\n"))
        let f = try VCDReader.parse(one)
        #expect(f.signal(named: "TOP.x.clk_i")?.idIndex == f.signal(named: "TOP.clk")?.idIndex)
        #expect(VCDWriter.identifier(0) == Array("!".utf8))
        #expect(VCDWriter.identifier(93) == Array("~".utf8))
        #expect(VCDWriter.identifier(94) == Array("!!".utf8))
        var dated: [UInt8] = []
        let w = VCDWriter(date: "asked for") { dated += $0 }
        _ = w.declare(scope: ["a"], name: "b", width: 1)
        try w.begin(at: 0)
        try w.flush()
        #expect(String(decoding: dated, as: UTF8.self).hasPrefix("$date\n\tasked for\n$end\n"))
    }

    /// Every flush leaves a file the reader (and vcd2fst) accepts.
    @Test func everyFlushLeavesAValidFile() throws {
        var bytes: [UInt8] = []
        var snapshots: [[UInt8]] = []
        let w = VCDWriter(bufferSize: 4096) { bytes += $0; snapshots.append(bytes) }
        let s = w.declare(scope: ["t"], name: "v", width: 32)
        try w.begin(at: 0)
        for t in 1...3000 as ClosedRange<UInt64> { w.advance(to: t * 10); try w.set(s, t &* 2654435761) }
        try w.flush()
        #expect(snapshots.count > 10)
        for snap in snapshots { _ = try VCDReader.parse(snap) }
        let path = Tools.tempPath("partial.vcd")
        try Data(snapshots[snapshots.count / 2]).write(to: URL(fileURLWithPath: path))
        let r = try Tools.run(try Tools.vcd2fst(), [path, path + ".fst"])
        #expect(r.status == 0, "\(r.stderr)")
    }

    @Test func readsIcarusAndVerilatorStyles() throws {
        // as Icarus Verilog writes it: timescale on its own lines, reg/real/integer,
        // x and z, $dumpvars, a task scope, bit-selected scalars, $dumpoff/$dumpon
        let icarus = """
        $date
        \tFri Nov 27 10:00:00 2026
        $end
        $version
        \tIcarus Verilog
        $end
        $timescale
        \t10ns
        $end
        $scope module tb $end
        $var reg 8 ! data [7:0] $end
        $var wire 1 " clk $end
        $var real 1 # r $end
        $var integer 32 $ i [31:0] $end
        $var wire 1 % bus [3] $end
        $scope task t $end
        $var reg 4 & q [3:0] $end
        $upscope $end
        $upscope $end
        $enddefinitions $end
        $comment a comment $end
        #0
        $dumpvars
        bx !
        0"
        r0 #
        b0 $
        z%
        bz &
        $end
        #1
        b1010 !
        1"
        r2.5 #
        #2
        $dumpoff
        bx !
        x"
        $end
        #3
        $dumpon
        b11111111 !
        0"
        $end
        """
        let f = try VCDReader.parse(Array(icarus.utf8))
        let data = try #require(f.signal(named: "tb.data"))
        #expect(data.width == 8)
        #expect(f.value(of: data, at: 0) == .bits("xxxxxxxx"))
        #expect(f.value(of: data, at: 10_000) == .bits("00001010"))
        #expect(f.value(of: data, at: 25_000) == .bits("xxxxxxxx"))
        #expect(f.value(of: data, at: 30_000)?.integer == 255)
        #expect(f.value(of: try #require(f.signal(named: "tb.r")), at: 10_000) == .real(2.5))
        #expect(f.value(of: try #require(f.signal(named: "tb.bus[3]")), at: 0) == .bits("z"))
        #expect(f.value(of: try #require(f.signal(named: "tb.t.q")), at: 0) == .bits("zzzz"))
        #expect(f.endTime == 30_000)
        #expect(f.timescale.numerator == 10_000)
        // the same through pyvcd
        let path = Tools.tempPath("icarus.vcd")
        try icarus.write(toFile: path, atomically: true, encoding: .utf8)
        #expect(try Tools.pyvcd(path) == Tools.dump(f))
        // fs and "1 ns" with a space
        let fs = "$timescale 100 fs $end $scope module a $end $var wire 1 ! b $end $upscope $end $enddefinitions $end #0 0! #30 1!"
        let g = try VCDReader.parse(Array(fs.utf8))
        #expect(g.endTime == 3)
    }

    /// Broken files: a typed error naming the right line, never a trap.
    @Test(arguments: [
        ("$var wire 1 ! a\n$enddefinitions $end\n", 1, "without $end"),
        ("$scope module a $end\n$var wire 1 ! a $end\n$upscope $end\n$enddefinitions $end\n#0\n1\"\n", 6, "undeclared"),
        ("$scope module a $end\n$var wire 1 ! a $end\n$upscope $end\n$enddefinitions $end\n#5\n#3\n", 6, "backwards"),
        ("$scope module a $end\n$var wire 4 ! a $end\n$upscope $end\n$enddefinitions $end\n#0\nb11111 !\n", 6, "5 bits"),
        ("$scope module a $end\n$var wire 4 ! a $end\n$upscope $end\n$enddefinitions $end\n#0\nb1021 !\n", 6, "bad vector"),
        ("$scope module a $end\n$var wire 1 ! a $end\n$upscope $end\n#0\n", 4, "before $enddefinitions"),
        ("$scope module a $end\n$var wire 1 ! a $end\n$upscope $end\n", 4, "no $enddefinitions"),
        ("$scope module a $end\n$var wire 1 ! a $end\n$upscope $end\n$upscope $end\n", 4, "without an open scope"),
        ("$scope module a $end\n$var wire 1 ! a $end\n$enddefinitions $end\n", 3, "not closed"),
        ("$enddefinitions $end\ngarbage\n", 2, "unexpected"),
        ("$enddefinitions $end\n#1x0\n", 2, "bad time"),
        ("$timescale 3ns $end\n$enddefinitions $end\n", 1, "bad $timescale"),
        ("$var wire 0 ! a $end\n$enddefinitions $end\n", 1, "width"),
        ("$scope module a $end\n$var wire 1 ! a $end\n$upscope $end\n$enddefinitions $end\n#0\n$dumpvars\n0!", 6, "$dumpvars without $end"),
        ("$enddefinitions $end\n$frobnicate $end\n", 2, "unknown command"),
        ("$enddefinitions $end\n#99999999999999999999999\n", 2, "bad time"),
        ("$timescale 1s $end\n$enddefinitions $end\n#99999999999\n", 3, "overflows"),
    ] as [(String, Int, String)])
    func malformed(text: String, line: Int, message: String) throws {
        do {
            _ = try VCDReader.parse(Array(text.utf8))
            Issue.record("accepted: \(text.debugDescription)")
        } catch {
            #expect(error.line == line, "\(error)")
            #expect(error.message.contains(message), "\(error)")
        }
    }

    /// Random corruption of a valid file: the reader returns or throws, never traps or hangs.
    @Test func mutatedFilesNeverTrap() throws {
        let good = try writeToMemory { w in
            let a = w.declare(scope: ["t"], name: "a", width: 8)
            let b = w.declare(scope: ["t", "u"], name: "b", width: 1)
            try w.begin(at: 0)
            for t in 1...50 as ClosedRange<UInt64> { w.advance(to: t); try w.set(a, t * 7); try w.set(b, t & 1) }
            try w.finish(at: 51)
        }
        var g = Mix(s: 7)
        let alphabet = Array("$#01xzbBrR! \n[]:endscopevar".utf8) + [0, 0xFF]
        var accepted = 0, rejected = 0
        for _ in 0..<3000 {
            var m = good
            for _ in 0..<(1 + g.next() % 4) {
                let i = Int(g.next() % UInt64(m.count))
                switch g.next() % 3 {
                case 0: m[i] = alphabet[Int(g.next() % UInt64(alphabet.count))]
                case 1: m.remove(at: i)
                default: m.insert(alphabet[Int(g.next() % UInt64(alphabet.count))], at: i)
                }
            }
            do { _ = try VCDReader.parse(m); accepted += 1 } catch { rejected += 1; #expect(error.line >= 1) }
        }
        #expect(accepted + rejected == 3000)
        #expect(rejected > 0)
    }
}

@Suite(.serialized) struct ModelVCDTests {
    static let program = """
        .text
        .global _start
    _start:
        mvi r1, 0
        mvi r2, 20
    1:  addi r1, r1, 3
        sw (r0+0x4000), r1
        lw r3, (r0+0x4000)
        sb (r0+0x4005), r3
        lbu r4, (r0+0x4005)
        lh r5, (r0+0x4000)
        mul r6, r5, r2
        addi r2, r2, -1
        bne r2, r0, 1b
        mvi r1, 1
        mvhi r7, 0xffff
        sw (r7+0), r1
    2:  bi 2b
    """

    @Test(arguments: ["testbench-nocache", "testbench-cache"])
    func identicalRunsGiveByteIdenticalFiles(profile: String) throws {
        let image = try BothSides.image(Self.program)
        let cfg = try #require(CoreConfig.profile(named: profile))
        let a = Tools.tempPath("det-a-\(profile).vcd"), b = Tools.tempPath("det-b-\(profile).vcd")
        try BothSides.model(image, config: cfg, path: a)
        try BothSides.model(image, config: cfg, path: b)
        let ba = try Tools.read(a), bb = try Tools.read(b)
        #expect(ba.count > 1000)
        #expect(ba == bb)
    }

    /// Our reader and PyPI's pyvcd give the same values on our file and on
    /// Verilator's file of the same run; vcd2fst accepts ours.
    @Test func thirdPartyReadersAgree() throws {
        let image = try BothSides.image(Self.program)
        let m = Tools.tempPath("readers-model.vcd"), r = Tools.tempPath("readers-rtl.vcd")
        try BothSides.model(image, config: .testbenchNoCache, path: m)
        try BothSides.rtl(image, profile: .testbenchNocache, path: r)
        for path in [m, r] {
            let ours = Tools.dump(try VCDReader.parse(try Tools.read(path)))
            let theirs = try Tools.pyvcd(path)
            #expect(ours.count > 1000)
            #expect(ours == theirs, "readers disagree on \(path)")
        }
        let fst = try Tools.run(try Tools.vcd2fst(), [m, m + ".fst"])
        #expect(fst.status == 0, "\(fst.stderr)")
        #expect(FileManager.default.fileExists(atPath: m + ".fst"))
    }

    /// The model's and the RTL's VCDs of one run agree on every shared signal
    /// (socsim wave diff exits 0), at 0 and 2 wait states, with and without caches.
    @Test(arguments: [("testbench-nocache", 0), ("testbench-cache", 0), ("testbench-nocache", 2), ("testbench-cache", 1)])
    func modelAndRTLWavesAreIdentical(profile: String, waits: Int) throws {
        let image = try BothSides.image(Self.program)
        let cfg = try #require(CoreConfig.profile(named: profile))
        let rtlProfile = try #require(RTLProfile(rawValue: profile))
        let m = Tools.tempPath("same-model-\(profile)-\(waits).vcd"), r = Tools.tempPath("same-rtl-\(profile)-\(waits).vcd")
        var inputs = RTLInputs.idle
        inputs.i_wait = UInt8(waits); inputs.d_wait = UInt8(waits)
        let mc = try BothSides.model(image, config: cfg, bench: BenchConfig(waitStates: waits), path: m)
        let rc = try BothSides.rtl(image, profile: rtlProfile, inputs: inputs, path: r)
        #expect(mc == rc, "model ran \(mc) cycles, RTL \(rc) edges")
        let d = try Tools.run(try Tools.socsim(), ["wave", "diff", m, r])
        #expect(d.status == 0, "\(d.stdout)\(d.stderr)")
        #expect(d.stdout.contains("no differences"))
        // the shared signals are the model's whole file
        let fm = try VCDReader.parse(try Tools.read(m)), fr = try VCDReader.parse(try Tools.read(r))
        let result = VCDDiff.compare(fm, fr)
        #expect(result.onlyInA.isEmpty, "model signals missing in the RTL: \(result.onlyInA)")
        #expect(result.compared >= 100)
        #expect(result.to > result.from + 1000 * 12_500 / 10)
        try Self.expectSameEnd(fm, fr, edges: mc)
    }

    /// Both files of a run of `edges` edges end at the falling edge after
    /// the last rising edge, O + edges·P, which shows the values of cycle
    /// `edges` on both sides; every shared signal has the same final value.
    static func expectSameEnd(_ fm: VCDFile, _ fr: VCDFile, edges: UInt64, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let end = 50_000 + edges * 12_500
        #expect(fm.endTime == end, "model ends at \(fm.endTime)", sourceLocation: sourceLocation)
        #expect(fr.endTime == end, "RTL ends at \(fr.endTime)", sourceLocation: sourceLocation)
        let clk = try #require(fm.signal(named: "TOP.clk"), sourceLocation: sourceLocation)
        let rclk = try #require(fr.signal(named: "TOP.clk"), sourceLocation: sourceLocation)
        // the last rising edge and the falling edge ending the file, on both sides
        #expect(fm.changes[clk.idIndex].suffix(2).map(\.time) == [end - 6_250, end], sourceLocation: sourceLocation)
        #expect(fr.changes[rclk.idIndex].suffix(2).map(\.time) == [end - 6_250, end], sourceLocation: sourceLocation)
        var shared = 0
        for s in fm.signals {
            guard let t = fr.signal(named: s.name) else { continue }
            shared += 1
            #expect(fm.value(of: s, at: end) == fr.value(of: t, at: end), "\(s.name) at the end", sourceLocation: sourceLocation)
        }
        #expect(shared >= 100, sourceLocation: sourceLocation)
        #expect(VCDDiff.compare(fm, fr).equal, sourceLocation: sourceLocation)
    }

    /// Interrupt lines changing during the run: they show at the start of
    /// the cycle from which they are driven (the falling edge), as the
    /// bridge applies inputs between cycles; ip follows at the next rising edge.
    @Test func interruptLinesChangeAtTheSameTimesOnBothSides() throws {
        let image = try BothSides.image(Self.program)
        let schedule: [(cycle: UInt64, lines: UInt32)] = [(300, 0x5), (301, 0x7), (420, 0), (700, 0x8000_0001)]
        let m = Tools.tempPath("irq-model.vcd"), r = Tools.tempPath("irq-rtl.vcd")
        // model
        let machine = LM32CycleMachine(config: .testbenchNoCache)
        for s in image.segments { machine.load(s.bytes, at: s.address) }
        var bytes: [UInt8] = []
        let writer = VCDWriter { bytes += $0 }
        let w = CycleVCD(writer: writer, bench: BenchConfig())
        var failure: Error?
        machine.observer = { o in do { try w.record(o) } catch { failure = error } }
        var pending = schedule[...]
        while machine.cycle < 1000 {
            if let next = pending.first, next.cycle == machine.cycle { machine.interruptLines = next.lines; pending = pending.dropFirst() }
            machine.step()
        }
        try w.finish(next: machine.peekObservation())
        if let failure { throw failure }
        try Data(bytes).write(to: URL(fileURLWithPath: m))
        // RTL
        let rtl = try RTLModel(profile: .testbenchNocache, options: .init(clock: BenchConfig.clock))
        for s in image.segments { try rtl.writeMemory(s.bytes, at: s.address) }
        try rtl.setInputs(.idle)
        try rtl.reset()
        try rtl.startVCD(path: r)
        pending = schedule[...]
        var k: UInt64 = 0
        while k < 1000 {
            if let next = pending.first, next.cycle == k { try rtl.updateInputs { $0.interrupt = next.lines }; pending = pending.dropFirst() }
            try rtl.step(1)
            k += 1
        }
        try rtl.stopVCD()
        let fm = try VCDReader.parse(try Tools.read(m)), fr = try VCDReader.parse(try Tools.read(r))
        let result = VCDDiff.compare(fm, fr)
        #expect(result.equal, "\(result.divergences.prefix(5))")
        try Self.expectSameEnd(fm, fr, edges: 1000)
        let irq = try #require(fm.signal(named: "TOP.socsim_tb_top.irq"))
        #expect(fm.changes[irq.idIndex].map(\.time) == [50_000] + schedule.map { 50_000 + $0.cycle * 12_500 })
        let ip = try #require(fm.signal(named: "TOP.socsim_tb_top.ip"))
        #expect(fm.changes[ip.idIndex].count > 1)
    }

    /// One value changed in the model's file: diff names the signal, its time and both values.
    @Test func diffNamesAChangedValueAndItsTime() throws {
        let image = try BothSides.image(Self.program)
        let m = Tools.tempPath("chg-model.vcd"), r = Tools.tempPath("chg-rtl.vcd"), bad = Tools.tempPath("chg-bad.vcd")
        try BothSides.model(image, config: .testbenchNoCache, path: m)
        try BothSides.rtl(image, profile: .testbenchNocache, path: r)
        // change the first register-file write after 200 cycles
        var lines = String(decoding: try Tools.read(m), as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let decl = try #require(lines.first { $0.hasPrefix("$var") && $0.hasSuffix(" rf_data [31:0] $end") })
        let id = decl.split(separator: " ")[3]
        var time: UInt64 = 0
        var changedAt: UInt64? = nil
        var old = ""
        for i in lines.indices {
            if lines[i].hasPrefix("#") { time = UInt64(lines[i].dropFirst()) ?? 0; continue }
            if time > 200 * 12_500, lines[i].hasPrefix("b"), lines[i].hasSuffix(" \(id)") {
                old = String(lines[i].split(separator: " ")[0].dropFirst())
                lines[i] = "b11011110101011011011111011101111 \(id)"
                changedAt = time
                break
            }
        }
        let t = try #require(changedAt)
        try lines.joined(separator: "\n").write(toFile: bad, atomically: true, encoding: .utf8)
        let d = try Tools.run(try Tools.socsim(), ["wave", "diff", bad, r])
        #expect(d.status == 1, "\(d.stdout)\(d.stderr)")
        let oldHex = "0x" + String(UInt64(old, radix: 2) ?? 0, radix: 16)
        #expect(d.stdout.contains("TOP.socsim_tb_top.rf_data: first differs at \(t) ps: A=0xdeadbeef B=\(oldHex)"), "\(d.stdout)")
        #expect(d.stdout.contains("TOP.socsim_tb_top.lm32.cpu.w_result: first differs at \(t) ps"))
        #expect(!d.stdout.contains("pc_w"))
        // malformed input is exit 2 with the line
        try "$enddefinitions $end\n#1\nbad\n".write(toFile: bad, atomically: true, encoding: .utf8)
        let e = try Tools.run(try Tools.socsim(), ["wave", "diff", bad, r])
        #expect(e.status == 2)
        #expect(e.stderr.contains("\(bad):3:"), "\(e.stderr)")
    }

    /// --vcd-from/--vcd-to and --vcd-scope windows of the model's file
    /// agree with the full file.
    @Test func windowAndScopeFilters() throws {
        let image = try BothSides.image(Self.program)
        let full = Tools.tempPath("win-full.vcd"), part = Tools.tempPath("win-part.vcd")
        try BothSides.model(image, config: .testbenchNoCache, path: full)
        var o = CycleVCDOptions()
        o.fromCycle = 100; o.toCycle = 300; o.scopes = ["TOP.socsim_tb_top.lm32", "TOP.socsim_tb_top.pc_w"]
        try BothSides.model(image, config: .testbenchNoCache, path: part, options: o)
        let ff = try VCDReader.parse(try Tools.read(full)), fp = try VCDReader.parse(try Tools.read(part))
        #expect(fp.signals.allSatisfy { $0.name.hasPrefix("TOP.socsim_tb_top.lm32.") || $0.name == "TOP.socsim_tb_top.pc_w" })
        #expect(fp.signal(named: "TOP.socsim_tb_top.lm32.I_ADR_O") != nil)
        #expect(fp.startTime == 4 * 12_500 + 100 * 12_500 - 6_250)
        #expect(fp.endTime == 4 * 12_500 + 300 * 12_500)
        #expect(VCDDiff.compare(fp, ff, commonSpan: true).equal)
        #expect(VCDDiff.compare(fp, ff).spanMismatch)
    }
}
