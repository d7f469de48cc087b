# Timer interrupts: timer 0 restarts every TICK_CYCLES cycles and pulses
# IRQ_TIMER0; the interrupt handler counts the ticks; main waits for TICKS
# of them, stops the timer and prints the count.

        .include "soc.inc"

        .equ    TICK_CYCLES, 8000       # 100 us at 80 MHz
        .equ    TICKS, 10

        .text
        .global main
        .global irq_handler
main:
        addi    sp, sp, -4
        sw      (sp+4), ra
        mvhi    r1, hi(start_text)
        ori     r1, r1, lo(start_text)
        calli   uart_puts

        mvhi    r10, hi(SYSCTL_BASE)
        ori     r10, r10, lo(SYSCTL_BASE)
        mvi     r1, TICK_CYCLES
        sw      (r10+SYSCTL_TIMER0_COMPARE), r1
        sw      (r10+SYSCTL_TIMER0_COUNTER), r0
        mvi     r1, 1
        sli     r1, r1, IRQ_TIMER0
        wcsr    IM, r1
        mvi     r1, 1
        wcsr    IE, r1
        mvi     r1, SYSCTL_TIMER0_CONTROL_ENABLE_MASK | SYSCTL_TIMER0_CONTROL_AUTORESTART_MASK
        sw      (r10+SYSCTL_TIMER0_CONTROL), r1

        mvhi    r2, hi(ticks)
        ori     r2, r2, lo(ticks)
1:      lw      r3, (r2+0)
        cmpgui  r4, r3, TICKS - 1
        be      r4, r0, 1b

        sw      (r10+SYSCTL_TIMER0_CONTROL), r0
        wcsr    IE, r0
        mvhi    r1, hi(done_text)
        ori     r1, r1, lo(done_text)
        calli   uart_puts
        mvhi    r2, hi(ticks)
        ori     r2, r2, lo(ticks)
        lw      r1, (r2+0)
        calli   uart_putdec
        mvhi    r1, hi(of_text)
        ori     r1, r1, lo(of_text)
        calli   uart_puts
        mvi     r1, TICK_CYCLES
        calli   uart_putdec
        mvhi    r1, hi(cycles_text)
        ori     r1, r1, lo(cycles_text)
        calli   uart_puts

        lw      ra, (sp+4)
        addi    sp, sp, 4
        ret

# Called from the interrupt vector with r1-r10 saved.
irq_handler:
        mvi     r1, 1
        sli     r1, r1, IRQ_TIMER0
        wcsr    IP, r1                  # the pulse is over: acknowledge it
        mvhi    r2, hi(ticks)
        ori     r2, r2, lo(ticks)
        lw      r3, (r2+0)
        addi    r3, r3, 1
        sw      (r2+0), r3
        ret

        .section .rodata
start_text:
        .asciz  "timer0: counting ticks\n"
done_text:
        .asciz  "timer0: "
of_text:
        .asciz  " ticks of "
cycles_text:
        .asciz  " cycles\n"

        .data
ticks:
        .word   0
