.bss
.word 5
