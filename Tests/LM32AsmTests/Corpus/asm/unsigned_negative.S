andi r1, r1, -1
