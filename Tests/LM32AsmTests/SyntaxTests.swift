import Testing
@testable import LM32Asm
import LM32

/// GNU as syntax: pseudo-instructions, operators, expressions, labels,
/// directives, macros, conditionals, comments.
@Suite struct SyntaxTests {
    func words(_ src: String) throws -> [UInt32] { TestSupport.words(try TestSupport.text(src)) }

    @Test func pseudoInstructions() throws {
        #expect(try words("""
            mv r1, r2
            mvi r3, -1
            mvu r4, 0xffff
            mvhi r5, 0x1234
            nop
            not r6, r7
            ret
            eret
            bret
            """) == [0xB840_0800, 0x3403_FFFF, 0x3804_FFFF, 0x7805_1234, 0x3400_0000, 0xA4E0_3000,
                     0xC3A0_0000, 0xC3C0_0000, 0xC3E0_0000])
    }

    @Test func registerAliasesAndCase() throws {
        #expect(try words("add gp, fp, sp\nADD RA, EA, BA\nadd r26, r27, r28") ==
                [0xB77C_D000, 0xB7DF_E800, 0xB77C_D000])
    }

    @Test func hiLoAndConstantLoad() throws {
        let w = try words("""
            mvhi r1, hi(0x12348765)
            ori r1, r1, lo(0x12348765)
            orhi r2, r2, HI(0xFFFF0000)
            andhi r3, r3, hi(-1)
            """)
        // hi() has no rounding: 0x1234, not 0x1235.
        #expect(w == [0x7801_1234, 0x3821_8765, 0x7842_FFFF, 0x6063_FFFF])
    }

    @Test func loHiSlotRangeRules() throws {
        // A plain number whose top 16 bits are all 0 or all 1.
        #expect(try words("ori r1, r1, 0xffff8000\nori r1, r1, -1\nmvhi r1, 0xffff") ==
                [0x3821_8000, 0x3821_FFFF, 0x7801_FFFF])
        #expect(TestSupport.error("ori r1, r1, 0x12345")?.message.contains("out of range") == true)
        #expect(TestSupport.error("orhi r1, r1, 0x10000")?.message.contains("out of range") == true)
        // hi()/lo() only in their slots.
        #expect(TestSupport.error("addi r1, r1, lo(5)") != nil)
        #expect(TestSupport.error("ori r1, r1, hi(5)") != nil)
    }

    @Test func unsignedAndSignedSlots() throws {
        #expect(try words("andi r1, r1, 65535\ncmpgui r1, r1, 0\nxori r2, r2, 0x8000") == [0x2021_FFFF, 0x7421_0000, 0x1842_8000])
        #expect(TestSupport.error("andi r1, r1, -1")?.location.column == 14)
        #expect(TestSupport.error("andi r1, r1, 65536") != nil)
        #expect(try words("addi r1, r1, -32768\naddi r1, r1, 32767") == [0x3421_8000, 0x3421_7FFF])
        #expect(TestSupport.error("addi r1, r1, 32768") != nil)
        #expect(TestSupport.error("addi r1, r1, -32769") != nil)
        // Shift immediates use the signed 16-bit field, as CGEN does.
        #expect(try words("sli r1, r2, 40\nsri r1, r2, -1") == [0x3C41_0028, 0x1441_FFFF])
        // A 32-bit number with bit 31 set is negative in a signed slot (upstream test_sr.S).
        #expect(try words("mvi r1, 0xfffffff0") == [0x3401_FFF0])
    }

    @Test func memoryOperands() throws {
        #expect(try words("lw r1, (r2+-4)\nlw r1, (r2+0x1fff)\nsh (sp+ -2), r3\nlbu r1,(r2+4*2)") ==
                [0x2841_FFFC, 0x2841_1FFF, 0x0F83_FFFE, 0x4041_0008])
        // GNU as's CGEN syntax is ($r0+$imm): (rA) and (rA-4) are rejected.
        let e = try #require(TestSupport.error("lw r1, (r2)"))
        #expect(e.message.contains("offset") && e.location.column == 11)
        #expect(TestSupport.error("lw r1, (r2-4)") != nil)
    }

    @Test func gpRelative() throws {
        let src = """
            .text
            lw r1, gp(var)
            sw gp(var), r2
            mva r3, gp(var)
            lbu r4, gp(var+1)
            .data
            .word 0, 0, 0, 0, 0
            var: .word 7
            """
        let img = try Linker.link([TestSupport.assemble(src)], layout: .unitTests)
        let gp = try #require(img.address(of: "_gp"))
        let v = try #require(img.address(of: "var"))
        let off = UInt32(truncatingIfNeeded: Int64(v) - Int64(gp)) & 0xFFFF
        #expect(TestSupport.words(img.section(named: ".text")!.bytes) ==
                [0x2B41_0000 | off, 0x5B42_0000 | off, 0x3743_0000 | off, 0x4344_0000 | (off + 1)])
    }

    @Test func expressionsFollowGNUPrecedence() throws {
        let w = try words("""
            .equ A, 6
            .set B, A*2+1
            C = (B << 2) | 1
            .word A + 2 * 3, 1 + 2 & 3, -A, ~0, 7 / 2, 7 % 4, 1 << 4 >> 2, (1 == 1), 3 ^ 5, C, B - A
            .word 1 + 1 == 2, 0 || 1 && 0, 1 || 0 && 0, 4 ! 0xfffffffe, 2 < 3
            .word . , 100f - 1f
            1: nop
            100: nop
            """)
        #expect(Array(w.prefix(11)) == [12, 3, 0xFFFF_FFFA, 0xFFFF_FFFF, 3, 3, 4, 0xFFFF_FFFF, 6, 53, 7])
        // Comparisons rank below + and -; && above ||; binary ! is or-not.
        #expect(Array(w[11..<16]) == [0xFFFF_FFFF, 0, 1, 5, 0xFFFF_FFFF])
    }

    /// A redefined symbol has, at each use, the value it had there.
    @Test func setSymbolsUseTheirCurrentValue() throws {
        let obj = try TestSupport.assemble("""
            .data
            .set i, 0
            .rept 4
            .byte i
            .set i, i + 1
            .endr
            X = 7
            .text
            addi r1, r0, X
            X = 8
            addi r1, r0, X
            """)
        #expect(obj.section(named: ".data")!.bytes == [0, 1, 2, 3])
        #expect(TestSupport.words(obj.section(named: ".text")!.bytes) == [0x3401_0007, 0x3401_0008])
    }

    @Test func labelsAndLocalLabels() throws {
        let w = try words("""
            start:  bi 1f
            1:      bi 1b
            1:      bi 991f
            991:    be r0, r0, 1b
            2: 3: bi start
            """)
        #expect(w == [0xE000_0001, 0xE000_0000, 0xE000_0001, 0x4400_FFFF, 0xE3FF_FFFC])
    }

    @Test func alignmentIsInBytes() throws {
        let obj = try TestSupport.assemble(".data\n.byte 1\n.align 4\n.byte 2\n.align 16\n.byte 3\n.balign 2\n.p2align 3\n.byte 4")
        let d = obj.section(named: ".data")!
        #expect(d.bytes == [1, 0, 0, 0, 2] + Array(repeating: 0, count: 11) + [3, 0, 0, 0, 0, 0, 0, 0, 4])
        #expect(d.alignment == 16)
        #expect(TestSupport.error(".align 3") != nil)
    }

    @Test func dataDirectives() throws {
        let obj = try TestSupport.assemble("""
            .data
            .byte 1, 0x80, 'A
            .half 0x1234
            .hword 0x5678
            .short -1
            .word 0xdeadbeef
            .long 2
            .ascii "ab", "c"
            .asciz "x\\n"
            .string "y"
            .space 3
            .skip 2, 0xaa
            .fill 2, 2, 0x0102
            .org 0x30
            .byte 9
            """)
        #expect(obj.section(named: ".data")!.bytes == [1, 0x80, 0x41, 0x12, 0x34, 0x56, 0x78, 0xFF, 0xFF, 0xDE, 0xAD, 0xBE, 0xEF,
                                                        0, 0, 0, 2, 0x61, 0x62, 0x63, 0x78, 10, 0, 0x79, 0, 0, 0, 0, 0xAA, 0xAA,
                                                        1, 2, 1, 2] + Array(repeating: 0, count: 0x30 - 34) + [9])
    }

    @Test func truncatedDataValuesWarnAsGNUAsDoes() throws {
        let obj = try TestSupport.assemble(".data\n.byte 256, -1, 255\n.half 0x12345")
        #expect(obj.section(named: ".data")!.bytes == [0, 0xFF, 0xFF, 0x23, 0x45])
        #expect(obj.warnings.map(\.location.line) == [2, 3])
        #expect(obj.warnings.first?.message == "value 0x100 truncated to 0x0")
    }

    @Test func sectionsAndBss() throws {
        let obj = try TestSupport.assemble("""
            .section .rodata
            ro: .word 1
            .bss
            buf: .space 16
            .section .foo, "aw"
            .byte 5
            .text
            nop
            """)
        #expect(obj.section(named: ".rodata")?.kind == .readOnlyData)
        #expect(obj.section(named: ".bss")?.size == 16)
        #expect(obj.section(named: ".foo")?.kind == .data)
        #expect(TestSupport.error(".bss\n.byte 1") != nil)
        #expect(TestSupport.error(".bss\nnop") != nil)
    }

    @Test func commentsAndSeparators() throws {
        #expect(try words("""
            # whole line
            nop # trailing
            nop ; nop   /* block */ ; nop
            /* multi
               line */ nop
            .ascii "#;"   # not a comment inside the string
            """).prefix(5) == [0x3400_0000, 0x3400_0000, 0x3400_0000, 0x3400_0000, 0x3400_0000])
        let obj = try TestSupport.assemble(".data\n.ascii \"a#b;c/*d*/\" # x")
        #expect(String(decoding: obj.section(named: ".data")!.bytes, as: UTF8.self) == "a#b;c/*d*/")
    }

    @Test func macros() throws {
        let obj = try TestSupport.assemble("""
            .macro test_name name
                .data
            tn_\\name:
                .asciz "\\name"
                .text
                mvhi r13, hi(tn_\\name)
                ori r13, r13, lo(tn_\\name)
            _\\name:
            .endm
            .macro load reg, val=0x10
                mvhi \\reg, hi(\\val)
                ori \\reg, \\reg, lo(\\val)
            .endm
            .macro cnt
                .byte \\@
            .endm
            .macro kw a, b=2
                addi r1, r1, \\a + \\b
            .endm
            test_name FOO
            load r1 0x12345678
            load r2
            kw 1
            kw b=5, a=1
            kw 1 3
            .data
            cnt
            cnt
            """)
        #expect(obj.symbol(named: "tn_FOO") != nil && obj.symbol(named: "_FOO") != nil)
        let w = TestSupport.words(obj.section(named: ".text")!.bytes)
        #expect(Array(w[2...]) == [0x7801_1234, 0x3821_5678, 0x7802_0000, 0x3842_0010, 0x3421_0003, 0x3421_0006, 0x3421_0004])
        let d = obj.section(named: ".data")!.bytes
        #expect(Array(d.prefix(4)) == Array("FOO\0".utf8))
        #expect(d[4] + 1 == d[5])
    }

    @Test func reptAndConditionals() throws {
        #expect(try words("""
            .rept 3
            nop
            .endr
            .equ X, 1
            .if X == 1
              mvi r1, 1
            .else
              mvi r1, 2
            .endif
            .ifdef X
              mvi r2, 1
            .endif
            .ifndef Y
              mvi r3, 1
            .endif
            .if 0
              .if 1
                bad instruction here
              .endif
            .elseif X
              mvi r4, 1
            .else
              mvi r4, 2
            .endif
            .irp r, r5, r6
              mvi \\r, 7
            .endr
            """) == [0x3400_0000, 0x3400_0000, 0x3400_0000, 0x3401_0001, 0x3402_0001, 0x3403_0001, 0x3404_0001,
                     0x3405_0007, 0x3406_0007])
    }

    @Test func includeSearchPath() throws {
        let files = ["dir/a.inc": ".include \"b.inc\"\n", "dir/b.inc": "nop\n", "inc/c.inc": "ret\n"]
        let obj = try Assembler.assemble(source: ".include \"a.inc\"\n.include \"c.inc\"", fileName: "dir/main.S",
                                         includePaths: ["inc"], readFile: { files[$0] })
        #expect(TestSupport.words(obj.section(named: ".text")!.bytes) == [0x3400_0000, 0xC3A0_0000])
    }

    /// GNU as for lm32 neither pads nor rejects an instruction after an odd
    /// number of data bytes (tc-lm32.c has no alignment hook; cgen's
    /// gas_cgen_finish_insn just appends). We do the same and only warn.
    @Test func instructionAfterOddData() throws {
        let obj = try TestSupport.assemble(".byte 1\nnop")
        #expect(obj.section(named: ".text")!.bytes == [1, 0x34, 0, 0, 0])
        #expect(obj.warnings.count == 1)
    }

    @Test func branchesToOtherObjectsAndSections() throws {
        let a = try TestSupport.assemble(".global _start\n_start: calli func\nbi _start\n.data\nptr: .word func, ptr", file: "a.S")
        let b = try TestSupport.assemble(".global func\n.text\nnop\nfunc: ret", file: "b.S")
        let img = try Linker.link([a, b], layout: .sequential)
        #expect(TestSupport.words(img.section(named: ".text")!.bytes) == [0xF800_0003, 0xE3FF_FFFF, 0x3400_0000, 0xC3A0_0000])
        let data = img.section(named: ".data")!
        #expect(TestSupport.words(data.bytes) == [0xC, data.address])
        #expect(img.entry == 0)
    }
}
