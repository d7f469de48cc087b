// The upstream LM32 unit tests (pythondata-cpu-lm32 0.0.post199,
// verilog/test/unittests), assembled by LM32Asm with the upstream layout
// (crt.S first, linker.ld's placement) and run on the verilated RTL: every
// test case must report pass through the test device, and every program must
// reach its end write within the cycle budget.
import Foundation
import LM32Asm
import SoCSimTestSupport
import Testing
import Verilated

@Suite struct UpstreamUnitTestsOnRTL {
    /// Cycle budget per program (each ends within a few thousand cycles).
    static let maxCycles: UInt64 = 100_000

    struct Program: Sendable {
        var name: String
        var segments: [(UInt32, [UInt8])]
    }

    /// `verilog/test/unittests` of the installed PyPI package (SoCSimTestSupport).
    static func unitTestsDirectory() throws -> URL { try Upstream.unitTestsDirectory() }

    /// Every test but test_mmu.S (our profiles have no MMU), assembled once.
    static let programs: Result<[Program], Error> = Result {
        let dir = try unitTestsDirectory()
        let tests = try FileManager.default.contentsOfDirectory(atPath: dir.path)
            .filter { $0.hasPrefix("test_") && $0.hasSuffix(".S") && $0 != "test_mmu.S" }.sorted()
        return try tests.map { test in
            let crt = try Assembler.assemble(file: dir.appendingPathComponent("crt.S").path, includePaths: [dir.path])
            let obj = try Assembler.assemble(file: dir.appendingPathComponent(test).path, includePaths: [dir.path])
            let image = try Linker.link([crt, obj], layout: .unitTests)
            return Program(name: test, segments: image.segments.map { ($0.address, $0.bytes) })
        }
    }

    static let configurations: [(RTLProfile, UInt8)] = RTLProfile.allCases.flatMap { p -> [(RTLProfile, UInt8)] in [(p, 0), (p, 2)] }

    @Test(arguments: configurations)
    func everyTestCasePasses(profile: RTLProfile, wait: UInt8) throws {
        let programs = try Self.programs.get()
        #expect(programs.count == 62)
        let lib = try RTLLibrary.load(profile)
        var passedCases = 0
        for prog in programs {
            let m = try RTLModel(library: lib, options: benchOptions)
            var inp = RTLInputs.idle
            inp.i_wait = wait
            inp.d_wait = wait
            try m.setInputs(inp)
            for (addr, bytes) in prog.segments { try m.writeMemory(bytes, at: addr) }
            try m.reset()
            let r = try m.runTestProgram(maxCycles: Self.maxCycles)
            #expect(r.ended, "\(prog.name): no end write within \(Self.maxCycles) cycles")
            #expect(!r.results.isEmpty, "\(prog.name): reported no test case")
            for f in r.failures {
                Issue.record("\(prog.name): test case \(f.name) FAILED (value 0x\(String(f.value, radix: 16)), cycle \(f.cycle))")
            }
            passedCases += r.results.count - r.failures.count
            print("[rtl-unittest] \(profile.rawValue) wait \(wait) \(prog.name): \(r.results.count - r.failures.count)/\(r.results.count) pass, end at cycle \(r.cycle)")
        }
        print("[rtl-unittest] \(profile.rawValue) wait \(wait): \(passedCases) test cases passed")
    }
}
