import CycleWaves
import LM32
import LM32Cycle
import Testing
import Waves

/// `CycleVCD.startWriterThread`: the VCD formatted on a thread of its own
/// is the same bytes as on the caller's, and a failing output stops it
/// without a hang.
@Suite struct WriterThreadTests {
    /// A loop that stores and branches, the interrupt unit enabled so that
    /// the interrupt lines matter.
    static let source = """
            .text
            .global _start
        _start:
            mvi r1, 1
            wcsr im, r1
            wcsr ie, r1
            mvi r2, 0
        loop:
            addi r2, r2, 1
            sw (r0+0x4000), r2
            bi loop
            .org 0xC0
            addi r3, r3, 1
            wcsr ip, r1
            eret
        """

    /// The VCD bytes of a run in uneven pieces (a single cycle, under and
    /// over a batch), the interrupt line and the external break changing
    /// between pieces.
    static func vcd(threaded: Bool, options: CycleVCDOptions = CycleVCDOptions(),
                    failAfter: Int = .max) throws -> ([UInt8], Error?) {
        let image = try BothSides.image(source)
        let m = LM32CycleMachine(config: .testbenchNoCache)
        for s in image.segments { m.load(s.bytes, at: s.address) }
        var bytes: [UInt8] = []
        let writer = VCDWriter(version: "t", bufferSize: 4096) { b in
            if bytes.count + b.count > failAfter { throw VCDWriterError("disk full") }
            bytes += b
        }
        let w = CycleVCD(writer: writer, bench: BenchConfig(), options: options)
        if threaded { w.startWriterThread() }
        m.batchObserver = { w.observe(batch: $0) }
        var piece = 0
        for n: UInt64 in [1, 700, 1024, 1025, 3, 5000, 1, 1, 2048, 333] + Array(repeating: 1500, count: 20) {
            m.interruptLines = piece % 4 == 1 ? 1 : 0
            m.extBreak = piece == 7
            w.extBreak = m.extBreak
            m.run(cycles: n)
            piece += 1
        }
        let error = w.finishObserving(next: m.peekObservation())
        return (bytes, error)
    }

    @Test func sameBytes() throws {
        let (plain, e1) = try Self.vcd(threaded: false)
        let (threaded, e2) = try Self.vcd(threaded: true)
        #expect(e1 == nil && e2 == nil)
        #expect(plain.count > 100_000)
        #expect(plain == threaded)
        // the interrupt line shows in the file (it changes at falling edges)
        #expect(String(decoding: plain, as: UTF8.self).contains("$var wire 32 # irq [31:0] $end"))
    }

    @Test func sameBytesInAWindow() throws {
        var o = CycleVCDOptions()
        o.fromCycle = 900
        o.toCycle = 9_000
        let (plain, _) = try Self.vcd(threaded: false, options: o)
        let (threaded, _) = try Self.vcd(threaded: true, options: o)
        #expect(plain == threaded)
    }

    @Test func failingOutputStops() throws {
        let (plain, e1) = try Self.vcd(threaded: false, failAfter: 50_000)
        let (threaded, e2) = try Self.vcd(threaded: true, failAfter: 50_000)
        #expect("\(e1.map { "\($0)" } ?? "none")" == "disk full")
        #expect("\(e2.map { "\($0)" } ?? "none")" == "disk full")
        #expect(plain == threaded)
    }
}
