import Foundation
import Testing
import SoC

/// The RTL's arbiter and answer routing are what `socsim generate` makes of
/// the SoC description's masters now.
@Suite struct InterconnectVerilogTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    @Test func generatedInterconnectIsCurrent() throws {
        let soc = try SoCDescription.milkymist()
        for f in soc.interconnectVerilog() + [soc.clockVerilog()] {
            let onDisk = try String(contentsOf: Self.root.appendingPathComponent(f.path), encoding: .utf8)
            #expect(onDisk == f.text, "\(f.path) is stale: run `swift run socsim generate`")
        }
    }

    /// Three masters: a two-bit owner, the priority chain in declared order.
    @Test func moreMastersWidenTheArbiter() throws {
        let soc = try SoCDescription.milkymist().with(masters: SoCDescription.cpuMasters + [BusMaster("coprocessor", signal: "c")])
        let a = try #require(soc.interconnectVerilog().first).text
        #expect(a.contains("wire [2:0] req_v = {c_cyc, i_cyc, d_cyc};"))
        #expect(a.contains("wire [1:0] gnt = keep ? owner_q : req_v[0] ? 2'd0 : req_v[1] ? 2'd1 : 2'd2;"))
        #expect(a.contains("wire [31:0] m_adr   = gnt == 2'd1 ? i_adr : gnt == 2'd2 ? c_adr : d_adr;"))
        #expect(throws: SoCDescriptionError.self) { try soc.with(masters: soc.masters + [BusMaster("x", signal: "d")]) }
    }
}
