foo:
  nop
  foo: nop
