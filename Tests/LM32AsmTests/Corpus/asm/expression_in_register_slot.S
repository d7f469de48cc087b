add r1, 5, r2
