import Foundation

/// The progress line on standard error: rounds done of the total, rounds per
/// second of host time and the estimated time left, rewritten in place with
/// `\r` at most `updatesPerSecond` times a second, and a final line with the
/// count and the time taken. Host (wall-clock) time is read here only, in the
/// command; the round driver sees a bare per-round call and its records are
/// the same with or without this display.
public final class Progress {
    public static let updatesPerSecond = 4

    private let total: Int
    private let clock = ContinuousClock()
    private let start: ContinuousClock.Instant
    private var lastDrawn: ContinuousClock.Instant
    private var done = 0
    private var drawnWidth = 0

    /// Shown when forced by `--progress`/`--no-progress`, else when standard error is a terminal.
    public static func enabled(forced: Bool?) -> Bool { forced ?? (isatty(STDERR_FILENO) == 1) }

    public init(total: Int) {
        self.total = total
        start = clock.now
        lastDrawn = start
    }

    /// One round finished; redraws when the last drawing is old enough.
    public func roundDone() {
        done += 1
        let now = clock.now
        if now - lastDrawn >= .milliseconds(1_000 / Self.updatesPerSecond) {
            lastDrawn = now
            draw("\(done)/\(total) rounds  \(Self.rate(done, now - start))  ETA \(eta(now))", end: "")
        }
    }

    /// The final line: the count and the host time taken.
    public func finish() {
        let elapsed = clock.now - start
        draw("\(done)/\(total) rounds  \(Self.rate(done, elapsed))  in \(Self.timeTaken(elapsed))", end: "\n")
    }

    private func eta(_ now: ContinuousClock.Instant) -> String {
        let s = Self.seconds(now - start)
        guard done > 0, s > 0 else { return "--:--" }
        return Self.clockText(s / Double(done) * Double(total - done))
    }

    /// Writes `\r` and the text, padded with spaces over a longer earlier line.
    private func draw(_ text: String, end: String) {
        let padding = String(repeating: " ", count: max(0, drawnWidth - text.count))
        drawnWidth = text.count
        FileHandle.standardError.write(Data(("\r" + text + padding + end).utf8))
    }

    static func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }

    static func rate(_ rounds: Int, _ elapsed: Duration) -> String {
        let s = seconds(elapsed)
        return s > 0 ? String(format: "%.1f rounds/s", Double(rounds) / s) : "- rounds/s"
    }

    /// Seconds to a tenth under a minute, else as `clockText`.
    static func timeTaken(_ d: Duration) -> String {
        let s = seconds(d)
        return s < 60 ? String(format: "%.1f s", s) : clockText(s)
    }

    /// `m:ss`, or `h:mm:ss` from an hour up.
    static func clockText(_ seconds: Double) -> String {
        let t = Int(seconds.rounded())
        let (h, m, s) = (t / 3600, t / 60 % 60, t % 60)
        return h > 0 ? String(format: "%d:%02d:%02d", h, m, s) : String(format: "%d:%02d", m, s)
    }
}
