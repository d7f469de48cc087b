import Testing
@testable import LM32Asm
import LM32

/// encode → disassemble (objdump syntax) → assemble → the same word, for
/// every table entry and many random operand values.
@Suite struct RoundTripTests {
    @Test func everyTableEntryRoundTrips() throws {
        var rng = TestRandom(seed: 0x1A32)
        var checked = 0
        for spec in InstructionSpec.table {
            // 100 instructions from address 0, 100 from 0x1000 (branch targets are absolute).
            var lines: [String] = []
            var expected: [(pc: UInt32, word: UInt32, text: String)] = []
            for k in 0..<200 {
                if k == 100 { lines.append(".org 0x1000") }
                let pc: UInt32 = k < 100 ? UInt32(4 * k) : 0x1000 + UInt32(4 * (k - 100))
                var word = spec.match | (UInt32(truncatingIfNeeded: rng.next()) & ~spec.mask)
                // objdump prints a CSR number it has no name for as `???`,
                // which no assembler reads back: draw again.
                while Disassembler.text(word, pc: pc).contains("???") {
                    word = spec.match | (UInt32(truncatingIfNeeded: rng.next()) & ~spec.mask)
                }
                guard InstructionSpec.lookup(word) != nil else {
                    Issue.record("\(spec.mnemonic): 0x\(String(word, radix: 16)) does not decode")
                    continue
                }
                let text = Disassembler.text(word, pc: pc)
                lines.append(text)
                expected.append((pc, word, text))
            }
            do {
                let obj = try TestSupport.assemble(lines.joined(separator: "\n"))
                let bytes = obj.section(named: ".text")!.bytes
                for e in expected {
                    let got = TestSupport.words(Array(bytes[Int(e.pc)..<Int(e.pc) + 4]))[0]
                    #expect(got == e.word, "\(spec.mnemonic): '\(e.text)' at 0x\(String(e.pc, radix: 16)) assembled to 0x\(String(got, radix: 16)), expected 0x\(String(e.word, radix: 16))")
                    checked += 1
                }
            } catch {
                Issue.record("\(spec.mnemonic): \(error)")
            }
        }
        #expect(checked == InstructionSpec.table.count * 200)
    }

    /// Any 32-bit word (instructions, reserved bits set, undefined opcodes
    /// printed as `.word`) survives disassemble → assemble.
    @Test func randomWordsRoundTrip() throws {
        var rng = TestRandom(seed: 0xC0FFEE)
        var lines: [String] = []
        var words: [UInt32] = []
        for k in 0..<4000 {
            let w = UInt32(truncatingIfNeeded: rng.next())
            words.append(w)
            lines.append(Disassembler.text(w, pc: UInt32(4 * k)))
        }
        let obj = try TestSupport.assemble(lines.joined(separator: "\n"))
        let got = TestSupport.words(obj.section(named: ".text")!.bytes)
        #expect(got.count == words.count)
        for (i, (g, w)) in zip(got, words).enumerated() where g != w {
            Issue.record("'\(lines[i])' at 0x\(String(4 * i, radix: 16)): 0x\(String(g, radix: 16)) != 0x\(String(w, radix: 16))")
        }
    }

    /// Every mnemonic of the table is known to the assembler.
    @Test func everyMnemonicIsAccepted() throws {
        for spec in InstructionSpec.table {
            let text = Disassembler.text(spec.match, pc: 0)
            let obj = try TestSupport.assemble(text)
            #expect(TestSupport.words(obj.section(named: ".text")!.bytes) == [spec.match], "\(text)")
        }
    }
}

/// A small deterministic generator (SplitMix64) for test operands.
struct TestRandom {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
