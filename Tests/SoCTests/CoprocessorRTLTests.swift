import Automaton
import Foundation
import SimBus
import SimKernel
import SoC
import SoCSimTestSupport
import Testing

/// RTL/soc/socsim_automaton.v alone (RTL/automaton/tb.cpp, built by
/// RTL/automaton/build.sh, which scripts/test.sh runs) against the model
/// AutomatonCoprocessor: the same script of CSR writes, reads and watched
/// cycles gives the same transcript, cycle for cycle; the digests are the
/// reference's. A missing test bench FAILS with how to build it.
@Suite(.serialized) struct CoprocessorRTLTests {
    static let bench = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("RTL/build/automaton/socsim_automaton_tb")

    enum Command {
        case mem(UInt32, UInt32), errorAt(UInt32), deny(Int), write(Int, UInt32), read(Int), idle(Int), watch(Int)
        var line: String {
            func h<T: BinaryInteger>(_ v: T) -> String { String(v, radix: 16) }
            switch self {
            case .mem(let a, let w): return "mem \(h(a)) \(h(w))"
            case .errorAt(let a): return "errat \(h(a))"
            case .deny(let p): return "deny \(h(p))"
            case .write(let i, let v): return "write \(h(i)) \(h(v))"
            case .read(let i): return "read \(h(i))"
            case .idle(let n): return "idle \(h(n))"
            case .watch(let n): return "watch \(h(n))"
            }
        }
    }

    static func reg(_ name: String) -> Int { CoprocessorTests.reg(name) }

    /// The model's transcript of `script`: advanced lazily (reads answered
    /// after their latency), or `cycleExact`, clocked every cycle by a bus
    /// that answers `request` as the test bench's slave does (with `deny`).
    static func model(_ script: [Command], latency: Int, cycleExact: Bool = false) -> String {
        var master = TestMaster(sdramLatency: latency)
        for case .errorAt(let a) in script { master.errorAt = a }
        var d = AutomatonCoprocessor(line: 4, master: master)
        var cycle: UInt64 = 0, beat = 0, granted = false, deny = 0
        var out = ""
        /// One cycle: `observe` during it, then its edge with `write` landing.
        func tick(write: (index: Int, value: UInt32)? = nil, _ observe: () -> Void = {}) {
            if cycleExact {
                var answer: BusResult?
                if let a = d.request {
                    if granted || (cycle &* 0x9E37_79B9_7F4A_7C15) >> 58 >= UInt64(deny) {
                        granted = true
                        beat += 1
                        let (r, n) = master.read(a)
                        if beat == n { answer = r }
                    }
                } else {
                    beat = 0; granted = false
                }
                observe()
                d.clock(answer: answer, write: write)
                if answer != nil { beat = 0; granted = false }
            } else {
                d.advance(to: cycle)
                observe()
                if let write { d.write(index: write.index, value: write.value) }
            }
            cycle += 1
        }
        for c in script {
            switch c {
            case .mem(let a, let w):
                (a < 0x1_0000 ? master.bram : master.sdram).write(at: a, data: w, sel: 0xF)
            case .errorAt: break
            case .deny(let p): deny = p
            case .write(let i, let v): tick(write: (i, v))
            case .read(let i):
                tick { out += "read \(cycle) \(i) \(String(format: "%08x", d.read(index: i)))\n" }
            case .idle(let n):
                if cycleExact { for _ in 0..<n { tick() } } else { cycle += UInt64(n) }
            case .watch(let n):
                var status: UInt32?, irq: Bool?
                for _ in 0..<n {
                    tick {
                        let s = d.read(index: 1), q = d.interruptLines != 0
                        if s != status { status = s; out += "status \(cycle) \(String(format: "%08x", s))\n" }
                        if q != irq { irq = q; out += "irq \(cycle) \(q ? 1 : 0)\n" }
                    }
                }
            }
        }
        return out
    }

