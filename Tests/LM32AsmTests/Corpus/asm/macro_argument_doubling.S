.macro m a
m \a\a
.endm
m x
