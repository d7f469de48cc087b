nop
.foo 1, 2
