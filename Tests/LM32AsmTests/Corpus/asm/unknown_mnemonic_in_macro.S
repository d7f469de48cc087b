.macro m
  nop
  frob r1
.endm
m
