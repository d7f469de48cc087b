import Foundation
import Testing
@testable import LM32Asm
import LM32
import SoCSimTestSupport

/// Assembles and links the upstream unit tests (PyPI pythondata-cpu-lm32,
/// verilog/test/unittests) exactly as their Makefile does: crt.S first, then
/// one test_*.S, with linker.ld's layout.
@Suite struct UpstreamUnitTests {
    /// The unittests directory (SoCSimTestSupport's `Upstream`), or nil.
    static func locate() -> URL? { try? Upstream.unitTestsDirectory() }

    static let missingMessage = """
        The upstream LM32 unit tests (PyPI pythondata-cpu-lm32==0.0.post199) were not found in <repo>/.venv.
        Run the README's test command, ./scripts/test.sh, which installs them into .venv
        (or: python3 -m venv .venv && .venv/bin/pip install pythondata-cpu-lm32==0.0.post199,
        or set LM32_UNITTESTS_DIR to the package's verilog/test/unittests directory).
        """

    static func testFiles(_ dir: URL) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: dir.path)
            .filter { $0.hasPrefix("test_") && $0.hasSuffix(".S") && $0 != "test_mmu.S" }
            .sorted()
    }

    static func build(_ dir: URL, _ test: String) throws -> LinkedImage {
        let inc = [dir.path]
        let crt = try Assembler.assemble(file: dir.appendingPathComponent("crt.S").path, includePaths: inc)
        let obj = try Assembler.assemble(file: dir.appendingPathComponent(test).path, includePaths: inc)
        return try Linker.link([crt, obj], layout: .unitTests)
    }

    /// The arguments of the `test_name` macro invocations, in order.
    static func testNames(_ file: URL) throws -> [String] {
        let text = try String(contentsOf: file, encoding: .utf8)
        return text.split(separator: "\n").compactMap { line -> String? in
            let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard words.count >= 2, words[0] == "test_name" else { return nil }
            return String(words[1])
        }
    }

    @Test func allNonMMUTestsAssembleAndLink() throws {
        guard let dir = Self.locate() else {
            Issue.record(Comment(rawValue: Self.missingMessage))
            return
        }
        let started = Date()
        defer {
            // Well under a second in release; a generous bound for debug builds on a busy machine.
            #expect(Date().timeIntervalSince(started) < 30)
        }
        let tests = try Self.testFiles(dir)
        #expect(tests.count == 62, "expected 62 non-MMU tests, found \(tests.count)")
        for t in tests {
            do {
                let img = try Self.build(dir, t)
                // crt: xor r0,r0,r0 at the reset vector, _start = 0.
                #expect(img.word(at: 0) == 0x9800_0000, "\(t)")
                #expect(img.entry == 0, "\(t)")
                #expect(img.address(of: "_start") == 0, "\(t)")
                let main = try #require(img.address(of: "_main"), "\(t): _main")
                // bi _main at 0x14 reaches it.
                let bi = img.word(at: 0x14)
                #expect(bi >> 26 == 0x38, "\(t)")
                let off = Int32(bitPattern: bi << 6) >> 6
                #expect(UInt32(bitPattern: 0x14 + off * 4) == main, "\(t)")
                #expect(main == 0x180, "\(t): _main at 0x\(String(main, radix: 16))")
                #expect(img.address(of: "_fstack") == 0xFFFC)
                #expect(img.address(of: "_fdata") == 0x8000)
                // The first test name string is at 0x8000 (.data of the test; crt has none),
                // followed by the next ones, each NUL-terminated.
                let names = try Self.testNames(dir.appendingPathComponent(t))
                #expect(!names.isEmpty, "\(t)")
                var at: UInt32 = 0x8000
                for n in names {
                    #expect(img.address(of: "tn_\(n)") == at, "\(t): tn_\(n)")
                    #expect(img.bytes(at: at, count: n.utf8.count + 1) == Array(n.utf8) + [0], "\(t): name \(n) at 0x\(String(at, radix: 16))")
                    at += UInt32(n.utf8.count + 1)
                }
                // Every word of .text disassembles to a known instruction.
                let text = try #require(img.section(named: ".text"))
                for w in TestSupport.words(text.bytes) {
                    #expect(InstructionSpec.lookup(w) != nil, "\(t): unknown word 0x\(String(w, radix: 16))")
                }
            } catch {
                Issue.record("\(t): \(error)")
            }
        }
    }
}
