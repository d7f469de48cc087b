# Cache flush: copies a routine into SDRAM, invalidates the I-cache
# (`wcsr ICC` followed by four nops, as Milkymist's boot_helper.S does) and
# calls it there; then writes a word through the cached SDRAM address,
# invalidates the D-cache (`wcsr DCC`) and reads it back through the
# uncached alias (address | SOC_UNCACHED).

        .include "soc.inc"

        .equ    DATA_OFFSET, 0x100

        .text
        .global main
main:
        addi    sp, sp, -8
        sw      (sp+4), ra
        sw      (sp+8), r11

        mvhi    r1, hi(routine)         # copy routine .. routine_end to SDRAM_BASE
        ori     r1, r1, lo(routine)
        mvhi    r2, hi(routine_end)
        ori     r2, r2, lo(routine_end)
        mvhi    r3, hi(SDRAM_BASE)
        ori     r3, r3, lo(SDRAM_BASE)
1:      lw      r4, (r1+0)
        sw      (r3+0), r4
        addi    r1, r1, 4
        addi    r3, r3, 4
        bne     r1, r2, 1b
        wcsr    DCC, r0                 # the copy went through the write-through D-cache
        wcsr    ICC, r0
        nop
        nop
        nop
        nop
        mvhi    r1, hi(SDRAM_BASE)
        ori     r1, r1, lo(SDRAM_BASE)
        call    r1
        mv      r11, r1

        mvhi    r1, hi(code_text)
        ori     r1, r1, lo(code_text)
        calli   uart_puts
        mv      r1, r11
        calli   uart_puthex

        mvhi    r2, hi(SDRAM_BASE + DATA_OFFSET)
        ori     r2, r2, lo(SDRAM_BASE + DATA_OFFSET)
        mvhi    r3, hi(0x5eed1234)
        ori     r3, r3, lo(0x5eed1234)
        sw      (r2+0), r3
        lw      r4, (r2+0)              # a D-cache hit (or miss) through the cached address
        wcsr    DCC, r0
        mvhi    r5, hi(SOC_UNCACHED)
        or      r2, r2, r5
        lw      r5, (r2+0)
        mvhi    r1, hi(data_ok_text)
        ori     r1, r1, lo(data_ok_text)
        bne     r5, r3, 2f
        be      r4, r3, 3f
2:      mvhi    r1, hi(data_bad_text)
        ori     r1, r1, lo(data_bad_text)
3:      calli   uart_puts

        lw      ra, (sp+4)
        lw      r11, (sp+8)
        addi    sp, sp, 8
        ret

# Position independent: runs wherever it is copied.
routine:
        mvhi    r1, 0x600d
        ori     r1, r1, 0xc0de
        ret
routine_end:

        .section .rodata
code_text:
        .asciz  "cache flush: code copied to SDRAM returned "
data_ok_text:
        .asciz  ", data through the uncached alias ok\n"
data_bad_text:
        .asciz  ", data through the uncached alias BAD\n"
