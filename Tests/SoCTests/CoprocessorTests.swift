import Automaton
import Foundation
import SimBus
import SimKernel
import SoC
import Testing

/// A master over two memories with chosen latencies, and an optional address answered with ERR.
struct TestMaster: CoprocessorMaster {
    let bram: WordMemory, sdram: WordMemory
    let bramRegion = MapEntry("bram", base: 0, size: 0x1_0000, kind: .bram, timing: SlaveTiming(readCycles: 2, writeCycles: 2))
    let sdramRegion: MapEntry
    var errorAt: UInt32?

    init(sdramLatency: Int, errorAt: UInt32? = nil) {
        bram = WordMemory(base: 0, byteCount: 0x1_0000)
        sdram = WordMemory(base: 0x4000_0000, byteCount: 0x100_0000)
        sdramRegion = MapEntry("sdram", base: 0x4000_0000, size: 0x100_0000, kind: .sdram,
                               timing: SlaveTiming(readCycles: sdramLatency, writeCycles: sdramLatency))
        self.errorAt = errorAt
    }

    func memoryRegion(_ address: UInt32) -> MapEntry? {
        let a = address & 0x7FFF_FFFF
        return bramRegion.contains(a) ? bramRegion : sdramRegion.contains(a) ? sdramRegion : nil
    }

    func read(_ address: UInt32) -> (BusResult, cycles: Int) {
        let a = address & 0x7FFF_FFFF
        if a == errorAt { return (.error, 1) }
        guard let r = memoryRegion(a) else { return (.error, 1) }
        return (.ok((r.kind == .bram ? bram : sdram).word(at: a)), r.timing.readCycles)
    }
}

/// The coprocessor model (docs/automaton.md, "The device") driven register by register.
@Suite struct CoprocessorTests {
    typealias C = AutomatonCoprocessor
    static func reg(_ name: String) -> Int { C.registerMap.register(name)!.offset / 4 }

    /// A coprocessor with `challenge` programmed: its table in BRAM at 0x8000,
    /// the window's words (little-endian image words) in SDRAM at `source`.
    static func programmed(_ c: Challenge, image: [UInt32], source: UInt32 = 0x4000_1000, sdramLatency: Int = 3,
                           errorAt: UInt32? = nil) -> (C, TestMaster) {
        let m = TestMaster(sdramLatency: sdramLatency, errorAt: errorAt)
        for (i, w) in c.table.words.enumerated() { m.bram.write(at: 0x8000 + 4 * UInt32(i), data: w, sel: 0xF) }
        for (i, w) in image.enumerated() {
            (source < 0x1_0000 ? m.bram : m.sdram).write(at: source + 4 * UInt32(i), data: w.byteSwapped, sel: 0xF)
        }
        var d = C(line: 4, master: m)
        let writes: [(String, UInt32)] = [
            ("NONCE_LO", UInt32(truncatingIfNeeded: c.nonce)), ("NONCE_HI", UInt32(truncatingIfNeeded: c.nonce >> 32)),
            ("WINDOW_BASE", c.window.base), ("WINDOW_WORDS", c.window.words), ("SOURCE", source), ("STEPS", c.steps),
            ("TABLE_ADDR", 0x8000), ("STATES", UInt32(c.table.entries.count)),
            ("ENV_COUNT", UInt32(c.environment.words.count)), ("CTRL", 4),
        ] + c.environment.words.enumerated().map { ("ENV\($0.offset)", $0.element) }
        for (r, v) in writes { d.write(index: reg(r), value: v) }
        return (d, m)
    }

    static func sample(seed: UInt64, words: UInt32 = 256, steps: UInt32 = 500) throws -> (Challenge, [UInt32]) {
        var g = SplitMix64(seed: seed)
        let image = (0..<Int(words)).map { _ in UInt32(truncatingIfNeeded: g.next()) }
        let c = try Challenge(nonce: g.next(), window: try Window(base: 0x0123_4000, words: words), steps: steps,
                              table: try StateTable.random(seed: g.next(), states: 1 + Int(g.next() % 64)),
                              environment: try Environment((0..<Int(g.next() % 17)).map { _ in UInt32(truncatingIfNeeded: g.next()) }))
        return (c, image)
    }

