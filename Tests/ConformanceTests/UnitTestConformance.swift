import Foundation
import Testing
import LM32
import LM32Asm
import LM32Cycle
import Conformance
import Verilated
import SoCSimTestSupport

/// The upstream unit tests, assembled and linked as their Makefile does.
enum UnitTestImages {
    static func build(_ test: String) throws -> LinkedImage {
        let dir = try Upstream.unitTestsDirectory()
        let inc = [dir.path]
        let crt = try Assembler.assemble(file: dir.appendingPathComponent("crt.S").path, includePaths: inc)
        let obj = try Assembler.assemble(file: dir.appendingPathComponent(test).path, includePaths: inc)
        return try Linker.link([crt, obj], layout: .unitTests)
    }

    static func memory(_ image: LinkedImage) -> [(UInt32, [UInt8])] {
        image.segments.map { ($0.address, $0.bytes) }
    }
}

func profileConfig(_ p: RTLProfile) -> CoreConfig {
    p == .testbenchCache ? .testbenchCache : .testbenchNoCache
}

@Suite(.serialized) struct UnitTestConformance {
    static let cases: [(RTLProfile, Int)] = [(.testbenchNocache, 0), (.testbenchNocache, 2), (.testbenchCache, 0), (.testbenchCache, 2)]

    @Test(arguments: cases)
    func upstreamUnitTestsInLockStep(profile: RTLProfile, waits: Int) throws {
        let lib = try RTLLibrary.load(profile)
        let tests = try Upstream.nonMMUUnitTests()
        #expect(tests.count == 62)
        let only = ProcessInfo.processInfo.environment["CONFORMANCE_ONLY"]
        for t in tests where only == nil || t.contains(only!) {
            let image = try UnitTestImages.build(t)
            let stim = Stimulus(memory: UnitTestImages.memory(image), bench: BenchConfig(waitStates: waits), maxCycles: 400_000)
            let r = try LockStep.run(stim, config: profileConfig(profile), library: lib)
            if let d = r.divergence {
                Issue.record("\(t) \(profile.rawValue) wait \(waits): \(d)")
                continue
            }
            #expect(r.ended, "\(t) \(profile.rawValue) wait \(waits): no end after \(r.cycles) cycles")
            for case let .result(_, name, value) in r.results where value != 0 {
                Issue.record("\(t): test case \(name) failed on the model")
            }
        }
    }

    /// Different wait states on the two ports (beyond the acceptance set).
    @Test(arguments: [RTLProfile.testbenchNocache, .testbenchCache], [(1, 3), (3, 0)])
    func upstreamUnitTestsWithAsymmetricWaitStates(profile: RTLProfile, waits: (Int, Int)) throws {
        let lib = try RTLLibrary.load(profile)
        for t in try Upstream.nonMMUUnitTests() {
            let image = try UnitTestImages.build(t)
            let bench = BenchConfig(instructionWaitStates: waits.0, dataWaitStates: waits.1)
            let r = try LockStep.run(Stimulus(memory: UnitTestImages.memory(image), bench: bench, maxCycles: 400_000),
                                     config: profileConfig(profile), library: lib)
            if let d = r.divergence { Issue.record("\(t) \(profile.rawValue) i\(waits.0) d\(waits.1): \(d)") }
            #expect(r.ended, "\(t): no end")
        }
    }
}