    /// The RTL's transcript of `script`.
    static func rtl(_ script: [Command], latency: Int) throws -> String {
        guard FileManager.default.isExecutableFile(atPath: bench.path) else {
            throw RTLMissing()
        }
        let p = Process()
        p.executableURL = bench
        let input = Pipe(), output = Pipe()
        p.standardInput = input
        p.standardOutput = output
        try p.run()
        let text = "latency \(String(latency, radix: 16))\n" + script.map(\.line).joined(separator: "\n") + "\n"
        // The writer runs beside the reader: a long script must not fill the pipe while the bench prints.
        let writer = Thread { input.fileHandleForWriting.write(Data(text.utf8)); try? input.fileHandleForWriting.close() }
        writer.start()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        #expect(p.terminationStatus == 0)
        return String(decoding: data, as: UTF8.self)
    }

    struct RTLMissing: Error, CustomStringConvertible {
        var description: String { "\(bench.path) missing: run RTL/automaton/build.sh (scripts/test.sh does)" }
    }

    /// Program `c` (table at 0x8000 in BRAM, window at `source`), START, watch the run, read the results.
    static func script(_ c: Challenge, image: [UInt32], source: UInt32 = 0x4000_2000, watch: Int,
                       overrides: [(String, UInt32)] = [], middle: [Command] = []) -> [Command] {
        var s: [Command] = []
        for (i, w) in c.table.words.enumerated() { s.append(.mem(0x8000 + 4 * UInt32(i), w)) }
        for (i, w) in image.enumerated() { s.append(.mem(source + 4 * UInt32(i), w.byteSwapped)) }
        let params: [(String, UInt32)] = [
            ("NONCE_LO", UInt32(truncatingIfNeeded: c.nonce)), ("NONCE_HI", UInt32(truncatingIfNeeded: c.nonce >> 32)),
            ("WINDOW_BASE", c.window.base), ("WINDOW_WORDS", c.window.words), ("SOURCE", source), ("STEPS", c.steps),
            ("TABLE_ADDR", 0x8000), ("STATES", UInt32(c.table.entries.count)), ("ENV_COUNT", UInt32(c.environment.words.count)),
        ] + c.environment.words.enumerated().map { ("ENV\($0.offset)", $0.element) } + overrides
        s += params.map { .write(reg($0.0), $0.1) }
        s.append(.write(reg("CTRL"), 5))
        s += middle
        s.append(.watch(watch))
        s += ["STATUS", "DIGEST_LO", "DIGEST_HI", "FINAL_STATE", "STEPS_DONE", "CYCLES", "CTRL", "STATES", "WINDOW_BASE"]
            .map { .read(reg($0)) }
        return s
    }

    static func compare(_ script: [Command], latency: Int, _ what: String) throws -> String {
        let denies = script.contains { if case .deny(let p) = $0 { p > 0 } else { false } }
        let exact = model(script, latency: latency, cycleExact: true), r = try rtl(script, latency: latency)
        let m = denies ? exact : model(script, latency: latency)
        #expect(!m.isEmpty)
        #expect(m == exact, "\(what): the lazy and the clocked model differ")
        if m != r {
            let ml = m.split(separator: "\n"), rl = r.split(separator: "\n")
            let i = (0..<min(ml.count, rl.count)).first { ml[$0] != rl[$0] } ?? min(ml.count, rl.count)
            Issue.record("\(what): first difference at line \(i + 1): model \(i < ml.count ? String(ml[i]) : "<end>"), RTL \(i < rl.count ? String(rl[i]) : "<end>")")
        }
        return m
    }

    /// The last value a transcript read from register `r`.
    static func value(_ r: String, _ transcript: String) -> UInt64 {
        let line = transcript.split(separator: "\n").last { $0.hasPrefix("read ") && $0.split(separator: " ")[2] == "\(reg(r))" }!
        return UInt64(line.split(separator: " ")[3], radix: 16)!
    }

    /// The digest a transcript's result reads give.
    static func digest(_ transcript: String) -> UInt64 { value("DIGEST_HI", transcript) << 32 | value("DIGEST_LO", transcript) }

