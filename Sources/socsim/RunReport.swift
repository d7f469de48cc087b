import ArgumentParser
import CycleWaves
import LM32Cycle
import SoCCycle
import Foundation
import Waves

/// The end of every `socsim run` (test bench or SoC; functional, cycle-exact
/// or RTL): the --stats line, the stop line on standard error, and the exit
/// code (README, "Exit codes").
struct RunReport {
    enum Stop { case ended, cycleLimit, interrupted, vcdSizeLimit(path: String, bytes: UInt64, limit: UInt64) }
    var stop: Stop
    var cycles: UInt64
    /// What --stats counts ("12 cycles, 5 instructions") and the unit of its rate.
    var measured: String
    var rateCount: UInt64
    var rateUnit = "cycles"
    /// The stop line of a run that ended ("program ended after 12 cycles").
    var endLine: String
    /// Failed test cases reported by the program (exit 1 when any).
    var failures = 0
    /// Lines --stats prints after the rate line (the idle-skipping summary).
    var statsDetail: String? = nil

    /// Host time of the run in nanoseconds.
    func finish(stats: Bool, elapsed: UInt64) throws {
        let err = Console.error
        if stats {
            let seconds = Double(elapsed) / 1e9
            err.write(Data(String(format: "socsim: %@ in %.3f s host time: %.2f million %@/s\n",
                                  measured, seconds, Double(rateCount) / max(seconds, 1e-9) / 1e6, rateUnit).utf8))
            if let statsDetail { err.write(Data(statsDetail.utf8)) }
        }
        switch stop {
        case .ended:
            err.write(Data("socsim: \(endLine)\n".utf8))
            if failures > 0 { throw ExitCode(Exit.simulationFailure) }
        case .cycleLimit:
            err.write(Data("socsim: cycle limit reached (\(cycles) cycles)\n".utf8))
            throw ExitCode(Exit.cycleLimit)
        case .interrupted:
            err.write(Data("socsim: interrupted after \(cycles) cycles\n".utf8))
            throw ExitCode(Exit.interrupted)
        case let .vcdSizeLimit(path, bytes, limit):
            err.write(Data(("socsim: VCD size limit reached after \(cycles) cycles: '\(path)' has \(bytes) bytes "
                + "(--vcd-max-bytes \(limit)); the VCD ends there. Raise --vcd-max-bytes (0: no limit) or set --max-cycles.\n").utf8))
            throw ExitCode(Exit.cycleLimit)
        }
    }
}

/// What the test bench's test device prints: characters as they are, a
/// test result as "TC name OK" or "TC name FAILED" (the functional, the
/// cycle-exact and the RTL bench alike).
struct TestDeviceText {
    private(set) var text = Data()
    private(set) var failures = 0

    mutating func character(_ c: UInt8) { text.append(c) }

    /// The text so far, removed (for printing as it comes).
    mutating func take() -> Data {
        defer { text = Data() }
        return text
    }

    mutating func result(_ name: String, passed: Bool) {
        if !passed { failures += 1 }
        text.append(Data("TC \(name) \(passed ? "OK" : "FAILED")\n".utf8))
    }
}

extension CycleRunOptions {
    /// --vcd for a cycle-exact run: the file and its `CycleVCD` with this
    /// run's window, scopes and writer thread (nil without --vcd).
    func openVCD(profile: String, top: CycleVCDTop) throws -> (file: OutputFile, vcd: CycleVCD)? {
        guard let vcdPath else { return nil }
        var o = CycleVCDOptions()
        o.fromCycle = vcdFrom
        o.toCycle = vcdTo ?? .max
        o.scopes = scopes
        if !scopes.isEmpty {
            // before the file is touched: declaring writes nothing
            let probe = CycleVCD(writer: VCDWriter { _ in }, top: top, options: o)
            if !probe.unmatchedScopes.isEmpty {
                throw InputError("--vcd-scope \(probe.unmatchedScopes.joined(separator: ", ")) matches no signal; the scopes of "
                                 + "\(top.module) are:\n  " + probe.availableScopes.joined(separator: "\n  "))
            }
        }
        let f = try OutputFile(path: vcdPath)
        let writer = VCDWriter(version: CycleVCD.versionLine(profile: profile, top: top)) { try f.write($0) }
        let w = CycleVCD(writer: writer, top: top, options: o)
        if vcdThread { w.startWriterThread() }
        return (f, w)
    }

    /// A --vcd-from window the run never reached: the file holds only the
    /// values of the cycle it stopped in (said on standard error).
    func warnIfWindowMissed(stoppedIn cycle: UInt64) {
        guard let vcd, vcdFrom > cycle else { return }
        Console.error.write(Data("socsim: warning: the run stopped in cycle \(cycle), before --vcd-from \(vcdFrom); \(vcd) holds the values of cycle \(cycle) only\n".utf8))
    }

    /// The VCD observes `machine`: in batches, or cycle by cycle when a
    /// trace is set (the machine then steps every cycle and hands batches
    /// to no one).
    func observe(_ machine: LM32CycleMachine, with w: CycleVCD) {
        if machine.trace != nil { machine.observer = { w.observe($0) } } else { machine.batchObserver = { w.observe(batch: $0) } }
    }

    func observe(_ machine: MilkymistCycleMachine, with w: CycleVCD) {
        if machine.trace != nil { machine.observer = { w.observe($0) } } else { machine.batchObserver = { w.observe(batch: $0) } }
    }
}
