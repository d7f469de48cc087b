addi r1, r1, hi(x)
