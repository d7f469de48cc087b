# DMA through the PCIe endpoint (docs/pcie-endpoint.md): fill LEN bytes in
# SDRAM, copy them to host memory at HOST by DMA (MWr), copy them back into a
# cleared second buffer (MRd), compare the two, send an MSI, and print the
# cycles each transfer took (timer 0, free-running, from START to
# DMA_STATUS.BUSY clear). Then halt, unless the word `rounds_forever` is
# nonzero (0 in the image; hostile-traffic runs set it): then nothing is
# printed and rounds repeat forever from the first, each counted in
# VERDICT_TRUSTED (no DMA error, equal data) or VERDICT_WRONG, which the host
# reads through BAR0.

        .include "soc.inc"

        .equ    LEN, 1024
        .equ    SRC, SDRAM_BASE + 0x00010000
        .equ    DST, SDRAM_BASE + 0x00020000
        .equ    HOST, 0x10000000

        .data
        .global rounds_forever
rounds_forever:
        .word   0

        .text
        .global main
main:
        addi    sp, sp, -4
        sw      (sp+4), ra
        # The buffer: word i is 0x00010203 + i * 0x01010101.
        mvhi    r1, hi(SRC)
        ori     r1, r1, lo(SRC)
        addi    r2, r1, LEN
        mvhi    r3, 0x0001
        ori     r3, r3, 0x0203
        mvhi    r4, 0x0101
        ori     r4, r4, 0x0101
1:      sw      (r1+0), r3
        add     r3, r3, r4
        addi    r1, r1, 4
        bne     r1, r2, 1b

        mvhi    r9, hi(SYSCTL_BASE)
        ori     r9, r9, lo(SYSCTL_BASE)
        sw      (r9+SYSCTL_TIMER0_COUNTER), r0
        mvi     r1, SYSCTL_TIMER0_CONTROL_ENABLE_MASK
        sw      (r9+SYSCTL_TIMER0_CONTROL), r1
        mvhi    r10, hi(PCIE_BASE)
        ori     r10, r10, lo(PCIE_BASE)

        calli   round
        bi      first_done
printed:
        mvi     r1, PCIE_MSI_CONTROL_SEND_MASK
        sw      (r10+PCIE_MSI_CONTROL), r1
        mvhi    r1, hi(to_text)
        ori     r1, r1, lo(to_text)
        calli   uart_puts
        mv      r1, r11
        calli   uart_putdec
        mvhi    r1, hi(back_text)
        ori     r1, r1, lo(back_text)
        calli   uart_puts
        mv      r1, r12
        calli   uart_putdec
        mvhi    r1, hi(ok_text)
        ori     r1, r1, lo(ok_text)
        calli   uart_puts

        mvhi    r1, hi(rounds_forever)
        ori     r1, r1, lo(rounds_forever)
        lw      r1, (r1+0)
        be      r1, r0, 3f
2:      calli   round
counted:
        mvi     r2, PCIE_VERDICT_TRUSTED
        be      r1, r0, 4f
        mvi     r2, PCIE_VERDICT_WRONG
4:      add     r2, r2, r10
        lw      r1, (r2+0)
        addi    r1, r1, 1
        sw      (r2+0), r1
        bi      2b
3:      lw      ra, (sp+4)
        addi    sp, sp, 4
        ret

failed:
        mv      r11, r1
        mvhi    r1, hi(error_text)
        ori     r1, r1, lo(error_text)
        calli   uart_puts
        mv      r1, r11
        calli   uart_putdec
        mvi     r1, 10
        calli   uart_putc
        bi      _halt

# round: clear DST, copy SRC to the host and back into DST, compare. Returns
# in r1 0, a DMA error code, or 16 when the copy differs; in r11 and r12 the
# cycles of the two transfers. Needs r9 = SYSCTL_BASE (timer 0 running) and
# r10 = PCIE_BASE; clobbers r1-r5.
round:
        addi    sp, sp, -4
        sw      (sp+4), ra
        mvhi    r1, hi(DST)
        ori     r1, r1, lo(DST)
        addi    r2, r1, LEN
1:      sw      (r1+0), r0
        addi    r1, r1, 4
        bne     r1, r2, 1b
        mvhi    r1, hi(SRC)
        ori     r1, r1, lo(SRC)
        mvi     r2, 0                           # to the host
        calli   dma
        mv      r11, r3
        bne     r1, r0, 3f
        mvhi    r1, hi(DST)
        ori     r1, r1, lo(DST)
        mvi     r2, PCIE_DMA_CONTROL_FROM_HOST_MASK
        calli   dma
        mv      r12, r3
        bne     r1, r0, 3f
        mvhi    r1, hi(SRC)
        ori     r1, r1, lo(SRC)
        mvhi    r2, hi(DST)
        ori     r2, r2, lo(DST)
        addi    r3, r1, LEN
2:      lw      r4, (r1+0)
        lw      r5, (r2+0)
        bne     r4, r5, 4f
        addi    r1, r1, 4
        addi    r2, r2, 4
        bne     r1, r3, 2b
        mvi     r1, 0
        bi      3f
4:      mvi     r1, 16
3:      lw      ra, (sp+4)
        addi    sp, sp, 4
        ret

# dma: move LEN bytes between device address r1 and HOST; r2 holds the
# direction bit of DMA_CONTROL. Returns DMA_STATUS.ERROR in r1 and the cycles
# it took in r3. Clobbers r1-r4.
dma:
        sw      (r10+PCIE_DMA_LOCAL), r1
        mvhi    r1, hi(HOST)
        ori     r1, r1, lo(HOST)
        sw      (r10+PCIE_DMA_HOST_LO), r1
        sw      (r10+PCIE_DMA_HOST_HI), r0
        mvi     r1, LEN
        sw      (r10+PCIE_DMA_LENGTH), r1
        lw      r3, (r9+SYSCTL_TIMER0_COUNTER)
        ori     r2, r2, PCIE_DMA_CONTROL_START_MASK
        sw      (r10+PCIE_DMA_CONTROL), r2
1:      lw      r1, (r10+PCIE_DMA_STATUS)
        andi    r4, r1, PCIE_DMA_STATUS_BUSY_MASK
        bne     r4, r0, 1b
        lw      r4, (r9+SYSCTL_TIMER0_COUNTER)
        sub     r3, r4, r3
        andi    r1, r1, PCIE_DMA_STATUS_ERROR_MASK
        srui    r1, r1, PCIE_DMA_STATUS_ERROR_SHIFT
        ret

# After the first round: with `rounds_forever` set, count it and go on without
# printing; else print it (or the error). Placed after the routines so that
# their addresses, hence the cache timing of the printed round, are the plain
# run's.
first_done:
        mvhi    r2, hi(rounds_forever)
        ori     r2, r2, lo(rounds_forever)
        lw      r2, (r2+0)
        bne     r2, r0, counted
        bne     r1, r0, failed
        bi      printed

        .section .rodata
to_text:
        .asciz  "dma: to host "
back_text:
        .asciz  " cycles, back "
ok_text:
        .asciz  " cycles, data equal, MSI sent\n"
error_text:
        .asciz  "dma: round failed with code "
