// LM32Asm
