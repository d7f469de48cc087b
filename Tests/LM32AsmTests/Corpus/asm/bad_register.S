add r1, r2, r32
