.data
.space 8
.org 4
