import CycleWaves
import Foundation
import LM32
import LM32Cycle
import Testing
import Waves

/// The model's VCD format pinned by a golden file (STYLE.md practice 10):
/// Snapshots/<test name>.vcd.snapshot, re-recorded with RECORD_SNAPSHOTS=1.
/// A change here is a change of docs/waves.md (bump CycleVCD.formatVersion).
@Suite struct SnapshotTests {
    static var directory: URL { URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Snapshots") }

    func check(_ name: String, _ bytes: [UInt8]) throws {
        let url = Self.directory.appendingPathComponent(name + ".vcd.snapshot")
        if ProcessInfo.processInfo.environment["RECORD_SNAPSHOTS"] == "1" {
            try FileManager.default.createDirectory(at: Self.directory, withIntermediateDirectories: true)
            try Data(bytes).write(to: url)
            return
        }
        guard let golden = FileManager.default.contents(atPath: url.path) else {
            Issue.record("no snapshot \(url.path); record it with RECORD_SNAPSHOTS=1")
            return
        }
        let a = String(decoding: golden, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        let b = String(decoding: bytes, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        if let i = zip(a, b).enumerated().first(where: { $0.element.0 != $0.element.1 })?.offset {
            Issue.record("line \(i + 1) differs from \(url.lastPathComponent): expected '\(a[i])', got '\(b[i])'")
        } else {
            #expect(a.count == b.count, "length differs from \(url.lastPathComponent)")
        }
    }

    /// Cycles 0-40 of a store/load loop on testbench-nocache, CPU and data-bus
    /// signals only.
    @Test func modelWindowCPUAndDataBus() throws {
        let image = try BothSides.image(ModelVCDTests.program)
        let m = LM32CycleMachine(config: .testbenchNoCache)
        for s in image.segments { m.load(s.bytes, at: s.address) }
        var bytes: [UInt8] = []
        let writer = VCDWriter(version: CycleVCD.versionLine(profile: "testbench-nocache")) { bytes += $0 }
        var o = CycleVCDOptions()
        o.toCycle = 40
        o.scopes = ["TOP.socsim_tb_top.clk", "TOP.socsim_tb_top.pc_f", "TOP.socsim_tb_top.pc_w", "TOP.socsim_tb_top.retire",
                    "TOP.socsim_tb_top.insn_w", "TOP.socsim_tb_top.rf_we", "TOP.socsim_tb_top.rf_idx", "TOP.socsim_tb_top.rf_data",
                    "TOP.socsim_tb_top.lm32.D_CYC_O", "TOP.socsim_tb_top.lm32.D_WE_O", "TOP.socsim_tb_top.lm32.D_ADR_O",
                    "TOP.socsim_tb_top.lm32.D_DAT_O", "TOP.socsim_tb_top.lm32.D_SEL_O", "TOP.socsim_tb_top.lm32.D_ACK_I",
                    "TOP.socsim_tb_top.lm32.cpu.instruction_unit"]
        let w = CycleVCD(writer: writer, bench: BenchConfig(), options: o)
        var failure: Error?
        m.observer = { obs in do { try w.record(obs) } catch { failure = error } }
        m.run(cycles: 41)
        try w.finish()
        if let failure { throw failure }
        try check("modelWindowCPUAndDataBus", bytes)
    }
}
