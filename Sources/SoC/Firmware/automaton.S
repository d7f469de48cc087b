# The automaton coprocessor (docs/automaton.md): place a golden image in
# SDRAM, program a challenge over it, wait for IRQ 4, print the digest (its
# high word b, then its low word a), the final state, the steps done and the
# cycles the coprocessor took.
#
# The image: IMAGE_WORDS words at SOURCE, word i being the (i+1)-th value of
# the xorshift32 sequence x ^= x << 13; x ^= x >> 17; x ^= x << 5 from
# x = IMAGE_SEED, stored with `sw` (big-endian: the automaton, which reads
# little-endian words, sees each value byte-swapped). The challenge binds the
# window to WINDOW_BASE, the address the image would have in the host.

        .include "soc.inc"

        .equ    IMAGE_WORDS, 4096               # 16 KiB
        .equ    IMAGE_SEED, 0x2545f491
        .equ    SOURCE, SDRAM_BASE + 0x00100000
        .equ    WINDOW_BASE, 0x00200000
        .equ    STEPS, 10000
        .equ    NONCE_LO, 0x89abcdef
        .equ    NONCE_HI, 0x01234567

        .text
        .global main
        .global irq_handler
main:
        addi    sp, sp, -4
        sw      (sp+4), ra
        mvhi    r1, hi(start_text)
        ori     r1, r1, lo(start_text)
        calli   uart_puts

        # The golden image.
        mvhi    r1, hi(SOURCE)
        ori     r1, r1, lo(SOURCE)
        mvhi    r2, hi(IMAGE_WORDS * 4)
        ori     r2, r2, lo(IMAGE_WORDS * 4)
        add     r2, r2, r1
        mvhi    r3, hi(IMAGE_SEED)
        ori     r3, r3, lo(IMAGE_SEED)
1:      sli     r4, r3, 13
        xor     r3, r3, r4
        srui    r4, r3, 17
        xor     r3, r3, r4
        sli     r4, r3, 5
        xor     r3, r3, r4
        sw      (r1+0), r3
        addi    r1, r1, 4
        bne     r1, r2, 1b

        # The challenge.
        mvhi    r10, hi(COPROCESSOR_BASE)
        ori     r10, r10, lo(COPROCESSOR_BASE)
        mvhi    r1, hi(NONCE_LO)
        ori     r1, r1, lo(NONCE_LO)
        sw      (r10+COPROCESSOR_NONCE_LO), r1
        mvhi    r1, hi(NONCE_HI)
        ori     r1, r1, lo(NONCE_HI)
        sw      (r10+COPROCESSOR_NONCE_HI), r1
        mvhi    r1, hi(WINDOW_BASE)
        ori     r1, r1, lo(WINDOW_BASE)
        sw      (r10+COPROCESSOR_WINDOW_BASE), r1
        mvi     r1, IMAGE_WORDS
        sw      (r10+COPROCESSOR_WINDOW_WORDS), r1
        mvhi    r1, hi(SOURCE)
        ori     r1, r1, lo(SOURCE)
        sw      (r10+COPROCESSOR_SOURCE), r1
        mvi     r1, STEPS
        sw      (r10+COPROCESSOR_STEPS), r1
        mvhi    r1, hi(state_table)
        ori     r1, r1, lo(state_table)
        sw      (r10+COPROCESSOR_TABLE_ADDR), r1
        mvi     r1, (state_table_end - state_table) / 8
        sw      (r10+COPROCESSOR_STATES), r1
        # The environment: ENV0..ENV3 from env_values.
        mvhi    r2, hi(env_values)
        ori     r2, r2, lo(env_values)
        addi    r3, r10, COPROCESSOR_ENV0
        mvi     r4, 4
        sw      (r10+COPROCESSOR_ENV_COUNT), r4
2:      lw      r1, (r2+0)
        sw      (r3+0), r1
        addi    r2, r2, 4
        addi    r3, r3, 4
        addi    r4, r4, -1
        bne     r4, r0, 2b

        mvi     r1, 1
        sli     r1, r1, IRQ_COPROCESSOR
        wcsr    IM, r1
        mvi     r1, 1
        wcsr    IE, r1
        mvi     r1, COPROCESSOR_CTRL_START_MASK | COPROCESSOR_CTRL_IRQ_EN_MASK
        sw      (r10+COPROCESSOR_CTRL), r1

        mvhi    r2, hi(finished)
        ori     r2, r2, lo(finished)
