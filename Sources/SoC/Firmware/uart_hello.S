# UART hello, the default firmware of the milkymist SoC: greets, sums
# 1..100 and reports the sysctl identity and clock, all through the UART.

        .include "soc.inc"

        .text
        .global main
main:
        addi    sp, sp, -8
        sw      (sp+4), ra
        sw      (sp+8), r11
        mvhi    r1, hi(greeting)
        ori     r1, r1, lo(greeting)
        calli   uart_puts

        mvi     r2, 100                 # r11 = 1 + 2 + ... + 100
        mvi     r11, 0
1:      add     r11, r11, r2
        addi    r2, r2, -1
        bne     r2, r0, 1b
        mvhi    r1, hi(sum_text)
        ori     r1, r1, lo(sum_text)
        calli   uart_puts
        mv      r1, r11
        calli   uart_putdec

        mvhi    r1, hi(id_text)
        ori     r1, r1, lo(id_text)
        calli   uart_puts
        mvhi    r11, hi(SYSCTL_BASE)
        ori     r11, r11, lo(SYSCTL_BASE)
        lw      r1, (r11+SYSCTL_SYSTEM_ID)
        calli   uart_puthex
        mvhi    r1, hi(clock_text)
        ori     r1, r1, lo(clock_text)
        calli   uart_puts
        lw      r1, (r11+SYSCTL_FREQUENCY)
        calli   uart_putdec
        mvhi    r1, hi(hz_text)
        ori     r1, r1, lo(hz_text)
        calli   uart_puts

        lw      ra, (sp+4)
        lw      r11, (sp+8)
        addi    sp, sp, 8
        ret

        .section .rodata
greeting:
        .asciz  "Hello from the LM32 on SoCSim.\n"
sum_text:
        .asciz  "1 + 2 + ... + 100 = "
id_text:
        .asciz  "\nsysctl: system id "
clock_text:
        .asciz  ", clock "
hz_text:
        .asciz  " Hz\n"
