nop
.macro foo a
  addi r1, r1, \a
