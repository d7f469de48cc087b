nop
.global f
  f: ret
