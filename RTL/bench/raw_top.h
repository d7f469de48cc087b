// The verilated top driven directly (no bridge), shared by the plain drivers
// (driver.cpp, speed.cpp): a program placed in the RAM (the test bench's, or
// the SoC's BRAM), the reset the bridge applies, and the clock loop.
#pragma once

#include "Vsocsim.h"
#include "Vsocsim___024root.h"

#include <cstddef>
#include <cstdint>

// Place `n` words at word 0 and set the constant inputs as the bridge's
// defaults (SoC: SDRAM latency 8, UART RX idle), then two edges with reset
// high and reset released: the next edge ends cycle 0.
inline void socsim_raw_start(Vsocsim& top, const uint32_t* words, size_t n) {
#ifdef SOCSIM_SOC
    for (size_t i = 0; i < n; ++i) top.rootp->socsim_soc_top__DOT__bram[i] = words[i];
    top.sdram_latency = 8;
    top.uart_rx = 1;
#else
    for (size_t i = 0; i < n; ++i) top.rootp->socsim_tb_top__DOT__mem[i] = words[i];
#endif
    top.clk = 0;
    top.rst = 1;
    top.eval();
    for (int i = 0; i < 2; ++i) {
        top.clk = 1;
        top.eval();
        top.clk = 0;
        top.eval();
    }
    top.rst = 0;
    top.eval();
}

// `cycles` clock cycles.
inline void socsim_raw_cycles(Vsocsim& top, uint64_t cycles) {
    for (uint64_t i = 0; i < cycles; ++i) {
        top.clk = 1;
        top.eval();
        top.clk = 0;
        top.eval();
    }
}
