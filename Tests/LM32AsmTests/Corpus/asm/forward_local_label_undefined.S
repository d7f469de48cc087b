bi 1f
2: nop
