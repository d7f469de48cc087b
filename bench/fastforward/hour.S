# socsim run --soc milkymist --cycle bench/fastforward/hour.S --max-cycles 300000000000 --stats
# One simulated hour (80 MHz x 3600 s = 288e9 cycles) in 72 timer periods
# of 4e9 cycles; the interrupt handler counts them, main polls the count.
        .include "soc.inc"
        .equ    PERIOD, 4000000000
        .equ    TICKS, 72
        .text
        .global main
        .global irq_handler
main:
        mvhi    r10, hi(SYSCTL_BASE)
        ori     r10, r10, lo(SYSCTL_BASE)
        mvhi    r1, hi(PERIOD)
        ori     r1, r1, lo(PERIOD)
        sw      (r10+SYSCTL_TIMER0_COMPARE), r1
        sw      (r10+SYSCTL_TIMER0_COUNTER), r0
        mvi     r1, 1 << IRQ_TIMER0
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
        ret
irq_handler:
        mvi     r1, 1 << IRQ_TIMER0
        wcsr    IP, r1
        mvhi    r2, hi(ticks)
        ori     r2, r2, lo(ticks)
        lw      r3, (r2+0)
        addi    r3, r3, 1
        sw      (r2+0), r3
        ret
        .data
ticks:  .word   0
