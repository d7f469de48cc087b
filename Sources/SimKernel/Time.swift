/// Simulated time. Everything is an integer count of picoseconds; there is no
/// floating point anywhere in time arithmetic, and overflow traps.

/// A span of simulated time in picoseconds.
public struct Duration: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var picoseconds: UInt64
    public init(picoseconds: UInt64) { self.picoseconds = picoseconds }

    public static let zero = Duration(picoseconds: 0)
    public static func ps(_ v: UInt64) -> Duration { Duration(picoseconds: v) }
    public static func ns(_ v: UInt64) -> Duration { Duration(picoseconds: v * 1_000) }
    public static func us(_ v: UInt64) -> Duration { Duration(picoseconds: v * 1_000_000) }
    public static func ms(_ v: UInt64) -> Duration { Duration(picoseconds: v * 1_000_000_000) }

    public static func < (a: Duration, b: Duration) -> Bool { a.picoseconds < b.picoseconds }
    public static func + (a: Duration, b: Duration) -> Duration { Duration(picoseconds: a.picoseconds + b.picoseconds) }
    public static func - (a: Duration, b: Duration) -> Duration { Duration(picoseconds: a.picoseconds - b.picoseconds) }
    public static func * (a: Duration, n: UInt64) -> Duration { Duration(picoseconds: a.picoseconds * n) }

    public var description: String { "\(picoseconds) ps" }
}

/// A point in simulated time: picoseconds since the start of the run.
public struct Instant: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var picoseconds: UInt64
    public init(picoseconds: UInt64) { self.picoseconds = picoseconds }

    public static let zero = Instant(picoseconds: 0)
    public static func < (a: Instant, b: Instant) -> Bool { a.picoseconds < b.picoseconds }
    public static func + (a: Instant, d: Duration) -> Instant { Instant(picoseconds: a.picoseconds + d.picoseconds) }
    public static func - (a: Instant, b: Instant) -> Duration { Duration(picoseconds: a.picoseconds - b.picoseconds) }

    public var description: String { "@\(picoseconds) ps" }
}

/// A clock domain: a period in picoseconds. Cycle numbers are derived per domain.
public struct Clock: Hashable, Sendable {
    public let name: String
    public let period: Duration

    public init(name: String, period: Duration) {
        precondition(period.picoseconds > 0, "a clock period must be positive")
        self.name = name
        self.period = period
    }

    /// A clock from a frequency in hertz; the frequency must divide 10^12 exactly.
    public init?(name: String, hertz: UInt64) {
        guard hertz > 0, 1_000_000_000_000 % hertz == 0 else { return nil }
        self.init(name: name, period: .ps(1_000_000_000_000 / hertz))
    }

    /// The instant of the rising edge that starts cycle `n` (cycle 0 starts at time 0).
    public func instant(ofCycle n: UInt64) -> Instant { Instant(picoseconds: n * period.picoseconds) }

    /// The number of whole cycles completed at `t`.
    public func cycles(at t: Instant) -> UInt64 { t.picoseconds / period.picoseconds }
}
