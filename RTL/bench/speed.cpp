// The fastest way to run the verilated RTL, for speed comparisons with the
// cycle model (BENCHMARKS.md, "Instruction-level fast path"): the top driven
// directly (clk=1 eval clk=0 eval), no bridge, no tracing, built by
// `RTL/build.sh --speed` with Verilator -O3 and g++ -O3.
//
//   socsim_rtl_speed IMAGE CYCLES [REPEATS [PERIOD_PS USER_PERIOD_PS]]
//
// On the SoC, PERIOD_PS and USER_PERIOD_PS run the PCIe endpoint's user clock
// beside the system clock as the bridge does (`socsim map` prints both periods);
// without them the user clock stays low.
// IMAGE is a flat binary loaded at address 0 (the test bench's RAM, or the
// SoC's BRAM), the machine is reset as by the bridge (two edges with reset
// high, all inputs 0, SDRAM latency 8 and UART RX idle on the SoC), then
// CYCLES clock cycles run from cycle 0 (the first cycle with reset low).
// Prints the best of REPEATS runs (CPU time of the thread) and, as a check
// that the model ran the same cycles, the stage PCs and the cycle counter
// after the last edge.
#include "raw_top.h"
#include "verilated.h"

#include <time.h>

#include <cstdio>
#include <cstdlib>
#include <vector>

static double now_s() {
    timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

struct Result {
    double seconds;
    uint32_t pc_f, pc_w, cc;
};

static Result run(const std::vector<uint32_t>& words, uint64_t cycles, uint64_t period, uint64_t user_period) {
    VerilatedContext ctx;
    ctx.randReset(0);
    ctx.fatalOnError(false);
    Verilated::threadContextp(&ctx);
    Vsocsim top(&ctx, "TOP");
    SocsimRawClocks clocks;
    clocks.half = period / 2;
    clocks.user_half = user_period / 2;
    socsim_raw_start(top, words.data(), words.size(), clocks);
    double t0 = now_s();
    socsim_raw_cycles(top, cycles, clocks);
    Result r{now_s() - t0, top.pc_f, top.pc_w, top.cc};
    top.final();
    return r;
}

int main(int argc, char** argv) {
    if (argc < 3) {
        std::fprintf(stderr, "usage: %s IMAGE CYCLES [REPEATS [PERIOD_PS USER_PERIOD_PS]]\n", argv[0]);
        return 2;
    }
    FILE* f = std::fopen(argv[1], "rb");
    if (!f) {
        std::fprintf(stderr, "cannot open %s\n", argv[1]);
        return 2;
    }
    std::vector<uint8_t> bytes(65536, 0);
    size_t len = std::fread(bytes.data(), 1, bytes.size(), f);
    std::fclose(f);
    std::vector<uint32_t> words((len + 3) / 4);
    for (size_t i = 0; i < words.size(); ++i)
        words[i] = uint32_t(bytes[4 * i]) << 24 | uint32_t(bytes[4 * i + 1]) << 16 | uint32_t(bytes[4 * i + 2]) << 8
                   | bytes[4 * i + 3];
    uint64_t cycles = std::strtoull(argv[2], nullptr, 0);
    int repeats = argc > 3 ? std::atoi(argv[3]) : 3;
    uint64_t period = argc > 5 ? std::strtoull(argv[4], nullptr, 0) : 0;
    uint64_t user_period = argc > 5 ? std::strtoull(argv[5], nullptr, 0) : 0;
    Result best{1e300, 0, 0, 0};
    for (int k = 0; k < repeats; ++k) {
        Result r = run(words, cycles, period, user_period);
        if (r.seconds < best.seconds) best = r;
    }
    std::printf("verilator profile=%s cycles=%llu user_clock=%s best=%.3f s CPU %.3f Mcycles/s pc_f=0x%08x pc_w=0x%08x cc=%u\n",
                SOCSIM_PROFILE, (unsigned long long)cycles, user_period ? "on" : "off", best.seconds, cycles / best.seconds / 1e6, best.pc_f,
                best.pc_w, best.cc);
    return 0;
}
