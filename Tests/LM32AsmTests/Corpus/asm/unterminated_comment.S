nop
/* never closed
nop
