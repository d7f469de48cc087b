import Foundation
import Testing
@testable import LM32Asm
import ELF

/// Broken inputs must give one error with the right file, line, column and
/// message, never a crash or a hang. Cases live in Corpus/ (see its README).
@Suite struct ErrorCorpusTests {
    static var corpus: URL {
        Bundle.module.url(forResource: "Corpus", withExtension: nil)!
    }

    struct Case: CustomStringConvertible {
        var files: [String]
        var location: String
        var fragment: String
        var description: String { files.joined(separator: "+") }
    }

    static func manifest(_ name: String) -> [[String]] {
        let text = (try? String(contentsOf: corpus.appendingPathComponent(name), encoding: .utf8)) ?? ""
        return text.split(separator: "\n").filter { !$0.hasPrefix("#") && !$0.trimmingCharacters(in: .whitespaces).isEmpty }
            .map { $0.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) } }
    }

    static let cases: [Case] = manifest("manifest.txt").map {
        Case(files: $0[0].split(separator: "+").map(String.init), location: $0[1], fragment: $0[2])
    }

    @Test func manifestCoversEveryCorpusFile() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.corpus.appendingPathComponent("asm").path)
        let listed = Set(Self.cases.flatMap(\.files))
        for f in files where f.hasSuffix(".S") { #expect(listed.contains(f), "\(f) is not in manifest.txt") }
        #expect(Self.cases.count >= 40)
    }

    @Test(arguments: cases)
    func brokenInputGivesItsError(_ c: Case) {
        let dir = Self.corpus.appendingPathComponent("asm")
        do throws(AssemblerError) {
            var objects: [ObjectFile] = []
            for f in c.files { objects.append(try Assembler.assemble(file: dir.appendingPathComponent(f).path)) }
            _ = try Linker.link(objects, layout: .sequential)
            Issue.record("\(c): no error")
        } catch {
            let file = URL(fileURLWithPath: error.location.file).lastPathComponent
            let loc = "\(file):\(error.location.line):\(error.location.column)"
            #expect(loc == c.location, "\(c): \(error)")
            #expect(error.message.contains(c.fragment), "\(c): \(error)")
            #expect(error.description.hasPrefix("\(error.location.file):\(error.location.line):\(error.location.column): error: "))
        }
    }

    /// The fuzzer's recursive-macro inputs, whose argument grows by part of
    /// its own text at every level, stop once the open expansions hold
    /// `Limits.openExpansion` bytes: the work done, as the statement budget
    /// counts it (expanded text at `expansionBytesPerStatement` bytes a
    /// statement), stays within that limit, where the chain up to the line
    /// limit cost about 48 000 statements.
    @Test(arguments: ["fuzz_macro_argument_chain.S", "fuzz_macro_argument_growth.S"])
    func growingMacroChainsStopEarly(_ file: String) throws {
        let path = Self.corpus.appendingPathComponent("asm").appendingPathComponent(file).path
        let source = String(decoding: try Data(contentsOf: URL(fileURLWithPath: path)), as: UTF8.self)
        let state = AssemblerState(fileName: file, includePaths: [], readFile: { _ in nil })
        do throws(AssemblerError) {
            _ = try state.run(source: source)
            Issue.record("no error")
        } catch {
            #expect(error.message.contains("the open expansions hold more than \(Limits.openExpansion) bytes"), "\(error)")
        }
        #expect(state.statementCount <= Limits.openExpansion / Limits.expansionBytesPerStatement + 100,
                "\(state.statementCount) statements")
    }

    @Test func includeDepthIsLimited() {
        // 70 distinct files, each including the next: no cycle, but too deep.
        var files: [String: String] = [:]
        for i in 0..<70 { files["f\(i).inc"] = ".include \"f\(i + 1).inc\"\n" }
        files["f70.inc"] = "nop\n"
        do throws(AssemblerError) {
            _ = try Assembler.assemble(source: ".include \"f0.inc\"", fileName: "main.S", readFile: { files[$0] })
            Issue.record("no error")
        } catch {
            #expect(error.message.contains("nested more than 64"))
            #expect(error.location.file.hasSuffix(".inc") && error.location.line == 1 && error.location.column == 1)
        }
    }

    @Test func errorsInsideMacrosNameTheInvocation() {
        let e = TestSupport.error(".macro m\n  frob\n.endm\n  m\n")
        #expect(e?.location.line == 2)
        #expect(e?.notes.first?.location.line == 4)
        #expect(e?.notes.first?.message.contains("macro 'm'") == true)
    }

    // MARK: ELF

    @Test func handMadeMalformedELFFiles() throws {
        let rows = Self.manifest("elf_manifest.txt")
        #expect(rows.count >= 8)
        for r in rows {
            let bytes = try [UInt8](Data(contentsOf: Self.corpus.appendingPathComponent("elf").appendingPathComponent(r[0])))
            do {
                _ = try ELFFile(bytes: bytes)
                Issue.record("\(r[0]): accepted")
            } catch {
                #expect(error.field.contains(r[1]), "\(r[0]): \(error)")
            }
        }
    }

    /// A linked image's ELF, truncated at every length and with every byte
    /// flipped: always a typed ELFError or a successful parse, never a crash.
    @Test func truncatedAndCorruptedLinkedELF() throws {
        let img = try Linker.link([TestSupport.assemble("""
            .global _start
            _start: bi _start
            .data
            .word 1, 2
            .bss
            .space 8
            """)], layout: .unitTests)
        let good = img.elf()
        _ = try ELFFile(bytes: good)
        for n in 0..<good.count {
            #expect(throws: ELFError.self) { _ = try ELFFile(bytes: Array(good.prefix(n))) }
        }
        for i in 0..<good.count {
            var b = good
            b[i] ^= 0xFF
            do { _ = try ELFFile(bytes: b) } catch { #expect(!error.field.isEmpty) }
        }
    }
}
