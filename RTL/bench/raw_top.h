// The verilated top driven directly (no bridge), shared by the plain drivers
// (driver.cpp, speed.cpp): a program placed in the RAM (the test bench's, or
// the SoC's BRAM), the reset the bridge applies, and the clock loop.
#pragma once

#include "Vsocsim.h"
#include "Vsocsim___024root.h"

#include <cstddef>
#include <cstdint>

// The SoC's clocks as the bridge runs them (bridge.cpp, one_cycle): the
// system clock's period starting at `time` rises at time + half; transition i
// of the PCIe user clock is at i * user_half + half, rising when i is even, and
// one at the instant of a system rising edge acts after it. user_half 0: the
// user clock stays low (the test bench has none).
struct SocsimRawClocks {
    uint64_t half = 0, user_half = 0;
    uint64_t time = 0, next = 0;

    // The user clock's transitions before `limit` (at `limit` too when `inclusive`).
    inline void user_until(Vsocsim& top, uint64_t limit, bool inclusive) {
#ifdef SOCSIM_SOC
        if (user_half == 0) return;
        while (true) {
            uint64_t at = next * user_half + half;
            if (at > limit || (at == limit && !inclusive)) return;
            top.user_clk = next % 2 == 0 ? 1 : 0;
            next += 1;
            top.eval();
        }
#else
        (void)top, (void)limit, (void)inclusive;
#endif
    }

    // One period of the system clock.
    inline void cycle(Vsocsim& top) {
        user_until(top, time + half, false);
        top.clk = 1;
        top.eval();
        user_until(top, time + 2 * half, false);
        top.clk = 0;
        top.eval();
        time += 2 * half;
    }
};

// Place `n` words at word 0 and set the constant inputs as the bridge's
// defaults (SoC: SDRAM latency 8, UART RX idle), then two edges with reset
// high (the SoC's endpoint resets with it, as the bridge holds them) and reset
// released: the next edge ends cycle 0.
inline void socsim_raw_start(Vsocsim& top, const uint32_t* words, size_t n, SocsimRawClocks& clocks) {
#ifdef SOCSIM_SOC
    for (size_t i = 0; i < n; ++i) top.rootp->socsim_soc_top__DOT__bram[i] = words[i];
    top.sdram_latency = 8;
    top.uart_rx = 1;
    top.pcie_rst = 1;
    top.user_rst = 1;
#else
    for (size_t i = 0; i < n; ++i) top.rootp->socsim_tb_top__DOT__mem[i] = words[i];
#endif
    top.clk = 0;
    top.rst = 1;
    top.eval();
    for (int i = 0; i < 2; ++i) clocks.cycle(top);
    top.rst = 0;
#ifdef SOCSIM_SOC
    top.pcie_rst = 0;
    top.user_rst = 0;
#endif
    top.eval();
}

// `cycles` clock cycles.
inline void socsim_raw_cycles(Vsocsim& top, uint64_t cycles, SocsimRawClocks& clocks) {
    for (uint64_t i = 0; i < cycles; ++i) clocks.cycle(top);
}
