import Testing
import LM32
import LM32Asm
import LM32Cycle
import Conformance
import Verilated

/// The timing kernels of the model's reference-figure tests, in lock-step
/// with the RTL: the figures the model reports are the RTL's.
@Suite struct TimingKernelConformance {
    @Test(arguments: [RTLProfile.testbenchNocache, .testbenchCache])
    func kernelsInLockStep(profile: RTLProfile) throws {
        let lib = try RTLLibrary.load(profile)
        for k in TimingKernel.all {
            let obj = try Assembler.assemble(source: k.source, fileName: "\(k.name).S")
            let img = try Linker.link([obj], layout: .unitTests)
            for w in 0...3 {
                for (iw, dw) in [(w, w), (w, 3 - w)] {
                    let stim = Stimulus(memory: img.segments.map { ($0.address, $0.bytes) },
                                        bench: BenchConfig(instructionWaitStates: iw, dataWaitStates: dw), maxCycles: 20_000)
                    let r = try LockStep.run(stim, config: profileConfig(profile), library: lib)
                    if let d = r.divergence { Issue.record("\(k.name) \(profile.rawValue) i\(iw) d\(dw): \(d)") }
                    #expect(r.ended, "\(k.name) \(profile.rawValue) i\(iw) d\(dw): no end")
                }
            }
        }
    }
}
