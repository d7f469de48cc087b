.global f
f: nop
