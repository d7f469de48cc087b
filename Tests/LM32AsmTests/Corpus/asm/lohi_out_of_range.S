ori r1, r1, 0x12345
