// Hand-encoded LM32 programs for the RTL bench tests (words computed from the
// encoding tables of the LM32 reference: RI = op|A|B|imm16, RR = op|A|B|C).
// They stand in until the project's assembler can build the upstream unit
// tests for these tests.

enum Programs {
    /// Reports test "add" (5 + 7 == 12), stores and reloads the sum, ends.
    /// Data: the name "add" at 0x8000.
    static let add: [UInt32] = [
        0x9800_0000, // 00 xor  r0, r0, r0
        0x780C_FFFF, // 04 orhi r12, r0, 0xffff   (r12 = 0xFFFF0000)
        0x3806_8000, // 08 ori  r6, r0, 0x8000     (address of the name)
        0x5986_0008, // 0c sw   (r12+8), r6        test name
        0x3401_0005, // 10 addi r1, r0, 5
        0x3402_0007, // 14 addi r2, r0, 7
        0xB422_1800, // 18 add  r3, r1, r2
        0x3404_000C, // 1c addi r4, r0, 12
        0x5C64_0003, // 20 bne  r3, r4, 0x2c
        0x5980_0004, // 24 sw   (r12+4), r0        pass
        0xE000_0002, // 28 bi   0x30
        0x598C_0004, // 2c sw   (r12+4), r12       fail
        0x5803_1000, // 30 sw   (r0+0x1000), r3
        0x2805_1000, // 34 lw   r5, (r0+0x1000)
        0x5980_0000, // 38 sw   (r12+0), r0        end
        0xE000_0000, // 3c bi   0x3c
    ]
    /// `add` with `addi r4, r0, 13` at 0x1c: must report a failure.
    static var addFailing: [UInt32] {
        var p = add
        p[7] = 0x3404_000D
        return p
    }
    static let addName: [UInt8] = Array("add".utf8) + [0]
    /// PCs retired by `add` in order, up to the end store.
    static let addRetireOrder: [UInt32] = [0x00, 0x04, 0x08, 0x0C, 0x10, 0x14, 0x18, 0x1C, 0x20, 0x24, 0x28,
                                           0x30, 0x34, 0x38]

    /// Stores to 0x2000, then loads from 0x4000 (to be put inside a data-bus
    /// error window): the EID 4 handler at 0x80 reports a pass.
    static let busError: [(UInt32, [UInt32])] = [
        (0x00, [
            0x9800_0000, // 00 xor  r0, r0, r0
            0x780C_FFFF, // 04 orhi r12, r0, 0xffff
            0x5800_2000, // 08 sw   (r0+0x2000), r0    outside the window
            0x2805_4000, // 0c lw   r5, (r0+0x4000)    inside the window
            0x598C_0004, // 10 sw   (r12+4), r12       fail: not reached
            0x5980_0000, // 14 sw   (r12+0), r0        end
            0xE000_0000, // 18 bi   0x18
        ]),
        (0x80, [
            0x5980_0004, // 80 sw   (r12+4), r0        EID 4 handler: pass
            0x5980_0000, // 84 sw   (r12+0), r0        end
            0xE000_0000, // 88 bi   0x88
        ]),
    ]

    /// Enables interrupt line 0 and spins; the EID 6 handler at 0xC0 reports a pass.
    static let interrupt: [(UInt32, [UInt32])] = [
        (0x00, [
            0x9800_0000, // 00 xor  r0, r0, r0
            0x780C_FFFF, // 04 orhi r12, r0, 0xffff
            0x3401_0001, // 08 addi r1, r0, 1
            0xD021_0000, // 0c wcsr IM, r1
            0xD001_0000, // 10 wcsr IE, r1
            0xE000_0000, // 14 bi   0x14               wait for the interrupt
        ]),
        (0xC0, [
            0x5980_0004, // c0 sw   (r12+4), r0        EID 6 handler: pass
            0x5980_0000, // c4 sw   (r12+0), r0        end
            0xE000_0000, // c8 bi   0xc8
        ]),
    ]

    /// Stores r0..r31 to 0x1000 + 4 * i (`sw (r0+0x1000+4i), ri`) before
    /// writing any register, then ends.
    static let dumpRegisters: [UInt32] = (0..<32).map { 0x5800_1000 | UInt32($0) << 16 | UInt32(4 * $0) } + [
        0x780C_FFFF, // 80 orhi r12, r0, 0xffff
        0x5980_0000, // 84 sw   (r12+0), r0        end
        0xE000_0000, // 88 bi   0x88
    ]

    /// Sets r5 = 0x1234, then ends.
    static let setR5: [UInt32] = [
        0x3805_1234, // 00 ori  r5, r0, 0x1234
        0x780C_FFFF, // 04 orhi r12, r0, 0xffff
        0x5980_0000, // 08 sw   (r12+0), r0        end
        0xE000_0000, // 0c bi   0x0c
    ]

    /// Executes `raise` (`break` 0xAC000002 or `scall` 0xAC000007) at 0x08;
    /// the handlers for EID 1 (0x20) and EID 7 (0xE0) report a pass.
    static func raise(_ word: UInt32) -> [(UInt32, [UInt32])] {
        let handler: [UInt32] = [
            0x5980_0004, // sw   (r12+4), r0        pass
            0x5980_0000, // sw   (r12+0), r0        end
            0xE000_0000, // bi   .
        ]
        return [
            (0x00, [
                0x9800_0000, // 00 xor  r0, r0, r0
                0x780C_FFFF, // 04 orhi r12, r0, 0xffff
                word,        // 08 break / scall
                0x598C_0004, // 0c sw   (r12+4), r12       fail: not reached
                0x5980_0000, // 10 sw   (r12+0), r0        end
                0xE000_0000, // 14 bi   0x14
            ]),
            (0x20, handler),
            (0xE0, handler),
        ]
    }

    /// `nop` (addi r0, r0, 0), for straight-line code.
    static let nop: UInt32 = 0x3400_0000

    /// The CPU-bound loop of RTL/bench/driver.cpp (same words).
    static let benchLoop: [UInt32] = [
        0x9800_0000, // 00 xor  r0, r0, r0
        0x3401_0000, // 04 addi r1, r0, 0
        0x3421_0001, // 08 addi r1, r1, 1   <- loop
        0xB441_1000, // 0c add  r2, r2, r1
        0x9841_1800, // 10 xor  r3, r2, r1
        0x3C24_0003, // 14 sli  r4, r1, 3
        0xC883_2800, // 18 sub  r5, r4, r3
        0x5805_1000, // 1c sw   (r0+0x1000), r5
        0x2806_1000, // 20 lw   r6, (r0+0x1000)
        0xE3FF_FFF9, // 24 bi   0x08
    ]
}
