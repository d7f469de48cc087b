nop
  bi 5b
5: nop
