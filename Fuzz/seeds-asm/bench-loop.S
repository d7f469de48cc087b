# CPU-bound benchmark loop for the functional core: a mix of ALU operations,
# multiplies, shifts, loads, stores and taken/untaken branches, forever.
# Run with --max-cycles to choose the length.
        .text
        .global _start
_start:
        xor     r0, r0, r0
        mvhi    r10, hi(buffer)
        ori     r10, r10, lo(buffer)
        mvi     r1, 1
        mvi     r2, 0
outer:
        mvi     r3, 64
inner:
        add     r2, r2, r1
        muli    r4, r2, 13
        xor     r5, r4, r2
        sli     r6, r5, 3
        sru     r7, r6, r1
        sw      (r10+0), r7
        lw      r8, (r10+0)
        cmpgu   r9, r8, r2
        be      r9, r0, 1f
        addi    r1, r1, 1
1:      andi    r1, r1, 0xff
        addi    r3, r3, -1
        bne     r3, r0, inner
        bi      outer

        .data
        .align  4
buffer: .word   0
