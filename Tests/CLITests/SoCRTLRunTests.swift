import Foundation
import Testing

/// `socsim run --soc milkymist --rtl`: the verilated SoC from the command
/// line, stopping at the same halt cycle as the cycle-exact core, printing
/// the same UART text, and writing a VCD that diffs clean against the
/// model's over the whole span.
@Suite(.serialized) struct SoCRTLRunTests {
    /// `firmware` run on the RTL and on the cycle-exact SoC: both succeed and print the same
    /// text, the one given, and halt at `cycles`.
    static func sameOnRTLAndModel(_ firmware: String, prints text: String, halts cycles: Int) throws {
        let rtl = try CLI.run(["run", "--soc", "milkymist", "--rtl", "--firmware", firmware])
        let model = try CLI.run(["run", "--soc", "milkymist", "--cycle", "--firmware", firmware])
        #expect(rtl.status == 0, "\(rtl.stderr)")
        #expect(model.status == 0, "\(model.stderr)")
        #expect(rtl.stdout == model.stdout)
        #expect(rtl.stdout.contains(text))
        #expect(rtl.stderr.contains("firmware halted after \(cycles) cycles (RTL)"))
        #expect(model.stderr.contains("firmware halted after \(cycles) cycles (cycle-exact)"))
    }

    @Test func timerFirmwareOnTheRTLMatchesTheCycleModel() throws {
        try Self.sameOnRTLAndModel("timer", prints: "10 ticks of 8000 cycles", halts: 452147)
    }

    /// The `dma` firmware with the modelled host behind the RTL SoC's endpoint (through the
    /// bridge's stream ports): the same UART line (the DMA cycle figures) and halt cycle.
    @Test func dmaFirmwareOnTheRTLMatchesTheCycleModel() throws {
        try Self.sameOnRTLAndModel("dma", prints: "dma: to host 3391 cycles, back 3537 cycles, data equal, MSI sent",
                                   halts: 481903)
    }

    @Test func bothVCDsOfAFirmwareRunAgree() throws {
        let dir = try CLI.tempDir()
        let src = dir.appendingPathComponent("main.S")
        try """
                .text
                .global main
        main:   mvhi    r1, 0x4000          # an SDRAM store and load through the D cache
                sw      (r1+0), r1
                lw      r2, (r1+0)
                ret
        """.write(to: src, atomically: true, encoding: .utf8)
        let r = dir.appendingPathComponent("rtl.vcd").path, m = dir.appendingPathComponent("model.vcd").path
        let a = try CLI.run(["run", "--soc", "milkymist", "--rtl", src.path, "--vcd", r])
        let b = try CLI.run(["run", "--soc", "milkymist", "--cycle", src.path, "--vcd", m])
        #expect(a.status == 0 && b.status == 0, "\(a.stderr) \(b.stderr)")
        #expect(a.stderr.contains("halted after 435 cycles") && b.stderr.contains("halted after 435 cycles"))
        let d = try CLI.run(["wave", "diff", m, r])
        #expect(d.status == 0, "\(d.stdout) \(d.stderr)")
        #expect(d.stdout.contains("no differences"))
    }

    /// The same SoC run twice: byte-identical VCDs (with timer interrupts and
    /// idle skipping in between) and the same output.
    @Test func identicalSoCRunsGiveByteIdenticalVCDs() throws {
        let dir = try CLI.tempDir()
        let a = dir.appendingPathComponent("a.vcd"), b = dir.appendingPathComponent("b.vcd")
        let ra = try CLI.run(["run", "--soc", "milkymist", "--vcd", a.path, "--firmware", "timer", "--max-cycles", "60000"])
        let rb = try CLI.run(["run", "--soc", "milkymist", "--vcd", b.path, "--firmware", "timer", "--max-cycles", "60000"])
        #expect(ra.status == 3 && rb.status == 3, "\(ra.stderr) \(rb.stderr)")
        #expect(ra.stdout == rb.stdout && !ra.stdout.isEmpty)
        let da = try Data(contentsOf: a), db = try Data(contentsOf: b)
        #expect(da.count > 100_000)
        #expect(da == db)
    }

    @Test func usage() throws {
        #expect(try CLI.run(["run", "--soc", "milkymist", "--rtl", "--wait-states", "1"]).status == 2)
        #expect(try CLI.run(["run", "--soc", "milkymist", "--rtl", "--vcd-from", "10", "--vcd", "/dev/null"]).status == 2)
        #expect(try CLI.run(["run", "--soc", "milkymist", "--rtl", "--profile", "testbench-nocache"]).status == 2)
        #expect(try CLI.run(["run", "--soc", "milkymist", "--rtl", "--max-cycles", "100"]).status == 3)
    }
}
