import Testing
import LM32
@testable import LM32Cycle

/// A trace's ops in one step each, against the per-cycle model's datapath.
/// A trace runs a divide or modulus as one step (`dividerResult`), where
/// the per-cycle model runs the divider's 32 steps of restoring division
/// (`restoringStep`, which `divideStep` takes): the two agree on every
/// operand pair tried, divisors from 2^31 up (where the RTL's 33-bit
/// difference drops the shifted remainder's top bit) among them.
@Suite struct TraceStepTests {
    typealias Core = CycleCore<BenchBus>

    static func operands(_ n: Int) -> [(UInt32, UInt32)] {
        var seed: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next() -> UInt32 {
            seed ^= seed << 13; seed ^= seed >> 7; seed ^= seed << 17
            return UInt32(truncatingIfNeeded: seed)
        }
        var pairs: [(UInt32, UInt32)] = [(0, 0), (1, 0), (0, 1), (0x8000_0000, 0x7FFF_FFFF), (0x7FFF_FFFF, 0x8000_0000), (.max, 0),
                                         (0, .max), (.max, .max)]
        for _ in 0..<n {
            let a = next(), b = next()
            pairs += [(a, b), (a, a), (a, b >> (b & 31)), (a >> (a & 31), b)]
        }
        return pairs
    }

    /// A compare's or branch's condition with the adder subtracting, as
    /// the comparisons, is the adder's flags' (`xCondition`) for every
    /// condition code.
    @Test func conditionsAreTheAddersFlags() {
        let f = TraceStep.subtracts | TraceStep.adderOp
        for (a, b) in Self.operands(2_000) {
            let (sum, carry) = Core.xAdder(a, b, adderOp: true, adderOpXN: false)
            for c in UInt8(0)..<8 {
                #expect(TraceStep.compare(a, b, c) == Core.xCondition(a, b, sum: sum, carry: carry, condition: c),
                        "condition \(c) on \(a), \(b)")
                #expect(Core.traceCondition(a, b, f, c) == Core.xCondition(a, b, sum: sum, carry: carry, condition: c),
                        "condition \(c) on \(a), \(b)")
            }
        }
    }

    static func stepped(_ a0: UInt32, _ b: UInt32) -> (quotient: UInt32, remainder: UInt32) {
        var a = a0, p: UInt32 = 0
        for _ in 0..<32 { (a, p) = Core.restoringStep(a: a, p: p, b: b) }
        return (a, p)
    }

    @Test func oneStepIsThirtyTwo() {
        var seed: UInt64 = 0x2545_F491_4F6C_DD1D
        func next() -> UInt32 {
            seed ^= seed << 13; seed ^= seed >> 7; seed ^= seed << 17
            return UInt32(truncatingIfNeeded: seed)
        }
        var pairs: [(UInt32, UInt32)] = [(0, 1), (.max, 1), (.max, .max), (0x8000_0000, 0x8000_0000), (0xFFFF_FFFE, 0x8000_0001),
                                         (10, 3), (7, 0xFFFF_FFFF)]
        for _ in 0..<4_000 {
            let a = next(), b = next()
            pairs.append((a, b))
            pairs.append((a, b >> (b & 31)))
        }
        var large = 0
        for (a, b) in pairs where b != 0 {
            let s = Self.stepped(a, b)
            #expect(Core.dividerResult(a, b, remainder: false) == s.quotient, "\(a) / \(b)")
            #expect(Core.dividerResult(a, b, remainder: true) == s.remainder, "\(a) % \(b)")
            if b >> 31 != 0 { large += 1 }
        }
        #expect(Core.dividerResult(5, 0, remainder: false) == nil)
        #expect(large > 1_000)
    }

    /// A replay table frees its traces when it is cleared and with its
    /// machine (a family's first trace holds the family, itself included).
    @Test(arguments: [CoreConfig.testbenchNoCache, .testbenchCache]) func tracesAreFreed(_ config: CoreConfig) throws {
        let img = try assemble("""
                mvi r1, 0
            1:  addi r1, r1, 1
                addi r2, r2, 3
                xor r3, r1, r2
                sli r4, r3, 2
                bi 1b
            """)
        weak var filed: FastTrace?
        do {
            let m = LM32CycleMachine(config: config)
            for s in img.segments { m.load(s.bytes, at: s.address) }
            m.run(cycles: 100_000)
            let table = m.core.replayTable.value
            filed = table.traces.first
            #expect(filed != nil, "the loop was filed as a trace")
            #expect(m.fastPathStats.traceIterations > 1_000, "its iterations ran as traces")
            table.clear()
            #expect(filed == nil, "freed when the table is cleared")
            m.run(cycles: 100_000)
            filed = table.traces.first
            #expect(filed != nil, "filed again")
        }
        #expect(filed == nil, "freed with the machine")
    }
}
