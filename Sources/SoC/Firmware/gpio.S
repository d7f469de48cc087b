# GPIO: lights the LEDs in a pattern and reads the outputs and inputs back;
# then waits for input 0 (a button) to change, by its GPIO interrupt, with
# timer 1 as a one-shot timeout of WAIT_CYCLES cycles.

        .include "soc.inc"

        .equ    WAIT_CYCLES, 20000

        .text
        .global main
        .global irq_handler
main:
        addi    sp, sp, -8
        sw      (sp+4), ra
        sw      (sp+8), r11
        mvhi    r11, hi(SYSCTL_BASE)
        ori     r11, r11, lo(SYSCTL_BASE)

        mvi     r1, 1                   # LED pattern 1, 2, 3
1:      sw      (r11+SYSCTL_GPIO_OUT), r1
        addi    r1, r1, 1
        cmpgui  r2, r1, 3
        be      r2, r0, 1b

        mvhi    r1, hi(out_text)
        ori     r1, r1, lo(out_text)
        calli   uart_puts
        lw      r1, (r11+SYSCTL_GPIO_OUT)
        calli   uart_puthex
        mvhi    r1, hi(in_text)
        ori     r1, r1, lo(in_text)
        calli   uart_puts
        lw      r1, (r11+SYSCTL_GPIO_IN)
        calli   uart_puthex
        mvi     r1, 10
        calli   uart_putc

        # Interrupt on a change of input 0; timer 1 one-shot as the timeout.
        mvi     r1, 1
        sw      (r11+SYSCTL_GPIO_INTEN), r1
        mvi     r1, 1
        sli     r1, r1, IRQ_GPIO
        wcsr    IM, r1
        mvi     r1, 1
        wcsr    IE, r1
        mvi     r1, WAIT_CYCLES
        sw      (r11+SYSCTL_TIMER1_COMPARE), r1
        sw      (r11+SYSCTL_TIMER1_COUNTER), r0
        mvi     r1, SYSCTL_TIMER1_CONTROL_ENABLE_MASK
        sw      (r11+SYSCTL_TIMER1_CONTROL), r1
        mvhi    r2, hi(changes)
        ori     r2, r2, lo(changes)
2:      lw      r3, (r2+0)
        bne     r3, r0, 3f
        lw      r3, (r11+SYSCTL_TIMER1_CONTROL)
        andi    r3, r3, SYSCTL_TIMER1_CONTROL_ENABLE_MASK
        bne     r3, r0, 2b
3:      wcsr    IE, r0
        sw      (r11+SYSCTL_GPIO_INTEN), r0

        mvhi    r1, hi(changes)
        ori     r1, r1, lo(changes)
        lw      r1, (r1+0)
        be      r1, r0, 4f
        mvhi    r1, hi(pressed_text)
        ori     r1, r1, lo(pressed_text)
        calli   uart_puts
        lw      r1, (r11+SYSCTL_GPIO_IN)
        calli   uart_puthex
        mvi     r1, 10
        calli   uart_putc
        bi      5f
4:      mvhi    r1, hi(timeout_text)
        ori     r1, r1, lo(timeout_text)
        calli   uart_puts
5:      sw      (r11+SYSCTL_GPIO_OUT), r0
        lw      ra, (sp+4)
        lw      r11, (sp+8)
        addi    sp, sp, 8
        ret

irq_handler:
        mvi     r1, 1
        sli     r1, r1, IRQ_GPIO
        wcsr    IP, r1
        mvhi    r2, hi(changes)
        ori     r2, r2, lo(changes)
        lw      r3, (r2+0)
        addi    r3, r3, 1
        sw      (r2+0), r3
        ret

        .section .rodata
out_text:
        .asciz  "gpio: out "
in_text:
        .asciz  ", in "
pressed_text:
        .asciz  "gpio: input changed, in "
timeout_text:
        .asciz  "gpio: no input change\n"

        .data
changes:
        .word   0
