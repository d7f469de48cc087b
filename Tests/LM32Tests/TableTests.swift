import Testing
import SimKernel
@testable import LM32

@Suite struct TableTests {
    /// Every primary opcode the RTL defines has at least one base entry.
    @Test func everyOpHasAnEntry() {
        for op in Op.allCases where op != .undefined {
            #expect(InstructionSpec.table.contains { $0.op == op && !$0.isAlias }, "no table entry for \(op)")
        }
    }

    /// No two base encodings overlap: no word matches two base entries.
    @Test func baseEntriesDoNotOverlap() {
        let base = InstructionSpec.table.filter { !$0.isAlias }
        for (i, x) in base.enumerated() {
            for y in base[(i + 1)...] {
                let common = x.mask & y.mask
                let overlap = (x.match & common) == (y.match & common)
                #expect(!overlap, "\(x.mnemonic) and \(y.mnemonic) overlap")
            }
        }
    }

    /// Every alias is a strict specialisation of exactly the base entry it names.
    @Test func aliasesSpecialiseOneBaseEntry() {
        let base = InstructionSpec.table.filter { !$0.isAlias }
        for a in InstructionSpec.table where a.isAlias {
            let parents = base.filter { b in (a.mask & b.mask) == b.mask && (a.match & b.mask) == b.match }
            #expect(parents.count == 1, "\(a.mnemonic) specialises \(parents.map(\.mnemonic))")
            #expect(parents.first?.op == a.op)
            #expect(a.mask != parents.first?.mask)
        }
    }

    /// Random words: the lookup's entry matches, and its operands re-encode to the same word.
    @Test func decodeEncodeRoundTrip() throws {
        var rng = SplitMix64(seed: 7)
        var checked = 0
        for _ in 0..<200_000 {
            let word = UInt32(truncatingIfNeeded: rng.next())
            let pc = UInt32(truncatingIfNeeded: rng.next()) & 0x0FFF_FFFC
            guard let spec = InstructionSpec.lookup(word) else { continue }
            #expect(spec.matches(word))
            let ops = spec.operands(of: word, pc: pc)
            #expect(try spec.encode(ops, pc: pc) == word, "\(spec.mnemonic) 0x\(String(word, radix: 16))")
            checked += 1
        }
        #expect(checked > 50_000)
    }

    /// Encodings from GNU binutils' LM32 test suite (gas/testsuite/gas/lm32/insn.d).
    @Test(arguments: [
        (0xB400_F800 as UInt32, "add ba,r0,r0"), (0xB443_0800, "add r1,r2,r3"), (0x3400_0000, "nop"),
        (0x3400_8000, "mvi r0,-32768"), (0x37E0_7FFF, "addi r0,ba,32767"), (0x2000_FFFF, "andi r0,r0,0xffff"),
        (0x63E0_FFFF, "andhi r0,ba,0xffff"), (0xC000_0000, "b r0"), (0xC3E0_0000, "bret"), (0xD800_0000, "call r0"),
        (0xDBE0_0000, "call ba"), (0x7C1F_8000, "cmpnei ba,r0,-32768"), (0x7400_FFFF, "cmpgui r0,r0,0xffff"),
        (0x8C43_0800, "divu r1,r2,r3"), (0xC443_0800, "modu r1,r2,r3"), (0x0800_8000, "muli r0,r0,-32768"),
        (0xB800_F800, "mv ba,r0"), (0xB81F_0000, "or r0,r0,ba"), (0x3800_FFFF, "mvu r0,0xffff"),
        (0x3BE0_0000, "ori r0,ba,0x0"), (0x7800_FFFF, "mvhi r0,0xffff"), (0x7BE0_0000, "orhi r0,ba,0x0"),
        (0x3C00_001F, "sli r0,r0,31"), (0x1400_001F, "sri r0,r0,31"), (0x0000_001F, "srui r0,r0,31"),
        (0xA400_F800, "not ba,r0"), (0xA41F_0000, "xnor r0,r0,ba"), (0xB020_1000, "sextb r2,r1"),
        (0xDC20_1000, "sexth r2,r1"), (0x1041_0003, "lb r1,(r2+3)"), (0x4041_0003, "lbu r1,(r2+3)"),
        (0x1C41_0003, "lh r1,(r2+3)"), (0x2C41_0003, "lhu r1,(r2+3)"), (0x2841_0003, "lw r1,(r2+3)"),
        (0x3023_0002, "sb (r1+2),r3"), (0x0C23_0002, "sh (r1+2),r3"), (0x5823_0002, "sw (r1+2),r3"),
        (0xAC00_0002, "break"), (0xAC00_0007, "scall"), (0xC3C0_0000, "eret"), (0xC3A0_0000, "ret"),
        (0xA400_0000, "not r0,r0"), (0xB800_0000, "mv r0,r0"),
    ])
    func binutilsGolden(word: UInt32, text: String) {
        #expect(Disassembler.text(word) == text)
    }

    @Test func branchTargetsAreAbsolute() {
        // insn.d: at 0x88, `be r0,r0,0x88` is 0x44000000; a backward branch of one word:
        #expect(Disassembler.text(0x4400_0000, pc: 0x88) == "be r0,r0,0x88")
        #expect(Disassembler.text(0x4400_FFFF, pc: 0x88) == "be r0,r0,0x84")
        #expect(Disassembler.text(0xE000_0000, pc: 0x7C) == "bi 0x7c")
        #expect(Disassembler.text(0xFBFF_FFFF, pc: 0x100, symbol: { _ in "loop" }) == "calli fc <loop>")
        #expect(Disassembler.text(0xFBFF_FFFF, pc: 0x100, symbol: { _ in nil }) == "calli fc")
    }

    @Test func csrNames() {
        let wcsrIE = try! InstructionSpec.byMnemonic["wcsr"]!.encode(Operands(b: 1, csr: 0))
        #expect(Disassembler.text(wcsrIE) == "wcsr IE,r1")
        let rcsrDEBA = try! InstructionSpec.byMnemonic["rcsr"]!.encode(Operands(c: 3, csr: 9))
        #expect(Disassembler.text(rcsrDEBA) == "rcsr r3,DEBA")
        #expect(CSR.number("tlbvaddr") == 30)
        #expect(CSR.number("eba") == 7)
    }

    @Test func immediateRanges() throws {
        let addi = InstructionSpec.byMnemonic["addi"]!
        #expect(throws: EncodingError.self) { try addi.encode(Operands(imm: 32768)) }
        let ori = InstructionSpec.byMnemonic["ori"]!
        #expect(try ori.encode(Operands(imm: -1)) == 0x3800_FFFF)
        #expect(throws: EncodingError.self) { try ori.encode(Operands(imm: 0x10000)) }
        let andi = InstructionSpec.byMnemonic["andi"]!
        #expect(throws: EncodingError.self) { try andi.encode(Operands(imm: -1)) }
        let be = InstructionSpec.byMnemonic["be"]!
        #expect(throws: EncodingError.self) { try be.encode(Operands(target: 0x20000), pc: 0) }
        #expect(try be.encode(Operands(target: 0x1FFFC), pc: 0) == 0x4400_7FFF)
    }
}
