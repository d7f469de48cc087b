import Foundation
import Testing
@testable import LM32Asm

/// Byte identity with GNU binutils: for each of the 62 non-MMU upstream unit
/// tests, every loaded section our assembler and linker produce must have the
/// same address, size and contents as GNU as 2.40 + ld (lm32-elf) produce.
/// GNU's side is recorded in GNUGolden/unittests.txt by
/// scripts/record-gnu-golden.sh (no lm32 binutils ship with Debian, so the
/// test compares with the recording rather than running them).
@Suite struct GNUGoldenTests {
    struct Golden: Equatable, CustomStringConvertible {
        var section: String, address: UInt32, size: UInt32, hash: UInt64
        var description: String {
            "\(section) at 0x\(String(address, radix: 16)), \(size) bytes, fnv1a64 \(String(hash, radix: 16))"
        }
    }

    static let goldenFile = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("GNUGolden/unittests.txt")

    /// test name → GNU's loaded sections, in file order.
    static func golden() throws -> [String: [Golden]] {
        var result: [String: [Golden]] = [:]
        for line in try String(contentsOf: goldenFile, encoding: .utf8).split(separator: "\n") where !line.hasPrefix("#") {
            let f = line.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
            guard f.count == 5, let a = UInt32(f[2].dropFirst(2), radix: 16), let s = UInt32(f[3].dropFirst(2), radix: 16),
                  let h = UInt64(f[4], radix: 16) else {
                Issue.record("malformed golden line: \(line)")
                continue
            }
            result[f[0], default: []].append(Golden(section: f[1], address: a, size: s, hash: h))
        }
        return result
    }

    static func fnv1a64(_ bytes: [UInt8]) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in bytes { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        return h
    }

    @Test func everyUnitTestMatchesGNUBinutils() throws {
        let dir = try #require(UpstreamUnitTests.locate(), Comment(rawValue: UpstreamUnitTests.missingMessage))
        let golden = try Self.golden()
        let tests = try UpstreamUnitTests.testFiles(dir)
        #expect(tests.count == 62)
        #expect(Set(golden.keys) == Set(tests), "the recording covers other tests than the package holds")
        for test in tests {
            let image = try UpstreamUnitTests.build(dir, test)
            let ours = image.sections.filter { $0.kind != .bss && $0.size > 0 }.map {
                Golden(section: $0.name, address: $0.address, size: $0.size, hash: Self.fnv1a64($0.bytes))
            }
            #expect(ours == golden[test] ?? [], "\(test): ours \(ours), GNU \(golden[test] ?? [])")
        }
    }
}
