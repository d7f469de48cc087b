// Speed of the cycle model (LM32Cycle) on the CPU-bound loop of
// RTL/bench/driver.cpp (same words). Built and run by
// bench/lm32cycle/run.sh in release mode.
import Foundation
import LM32
import LM32Cycle

let program: [UInt32] = [
    0x9800_0000, 0x3401_0000, 0x3421_0001, 0xB441_1000, 0x9841_1800,
    0x3C24_0003, 0xC883_2800, 0x5805_1000, 0x2806_1000, 0xE3FF_FFF9,
]
let args = CommandLine.arguments
let cycles = UInt64(args.count > 1 ? args[1] : "20000000")!
let repeats = Int(args.count > 2 ? args[2] : "3")!
for config in [CoreConfig.testbenchNoCache, .testbenchCache] {
    var best = Double.infinity
    var check = ""
    for _ in 0..<repeats {
        let m = LM32CycleMachine(config: config)
        var bytes: [UInt8] = []
        for w in program { bytes += [UInt8(w >> 24), UInt8(truncatingIfNeeded: w >> 16), UInt8(truncatingIfNeeded: w >> 8), UInt8(truncatingIfNeeded: w)] }
        m.load(bytes, at: 0)
        var ts = timespec(), te = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
        m.run(cycles: cycles)
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &te)
        let s = Double(te.tv_sec - ts.tv_sec) + Double(te.tv_nsec - ts.tv_nsec) * 1e-9
        best = min(best, s)
        check = "cycle \(m.cycle) retired \(m.retiredCount) r2=0x\(String(m.regs[2], radix: 16))"
    }
    print("\(config.name): \(String(format: "%.1f", Double(cycles) / best / 1e6)) Mcycles/s (best of \(repeats), \(cycles) cycles; \(check))")
}

// Idle: enable an interrupt line and spin on a branch-to-self (idle skipping).
let idle: [UInt32] = [
    0x9800_0000, // xor  r0, r0, r0
    0x3401_0001, // addi r1, r0, 1
    0xD021_0000, // wcsr IM, r1
    0xD001_0000, // wcsr IE, r1
    0xE000_0000, // bi   .
]
for config in [CoreConfig.testbenchNoCache, .testbenchCache] {
    let m = LM32CycleMachine(config: config)
    var bytes: [UInt8] = []
    for w in idle { bytes += [UInt8(w >> 24), UInt8(truncatingIfNeeded: w >> 16), UInt8(truncatingIfNeeded: w >> 8), UInt8(truncatingIfNeeded: w)] }
    m.load(bytes, at: 0)
    let n: UInt64 = 1_000_000_000
    var ts = timespec(), te = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
    m.run(cycles: n)
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &te)
    let s = Double(te.tv_sec - ts.tv_sec) + Double(te.tv_nsec - ts.tv_nsec) * 1e-9
    print("\(config.name) idle: \(String(format: "%.0f", Double(n) / s / 1e6)) Mcycles/s (\(n) cycles in \(String(format: "%.3f", s)) s, \(m.skippedCycles) skipped)")
}
