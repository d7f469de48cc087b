/// Small assembly kernels (GNU as syntax) that isolate one timing figure of
/// the LM32 reference (§4.4, §4.10). Each runs its body twice (the second
/// pass from warm caches) and ends through the test device. The figure is the
/// retirement-cycle distance from label `a` to label `b` in the second pass.
/// Shared by the model's timing tests and the lock-step conformance tests.
public struct TimingKernel: Sendable {
    public var name: String
    public var source: String
    /// The reference's figure (warm caches, 0 wait states), if it gives one.
    public var reference: Int?

    public init(_ name: String, reference: Int?, body: String) {
        self.name = name
        self.reference = reference
        self.source = """
                mvhi r10, 0x0000
                ori r10, r10, 0x9000
                mvi r1, 7
                mvi r2, 3
                mvi r20, 2
            outer:
            \(body)
                addi r20, r20, -1
                bne r20, r0, outer
                mvhi r12, 0xffff
                sw (r12+0), r0
            9:  bi 9b
            """
    }

    public static let all: [TimingKernel] = [
        TimingKernel("alu", reference: 1, body: """
            a:  add r3, r1, r2
            b:  add r4, r1, r2
            """),
        TimingKernel("bi", reference: 2, body: """
            a:  bi b
                add r4, r1, r2
            b:  add r5, r1, r2
            """),
        TimingKernel("backward taken", reference: 2, body: """
                mvi r5, 2
            b:  addi r5, r5, -1
            a:  bne r5, r0, b
            """),
        TimingKernel("backward not taken (mispredict)", reference: 4, body: """
                mvi r5, 1
            1:  addi r5, r5, -1
            a:  bne r5, r0, 1b
            b:  add r4, r1, r2
            """),
        TimingKernel("forward not taken", reference: 1, body: """
            a:  be r1, r2, 1f
            b:  add r4, r1, r2
            1:  add r5, r1, r2
            """),
        TimingKernel("forward taken (mispredict)", reference: 4, body: """
            a:  bne r1, r2, b
                add r4, r1, r2
            b:  add r5, r1, r2
            """),
        TimingKernel("calli", reference: 4, body: """
            a:  calli b
                bi 1f
            b:  ret
            1:
            """),
        TimingKernel("ret", reference: 4, body: """
                calli 2f
            b:  bi 1f
            2:
            a:  ret
            1:
            """),
        TimingKernel("divu", reference: 34, body: """
            a:  add r4, r1, r2
            b:  divu r3, r1, r2
            """),
        TimingKernel("divu, dependent", reference: 1, body: """
            a:  divu r3, r1, r2
            b:  add r4, r3, r2
            """),
        TimingKernel("load (hit), dependent", reference: 3, body: """
            a:  lw r3, (r10+0)
            b:  add r4, r3, r2
            """),
        TimingKernel("load, 1 independent, dependent", reference: 2, body: """
                lw r3, (r10+0)
            a:  add r5, r1, r2
            b:  add r4, r3, r2
            """),
        TimingKernel("mul, dependent", reference: 3, body: """
            a:  mul r3, r1, r2
            b:  add r4, r3, r2
            """),
        TimingKernel("cmp, dependent branch", reference: 2, body: """
            a:  cmpe r3, r1, r2
            b:  bne r3, r0, 1f
            1:
            """),
        TimingKernel("shift, dependent", reference: 2, body: """
            a:  sli r3, r1, 2
            b:  add r4, r3, r2
            """),
        TimingKernel("store, store (second)", reference: 2, body: """
                sw (r10+0), r1
            a:  sw (r10+4), r1
            b:  sw (r10+8), r1
            """),
        TimingKernel("store, load (hit)", reference: 2, body: """
            a:  sw (r10+0), r1
            b:  lw r4, (r10+4)
            """),
        TimingKernel("uncached load", reference: 3, body: """
                mvhi r11, 0x8000
            a:  add r4, r1, r2
            b:  lw r3, (r11+0)
            """),
        TimingKernel("wcsr DCC", reference: 257, body: """
            a:  wcsr DCC, r0
            b:  add r4, r1, r2
            """),
        TimingKernel("wcsr ICC", reference: nil, body: """
            a:  wcsr ICC, r0
            b:  nop
                nop
                nop
                nop
                add r4, r1, r2
            """),
        TimingKernel("D-cache miss load", reference: 12, body: """
                mvhi r11, 0x0000
                ori r11, r11, 0xa000
                lw r4, (r10+0)
            a:  add r5, r1, r2
            b:  lw r3, (r11+0)
            """),
    ]
}
