.data
.word 1 / 0
