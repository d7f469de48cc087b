import Conformance
import CycleWaves
import Foundation
import LM32
import LM32Asm
import LM32Cycle
import SoC
import SoCCycle
import Testing
import Verilated
import Waves

/// The model's VCD of a milkymist SoC run (CycleVCD's SoC top) against
/// Verilator's VCD of socsim_soc_top: same names, widths, values and times,
/// and the same end.
@Suite(.serialized) struct SoCWavesTests {
    /// Firmware linked after the boot stub: GPIO out, two UART bytes, an
    /// SDRAM store and load.
    static let firmware = """
            .include "soc.inc"
            .text
            .global main
    main:   addi    sp, sp, -4
            sw      (sp+4), ra
            mvhi    r1, hi(SYSCTL_BASE)
            ori     r1, r1, lo(SYSCTL_BASE)
            mvi     r2, 0x5a
            sw      (r1+SYSCTL_GPIO_OUT), r2
            mvi     r1, 'O'
            calli   uart_putc
            mvi     r1, 'K'
            calli   uart_putc
            mvhi    r3, 0x4000
            sw      (r3+16), r3
            lw      r4, (r3+16)
            lw      ra, (sp+4)
            addi    sp, sp, 4
            ret
    """

    static func firmwareFile() throws -> String {
        let path = Tools.tempPath("soc-waves-main.S")
        try firmware.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// `socsim conform --profile milkymist --vcd-dir` writes both VCDs of the
    /// run; `socsim wave diff` finds no difference (the whole span: both end
    /// at the same edge with the same values); every signal of the model's
    /// file is in the RTL's; vcd2fst and pyvcd read the model's file.
    @Test func conformWritesBothSoCVCDsAndTheyAgree() throws {
        let dir = Tools.tempPath("soc-conform")
        try? FileManager.default.removeItem(atPath: dir)
        let c = try Tools.run(try Tools.socsim(), ["conform", "--profile", "milkymist", "--sdram-latency", "3",
                                                    try Self.firmwareFile(), "--vcd-dir", dir])
        #expect(c.status == 0, "\(c.stdout)\(c.stderr)")
        #expect(c.stdout.contains("UART: \"OK\""), "\(c.stdout)")
        let m = dir + "/program-model.vcd", r = dir + "/program-rtl.vcd"
        let d = try Tools.run(try Tools.socsim(), ["wave", "diff", m, r])
        #expect(d.status == 0, "\(d.stdout)\(d.stderr)")
        #expect(d.stdout.hasSuffix("no differences\n"))

        let fm = try VCDReader.parse(try Tools.read(m)), fr = try VCDReader.parse(try Tools.read(r))
        let result = VCDDiff.compare(fm, fr)
        #expect(result.onlyInA.isEmpty, "model signals missing in the RTL: \(result.onlyInA)")
        #expect(result.compared >= 200)
        let words = c.stdout.split(separator: " ")
        let cycles = try #require(words.firstIndex(of: "over").flatMap { UInt64(words[$0 + 1]) }, "\(c.stdout)")
        try ModelVCDTests.expectSameEnd(fm, fr, edges: cycles)
        // the SoC's ports move: GPIO out, the UART strobe and THRE, the system's interrupt lines
        for (name, changes) in [("TOP.gpio_out", 2), ("TOP.uart_tx_wr", 4), ("TOP.uart_thre", 4),
                                ("TOP.socsim_soc_top.sdram_latency", 1), ("TOP.socsim_soc_top.lm32.rst_i", 1)] {
            let s = try #require(fm.signal(named: name), "\(name)")
            #expect(fm.changes[s.idIndex].count >= changes, "\(name): \(fm.changes[s.idIndex].count) changes")
        }
        #expect(fm.signal(named: "TOP.i_wait") == nil)
        #expect(String(decoding: try Tools.read(m).prefix(200), as: UTF8.self).contains("profile milkymist, top socsim_soc_top"))

        // every signal of the SoC's GTKWave view is in both files with its width
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let view = try String(contentsOf: root.appendingPathComponent("Waves/soc-devices.gtkw"), encoding: .utf8)
        var viewed = 0
        for line in view.split(separator: "\n") where line.hasPrefix("TOP.") {
            var name = String(line), width = 1
            if let open = name.firstIndex(of: "["), name.hasSuffix("]") {
                let range = name[name.index(after: open)..<name.index(before: name.endIndex)].split(separator: ":")
                width = (Int(range.first ?? "") ?? 0) - (Int(range.last ?? "") ?? 0) + 1
                name = String(name[..<open])
            }
            for f in [fm, fr] { #expect(f.signal(named: name)?.width == width, "soc-devices.gtkw: \(line)") }
            viewed += 1
        }
        #expect(viewed >= 20)

        let fst = try Tools.run(try Tools.vcd2fst(), [m, m + ".fst"])
        #expect(fst.status == 0, "\(fst.stderr)")
        #expect(Tools.dump(fm) == (try Tools.pyvcd(m)), "readers disagree on \(m)")
    }

    /// `socsim run --soc milkymist --cycle --vcd` writes the model's VCD with
    /// socsim_soc_top's names: equal to the RTL's file of the conform run
    /// over the run (conform drains 16 cycles further), ending where the run
    /// halted; --vcd-from/--vcd-to/--vcd-scope as on the bench.
    @Test func runWritesTheModelsSoCVCD() throws {
        let src = try Self.firmwareFile()
        let dir = Tools.tempPath("soc-run")
        try? FileManager.default.removeItem(atPath: dir)
        let c = try Tools.run(try Tools.socsim(), ["conform", "--profile", "milkymist", src, "--vcd-dir", dir])
        #expect(c.status == 0, "\(c.stdout)\(c.stderr)")
        let m = dir + "/run.vcd", w = dir + "/window.vcd"
        let r = try Tools.run(try Tools.socsim(), ["run", "--soc", "milkymist", "--vcd", m, src])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout == "OK")
        let halted = try #require(r.stderr.split(separator: "\n").first { $0.contains("halted after") })
        let cycles = try #require(UInt64(halted.split(separator: " ")[4]), "\(halted)")
        let fm = try VCDReader.parse(try Tools.read(m))
        #expect(fm.endTime == 50_000 + cycles * 12_500)
        let d = try Tools.run(try Tools.socsim(), ["wave", "diff", m, dir + "/program-rtl.vcd", "--common-span"])
        #expect(d.status == 0, "\(d.stdout)\(d.stderr)")

        let p = try Tools.run(try Tools.socsim(), ["run", "--soc", "milkymist", "--vcd", w, "--vcd-from", "1000", "--vcd-to", "3000",
                                                    "--vcd-scope", "TOP.socsim_soc_top.uart_thre,TOP.socsim_soc_top.lm32", src])
        #expect(p.status == 0, "\(p.stderr)")
        let fw = try VCDReader.parse(try Tools.read(w))
        #expect(fw.startTime == 50_000 + 1000 * 12_500 - 6_250)
        #expect(fw.endTime == 50_000 + 3000 * 12_500)
        #expect(fw.signals.allSatisfy { $0.name == "TOP.socsim_soc_top.uart_thre" || $0.name.hasPrefix("TOP.socsim_soc_top.lm32.") })
        #expect(VCDDiff.compare(fw, fm, commonSpan: true).equal)
    }

    /// Seeded random SoC programs (timers, GPIO inputs, UART, SDRAM latency,
    /// unmapped accesses, system resets): the two VCDs of each lock-step run
    /// agree and end alike.
    @Test func randomSoCProgramsWavesAgree() throws {
        let lib = try RTLLibrary.load(RTLSoCProfile.milkymist)
        var resets = 0, gpioInputs = 0
        // seeds 1-4, and the first two later ones with a system reset (a SYSTEM_ID write)
        let withReset = (UInt64(5)...400).filter { RandomSoCProgram.generate(seed: $0).source.contains("sw (r21+0x7c), r0") }
        for seed in Array(UInt64(1)...4) + withReset.prefix(2) {
            let program = RandomSoCProgram.generate(seed: seed)
            let image = try Linker.link([try Assembler.assemble(source: program.source, fileName: "random-soc-\(seed).S")])
            let stimulus = program.stimulus(memory: image.segments.map { ($0.address, $0.bytes) }, maxCycles: 25_000)
            let m = Tools.tempPath("random-soc-\(seed)-model.vcd"), r = Tools.tempPath("random-soc-\(seed)-rtl.vcd")
            var bytes: [UInt8] = []
            let top = CycleVCDTop.soc(sdramLatency: stimulus.sdramLatency,
                                      clock: try SoCDescription.milkymist(sdramLatency: stimulus.sdramLatency).clock)
            let w = CycleVCD(writer: VCDWriter(version: CycleVCD.versionLine(profile: "milkymist", top: top)) { bytes += $0 }, top: top)
            var failure: Error?
            let result = try SoCLockStep.run(stimulus, library: lib, rtlVCD: r) { o in
                do { try w.record(o) } catch { failure = error }
            }
            try w.finish(next: result.nextObservation)
            if let failure { throw failure }
            #expect(result.agrees, "seed \(seed): \(result.divergence.map { "\($0)" } ?? "")")
            try Data(bytes).write(to: URL(fileURLWithPath: m))
            let fm = try VCDReader.parse(bytes), fr = try VCDReader.parse(try Tools.read(r))
            var diff = VCDDiff.compare(fm, fr)
            // Known difference (docs/waves.md): after a system reset the RTL's
            // register-file RAM still holds the read address latched before
            // it, so w_result of a bubble in W (rf_we = 0) can differ.
            let firstReset = fm.signal(named: "TOP.soc_rst").flatMap { s in fm.changes[s.idIndex].first { $0.value == .bits("1") }?.time }
            diff.divergences.removeAll { d in
                [".rf_data", ".w_result"].contains { d.name.hasSuffix($0) } && firstReset.map { d.time > $0 } == true
            }
            #expect(diff.equal, "seed \(seed): \(diff.divergences.prefix(4).map { "\($0.name) at \($0.time) ps: \($0.a.map { "\($0)" } ?? "-") vs \($0.b.map { "\($0)" } ?? "-")" }) (kept \(m), \(r))")
            guard diff.equal else { continue }
            if firstReset == nil { try ModelVCDTests.expectSameEnd(fm, fr, edges: result.cycles) }
            if let s = fm.signal(named: "TOP.soc_rst"), fm.changes[s.idIndex].count > 1 { resets += 1 }
            if let s = fm.signal(named: "TOP.gpio_in"), fm.changes[s.idIndex].count > 1 { gpioInputs += 1 }
            try? FileManager.default.removeItem(atPath: r)
            try? FileManager.default.removeItem(atPath: m)
        }
        #expect(resets >= 1, "no system reset in the VCDs")
        #expect(gpioInputs >= 1, "no GPIO input change in the VCDs")
    }
}
