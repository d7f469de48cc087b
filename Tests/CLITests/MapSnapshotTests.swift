import Foundation
import Testing

/// `socsim map` against its checked-in snapshot (Snapshots/map.txt). A change
/// to a register declaration, the memory map or an interrupt line changes this
/// output; re-record with `RECORD_SNAPSHOTS=1` and review the diff.
@Suite struct MapSnapshotTests {
    static let snapshot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Snapshots/map.txt")

    @Test func mapSnapshot() throws {
        let r = try CLI.run(["map"])
        #expect(r.status == 0, "stderr: \(r.stderr)")
        if ProcessInfo.processInfo.environment["RECORD_SNAPSHOTS"] == "1" {
            try r.stdout.write(to: Self.snapshot, atomically: true, encoding: .utf8)
            return
        }
        let expected = try String(contentsOf: Self.snapshot, encoding: .utf8)
        if r.stdout != expected {
            let got = r.stdout.split(separator: "\n", omittingEmptySubsequences: false)
            let want = expected.split(separator: "\n", omittingEmptySubsequences: false)
            let line = (0..<min(got.count, want.count)).first { got[$0] != want[$0] } ?? min(got.count, want.count)
            Issue.record("""
                socsim map differs from Snapshots/map.txt at line \(line + 1):
                  expected: \(line < want.count ? String(want[line]) : "<end>")
                  got:      \(line < got.count ? String(got[line]) : "<end>")
                (re-record with RECORD_SNAPSHOTS=1 if the change is intended)
                """)
        }
    }
}
