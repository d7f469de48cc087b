import Foundation
import Testing

/// Every broken input of the assembler/ELF corpus (Tests/LM32AsmTests/Corpus),
/// fed to the `socsim` executable: exit code 2, the location or field in the
/// message, no crash, no hang.
@Suite struct ErrorCorpusCLITests {
    static let corpus = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("LM32AsmTests/Corpus")

    struct Case: CustomTestStringConvertible, Sendable {
        var files: [String]
        var expect: String
        var testDescription: String { files.joined(separator: "+") }
    }

    static func manifest(_ name: String, fields: Int) -> [[String]] {
        guard let text = try? String(contentsOf: corpus.appendingPathComponent(name), encoding: .utf8) else { return [] }
        return text.split(separator: "\n").filter { !$0.hasPrefix("#") && !$0.trimmingCharacters(in: .whitespaces).isEmpty }
            .map { $0.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) } }
            .filter { $0.count == fields }
    }

    static let asmCases: [Case] = manifest("manifest.txt", fields: 3).map {
        Case(files: $0[0].split(separator: "+").map { "asm/" + $0 }, expect: $0[1])
    }
    static let elfCases: [Case] = manifest("elf_manifest.txt", fields: 2).map {
        Case(files: ["elf/" + $0[0]], expect: $0[1])
    }

    @Test func corpusIsPresent() {
        #expect(Self.asmCases.count >= 20)
        #expect(Self.elfCases.count >= 5)
    }

    @Test(arguments: asmCases)
    func brokenAssembly(c: Case) throws {
        let paths = c.files.map { Self.corpus.appendingPathComponent($0).path }
        let out = try CLI.tempDir().appendingPathComponent("out.elf").path
        let r = try CLI.run(["asm"] + paths + ["-o", out], cwd: Self.corpus.appendingPathComponent("asm"))
        #expect(r.status == 2, "\(c.files): status \(r.status), stderr: \(r.stderr)")
        #expect(r.stderr.contains(c.expect), "\(c.files): stderr lacks \(c.expect): \(r.stderr)")
        #expect(r.stderr.contains("error:"))
    }

    @Test(arguments: elfCases)
    func brokenELF(c: Case) throws {
        let path = Self.corpus.appendingPathComponent(c.files[0]).path
        for command in [["run", path, "--max-cycles", "1000"], ["disasm", path]] {
            let r = try CLI.run(command)
            #expect(r.status == 2, "\(command): status \(r.status), stderr: \(r.stderr)")
            #expect(r.stderr.contains(c.expect), "\(command): stderr lacks \(c.expect): \(r.stderr)")
        }
    }
}