    @Test func docExampleEveryOp() throws {
        let table = try StateTable(text: try AutomatonDoc.example("every-op").values("table").joined(separator: "\n"))
        var g = SplitMix64(seed: 1)
        let image = (0..<256).map { _ in UInt32(truncatingIfNeeded: g.next()) }
        let c = try Challenge(nonce: 0xFEDC_BA98_7654_3210, window: try Window(base: 0x4000_0000, words: 256), steps: 1000,
                              table: table, environment: try Environment([0x1111_1111, 0x2222_2222, 0xCAFE_F00D, 1]))
        for latency in [1, 3, 8] {
            let t = try Self.compare(Self.script(c, image: image, watch: 1 + 36 + 1000 * latency + 4), latency: latency, "every-op")
            #expect(Self.digest(t) == 0x94A1_10D6_7CD1_1E43)
            // START is the 14th write (cycle 13); DONE reads 1 from the cycle after the run's CYCLES cycles.
            let cycles = 1 + 2 * 9 * 2 + 1000 * latency
            #expect(t.contains("status 14 00000001\nirq 14 0\nstatus \(13 + cycles + 1) 00000002\nirq \(13 + cycles + 1) 1\n"), "\(t)")
        }
    }

    /// Seeded challenges (windows in SDRAM at latencies 1, 3 and 8, and in BRAM), some
    /// with reads of the live registers during the run.
    @Test func seededRunsMatchTheModel() throws {
        for seed in 0..<24 as Range<UInt64> {
            let latency = [1, 3, 8][Int(seed % 3)]
            let (c, image) = try CoprocessorTests.sample(seed: 900 + seed, words: 1 << UInt32(seed % 9), steps: UInt32(1 + seed * 37))
            let cycles = 1 + 4 * c.table.entries.count + Int(c.steps) * latency
            let middle: [Command] = seed % 2 == 0 ? [] : [.idle(Int(seed) * 11), .read(Self.reg("DIGEST_LO")), .read(Self.reg("STEPS_DONE")),
                                                           .read(Self.reg("CYCLES")), .read(Self.reg("FINAL_STATE"))]
            let t = try Self.compare(Self.script(c, image: image, watch: cycles + 4), latency: latency, "seed \(seed)")
            // The same window in BRAM: 2 cycles per step.
            let b = try Self.compare(Self.script(c, image: image, source: 0xA000, watch: 1 + 4 * c.table.entries.count + Int(c.steps) * 2 + 4),
                                     latency: latency, "seed \(seed) in BRAM")
            #expect(Self.digest(b) == Self.digest(t))
            _ = try Self.compare(Self.script(c, image: image, watch: cycles + 4, middle: middle), latency: latency, "seed \(seed) live")
            #expect(Self.digest(t) == c.run(on: ByteImage(words: image, at: c.window.base)).digest, "seed \(seed)")
        }
    }

