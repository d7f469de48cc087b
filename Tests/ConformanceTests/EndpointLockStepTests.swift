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
