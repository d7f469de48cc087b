import Foundation
import Testing
import LM32
import LM32Asm
import LM32Cycle
import SimBus
import SoCSimTestSupport

/// The upstream bench for the functional core: 64 KiB RAM (reads wrap, writes
/// only below 64 KiB), the test device's end and result registers.
final class FunctionalBench: LM32Bus {
    var ram = WordMemory(base: 0, byteCount: 0x1_0000)
    var finished = false
    var results: [UInt32] = []
    func fetch(_ address: UInt32) -> BusResult { .ok(ram.word(at: address)) }
    func read(_ address: UInt32, sel: UInt8) -> BusResult { .ok(ram.word(at: address)) }
    func write(_ address: UInt32, data: UInt32, sel: UInt8) -> Bool {
        if address >> 16 == 0 { ram.write(at: address, data: data, sel: sel) }
        if address == 0xFFFF_0000 { finished = true }
        if address == 0xFFFF_0004 { results.append(data) }
        return true
    }
}

final class Collect: TraceSink {
    var retired: [Retirement] = []
    func retire(_ r: Retirement) { retired.append(r) }
}

/// The upstream unit tests on the cycle model: every test case passes, and
/// the retirement trace (pc, word, effects) equals the functional core's.
@Suite struct ArchitecturalTests {
    static func build(_ test: String) throws -> LinkedImage {
        let dir = try Upstream.unitTestsDirectory()
        let inc = [dir.path]
        let crt = try Assembler.assemble(file: dir.appendingPathComponent("crt.S").path, includePaths: inc)
        let obj = try Assembler.assemble(file: dir.appendingPathComponent(test).path, includePaths: inc)
        return try Linker.link([crt, obj], layout: .unitTests)
    }

    @Test(arguments: [CoreConfig.testbenchNoCache, .testbenchCache])
    func unitTestsMatchTheFunctionalCore(config: CoreConfig) throws {
        let tests = try Upstream.nonMMUUnitTests()
        #expect(tests.count == 62)
        for t in tests {
            let img = try Self.build(t)
            // functional core
            let bus = FunctionalBench()
            for s in img.segments { bus.ram.load(s.bytes, at: s.address) }
            let core = LM32Core(config: config, bus: bus)
            core.setPC(0)
            let sink = Collect()
            core.trace = sink
            while !bus.finished && core.retired < 1_000_000 { core.step() }
            #expect(bus.finished, "\(t): functional core did not finish")
            #expect(!bus.results.isEmpty && bus.results.allSatisfy { $0 == 0 }, "\(t): functional core results \(bus.results)")
            // cycle model
            let (m, r) = run(img, config: config, waits: 0, maxCycles: 2_000_000)
            #expect(m.ended, "\(t): cycle model did not finish")
            var cases = 0
            for case let .result(_, name, value) in m.benchEvents {
                cases += 1
                #expect(value == 0, "\(t): \(name) failed on the cycle model")
            }
            #expect(cases > 0, "\(t): no test case reported")
            let n = sink.retired.count
            #expect(r.count >= n, "\(t): \(r.count) retirements, functional \(n)")
            for (i, (a, b)) in zip(sink.retired, r).enumerated() where a.pc != b.pc || a.word != b.word || a.effects != b.effects {
                Issue.record("\(t): retirement \(i) differs: functional pc 0x\(String(a.pc, radix: 16)) \(a.word) \(a.effects), cycle model pc 0x\(String(b.pc, radix: 16)) \(b.word) \(b.effects)")
                break
            }
        }
    }
}
