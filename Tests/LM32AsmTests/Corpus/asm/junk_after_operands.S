nop r1
