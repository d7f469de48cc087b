.set a, b + 1
.set b, a
.word a
