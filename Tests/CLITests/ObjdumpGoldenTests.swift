import Foundation
import SoCSimTestSupport
import Testing

/// `socsim disasm` prints what GNU objdump 2.40 prints: for each of the 62
/// upstream unit tests (linked by `socsim asm` with the unit tests' layout),
/// the instruction lines of the listing hash to the values recorded from
/// `lm32-elf-objdump -d` by scripts/record-gnu-golden.sh.
@Suite struct ObjdumpGoldenTests {
    static let recording = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("LM32AsmTests/GNUGolden/objdump.txt")

    static func fnv1a64(_ bytes: some Sequence<UInt8>) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in bytes { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        return h
    }

    @Test func disassemblyMatchesGNUObjdump() throws {
        let dir = try Upstream.unitTestsDirectory()
        var golden: [String: (lines: Int, hash: UInt64)] = [:]
        for line in try String(contentsOf: Self.recording, encoding: .utf8).split(separator: "\n") where !line.hasPrefix("#") {
            let f = line.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
            if f.count == 3, let n = Int(f[1]), let h = UInt64(f[2], radix: 16) { golden[f[0]] = (n, h) }
        }
        let tests = try Upstream.nonMMUUnitTests()
        #expect(tests.count == 62)
        let work = try CLI.tempDir()
        for test in tests {
            let elf = work.appendingPathComponent(test + ".elf").path
            let a = try CLI.run(["asm", "-I", dir.path, dir.appendingPathComponent("crt.S").path,
                                 dir.appendingPathComponent(test).path, "-o", elf])
            #expect(a.status == 0, "\(test): \(a.stderr)")
            let d = try CLI.run(["disasm", elf])
            let lines = d.stdout.split(separator: "\n").filter { l in
                l.first == " " && l.contains(":\t")
            }.map { $0.replacingOccurrences(of: "[ \t]+$", with: "", options: .regularExpression) + "\n" }
            let hash = Self.fnv1a64(lines.joined().utf8)
            let g = try #require(golden[test], "no recording for \(test)")
            #expect(lines.count == g.lines && hash == g.hash,
                    "\(test): \(lines.count) lines hashing to \(String(hash, radix: 16)); objdump: \(g.lines) lines, \(String(g.hash, radix: 16))")
        }
    }
}
