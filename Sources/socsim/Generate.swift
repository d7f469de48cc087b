import ArgumentParser
import Foundation
import ObservationSchema

/// Writes the files derived from the observation schema (docs/observation.md).
/// Hidden: a development tool, run from the repository root after editing
/// Sources/ObservationSchema/Schema.swift.
struct GenerateObservation: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate-observation",
        abstract: "Regenerate the files derived from the observation schema.",
        shouldDisplay: false)

    @Option(help: "The repository root.")
    var root: String = "."

    @Flag(help: "Only report the stale files (exit 1 when one is).")
    var check = false

    func run() throws {
        var stale: [String] = []
        for f in ObservationSchema.generatedFiles() {
            let url = URL(fileURLWithPath: root).appendingPathComponent(f.path)
            let old = try? String(contentsOf: url, encoding: .utf8)
            guard old != f.text else { continue }
            stale.append(f.path)
            if !check {
                do { try f.text.write(to: url, atomically: true, encoding: .utf8) } catch {
                    throw InputError("cannot write \(url.path): \(error)")
                }
            }
        }
        for p in stale { print(check ? "stale: \(p)" : "wrote \(p)") }
        if check && !stale.isEmpty { throw ExitCode(Exit.simulationFailure) }
    }
}
