import Automaton
import Foundation
import SimKernel
import SoCSimTestSupport
import Testing

/// The worked examples of docs/automaton.md, parsed from the page and
/// recomputed. `RECORD_AUTOMATON_EXAMPLES=1 swift test --filter
/// WorkedExampleTests` rewrites their result lines from the reference.
struct WorkedExample {
    static var doc: URL { AutomatonDoc.url }
    /// Keys the reference computes; the others are inputs.
    static let resultKeys: Set<String> = ["digest", "final-state", "steps-done", "trace"]

    var lines: AutomatonDoc.Example

    func values(_ key: String) -> [String] { lines.values(key) }
    func value(_ key: String) -> String? { values(key).first }
    func number(_ key: String) throws -> UInt64 {
        let v = try #require(value(key), "example lacks \(key)")
        return try #require(parseNumber(v), "bad number \(key) = \(v)")
    }

    var name: String { value("name") ?? "?" }

    /// The example's challenge and memory.
    func inputs() throws -> (Challenge, ByteImage, traceSteps: Int) {
        let window = try Window(base: UInt32(try number("base")), words: UInt32(try number("words")))
        let table: StateTable
        if let r = value("random-table") {
            let f = r.split(separator: " ").compactMap { parseNumber($0) }
            table = try StateTable.random(seed: f[0], states: Int(f[1]))
        } else {
            table = try StateTable(text: values("table").joined(separator: "\n"))
        }
        let env = try Environment((value("env") ?? "").split(separator: ",").map {
            UInt32(try #require(parseNumber($0.trimmingCharacters(in: .whitespaces))))
        })
        let image = try #require(value("image"))
        var words = [UInt32](repeating: 0, count: Int(window.words))
        if image.hasPrefix("splitmix ") {
            var g = SplitMix64(seed: try #require(parseNumber(image.dropFirst("splitmix ".count))))
            for i in words.indices { words[i] = UInt32(truncatingIfNeeded: g.next()) }
        } else {
            #expect(image == "zero", "unknown image \(image)")
        }
        let c = try Challenge(nonce: try number("nonce"), window: window, steps: UInt32(try number("steps")),
                              table: table, environment: env)
        return (c, ByteImage(words: words, at: window.base), Int(value("trace-steps").flatMap { parseNumber($0) } ?? 0))
    }

    /// The result lines the reference gives for the example's inputs.
    func computedResults() throws -> [(key: String, value: String)] {
        let (c, image, traceSteps) = try inputs()
        var out: [(key: String, value: String)] = []
        var s = AutomatonState(nonce: c.nonce)
        for n in stride(from: 1, through: traceSteps, by: 1) {
            let p = s.address(in: c.window)
            let w = try #require(image.word(at: p))
            s.step(word: w, at: p, entry: c.table.entries[Int(s.state)], environment: c.environment)
            out.append(("trace", "\(n) \(hex(p)) \(hex(w)) \(s.state) \(hex(s.a)) \(hex(s.b))"))
        }
        let r = c.run(on: image)
        out.append(("digest", "0x" + String(format: "%016llx", r.digest)))
        out.append(("final-state", "\(r.finalState)"))
        out.append(("steps-done", "\(r.stepsDone)"))
        return out
    }
}

func hex(_ v: UInt32) -> String { "0x" + String(format: "%08x", v) }

@Suite struct WorkedExampleTests {
    @Test func docExamplesMatchTheReference() throws {
        var text = try String(contentsOf: WorkedExample.doc, encoding: .utf8)
        let examples = AutomatonDoc.parse(text).map { (WorkedExample(lines: $0.example), $0.body) }
        #expect(examples.count >= 5, "docs/automaton.md should have its worked examples")
        if ProcessInfo.processInfo.environment["RECORD_AUTOMATON_EXAMPLES"] != nil {
            var lines = text.components(separatedBy: "\n")
            for (e, body) in examples.reversed() {
                let inputs = e.lines.filter { !WorkedExample.resultKeys.contains($0.key) }
                let width = (inputs.map(\.key) + ["final-state"]).map(\.count).max()!
                func line(_ kv: (key: String, value: String)) -> String {
                    kv.key + String(repeating: " ", count: width - kv.key.count) + " = " + kv.value
                }
                lines.replaceSubrange(body, with: (inputs + (try e.computedResults())).map(line))
            }
            text = lines.joined(separator: "\n")
            try text.write(to: WorkedExample.doc, atomically: true, encoding: .utf8)
            return
        }
        for (e, _) in examples {
            let expected = e.lines.filter { WorkedExample.resultKeys.contains($0.key) }
            let computed = try e.computedResults()
            #expect(expected.map(\.key) == computed.map(\.key), "example \(e.name): result lines")
            for (x, c) in zip(expected, computed) {
                #expect(x.value == c.value, "example \(e.name): \(x.key) is \(c.value), the doc says \(x.value)")
            }
        }
    }
}