    @Test func docRegisterTableIsTheDeclaration() throws {
        let doc = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("docs/automaton.md")
        let text = try String(contentsOf: doc, encoding: .utf8)
        let begin = "<!-- automaton-registers -->\n", end = "<!-- /automaton-registers -->"
        let a = try #require(text.range(of: begin)), b = try #require(text.range(of: end))
        let table = C.registerMap.markdown() + "\n"
        if ProcessInfo.processInfo.environment["RECORD_AUTOMATON_EXAMPLES"] != nil {
            try (String(text[..<a.upperBound]) + table + String(text[b.lowerBound...])).write(to: doc, atomically: true, encoding: .utf8)
        }
        #expect(String(text[a.upperBound..<b.lowerBound]) == table)
    }

    /// Seeded samples with the window in SDRAM at latencies 1, 3, 8 and in
    /// BRAM (latency 0 below: 2 cycles per read): the device's result is the
    /// reference's, CYCLES = 1 + 2·states·2 (BRAM table) + steps·L, DONE and
    /// the IRQ come in the cycle after the last, and only with IRQ_EN.
    @Test(arguments: [1, 3, 8, 0])
    func runEqualsTheReferenceWithDocumentedTiming(sdramLatency: Int) throws {
        let inBRAM = sdramLatency == 0, latency = inBRAM ? 2 : sdramLatency
        for seed in 0..<20 as Range<UInt64> {
            let (c, image) = try Self.sample(seed: seed + 100 * UInt64(sdramLatency))
            var (d, _) = Self.programmed(c, image: image, source: inBRAM ? 0xA000 : 0x4000_1000, sdramLatency: inBRAM ? 8 : latency)
            let start = d.cycle
            d.write(index: Self.reg("CTRL"), value: 5)            // START, IRQ_EN; lands at the edge ending `start`
            let expected = c.run(on: ByteImage(words: image, at: c.window.base))
            let cycles = 1 + 2 * c.table.entries.count * 2 + Int(c.steps) * latency
            d.advance(to: start + UInt64(cycles))                  // the last busy cycle
            #expect(d.read(index: Self.reg("STATUS")) == 1)
            #expect(d.interruptLines == 0)
            d.advance(to: start + UInt64(cycles) + 1)
            #expect(d.read(index: Self.reg("STATUS")) == 2)
            #expect(d.interruptLines == 1 << 4)
            #expect(d.read(index: Self.reg("CYCLES")) == UInt32(cycles))
            let digest = UInt64(d.read(index: Self.reg("DIGEST_HI"))) << 32 | UInt64(d.read(index: Self.reg("DIGEST_LO")))
            #expect(digest == expected.digest)
            #expect(d.read(index: Self.reg("FINAL_STATE")) == UInt32(expected.finalState))
            #expect(d.read(index: Self.reg("STEPS_DONE")) == c.steps)
            d.write(index: Self.reg("CTRL"), value: 0)             // IRQ_EN off: the line drops, DONE stays
            #expect(d.interruptLines == 0 && d.read(index: Self.reg("STATUS")) == 2)
            d.write(index: Self.reg("STATUS"), value: 2)
            #expect(d.read(index: Self.reg("STATUS")) == 0)
        }
    }

    /// Mid-run the result registers are the accumulators after the steps done so far.
    @Test func resultRegistersAreLive() throws {
        let (c, image) = try Self.sample(seed: 7, steps: 100)
        var (d, _) = Self.programmed(c, image: image, sdramLatency: 3)
        let start = d.cycle
        d.write(index: Self.reg("CTRL"), value: 1)
        let stepsStart = start + 2 + UInt64(4 * c.table.entries.count)    // first cycle of the first step's read
        var s = AutomatonState(nonce: c.nonce)
        for k in 0...10 {
            d.advance(to: stepsStart + UInt64(3 * k))
            #expect(d.read(index: Self.reg("STEPS_DONE")) == UInt32(k))
            #expect(d.read(index: Self.reg("DIGEST_LO")) == s.a && d.read(index: Self.reg("DIGEST_HI")) == s.b)
            let p = s.address(in: c.window)
            s.step(word: image[Int((p - c.window.base) / 4)], at: p, entry: c.table.entries[Int(s.state)], environment: c.environment)
        }
    }

