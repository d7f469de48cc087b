rcsr r1, FOO
