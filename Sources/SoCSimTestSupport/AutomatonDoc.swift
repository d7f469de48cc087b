import Foundation

/// The worked examples of docs/automaton.md: fenced `automaton-example`
/// blocks of `key = value` lines (`#` starts a comment), read by the tests
/// that check the reference, the CLI and the RTL against them.
public enum AutomatonDoc {
    public typealias Example = [(key: String, value: String)]

    public static var url: URL { Upstream.repositoryRoot.appendingPathComponent("docs/automaton.md") }

    /// Every example of `text`, with the line range of its body.
    public static func parse(_ text: String) -> [(example: Example, body: Range<Int>)] {
        let lines = text.components(separatedBy: "\n")
        var out: [(Example, Range<Int>)] = []
        var i = 0
        while i < lines.count {
            if lines[i].trimmingCharacters(in: .whitespaces) == "```automaton-example" {
                var j = i + 1
                var kv: Example = []
                while j < lines.count, lines[j].trimmingCharacters(in: .whitespaces) != "```" {
                    let l = lines[j].split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false)[0]
                    if let eq = l.firstIndex(of: "=") {
                        kv.append((l[..<eq].trimmingCharacters(in: .whitespaces),
                                   l[l.index(after: eq)...].trimmingCharacters(in: .whitespaces)))
                    }
                    j += 1
                }
                out.append((kv, i + 1 ..< j))
                i = j
            }
            i += 1
        }
        return out
    }

    /// The example called `name` in docs/automaton.md.
    public static func example(_ name: String) throws -> Example {
        let text = try String(contentsOf: url, encoding: .utf8)
        guard let e = parse(text).first(where: { $0.example.contains { $0.key == "name" && $0.value == name } }) else {
            throw Upstream.Missing(description: "docs/automaton.md has no example \(name)")
        }
        return e.example
    }
}

extension Array where Element == (key: String, value: String) {
    /// The values of `key`, in order.
    public func values(_ key: String) -> [String] { filter { $0.key == key }.map(\.value) }
}
