// SoC
