// Running a program on the RTL bench until it writes the test device's end
// register, collecting what it reported. Cycle budgets only: no wall clock.

/// What a program reported through the unit-test device and the character port.
public struct RTLTestDeviceReport: Sendable, Equatable {
    public struct Result: Sendable, Equatable {
        /// The name last written to 0xFFFF0008 ("" if none).
        public var name: String
        public var passed: Bool
        /// The value written to 0xFFFF0004 (0 = pass).
        public var value: UInt32
        /// The cycle of the write's ACK.
        public var cycle: UInt64
    }
    public var results: [Result] = []
    /// Characters written to 0xFF000000.
    public var output: String = ""
    /// Whether the program wrote the end register.
    public var ended = false
    /// The cycle of the end write's ACK, or the cycle reached when the budget ran out.
    public var cycle: UInt64 = 0

    public var failures: [Result] { results.filter { !$0.passed } }
}

extension RTLModel {
    /// Step until the program writes the end register or `maxCycles` cycles
    /// (counted from now) have passed.
    public func runTestProgram(maxCycles: UInt64) throws(RTLError) -> RTLTestDeviceReport {
        var report = RTLTestDeviceReport()
        var name = ""
        var left = maxCycles
        var bytes: [UInt8] = []
        while left > 0 {
            left -= try step(left, until: .testDevice)
            let o = try observe()
            report.cycle = o.cycle
            let ev = o.events
            if ev.isEmpty { break }
            if ev.contains(.testName) {
                name = try readCString(at: o.tdev_data & 0xFFFF, limit: 64)
            }
            if ev.contains(.testResult) {
                report.results.append(.init(name: name, passed: o.tdev_data == 0, value: o.tdev_data, cycle: o.cycle))
            }
            if ev.contains(.character) {
                bytes.append(UInt8(truncatingIfNeeded: o.tdev_data))
            }
            if ev.contains(.testEnd) {
                report.ended = true
                break
            }
        }
        report.output = String(decoding: bytes, as: UTF8.self)
        return report
    }
}
