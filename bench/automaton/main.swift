// Speed of the reference automaton (Sources/Automaton) on one core: steps per
// second over windows of 4 KiB to 16 MiB of pseudo-random words, a random
// 64-state table, 8 environment words. Built and run by bench/automaton/run.sh
// in release mode; the digests printed make the runs checkable.
import Automaton
import Foundation
import SimKernel

/// CPU time of this thread: other processes on the machine do not count.
func cpuNanoseconds() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
    return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
}

let args = CommandLine.arguments
let steps = UInt32(args.count > 1 ? args[1] : "50000000")!
let repeats = Int(args.count > 2 ? args[2] : "3")!
let base: UInt32 = 0x0010_0000
let table = try StateTable.random(seed: 1)
let env = try Environment((0..<8).map { UInt32($0) &* 0x0101_0101 })
print("steps per run: \(steps), best of \(repeats)")
for log2Bytes in [12, 16, 20, 24] {
    let words = 1 << (log2Bytes - 2)
    var g = SplitMix64(seed: UInt64(log2Bytes))
    let image = ByteImage(words: (0..<words).map { _ in UInt32(truncatingIfNeeded: g.next()) }, at: base)
    let c = try Challenge(nonce: 0x0123_4567_89AB_CDEF, window: try Window(base: base, words: UInt32(words)),
                          steps: steps, table: table, environment: env)
    var best = Double.infinity
    var digest: UInt64 = 0
    for _ in 0..<repeats {
        let t0 = cpuNanoseconds()
        let r = c.run(on: image)
        let t1 = cpuNanoseconds()
        best = min(best, Double(t1 - t0) / 1e9)
        digest = r.digest
    }
    let kib = (1 << log2Bytes) / 1024
    print(String(format: "window %6d KiB: %7.1f M steps/s (%.2f ns/step), digest %016llx",
                 kib, Double(steps) / best / 1e6, best * 1e9 / Double(steps), digest))
}