    @Test func parameterChecksFailInTheCheckCycle() throws {
        let (c, image) = try Self.sample(seed: 3)
        let cases: [(String, UInt32, AutomatonError)] = [
            ("STEPS", 0, .zeroSteps),
            ("WINDOW_WORDS", 3, .windowLength),
            ("WINDOW_WORDS", 0, .windowLength),
            ("SOURCE", 0x40FF_FFFC, .windowRange),        // runs past the end of SDRAM
            ("SOURCE", 0x6000_0000, .windowRange),        // the CSR region is not memory
            ("SOURCE", 0xFFFF_0000, .windowRange),        // bit 31 ignored: 0x7FFF0000 is unmapped
            ("ENV_COUNT", 17, .environmentCount),
            ("STATES", 0, .stateCount),
            ("STATES", 65, .stateCount),
            ("TABLE_ADDR", 0xFFF8, .tableAddress),         // the table runs past the end of BRAM
            ("TABLE_ADDR", 0x2000_0000, .tableAddress),
        ]
        for (r, v, e) in cases {
            var (d, _) = Self.programmed(c, image: image)
            d.write(index: Self.reg(r), value: v)
            let start = d.cycle
            d.write(index: Self.reg("CTRL"), value: 5)
            #expect(d.read(index: Self.reg("STATUS")) == 1, "\(r)")
            d.advance(to: start + 2)
            #expect(d.read(index: Self.reg("STATUS")) == 2 | UInt32(e.rawValue) << 8, "\(r) = \(v)")
            #expect(d.read(index: Self.reg("CYCLES")) == 1 && d.interruptLines != 0)
            #expect(d.read(index: Self.reg("DIGEST_LO")) == UInt32(truncatingIfNeeded: c.nonce))
        }
    }

    @Test func badDescriptorAndBusErrorStopTheRun() throws {
        let (c, image) = try Self.sample(seed: 4)
        // State 0's descriptor names operation 9.
        var (d, m) = Self.programmed(c, image: image)
        m.bram.write(at: 0x8004, data: 9, sel: 0xF)
        let start = d.cycle
        d.write(index: Self.reg("CTRL"), value: 1)
        d.advance(to: start + 1 + 4 + 1)        // check, two BRAM reads: ends at the second ACK
        #expect(d.read(index: Self.reg("STATUS")) == 2 | UInt32(AutomatonError.tableEntry.rawValue) << 8)
        #expect(d.read(index: Self.reg("CYCLES")) == 5)

        // ERR on a window word: the run stops before that step, with the reference's partial result.
        let expected = c.run(on: ByteImage(words: image, at: c.window.base))
        var r = AutomatonState(nonce: c.nonce)
        var failing: UInt32 = 0
        for _ in 0..<37 {
            let p = r.address(in: c.window)
            r.step(word: image[Int((p - c.window.base) / 4)], at: p, entry: c.table.entries[Int(r.state)], environment: c.environment)
        }
        failing = 0x4000_1000 + (r.address(in: c.window) - c.window.base)
        // The first step reading `failing` may come earlier than step 38; the reference says which.
        var s = AutomatonState(nonce: c.nonce)
        while 0x4000_1000 + (s.address(in: c.window) - c.window.base) != failing {
            let p = s.address(in: c.window)
            s.step(word: image[Int((p - c.window.base) / 4)], at: p, entry: c.table.entries[Int(s.state)], environment: c.environment)
        }
        (d, m) = Self.programmed(c, image: image, errorAt: failing)
        d.write(index: Self.reg("CTRL"), value: 1)
        d.advance(to: d.cycle + 10_000)
        #expect(d.read(index: Self.reg("STATUS")) == 2 | UInt32(AutomatonError.busError.rawValue) << 8)
        #expect(d.read(index: Self.reg("STEPS_DONE")) == s.stepsDone)
        #expect(d.read(index: Self.reg("DIGEST_LO")) == s.a && d.read(index: Self.reg("DIGEST_HI")) == s.b)
        #expect(s.stepsDone < expected.stepsDone)
    }

