# Boot stub of the Milkymist-style SoC firmware, linked first: reset and
# exception vectors (EBA = DEBA = 0, the start of BRAM), stack and .bss, then
# `main`. When main returns, interrupts go off and the CPU branches to itself,
# which ends a run. The interrupt vector saves the caller-saved registers and
# calls `irq_handler` (a program defines it; the weak default acknowledges
# everything pending). Other exceptions print their ID and halt.
# Also a small UART library: uart_putc, uart_puts, uart_puthex, uart_putdec.

        .include "soc.inc"

        .text
        .global _start
_start:                                 # EID 0: reset
        xor     r0, r0, r0
        wcsr    IE, r0
        wcsr    IM, r0
        mvhi    r1, hi(_start)
        ori     r1, r1, lo(_start)
        wcsr    EBA, r1
        wcsr    DEBA, r1
        bi      _boot

        .org    0x20                    # EID 1: breakpoint
        mvi     r1, 1
        bi      _fatal
        .org    0x40                    # EID 2: instruction bus error
        mvi     r1, 2
        bi      _fatal
        .org    0x60                    # EID 3: watchpoint
        mvi     r1, 3
        bi      _fatal
        .org    0x80                    # EID 4: data bus error
        mvi     r1, 4
        bi      _fatal
        .org    0xa0                    # EID 5: divide by zero
        mvi     r1, 5
        bi      _fatal
        .org    0xc0                    # EID 6: interrupt
        bi      _interrupt
        .org    0xe0                    # EID 7: system call
        mvi     r1, 7
        bi      _fatal

        .org    0x100
_boot:
        mvhi    sp, hi(_fstack)
        ori     sp, sp, lo(_fstack)
        mvhi    gp, hi(_gp)
        ori     gp, gp, lo(_gp)
        mvhi    r1, hi(_fbss)
        ori     r1, r1, lo(_fbss)
        mvhi    r2, hi(_ebss)
        ori     r2, r2, lo(_ebss)
1:      be      r1, r2, 2f
        sw      (r1+0), r0
        addi    r1, r1, 4
        bi      1b
2:      calli   main
        .global _halt
_halt:
        wcsr    IE, r0
3:      bi      3b                      # the end of the run

# An exception nobody expects: print "exception <EID> at <ea>" and halt at
# _fatal_halt (IE.IE is 0 since the exception), which socsim reports as a
# failed run (exit 1) where a halt at _halt is a run that ended.
_fatal:
        mv      r11, r1
        mvhi    r1, hi(fatal_text)
        ori     r1, r1, lo(fatal_text)
        calli   uart_puts
        mv      r1, r11
        calli   uart_putdec
        mvhi    r1, hi(at_text)
        ori     r1, r1, lo(at_text)
        calli   uart_puts
        mv      r1, ea
        calli   uart_puthex
        mvi     r1, 10
        calli   uart_putc
        .global _fatal_halt
_fatal_halt:
        bi      _fatal_halt

# Interrupt entry: save r1-r10, ra and ea above sp+0 (which belongs to the
# interrupted code), call irq_handler, restore, eret.
_interrupt:
        addi    sp, sp, -52
        sw      (sp+4), r1
        sw      (sp+8), r2
        sw      (sp+12), r3
        sw      (sp+16), r4
        sw      (sp+20), r5
        sw      (sp+24), r6
        sw      (sp+28), r7
        sw      (sp+32), r8
        sw      (sp+36), r9
        sw      (sp+40), r10
        sw      (sp+44), ra
        sw      (sp+48), ea
        calli   irq_handler
        lw      r1, (sp+4)
        lw      r2, (sp+8)
        lw      r3, (sp+12)
        lw      r4, (sp+16)
        lw      r5, (sp+20)
        lw      r6, (sp+24)
        lw      r7, (sp+28)
        lw      r8, (sp+32)
        lw      r9, (sp+36)
        lw      r10, (sp+40)
        lw      ra, (sp+44)
        lw      ea, (sp+48)
        addi    sp, sp, 52
        eret

        .weak   irq_handler
irq_handler:
        rcsr    r1, IP
        wcsr    IP, r1
        ret

# uart_putc: send the byte in r1 once the transmitter is idle. Clobbers r2, r3.
        .global uart_putc
uart_putc:
        mvhi    r2, hi(UART_BASE)
        ori     r2, r2, lo(UART_BASE)
1:      lw      r3, (r2+UART_STAT)
        andi    r3, r3, UART_STAT_THRE_MASK
        be      r3, r0, 1b
        sw      (r2+UART_RXTX), r1
        ret

# uart_puts: send the NUL-terminated string at r1. Clobbers r1-r4.
        .global uart_puts
uart_puts:
        mvhi    r2, hi(UART_BASE)
        ori     r2, r2, lo(UART_BASE)
1:      lbu     r4, (r1+0)
        be      r4, r0, 3f
2:      lw      r3, (r2+UART_STAT)
        andi    r3, r3, UART_STAT_THRE_MASK
        be      r3, r0, 2b
        sw      (r2+UART_RXTX), r4
        addi    r1, r1, 1
        bi      1b
3:      ret

# uart_puthex: send r1 as 0x and eight hex digits. Clobbers r1-r3.
        .global uart_puthex
uart_puthex:
        addi    sp, sp, -12
        sw      (sp+4), ra
        sw      (sp+8), r11
        sw      (sp+12), r12
        mv      r11, r1
        mvi     r1, 48                  # '0'
        calli   uart_putc
        mvi     r1, 120                 # 'x'
        calli   uart_putc
        mvi     r12, 8
1:      srui    r1, r11, 28
        sli     r11, r11, 4
        addi    r1, r1, 48
        cmpgui  r2, r1, 57
        be      r2, r0, 2f
        addi    r1, r1, 39              # 'a' - '0' - 10
2:      calli   uart_putc
        addi    r12, r12, -1
        bne     r12, r0, 1b
        lw      ra, (sp+4)
        lw      r11, (sp+8)
        lw      r12, (sp+12)
        addi    sp, sp, 12
        ret

# uart_putdec: send r1 in unsigned decimal. Clobbers r1-r3.
        .global uart_putdec
uart_putdec:
        addi    sp, sp, -28
        sw      (sp+4), ra
        sw      (sp+8), r11
        sw      (sp+12), r12
        addi    r12, sp, 28             # digits go in sp+18 ... sp+27
        mv      r11, r12
        mvi     r2, 10
1:      modu    r3, r1, r2
        divu    r1, r1, r2
        addi    r3, r3, 48
        addi    r12, r12, -1
        sb      (r12+0), r3
        bne     r1, r0, 1b
2:      lbu     r1, (r12+0)
        calli   uart_putc
        addi    r12, r12, 1
        bne     r12, r11, 2b
        lw      ra, (sp+4)
        lw      r11, (sp+8)
        lw      r12, (sp+12)
        addi    sp, sp, 28
        ret

        .section .rodata
fatal_text:
        .asciz  "exception "
at_text:
        .asciz  " at ea "
