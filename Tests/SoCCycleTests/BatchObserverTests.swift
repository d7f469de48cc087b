import LM32
import LM32Asm
import LM32Cycle
import SoC
import SoCCycle
import Testing

/// A batch observer sees exactly the observations an observer sees, cycle
/// by cycle, whether the cycles come from `run` (batches of up to 1 024) or
/// from `step` (batches of one): the timer firmware on the SoC and the
/// benchmark loop on the test bench.
@Suite struct BatchObserverTests {
    static func collect(_ batch: UnsafeBufferPointer<CycleObservation>, into all: inout [CycleObservation]) {
        all.append(contentsOf: batch)
    }

    /// The first cycle whose observations differ (nil: none; the counts are checked apart).
    static func firstDifference(_ a: [CycleObservation], _ b: [CycleObservation]) -> String? {
        guard let i = a.indices.first(where: { $0 < b.count && a[$0] != b[$0] }) else { return nil }
        return "cycle \(i):\nobserver: \(a[i])\nbatch:    \(b[i])"
    }

    @Test func socTimerFirmware() throws {
        let image = ProgramImage(try Toolchain.firmware(.timer, for: try SoCDescription.milkymist()))
        func machine() throws -> MilkymistCycleMachine {
            let m = try MilkymistCycleMachine()
            m.load(image)
            return m
        }
        let a = try machine(), b = try machine()
        var perCycle: [CycleObservation] = [], batched: [CycleObservation] = []
        a.observer = { perCycle.append($0) }
        b.batchObserver = { Self.collect($0, into: &batched) }
        _ = a.run(maxCycles: 60_000)
        _ = b.run(maxCycles: 59_990)
        for _ in 0..<10 { b.step() }
        #expect(perCycle.count == 60_000 && batched.count == 60_000)
        #expect(Self.firstDifference(perCycle, batched) == nil)
        #expect(a.peekObservation() == b.peekObservation())
    }

    @Test(arguments: [CoreConfig.testbenchNoCache, .testbenchCache])
    func benchLoop(config: CoreConfig) throws {
        let obj = try Assembler.assemble(source: """
                mvi r1, 0
            1:  addi r1, r1, 1
                sw (r0+0x4000), r1
                lw r2, (r0+0x4000)
                bi 1b
            """, fileName: "loop.S")
        let image = try Linker.link([obj], layout: .unitTests)
        func machine() -> LM32CycleMachine {
            let m = LM32CycleMachine(config: config, bench: BenchConfig(waitStates: 1))
            for s in image.segments { m.load(s.bytes, at: s.address) }
            return m
        }
        let a = machine(), b = machine()
        var perCycle: [CycleObservation] = [], batched: [CycleObservation] = []
        a.observer = { perCycle.append($0) }
        b.batchObserver = { Self.collect($0, into: &batched) }
        a.run(cycles: 5_000)
        b.step()
        b.runUntilEnd(maxCycles: 4_999)
        #expect(perCycle.count == 5_000 && batched.count == 5_000)
        #expect(Self.firstDifference(perCycle, batched) == nil)
    }
}
