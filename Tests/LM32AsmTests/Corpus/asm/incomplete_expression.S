.word 1 +
