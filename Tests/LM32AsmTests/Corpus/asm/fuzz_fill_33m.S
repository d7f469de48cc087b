#a
   .fill 33333234
  .ascP