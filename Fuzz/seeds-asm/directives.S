# Data directives, expressions, a macro with arguments, local labels and sections.
        .macro  pair a, b
        .word   \a, \b
        .endm
        .equ    BASE, 0x1000
        .set    COUNT, (BASE >> 4) + 3 * 2
        .text
        .global _start
_start: mvhi    r1, hi(table)
        ori     r1, r1, lo(table)
        lw      r2, (r1+4)
1:      addi    r2, r2, -1
        bne     r2, r0, 1b
        calli   done
done:   bi      done
        .section .rodata
        .align  4
table:  pair    COUNT, BASE-1
        .byte   1, 2, 0xff
        .half   0x1234
        .ascii  "ab\n"
        .asciz  "c\td"
        .data
        .fill   3, 2, 0x55
        .bss
        .space  16
