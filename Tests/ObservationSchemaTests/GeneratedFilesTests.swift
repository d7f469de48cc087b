import Foundation
import Testing
@testable import ObservationSchema

/// The files derived from the observation schema are what the generator
/// makes of it now (run `socsim generate` after editing
/// Sources/ObservationSchema/Schema.swift), and the schema agrees with the
/// RTL tops it describes.
@Suite struct GeneratedFilesTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    @Test(arguments: ObservationSchema.generatedFiles().map(\.path))
    func generatedFileIsCurrent(_ path: String) throws {
        let f = try #require(ObservationSchema.generatedFiles().first { $0.path == path })
        let onDisk = try String(contentsOf: Self.root.appendingPathComponent(path), encoding: .utf8)
        #expect(onDisk == f.text, "\(path) is stale: run `swift run socsim generate`")
    }

    /// Every port the schema gives a top is a port of that top's Verilog
    /// with that width (the CPU's ports through socsim_cpu_ports.vh).
    @Test func topsDeclareTheSchemasPorts() throws {
        let ports = try String(contentsOf: Self.root.appendingPathComponent("RTL/common/socsim_cpu_ports.vh"), encoding: .utf8)
        for (top, file) in [(Tops.bench, "RTL/tb/socsim_tb_top.v"), (.soc, "RTL/soc/socsim_soc_top.v")] {
            let text = try String(contentsOf: Self.root.appendingPathComponent(file), encoding: .utf8)
                .replacingOccurrences(of: "`include \"socsim_cpu_ports.vh\"", with: ports)
            let end = try #require(text.range(of: "\n);"))
            let header = String(text[..<end.lowerBound])
            var declared: [String: Int] = [:]
            for line in header.split(separator: "\n") {
                var words = line.split(separator: "/").first?.split(whereSeparator: { $0 == " " || $0 == "," }) ?? []
                guard let first = words.first, first == "input" || first == "output" else { continue }
                words.removeFirst()
                if words.first == "wire" || words.first == "reg" { words.removeFirst() }
                var width = 1
                if let w = words.first, w.hasPrefix("["), let msb = Int(w.dropFirst().prefix { $0 != ":" }) {
                    width = msb + 1
                    words.removeFirst()
                }
                if let name = words.first { declared[String(name)] = width }
            }
            for s in ObservationSchema.signals where s.tops.contains(top) {
                #expect(declared[s.port] == s.width, "\(file): port \(s.port) of width \(s.width)")
            }
        }
    }

    /// A field compared under a condition names fields that exist; the
    /// report order covers every compared field once.
    @Test func compareOrderCoversEveryComparedField() {
        let compared = ObservationSchema.recordFields.filter { $0.compare != .never && $0.swift != nil }
        let order = ObservationSchema.compareOrder
        #expect(order.count == compared.count)
        #expect(Set(order.map(\.name)).count == order.count)
    }
}
