import Foundation
import Testing
import LM32
import LM32Asm
import LM32Cycle
import Conformance
import Verilated

/// The comparison can fail: a model whose observations are altered through the
/// test-only hook is reported at the right cycle and field.
@Suite struct ComparatorTests {
    @Test func aWrongLatencyIsReportedAtItsCycle() throws {
        let k = try #require(TimingKernel.all.first { $0.name == "divu" })
        let img = try Linker.link([try Assembler.assemble(source: k.source, fileName: "divu.S")], layout: .unitTests)
        let lib = try RTLLibrary.load(.testbenchCache)
        let stim = Stimulus(memory: img.segments.map { ($0.address, $0.bytes) }, maxCycles: 20_000)
        // the honest model agrees
        let good = try LockStep.run(stim, config: .testbenchCache, library: lib)
        #expect(good.divergence == nil && good.ended)
        // find the divu's retirement cycle on the model
        let m = LM32CycleMachine(config: .testbenchCache)
        for s in img.segments { m.load(s.bytes, at: s.address) }
        var divuCycle: UInt64?
        let b = try #require(img.address(of: "b"))
        m.trace = { r in if r.pc == b && divuCycle == nil { divuCycle = r.cycle } }
        m.runUntilEnd(maxCycles: 20_000)
        let c = try #require(divuCycle)
        // a model that retires the divide one cycle early (33 instead of 34)
        let vcd = FileManager.default.temporaryDirectory.appendingPathComponent("lockstep-divergence-\(getpid()).vcd").path
        defer { try? FileManager.default.removeItem(atPath: vcd) }
        let bad = try LockStep.run(stim, config: .testbenchCache, library: lib, rtlVCD: vcd) { o in
            if o.cycle == c - 1 { o.retire = true; o.pcW = b }
        }
        let d = try #require(bad.divergence)
        #expect(d.cycle == c - 1)
        #expect(d.field == "retire")
        #expect(d.model == 1 && d.rtl == 0)
        #expect(d.description.contains("divergence at cycle \(c - 1): retire"))
        #expect(d.rtlHistory.count <= 16 && !d.rtlHistory.isEmpty)
        // the RTL's VCD of the run up to the divergence
        let text = try String(contentsOfFile: vcd, encoding: .utf8)
        #expect(text.contains("$timescale") && text.contains("#"))
    }
}
