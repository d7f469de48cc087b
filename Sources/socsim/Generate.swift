import ArgumentParser
import Foundation
import ObservationSchema
import PCIe
import SoC

/// Writes the generated files: those derived from the observation schema
/// (docs/observation.md), the RTL interconnect derived from the SoC
/// description's masters and clock domains, and the RTL PCIe endpoint's
/// configuration space and registers (`EndpointVerilog`). Hidden: a development tool, run from the
/// repository root after editing Sources/ObservationSchema/Schema.swift or
/// the masters of Sources/SoC/Milkymist/Description.swift.
struct Generate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Regenerate the files derived from the observation schema and the SoC description.",
        shouldDisplay: false)

    /// Every generated file (path from the repository root, text).
    static func files() throws -> [(path: String, text: String)] {
        let soc: SoCDescription
        do { soc = try .milkymist() } catch { throw InputError(error.description) }
        return ObservationSchema.generatedFiles().map { ($0.path, $0.text) } + soc.interconnectVerilog() + [soc.clockVerilog()]
            + EndpointVerilog.files() + EndpointPorts.files()
    }

    @Option(help: "The repository root.")
    var root: String = "."

    @Flag(help: "Only report the stale files (exit 1 when one is).")
    var check = false

    func run() throws {
        var stale: [String] = []
        for f in try Self.files() {
            let url = URL(fileURLWithPath: root).appendingPathComponent(f.path)
            let old = try? String(contentsOf: url, encoding: .utf8)
            guard old != f.text else { continue }
            stale.append(f.path)
            if !check {
                try OutputFile.write(Array(f.text.utf8), to: url.path)
            }
        }
        for p in stale { print(check ? "stale: \(p)" : "wrote \(p)") }
        if check && !stale.isEmpty { throw ExitCode(Exit.simulationFailure) }
    }
}
