    .text
    .global _start
_start:
    mvi r1, 0
loop:
    addi r1, r1, 1
    sw (r0+0x4000), r1
    bi loop
