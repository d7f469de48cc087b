nop
.include "include_loop_b.inc"