    @Test func busyFreezesParametersAndAbortEndsTheRun() throws {
        let (c, image) = try Self.sample(seed: 5, steps: 1_000)
        var (d, _) = Self.programmed(c, image: image, sdramLatency: 8)
        let start = d.cycle
        d.write(index: Self.reg("CTRL"), value: 1)
        d.advance(to: start + 300)
        d.write(index: Self.reg("STEPS"), value: 1)             // ignored while BUSY
        d.write(index: Self.reg("NONCE_LO"), value: 0)
        #expect(d.read(index: Self.reg("STEPS")) == c.steps)
        d.write(index: Self.reg("CTRL"), value: 1)              // START while BUSY: ignored
        let done = d.read(index: Self.reg("STEPS_DONE"))
        d.write(index: Self.reg("CTRL"), value: 2)              // ABORT at the next ACK edge
        d.advance(to: d.cycle + 8)
        #expect(d.read(index: Self.reg("STATUS")) == 2 | UInt32(AutomatonError.aborted.rawValue) << 8)
        #expect(d.read(index: Self.reg("STEPS_DONE")) <= done + 1)
        // A new run after the abort gives the full answer.
        let expected = c.run(on: ByteImage(words: image, at: c.window.base))
        d.write(index: Self.reg("CTRL"), value: 1)
        d.advance(to: d.cycle + 20_000)
        #expect(d.read(index: Self.reg("STATUS")) == 2)
        #expect(UInt64(d.read(index: Self.reg("DIGEST_HI"))) << 32 | UInt64(d.read(index: Self.reg("DIGEST_LO"))) == expected.digest)
    }
}

/// The embedded `automaton` firmware on the functional SoC.
@Suite struct CoprocessorFirmwareTests {
    @Test func firmwarePrintsTheReferenceDigest() throws {
        let machine = try MilkymistMachine()
        machine.load(ProgramImage(try Toolchain.firmware(.automaton, for: machine.soc)))
        let stop = machine.run(maxCycles: 1_200_000)
        let out = String(decoding: machine.uartOutput, as: UTF8.self)
        #expect(stop == .halted, "output so far: \(out)")

        // The challenge as the firmware programmed it, over the SDRAM as it is.
        let d = machine.bus.coprocessor
        func reg(_ name: String) -> UInt32 { d.read(index: AutomatonCoprocessor.registerMap.register(name)!.offset / 4) }
        let sdram = machine.bus.sdram.memory
        let tableWords = (0..<2 * Int(reg("STATES"))).map { machine.bus.bram.word(at: reg("TABLE_ADDR") + 4 * UInt32($0)) }
        let window = try Window(base: reg("WINDOW_BASE"), words: reg("WINDOW_WORDS"))
        let image = (0..<window.words).map { sdram.word(at: reg("SOURCE") + 4 * $0).byteSwapped }
        let c = try Challenge(nonce: UInt64(reg("NONCE_HI")) << 32 | UInt64(reg("NONCE_LO")), window: window,
                              steps: reg("STEPS"), table: try StateTable(words: tableWords),
                              environment: try Environment((0..<Int(reg("ENV_COUNT"))).map { reg("ENV\($0)") }))
        let r = c.run(on: ByteImage(words: image, at: window.base))
        #expect(window.words == 4096 && c.steps == 10_000 && c.table.entries.count == 8 && r.busErrorAddress == nil)
        // The image is the firmware's xorshift32 sequence.
        var x: UInt32 = 0x2545_F491
        for w in image {
            x ^= x << 13; x ^= x >> 17; x ^= x << 5
            #expect(w == x.byteSwapped)
            if w != x.byteSwapped { break }
        }
        let hi = String(format: "%08x", UInt32(r.digest >> 32)), lo = String(format: "%08x", UInt32(truncatingIfNeeded: r.digest))
        let cycles = 1 + 2 * 8 * 2 + 10_000 * SDRAM.defaultLatency
        #expect(out == """
            automaton: challenge over a 16 KiB golden image in SDRAM
            automaton: digest 0x\(hi) 0x\(lo) final-state \(r.finalState) steps 10000 cycles \(cycles)

            """)
    }
}
