import Foundation
import LM32
import LM32Asm
import SoC
import SoCSimTestSupport
import Testing

/// The 62 non-MMU unit tests of the LM32 RTL package (pythondata-cpu-lm32
/// 0.0.post199), read in place from the installed package, assembled by our
/// assembler with their crt.S and linker.ld layout, and run on the functional
/// core. `test_mmu.S` is excluded: our profiles have no MMU (DESIGN.md §4).
@Suite struct UnitTests {
    static let names: [String] = (try? Upstream.nonMMUUnitTests()) ?? []

    @Test func packageIsInstalledAndComplete() throws {
        let names = try Upstream.nonMMUUnitTests()
        #expect(names.count == 62, "expected the 62 non-MMU unit tests, found \(names.count)")
    }

    @Test(arguments: names, CoreConfig.profiles)
    func upstreamTest(name: String, profile: CoreConfig) throws {
        let dir = try Upstream.unitTestsDirectory()
        let crt = try Assembler.assemble(file: dir.appendingPathComponent("crt.S").path)
        let test = try Assembler.assemble(file: dir.appendingPathComponent(name).path)
        let image = try Linker.link([crt, test], layout: .unitTests)

        let machine = TestbenchMachine(config: profile)
        machine.load(ProgramImage(image))
        let reason = machine.run(maxCycles: 1_000_000)
        #expect(reason == .finished, "\(name) did not end (\(reason)) after \(machine.core.retired) instructions")
        let cases = machine.testCases
        #expect(!cases.isEmpty, "\(name) reported no test case")
        for c in cases where !c.passed {
            Issue.record("\(name): test case \(c.name) FAILED")
        }
    }
}
