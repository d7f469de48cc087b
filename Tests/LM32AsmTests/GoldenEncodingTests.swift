import Testing
@testable import LM32Asm
import LM32

/// Byte identity with GNU as: the expected words are the facts recorded in
/// binutils' gas testsuite (gas/testsuite/gas/lm32/insn.d and csr.d: the
/// objdump listing of the assembled test). Each line below is
/// `address word instruction` in objdump syntax; the whole listing is
/// assembled as one source (so branch targets are at the right addresses)
/// and every word must match.
@Suite struct GoldenEncodingTests {
    static let insn = """
        0 b400f800 add ba,r0,r0
        4 b7e00000 add r0,ba,r0
        8 b41f0000 add r0,r0,ba
        c b4430800 add r1,r2,r3
        10 34000000 nop
        14 34008000 mvi r0,-32768
        18 34007fff mvi r0,32767
        1c 37e00000 addi r0,ba,0
        20 37e08000 addi r0,ba,-32768
        24 37e07fff addi r0,ba,32767
        28 341f0000 mvi ba,0
        2c 341f8000 mvi ba,-32768
        30 341f7fff mvi ba,32767
        34 a000f800 and ba,r0,r0
        38 a3e00000 and r0,ba,r0
        3c a01f0000 and r0,r0,ba
        40 a0430800 and r1,r2,r3
        44 20000000 andi r0,r0,0x0
        48 2000ffff andi r0,r0,0xffff
        4c 23e00000 andi r0,ba,0x0
        50 23e0ffff andi r0,ba,0xffff
        54 201f0000 andi ba,r0,0x0
        58 201fffff andi ba,r0,0xffff
        5c 60000000 andhi r0,r0,0x0
        60 6000ffff andhi r0,r0,0xffff
        64 63e00000 andhi r0,ba,0x0
        68 63e0ffff andhi r0,ba,0xffff
        6c 601f0000 andhi ba,r0,0x0
        70 601fffff andhi ba,r0,0xffff
        74 60000000 andhi r0,r0,0x0
        78 6000ffff andhi r0,r0,0xffff
        7c e0000000 bi 0x7c
        80 c0000000 b r0
        84 c3e00000 bret
        88 44000000 be r0,r0,0x88
        8c 44220000 be r1,r2,0x8c
        90 48000000 bg r0,r0,0x90
        94 48220000 bg r1,r2,0x94
        98 4c000000 bge r0,r0,0x98
        9c 4c220000 bge r1,r2,0x9c
        a0 50000000 bgeu r0,r0,0xa0
        a4 50220000 bgeu r1,r2,0xa4
        a8 54000000 bgu r0,r0,0xa8
        ac 54220000 bgu r1,r2,0xac
        b0 5c000000 bne r0,r0,0xb0
        b4 5c220000 bne r1,r2,0xb4
        b8 f8000000 calli 0xb8
        bc d8000000 call r0
        c0 dbe00000 call ba
        c4 e400f800 cmpe ba,r0,r0
        c8 e7e00000 cmpe r0,ba,r0
        cc e41f0000 cmpe r0,r0,ba
        d0 e4430800 cmpe r1,r2,r3
        d4 64000000 cmpei r0,r0,0
        d8 64008000 cmpei r0,r0,-32768
        dc 64007fff cmpei r0,r0,32767
        e0 67e00000 cmpei r0,ba,0
        e4 67e08000 cmpei r0,ba,-32768
        e8 67e07fff cmpei r0,ba,32767
        ec 641f0000 cmpei ba,r0,0
        f0 641f8000 cmpei ba,r0,-32768
        f4 641f7fff cmpei ba,r0,32767
        f8 e800f800 cmpg ba,r0,r0
        fc ebe00000 cmpg r0,ba,r0
        100 e81f0000 cmpg r0,r0,ba
        104 e8430800 cmpg r1,r2,r3
        108 68000000 cmpgi r0,r0,0
        10c 68008000 cmpgi r0,r0,-32768
        110 68007fff cmpgi r0,r0,32767
        114 6be00000 cmpgi r0,ba,0
        118 6be08000 cmpgi r0,ba,-32768
        11c 6be07fff cmpgi r0,ba,32767
        120 681f0000 cmpgi ba,r0,0
        124 681f8000 cmpgi ba,r0,-32768
        128 681f7fff cmpgi ba,r0,32767
        12c ec00f800 cmpge ba,r0,r0
        130 efe00000 cmpge r0,ba,r0
        134 ec1f0000 cmpge r0,r0,ba
        138 ec430800 cmpge r1,r2,r3
        13c 6c000000 cmpgei r0,r0,0
        140 6c008000 cmpgei r0,r0,-32768
        144 6c007fff cmpgei r0,r0,32767
        148 6fe00000 cmpgei r0,ba,0
        14c 6fe08000 cmpgei r0,ba,-32768
        150 6fe07fff cmpgei r0,ba,32767
        154 6c1f0000 cmpgei ba,r0,0
        158 6c1f8000 cmpgei ba,r0,-32768
        15c 6c1f7fff cmpgei ba,r0,32767
        160 f000f800 cmpgeu ba,r0,r0
        164 f3e00000 cmpgeu r0,ba,r0
        168 f01f0000 cmpgeu r0,r0,ba
        16c f0430800 cmpgeu r1,r2,r3
        170 70000000 cmpgeui r0,r0,0x0
        174 7000ffff cmpgeui r0,r0,0xffff
        178 73e00000 cmpgeui r0,ba,0x0
        17c 73e0ffff cmpgeui r0,ba,0xffff
        180 701f0000 cmpgeui ba,r0,0x0
        184 701fffff cmpgeui ba,r0,0xffff
        188 f400f800 cmpgu ba,r0,r0
        18c f7e00000 cmpgu r0,ba,r0
        190 f41f0000 cmpgu r0,r0,ba
        194 f4430800 cmpgu r1,r2,r3
        198 74000000 cmpgui r0,r0,0x0
        19c 7400ffff cmpgui r0,r0,0xffff
        1a0 77e00000 cmpgui r0,ba,0x0
        1a4 77e0ffff cmpgui r0,ba,0xffff
        1a8 741f0000 cmpgui ba,r0,0x0
        1ac 741fffff cmpgui ba,r0,0xffff
        1b0 fc00f800 cmpne ba,r0,r0
        1b4 ffe00000 cmpne r0,ba,r0
        1b8 fc1f0000 cmpne r0,r0,ba
        1bc fc430800 cmpne r1,r2,r3
        1c0 7c000000 cmpnei r0,r0,0
        1c4 7c008000 cmpnei r0,r0,-32768
        1c8 7c007fff cmpnei r0,r0,32767
        1cc 7fe00000 cmpnei r0,ba,0
        1d0 7fe08000 cmpnei r0,ba,-32768
        1d4 7fe07fff cmpnei r0,ba,32767
        1d8 7c1f0000 cmpnei ba,r0,0
        1dc 7c1f8000 cmpnei ba,r0,-32768
        1e0 7c1f7fff cmpnei ba,r0,32767
        1e4 8c00f800 divu ba,r0,r0
        1e8 8fe00000 divu r0,ba,r0
        1ec 8c1f0000 divu r0,r0,ba
        1f0 8c430800 divu r1,r2,r3
        1f4 c400f800 modu ba,r0,r0
        1f8 c7e00000 modu r0,ba,r0
        1fc c41f0000 modu r0,r0,ba
        200 c4430800 modu r1,r2,r3
        204 8800f800 mul ba,r0,r0
        208 8be00000 mul r0,ba,r0
        20c 881f0000 mul r0,r0,ba
        210 88430800 mul r1,r2,r3
        214 08000000 muli r0,r0,0
        218 08008000 muli r0,r0,-32768
        21c 08007fff muli r0,r0,32767
        220 0be00000 muli r0,ba,0
        224 0be08000 muli r0,ba,-32768
        228 0be07fff muli r0,ba,32767
        22c 081f0000 muli ba,r0,0
        230 081f8000 muli ba,r0,-32768
        234 081f7fff muli ba,r0,32767
        238 8400f800 nor ba,r0,r0
        23c 87e00000 nor r0,ba,r0
        240 841f0000 nor r0,r0,ba
        244 84430800 nor r1,r2,r3
        248 04000000 nori r0,r0,0x0
        24c 0400ffff nori r0,r0,0xffff
        250 07e00000 nori r0,ba,0x0
        254 07e0ffff nori r0,ba,0xffff
        258 041f0000 nori ba,r0,0x0
        25c 041fffff nori ba,r0,0xffff
        260 b800f800 mv ba,r0
        264 bbe00000 mv r0,ba
        268 b81f0000 or r0,r0,ba
        26c b8430800 or r1,r2,r3
        270 38000000 mvu r0,0x0
        274 3800ffff mvu r0,0xffff
        278 3be00000 ori r0,ba,0x0
        27c 3be0ffff ori r0,ba,0xffff
        280 381f0000 mvu ba,0x0
        284 381fffff mvu ba,0xffff
        288 38000000 mvu r0,0x0
        28c 3800ffff mvu r0,0xffff
        290 78000000 mvhi r0,0x0
        294 7800ffff mvhi r0,0xffff
        298 7be00000 orhi r0,ba,0x0
        29c 7be0ffff orhi r0,ba,0xffff
        2a0 781f0000 mvhi ba,0x0
        2a4 781fffff mvhi ba,0xffff
        2a8 78000000 mvhi r0,0x0
        2ac 7800ffff mvhi r0,0xffff
        2b0 bc00f800 sl ba,r0,r0
        2b4 bfe00000 sl r0,ba,r0
        2b8 bc1f0000 sl r0,r0,ba
        2bc bc430800 sl r1,r2,r3
        2c0 9400f800 sr ba,r0,r0
        2c4 97e00000 sr r0,ba,r0
        2c8 941f0000 sr r0,r0,ba
        2cc 94430800 sr r1,r2,r3
        2d0 8000f800 sru ba,r0,r0
        2d4 83e00000 sru r0,ba,r0
        2d8 801f0000 sru r0,r0,ba
        2dc 80430800 sru r1,r2,r3
        2e0 3c000000 sli r0,r0,0
        2e4 3c00001f sli r0,r0,31
        2e8 14000000 sri r0,r0,0
        2ec 1400001f sri r0,r0,31
        2f0 00000000 srui r0,r0,0
        2f4 0000001f srui r0,r0,31
        2f8 c800f800 sub ba,r0,r0
        2fc cbe00000 sub r0,ba,r0
        300 c81f0000 sub r0,r0,ba
        304 c8430800 sub r1,r2,r3
        308 a400f800 not ba,r0
        30c a7e00000 not r0,ba
        310 a41f0000 xnor r0,r0,ba
        314 a4430800 xnor r1,r2,r3
        318 24000000 xnori r0,r0,0x0
        31c 2400ffff xnori r0,r0,0xffff
        320 27e00000 xnori r0,ba,0x0
        324 27e0ffff xnori r0,ba,0xffff
        328 241f0000 xnori ba,r0,0x0
        32c 241fffff xnori ba,r0,0xffff
        330 9800f800 xor ba,r0,r0
        334 9be00000 xor r0,ba,r0
        338 981f0000 xor r0,r0,ba
        33c 98430800 xor r1,r2,r3
        340 18000000 xori r0,r0,0x0
        344 1800ffff xori r0,r0,0xffff
        348 1be00000 xori r0,ba,0x0
        34c 1be0ffff xori r0,ba,0xffff
        350 181f0000 xori ba,r0,0x0
        354 181fffff xori ba,r0,0xffff
        358 b0000000 sextb r0,r0
        35c b000f800 sextb ba,r0
        360 b3e00000 sextb r0,ba
        364 b0201000 sextb r2,r1
        368 dc000000 sexth r0,r0
        36c dc00f800 sexth ba,r0
        370 dfe00000 sexth r0,ba
        374 dc201000 sexth r2,r1
        378 10000000 lb r0,(r0+0)
        37c 10410003 lb r1,(r2+3)
        380 40000000 lbu r0,(r0+0)
        384 40410003 lbu r1,(r2+3)
        388 1c000000 lh r0,(r0+0)
        38c 1c410003 lh r1,(r2+3)
        390 2c000000 lhu r0,(r0+0)
        394 2c410003 lhu r1,(r2+3)
        398 28000000 lw r0,(r0+0)
        39c 28410003 lw r1,(r2+3)
        3a0 30000000 sb (r0+0),r0
        3a4 30230002 sb (r1+2),r3
        3a8 0c000000 sh (r0+0),r0
        3ac 0c230002 sh (r1+2),r3
        3b0 58000000 sw (r0+0),r0
        3b4 58230002 sw (r1+2),r3
        3b8 ac000002 break
        3bc ac000007 scall
        3c0 c3c00000 eret
        3c4 c3e00000 bret
        3c8 c3a00000 ret
        3cc 34000000 nop
        3d0 b8000000 mv r0,r0
        3d4 78000000 mvhi r0,0x0
        3d8 78000000 mvhi r0,0x0
        3dc a4000000 not r0,r0
        """

