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
        #expect(d.vendorID == 0x1AB4)
        #expect(ls.edgeCount > 1000)
        print("enumeration: \(ls.edgeCount) edges, \(ls.comparisons) comparisons")
    }
}

extension EndpointLockStepTests {
    @Test func randomScenariosAgreeOnEveryEdge() throws {
        var edges = 0, comparisons = 0, diverged: [String] = []
        for seed in 1...20 as ClosedRange<UInt64> {
            let r = try EndpointScenarios.run(seed: seed)
            edges += r.edges
            comparisons += r.comparisons
            if let d = r.divergence { diverged.append("seed \(seed): \(d)") }
        }
        #expect(diverged.isEmpty, "\(diverged.prefix(5))")
        print("scenarios: 20, \(edges) edges, \(comparisons) comparisons, \(diverged.count) diverged")
    }
}
