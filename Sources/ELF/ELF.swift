// ELF
