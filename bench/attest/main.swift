// The smallest overhead the calibrated deadline detects in every round, per
// timing attack, against the challenge length (docs/attestation.md). Built
// and run by bench/attest/run.sh [ROUNDS] [STEPS,...] [REPORT.html] in release mode; the figures are simulated
// time, so they do not depend on the machine.
import Attestation
import Automaton
import Foundation

let args = CommandLine.arguments
let rounds = Int(args.count > 1 ? args[1] : "200")!
let stepCounts: [UInt32] = args.count > 2 ? args[2].split(separator: ",").map { UInt32($0)! } : [1_024, 4_096, 16_384, 65_536]
// Optional: an HTML report of the thresholds (the chart of overhead against steps).
let htmlPath: String? = args.count > 3 ? args[3] : nil
// ATTEST_DEVICE=functional: the attest firmware on the functional SoC plays the rounds.
guard let device = DeviceKind(rawValue: ProcessInfo.processInfo.environment["ATTEST_DEVICE"] ?? "transaction") else {
    fatalError("ATTEST_DEVICE must be one of \(DeviceKind.allCases.map(\.rawValue))")
}
var thresholds: [DetectionThreshold] = []
print("rounds per point: \(rounds) (calibration 300), window 4 KiB, host 3 GHz, device 80 MHz, \(device.rawValue) device")
print("attacker     parameter                        steps   threshold  overhead  deadline  honest FP")
for family in AttackFamily.timing {
    for steps in stepCounts {
        var c = DriverConfig()
        c.plan.windowWords = 1_024
        c.plan.steps = steps
        let t = try Experiment(config: c, calibrationRounds: 300, rounds: rounds, seed: 2_026, device: device).threshold(family)
        thresholds.append(t)
        let pad = { (s: String, n: Int) in s + String(repeating: " ", count: max(0, n - s.count)) }
        let lpad = { (s: String, n: Int) in String(repeating: " ", count: max(0, n - s.count)) + s }
        let o = t.overheadPercent.map { String(Int(($0 * 100).rounded())) } ?? "-"
        let pct = o == "-" ? "-" : (o.count > 2 ? String(o.dropLast(2)) : "0") + "." + String(repeating: "0", count: max(0, 2 - o.count)) + o.suffix(2) + " %"
        print(pad(family.name, 12), pad(family.parameterName, 32), lpad("\(steps)", 6), lpad(t.parameter.map(String.init) ?? "-", 10),
              lpad(pct, 9), lpad("\(t.deadlineCycles)", 9), lpad("\(t.falsePositives)", 9))
    }
}
if let htmlPath {
    let report = HTMLReport(title: "Smallest detected overhead", summaries: [], records: [:], thresholds: thresholds)
    try report.html.write(toFile: htmlPath, atomically: true, encoding: .utf8)
}