    /// Every parameter error, a bad descriptor, a bus error, an abort, writes
    /// while busy and a DONE cleared as it is set.
    @Test func errorsAndControlMatchTheModel() throws {
        let (c, image) = try CoprocessorTests.sample(seed: 77, words: 64, steps: 300)
        let errors: [(String, UInt32)] = [
            ("STEPS", 0), ("WINDOW_WORDS", 3), ("WINDOW_WORDS", 0), ("WINDOW_WORDS", 0x8000_0000), ("SOURCE", 0x40FF_FFFC),
            ("SOURCE", 0x6000_0000), ("SOURCE", 0xC000_0000), ("SOURCE", 0xFFFC), ("ENV_COUNT", 17), ("ENV_COUNT", 31),
            ("STATES", 0), ("STATES", 65), ("STATES", 0x7F), ("TABLE_ADDR", 0xFFF8), ("TABLE_ADDR", 0x2000_0000),
            ("TABLE_ADDR", 0x40FF_FFF8), ("TABLE_ADDR", 0x8000_8000),
        ]
        for (r, v) in errors {
            _ = try Self.compare(Self.script(c, image: image, watch: 5_000, overrides: [(r, v)]), latency: 3, "\(r) = \(v)")
        }
        // A bad descriptor (operation 8), then a successor past the count.
        for bad: UInt32 in [8, 0x4000_0000] {
            var s = Self.script(c, image: image, watch: 400)
            s.insert(.mem(0x8000 + 8 * 1 + 4, bad), at: c.table.words.count)
            _ = try Self.compare(s, latency: 3, "descriptor \(bad)")
        }
        // ERR on a window word (whichever step reads it first) and on a table word.
        for at: UInt32 in [0x4000_2000 + 4 * 17, 0x8000 + 12] {
            _ = try Self.compare([.errorAt(at)] + Self.script(c, image: image, watch: 3_000), latency: 8, "ERR at \(at)")
        }
        // ABORT at several points, START and parameter writes while busy, STATUS cleared during the run.
        for k in [0, 1, 2, 5, 40, 139] {
            let middle: [Command] = [.idle(k), .write(Self.reg("STEPS"), 1), .write(Self.reg("CTRL"), 1),
                                     .write(Self.reg("STATUS"), 2), .write(Self.reg("CTRL"), 6), .read(Self.reg("STEPS_DONE"))]
            _ = try Self.compare(Self.script(c, image: image, watch: 3_000, middle: middle), latency: 3, "abort after \(k)")
        }
        // DONE cleared by a STATUS write landing on the edge that sets it, IRQ_EN toggled, a second START.
        let cycles = 1 + 4 * c.table.entries.count + 300 * 3
        for k in [cycles - 3, cycles - 2, cycles - 1] {
            let s = Self.script(c, image: image, watch: 10, middle: [.idle(k), .write(Self.reg("STATUS"), 2), .watch(5),
                                                                     .write(Self.reg("CTRL"), 0), .watch(3),
                                                                     .write(Self.reg("CTRL"), 5), .watch(cycles + 5)])
            _ = try Self.compare(s, latency: 3, "clear at \(k)")
        }
    }

    /// Beats that wait for their grant (as on a bus that re-arbitrates at
    /// every beat): the clocked model and the RTL agree cycle for cycle, and
    /// the digest is the reference's whatever the waits.
    @Test func grantWaitsMatchTheModel() throws {
        for seed in 0..<12 as Range<UInt64> {
            let latency = [1, 3, 8][Int(seed % 3)], deny = [8, 24, 48, 63][Int(seed % 4)]
            let (c, image) = try CoprocessorTests.sample(seed: 500 + seed, words: 1 << UInt32(seed % 7 + 2), steps: UInt32(50 + 13 * seed))
            let middle: [Command] = seed % 3 == 0 ? [.idle(Int(seed) * 7), .write(Self.reg("CTRL"), 6), .read(Self.reg("STEPS_DONE"))]
                : [.idle(Int(seed) * 5), .read(Self.reg("DIGEST_HI")), .read(Self.reg("CYCLES"))]
            let script = [Command.deny(deny)] + Self.script(c, image: image, source: seed % 2 == 0 ? 0xA000 : 0x4000_2000,
                                                              watch: 40 * (1 + 4 * c.table.entries.count + Int(c.steps) * latency),
                                                              middle: middle)
            let t = try Self.compare(script, latency: latency, "seed \(seed), deny \(deny)")
            if seed % 3 != 0 {
                #expect(Self.digest(t) == c.run(on: ByteImage(words: image, at: c.window.base)).digest, "seed \(seed)")
                let perStep = seed % 2 == 0 ? 2 : latency
                #expect(Self.value("CYCLES", t) > UInt64(1 + 4 * c.table.entries.count + Int(c.steps) * perStep), "the grants made it wait")
            }
        }
        // ERR while waiting for grants.
        let (c, image) = try CoprocessorTests.sample(seed: 600, words: 64, steps: 200)
        _ = try Self.compare([.deny(30), .errorAt(0x4000_2000 + 4 * 9)] + Self.script(c, image: image, watch: 20_000),
                             latency: 3, "ERR with grant waits")
    }
}
