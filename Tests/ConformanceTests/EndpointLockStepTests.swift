import Testing
import Conformance
import PCIe

/// The cycle-exact endpoint (PCIe.EndpointCycle) against the verilated RTL endpoint
/// (RTL/build.sh pcie-endpoint-bridge) under the same host: every output after every
/// edge of both clocks.
@Suite struct EndpointLockStepTests {
    @Test func enumerationAgreesOnEveryEdge() throws {
        let ls = try EndpointLockStep(seed: 1)
        let d = try ls.enumerate()
        try ls.drain()
        #expect(d.vendorID == 0x1AB4 && d.bar0Size == 4096)
        #expect(ls.edgeCount > 2000 && ls.comparisons == ls.edgeCount * EndpointPorts.outputs.count)
    }

    /// `socsim pcie enumerate --rtl` (the host reacting to the RTL's outputs) prints what
    /// the transaction-level model's enumeration prints, for two MPS/MRRS/RCB settings.
    @Test(arguments: [(128, 512, 64), (256, 128, 128)])
    func rtlEnumerationPrintsAsTheModel(_ setting: (Int, Int, Int)) throws {
        var hc = HostConfiguration()
        (hc.maxPayload, hc.maxReadRequest, hc.readCompletionBoundary) = setting
        let model = LspciFormatter.format(try PCIeSystem(host: hc).enumerate())
        let ls = try EndpointLockStep(host: hc)
        ls.driveFromRTL = true
        let rtl = LspciFormatter.format(try ls.enumerate())
        #expect(rtl == model)
        #expect(model.contains("Region 0: Memory at f0000000"))
    }

    /// The comparison can fail: a model with another device ID diverges on the CplD of
    /// the first configuration read, on tx_data in the user clock's domain.
    @Test func aDifferentModelIsCaught() throws {
        var ec = EndpointConfiguration()
        ec.configSpace.deviceID = 0x0002
        let ls = try EndpointLockStep(endpoint: ec)
        #expect {
            _ = try ls.enumerate()
        } throws: { e in
            guard let d = e as? EndpointDivergence else { return false }
            return d.signal == "tx_data" && d.clock == "pcie_user_clk" && d.model != d.rtl
        }
    }

    /// `socsim pcie storm --rtl`: the hostile storm with DMA both ways and MSIs; the RTL's
    /// counters (read through CSR bank 3, equal to the model's) sum up and match the host.
    @Test func stormOnTheRTLKeepsItsInvariants() throws {
        let r = try EndpointLockStepStorm.run(tlps: 600, seed: 2)
        #expect(r.violations.isEmpty, "\(r.text)")
        #expect(r.text.contains("invariants: all hold") && r.text.contains("UNEXPECTED_COMPLETIONS"))
    }

    /// Random scenarios (EndpointScenarios): storm TLPs, BAR0 traffic, doorbells,
    /// configuration changes, firmware CSR accesses, MSIs and DMA to the host. Longer
    /// runs: `socsim pcie lockstep --scenarios N` (BENCHMARKS.md).
    @Test func randomScenariosAgreeOnEveryEdge() throws {
        var edges = 0, comparisons = 0, diverged: [String] = []
        for seed in 1...200 as ClosedRange<UInt64> {
            let r = try EndpointScenarios.run(seed: seed)
            edges += r.edges
            comparisons += r.comparisons
            if let d = r.divergence { diverged.append("seed \(seed): \(d)") }
        }
        #expect(diverged.isEmpty, "\(diverged.prefix(5))")
        #expect(edges > 200 * 1000)
    }
}