    static let csr = """
        0 d0000000 wcsr IE,r0
        4 d01f0000 wcsr IE,ba
        8 d0200000 wcsr IM,r0
        c d03f0000 wcsr IM,ba
        10 d0600000 wcsr ICC,r0
        14 d07f0000 wcsr ICC,ba
        18 d0800000 wcsr DCC,r0
        1c d09f0000 wcsr DCC,ba
        20 90000000 rcsr r0,IE
        24 9000f800 rcsr ba,IE
        28 90200000 rcsr r0,IM
        2c 9020f800 rcsr ba,IM
        30 90400000 rcsr r0,IP
        34 9040f800 rcsr ba,IP
        38 90a00000 rcsr r0,CC
        3c 90a0f800 rcsr ba,CC
        40 90c00000 rcsr r0,CFG
        44 90c0f800 rcsr ba,CFG
        """

    struct Line { var address: UInt32; var word: UInt32; var text: String }

    static func parse(_ listing: String) -> [Line] {
        listing.split(separator: "\n").map { l in
            let parts = l.split(separator: " ", maxSplits: 2)
            return Line(address: UInt32(parts[0], radix: 16)!, word: UInt32(parts[1], radix: 16)!, text: String(parts[2]))
        }
    }

    func check(_ listing: String) throws {
        let lines = Self.parse(listing)
        // Addresses are consecutive from 0, so the source can be assembled as is.
        #expect(lines.enumerated().allSatisfy { $0.element.address == UInt32($0.offset * 4) })
        let source = lines.map(\.text).joined(separator: "\n")
        let obj = try TestSupport.assemble(source)
        #expect(obj.unresolvedFixupCount == 0)
        let words = TestSupport.words(try #require(obj.section(named: ".text")).bytes)
        #expect(words.count == lines.count)
        for (l, w) in zip(lines, words) {
            #expect(w == l.word, "\(l.text): got 0x\(String(w, radix: 16)), GNU as gives 0x\(String(l.word, radix: 16))")
            // And our disassembler prints what objdump printed.
            #expect(Disassembler.text(w, pc: l.address) == l.text)
        }
    }

    @Test func instructionsMatchGNUAs() throws { try check(Self.insn) }
    @Test func csrInstructionsMatchGNUAs() throws { try check(Self.csr) }

    /// The same lines in GNU as source style (spaces, upper case, aliases).
    @Test func sourceStyleVariants() throws {
        let src = """
            ADD r1, r2, r3
            lb   r1 , ( r2 + 3 )
            sw (r1+2), r3 ; Sb (R1+2),R3
            wcsr ie, r0
            rcsr r0, Cfg
            mvi r0, -0x8000
            andhi r0, ba, 0xffff
            break
            scall
            """
        let obj = try TestSupport.assemble(src)
        let words = TestSupport.words(obj.section(named: ".text")!.bytes)
        #expect(words == [0xB443_0800, 0x1041_0003, 0x5823_0002, 0x3023_0002, 0xD000_0000, 0x90C0_0000,
                          0x3400_8000, 0x63E0_FFFF, 0xAC00_0002, 0xAC00_0007])
    }
}
