import Attestation
import Foundation
import Testing

struct MissingChromium: Error, CustomStringConvertible {
    var description: String {
        "chromium is not on PATH: run scripts/test.sh, which installs Debian's chromium"
    }
}

/// The HTML report renders in a real browser: headless Chromium (Debian's
/// `chromium`, installed by scripts/test.sh) loads it from a file, logs no
/// console message, and its rendered DOM holds every SVG of the page.
/// The page carries no script, so any console line is the browser
/// complaining about the page (a blocked resource, a parse problem).
@Suite struct ReportRenderTests {
    struct Rendered {
        var status: Int32
        /// Console lines Chromium logged for the page (`INFO:CONSOLE` and
        /// any other level), its own start-up warnings left out.
        var console: [String]
        /// The DOM after loading, as `--dump-dom` prints it.
        var dom: String
    }

    func chromium() throws -> String {
        for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin").split(separator: ":") {
            let path = "\(dir)/chromium"
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        throw MissingChromium()
    }

    func render(_ html: String) throws -> Rendered {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("attest-render-\(getpid())-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let page = dir.appendingPathComponent("report.html")
        try html.write(to: page, atomically: true, encoding: .utf8)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: try chromium())
        // --no-sandbox: the suite runs as root in CI, where Chromium refuses its sandbox.
        p.arguments = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                       "--user-data-dir=\(dir.appendingPathComponent("profile").path)",
                       "--enable-logging=stderr", "--v=0", "--dump-dom", page.absoluteString]
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        // Read both pipes concurrently so that neither fills and blocks the browser.
        nonisolated(unsafe) var errData = Data()
        let reader = Thread { errData = err.fileHandleForReading.readDataToEndOfFile() }
        reader.start()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        while !reader.isFinished { usleep(1_000) }
        let log = String(decoding: errData, as: UTF8.self)
        let console = log.split(separator: "\n").map(String.init).filter { $0.contains(":CONSOLE") }
        return Rendered(status: p.terminationStatus, console: console, dom: String(decoding: outData, as: UTF8.self))
    }

    static func svgCount(_ text: String) -> Int { text.components(separatedBy: "<svg").count - 1 }

    @Test func reportRendersWithoutConsoleMessages() throws {
        let (records, deadline) = try ReportTests.sampleRounds(20, seed: 5)
        let thresholds = [DetectionThreshold(attacker: "emulation", steps: 1_024, parameter: 2, overheadPercent: 0.5,
                                             falsePositives: 0, deadlineCycles: deadline)]
        let html = HTMLReport(title: "Attestation render check", records: records, thresholds: thresholds).html
        let r = try render(html)
        #expect(r.status == 0)
        #expect(r.console.isEmpty, "\(r.console.joined(separator: "\n"))")
        #expect(r.dom.contains("Attestation render check"))
        #expect(Self.svgCount(r.dom) == Self.svgCount(html) && Self.svgCount(html) == Attacker.defaults.count + 1)
    }

    /// The check can fail: a page that writes to the console is caught.
    @Test func consoleMessagesAreCaught() throws {
        let r = try render("<!DOCTYPE html><html><head><title>x</title></head><body><p>x</p><script>console.error(\"broken page\")</script></body></html>")
        #expect(r.status == 0)
        #expect(r.console.contains { $0.contains("broken page") })
    }
}
