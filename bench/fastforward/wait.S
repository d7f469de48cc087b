# socsim run --soc milkymist --cycle bench/fastforward/wait.S --max-cycles 2000000000 --stats
# (issue 18): timer 0 with COMPARE = 0x2faf0000 (10 s at 80 MHz); the
# interrupt handler stops it and sets a word in BRAM that main polls.
        .include "soc.inc"
        .text
        .global main
        .global irq_handler
main:
        mvhi    r10, hi(SYSCTL_BASE)
        ori     r10, r10, lo(SYSCTL_BASE)
        mvhi    r1, 0x2faf
        sw      (r10+SYSCTL_TIMER0_COMPARE), r1
        sw      (r10+SYSCTL_TIMER0_COUNTER), r0
        mvi     r1, 1
        sli     r1, r1, IRQ_TIMER0
        wcsr    IM, r1
        mvi     r1, 1
        wcsr    IE, r1
        mvi     r1, SYSCTL_TIMER0_CONTROL_ENABLE_MASK
        sw      (r10+SYSCTL_TIMER0_CONTROL), r1
        mvhi    r2, hi(flag)
        ori     r2, r2, lo(flag)
1:      lw      r3, (r2+0)
        be      r3, r0, 1b
        wcsr    IE, r0
        ret
irq_handler:
        mvi     r1, 1
        sli     r1, r1, IRQ_TIMER0
        wcsr    IP, r1
        sw      (r10+SYSCTL_TIMER0_CONTROL), r0
        mvhi    r2, hi(flag)
        ori     r2, r2, lo(flag)
        mvi     r3, 1
        sw      (r2+0), r3
        ret
        .data
flag:   .word 0