3:      lw      r3, (r2+0)
        be      r3, r0, 3b
        wcsr    IE, r0

        # The result.
        lw      r11, (r10+COPROCESSOR_STATUS)
        srui    r11, r11, COPROCESSOR_STATUS_ERROR_SHIFT
        andi    r11, r11, 0xff
        be      r11, r0, 4f
        mvhi    r1, hi(error_text)
        ori     r1, r1, lo(error_text)
        calli   uart_puts
        mv      r1, r11
        calli   uart_putdec
        mvi     r1, 10
        calli   uart_putc
4:      mvhi    r1, hi(digest_text)
        ori     r1, r1, lo(digest_text)
        calli   uart_puts
        lw      r1, (r10+COPROCESSOR_DIGEST_HI)
        calli   uart_puthex
        mvi     r1, 32
        calli   uart_putc
        lw      r1, (r10+COPROCESSOR_DIGEST_LO)
        calli   uart_puthex
        mvhi    r1, hi(state_text)
        ori     r1, r1, lo(state_text)
        calli   uart_puts
        lw      r1, (r10+COPROCESSOR_FINAL_STATE)
        calli   uart_putdec
        mvhi    r1, hi(steps_text)
        ori     r1, r1, lo(steps_text)
        calli   uart_puts
        lw      r1, (r10+COPROCESSOR_STEPS_DONE)
        calli   uart_putdec
        mvhi    r1, hi(cycles_text)
        ori     r1, r1, lo(cycles_text)
        calli   uart_puts
        lw      r1, (r10+COPROCESSOR_CYCLES)
        calli   uart_putdec
        mvi     r1, 10
        calli   uart_putc

        lw      ra, (sp+4)
        addi    sp, sp, 4
        ret

# IRQ 4 is a level: clear STATUS.DONE first, then the pending bit.
irq_handler:
        mvhi    r1, hi(COPROCESSOR_BASE)
        ori     r1, r1, lo(COPROCESSOR_BASE)
        mvi     r2, COPROCESSOR_STATUS_DONE_MASK
        sw      (r1+COPROCESSOR_STATUS), r2
        mvi     r1, 1
        sli     r1, r1, IRQ_COPROCESSOR
        wcsr    IP, r1
        mvhi    r2, hi(finished)
        ori     r2, r2, lo(finished)
        mvi     r3, 1
        sw      (r2+0), r3
        ret

        .section .rodata
        .align  4
# Eight states, every operation once: constant, descriptor (operation |
# branch bit << 8 | successor 0 << 16 | successor 1 << 24).
state_table:
        .word   0x00000001, 0 | 0 << 8 | 1 << 16 | 2 << 24        # ADD
        .word   0x80000000, 1 | 31 << 8 | 2 << 16 | 3 << 24       # SUB
        .word   0x12345678, 2 | 7 << 8 | 3 << 16 | 4 << 24        # XOR
        .word   0x0000000d, 3 | 12 << 8 | 4 << 16 | 5 << 24       # ROTL
        .word   0xdeadbeef, 4 | 1 << 8 | 5 << 16 | 6 << 24        # SWAP
        .word   0x00c0ffee, 5 | 16 << 8 | 6 << 16 | 7 << 24       # XSH
        .word   0x31415926, 6 | 24 << 8 | 7 << 16 | 0 << 24       # RSUB
        .word   0x00000012, 7 | 5 << 8 | 0 << 16 | 1 << 24        # ENV (E[2])
state_table_end:
env_values:
        .word   0x11111111, 0x22222222, 0xcafef00d, 0x00000001
start_text:
        .asciz  "automaton: challenge over a 16 KiB golden image in SDRAM\n"
error_text:
        .asciz  "automaton: error "
digest_text:
        .asciz  "automaton: digest "
state_text:
        .asciz  " final-state "
steps_text:
        .asciz  " steps "
cycles_text:
        .asciz  " cycles "

        .data
finished:
        .word   0
