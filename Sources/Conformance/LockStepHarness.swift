// The lock-step loop both harnesses share (`LockStep` on the test bench,
// `SoCLockStep` on the milkymist SoC, the devices' tops to come): the RTL is
// stepped in chunks up to the next input change, the model one cycle at a
// time, and each cycle's observations are compared (`CycleComparison`)
// until the first divergence, the end of the run or the cycle limit.
import LM32Cycle
import Verilated

/// What a lock-step run drives on both sides of one top: its input
/// schedule, the model's steps and the end of the run.
protocol LockStepSides: AnyObject {
    /// The cycle of the next input change (nil: none left).
    var nextChange: UInt64? { get }
    /// Apply the change due now to both sides (the RTL re-evaluates its
    /// current cycle).
    func applyChange() throws
    /// The RTL's observation in the model's vocabulary, with what the bridge
    /// does not report (inputs as driven).
    func rtlView(_ o: RTLObservation) -> CycleObservation
    /// One model cycle; its observation.
    func stepModel() -> CycleObservation
    /// After cycle k compared equal (`rtl`: its RTL observation): the last
    /// cycle to compare once the run's end is known (nil: not yet).
    func lastCycle(after k: UInt64, rtl: CycleObservation) -> UInt64?
    /// Makes one RTL cycle and returns its observation, when the RTL needs inputs in
    /// every cycle (a host on the PCIe streams); nil: the RTL runs in chunks.
    var rtlStep: (() throws -> RTLObservation)? { get }
}

extension LockStepSides {
    var rtlStep: (() throws -> RTLObservation)? { nil }
}

/// How a lock-step run ended.
struct LockStepOutcome {
    /// Cycles compared.
    var cycles: UInt64
    /// The end of the run was seen (the last cycle to compare is known),
    /// also when a divergence came after it.
    var endSeen: Bool
    var retired: UInt64
    var divergence: Divergence?
    /// The RTL's observation of the cycle the run stopped in.
    var rtlLast: RTLObservation
}

enum LockStepHarness {
    /// Compare `sides` cycle by cycle on `rtl` (reset, inputs applied) for at
    /// most `maxCycles`. `lockedVCD`: the RTL writes a VCD, so it steps no
    /// further than the model (both files end at the same edge).
    static func run(_ sides: some LockStepSides, rtl: RTLModel, maxCycles: UInt64, lockedVCD: Bool,
                    mutate: ((inout CycleObservation) -> Void)?, observe: ((CycleObservation) -> Void)?) throws -> LockStepOutcome {
        var comparison = CycleComparison()
        let stepRTL = sides.rtlStep
        let chunk = lockedVCD || stepRTL != nil ? 1 : 1024
        var buffer = [RTLObservation](repeating: RTLObservation(), count: chunk)
        var rtlCurrent = try rtl.observe()
        var k: UInt64 = 0
        var last: UInt64? = nil
        func outcome(_ d: Divergence?) -> LockStepOutcome {
            LockStepOutcome(cycles: k, endSeen: last != nil, retired: comparison.retired, divergence: d, rtlLast: rtlCurrent)
        }
        while k < maxCycles {
            var n = UInt64(chunk)
            if let next = sides.nextChange { n = min(n, next > k ? next - k : 0) }
            if n == 0 {
                try sides.applyChange()
                rtlCurrent = try rtl.observe()
                continue
            }
            n = min(n, maxCycles - k)
            if let l = last { n = min(n, l + 1 - k) }
            let count = Int(n)
            if let stepRTL {
                buffer[0] = try stepRTL()
            } else {
                try buffer.withUnsafeMutableBufferPointer { p in
                    try rtl.stepObserving(into: UnsafeMutableBufferPointer(rebasing: p[0..<count]))
                }
            }
            for i in 0..<count {
                let r = sides.rtlView(rtlCurrent)
                var m = sides.stepModel()
                mutate?(&m)
                observe?(m)
                rtlCurrent = buffer[i]
                if let d = comparison.check(m, r, cycle: k) { return outcome(d) }
                if last == nil { last = sides.lastCycle(after: k, rtl: r) }
                k += 1
                if let l = last, k > l { return outcome(nil) }
            }
        }
        return outcome(nil)
    }
}
