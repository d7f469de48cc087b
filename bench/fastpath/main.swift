// The cycle model's side of bench/fastpath/run.sh: a flat binary loaded at 0,
// run from reset for a number of cycles on a test-bench profile or the
// milkymist SoC, no observer, CPU time of the thread, best of REPEATS.
//   fastpath-bench PROFILE IMAGE CYCLES [REPEATS]
// FASTPATH=0 in the environment turns the instruction-level fast path off
// (the per-cycle model alone); TRACES=0 runs the fast path's replay without
// traces (docs/lm32-fastpath.md, "Traces"); TRACE_SHADOW=1 runs the traces' shadow
// check instead and prints its report; FASTPATH_STATS=1 prints the fast
// path's counts.
// Prints the rate and, as a check against the Verilator run, the stage PCs
// and the cycle counter of the cycle after the last edge.
import Foundation
import LM32
import LM32Cycle
import SoC
import SoCCycle

let args = CommandLine.arguments
guard args.count >= 4, let cycles = UInt64(args[3]) else {
    FileHandle.standardError.write("usage: fastpath-bench PROFILE IMAGE CYCLES [REPEATS]\n".data(using: .utf8)!)
    exit(2)
}
let profile = args[1]
let image = [UInt8](try! Data(contentsOf: URL(fileURLWithPath: args[2])))
let repeats = args.count > 4 ? Int(args[4])! : 3

func cpuSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
}

var best = Double.infinity
var stats = ""
var last = CycleObservation()
for _ in 0..<repeats {
    let seconds: Double
    switch profile {
    case "milkymist":
        // the card's SoC: the PCIe endpoint present and idle (no host traffic), its user
        // clock running from the same two reset edges as the Verilator driver's
        let m = MilkymistCycleMachine(soc: try! .milkymist(), pcie: PCIeSetup(enumerate: false, resetEdges: 2))
        m.load(image, at: 0)
        let t0 = cpuSeconds()
        _ = m.run(maxCycles: cycles)
        seconds = cpuSeconds() - t0
        last = m.peekObservation()
    case "testbench-nocache", "testbench-cache":
        let m = LM32CycleMachine(config: profile == "testbench-cache" ? .testbenchCache : .testbenchNoCache)
        m.fastPath = ProcessInfo.processInfo.environment["FASTPATH"] != "0"
        m.idleSkipping = ProcessInfo.processInfo.environment["IDLESKIP"] != "0"
        m.traces = ProcessInfo.processInfo.environment["TRACES"] != "0"
        m.load(image, at: 0)
        if ProcessInfo.processInfo.environment["TRACE_SHADOW"] == "1" {
            m.traceShadow = true
            m.run(cycles: cycles)
            print("shadow:", m.traceShadowReport)
            exit(0)
        }
        let t0 = cpuSeconds()
        m.run(cycles: cycles)
        seconds = cpuSeconds() - t0
        last = m.peekObservation()
        let s = m.fastPathStats
        stats = "fast path \(s.cycles) cycles in \(s.episodes) episodes, \(s.replayedCycles) replayed, "
            + "\(s.divideCycles) as divides' recurrence, \(s.traceIterations) trace iterations, \(s.traceCycles) cycles; "
            + "\(m.retiredCount) instructions retired"
    default:
        FileHandle.standardError.write("unknown profile \(profile)\n".data(using: .utf8)!)
        exit(2)
    }
    best = min(best, seconds)
}
if ProcessInfo.processInfo.environment["FASTPATH_STATS"] == "1" && !stats.isEmpty {
    FileHandle.standardError.write((stats + "\n").data(using: .utf8)!)
}
func hex(_ v: UInt32) -> String { "0x" + String(format: "%08x", v) }
print("model profile=\(profile) cycles=\(last.cycle) best=\(String(format: "%.3f", best)) s CPU "
      + "\(String(format: "%.3f", Double(cycles) / best / 1e6)) Mcycles/s pc_f=\(hex(last.pcF)) pc_w=\(hex(last.pcW)) cc=\(last.cc)")
