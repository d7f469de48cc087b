// Plain C++ driver of the verilated test bench, for measuring the bridge's
// overhead. Built by RTL/build.sh from the same objects as libsocsim_rtl.so.
//
//   socsim_rtl_driver raw    CYCLES [REPEATS]       Vsocsim driven directly (clk=1 eval clk=0 eval)
//   socsim_rtl_driver bridge CYCLES [REPEATS]       the C ABI, statically linked: api->step(n, 0)
//   socsim_rtl_driver so     CYCLES [REPEATS] LIB   the C ABI of LIB loaded with dlopen
//   socsim_rtl_driver image  BIN CYCLES             SoC profile: run the flat binary BIN
//                                                   (loaded at 0) through the C ABI and
//                                                   print its UART bytes and the speed
//
// Every mode runs the same CPU-bound loop (bench_program below) from reset and
// prints the best of REPEATS runs, plus the CPU's cycle counter CSR and r2 as
// a check that each mode did the same work.
#include "bridge.h"
#include "raw_top.h"

#include "Vsocsim.h"
#include "Vsocsim___024root.h"
#include "verilated.h"

#include <dlfcn.h>
#include <time.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

extern "C" uint32_t socsim_bridge_abi_version(void);
extern "C" const socsim_bridge_api_t* socsim_bridge_api(void);

// The benchmark loop (also used by Tests/VerilatedTests). Hand-encoded:
//   0x00 xor  r0, r0, r0        98000000
//   0x04 addi r1, r0, 0         34010000
//   0x08 addi r1, r1, 1         34210001   <- loop
//   0x0c add  r2, r2, r1        b4411000
//   0x10 xor  r3, r2, r1        98411800
//   0x14 sli  r4, r1, 3         3c240003
//   0x18 sub  r5, r4, r3        c8832800
//   0x1c sw   (r0+0x1000), r5   58051000
//   0x20 lw   r6, (r0+0x1000)   28061000
//   0x24 bi   0x08              e3fffff9
static const uint32_t bench_program[] = {
    0x98000000, 0x34010000, 0x34210001, 0xb4411000, 0x98411800,
    0x3c240003, 0xc8832800, 0x58051000, 0x28061000, 0xe3fffff9,
};

// CPU time of this thread: robust against sharing the machine with other jobs.
static double now_s() {
    timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void program_bytes(uint8_t* out, size_t* len) {
    size_t n = sizeof bench_program / sizeof bench_program[0];
    for (size_t i = 0; i < n; ++i) {
        out[4 * i + 0] = uint8_t(bench_program[i] >> 24);
        out[4 * i + 1] = uint8_t(bench_program[i] >> 16);
        out[4 * i + 2] = uint8_t(bench_program[i] >> 8);
        out[4 * i + 3] = uint8_t(bench_program[i]);
    }
    *len = 4 * n;
}

static double run_raw(uint64_t cycles, uint32_t* cc) {
    VerilatedContext ctx;
    ctx.randReset(0);
    ctx.fatalOnError(false);
    Verilated::threadContextp(&ctx);
    Vsocsim top(&ctx, "TOP");
    SocsimRawClocks clocks;
    socsim_raw_start(top, bench_program, sizeof bench_program / sizeof bench_program[0], clocks);
    double t0 = now_s();
    socsim_raw_cycles(top, cycles, clocks);
    double t = now_s() - t0;
    *cc = top.cc;
    top.final();
    return t;
}

// A model with `len` bytes at 0, freshly reset; run `cycles` cycles through
// step() and return the CPU time they took. Exits on failure.
static double timed_run(const socsim_bridge_api_t* api, const uint8_t* bytes, size_t len, uint64_t cycles,
                        socsim_rtl_t** out) {
    char err[256] = {0};
    socsim_rtl_options_t o;
    std::memset(&o, 0, sizeof o);
    o.struct_size = sizeof o;
    socsim_rtl_t* m = api->create(&o, err, sizeof err);
    if (!m) {
        std::fprintf(stderr, "create failed: %s\n", err);
        std::exit(1);
    }
    api->mem_write(m, 0, bytes, uint32_t(len));
    api->reset(m, 2);
    double t0 = now_s();
    if (api->step(m, cycles, 0, nullptr) != SOCSIM_OK) {
        std::fprintf(stderr, "step failed: %s\n", api->last_error(m));
        std::exit(1);
    }
    *out = m;
    return now_s() - t0;
}

static double run_api(const socsim_bridge_api_t* api, uint64_t cycles, uint32_t* cc) {
    uint8_t bytes[256];
    size_t len = 0;
    program_bytes(bytes, &len);
    socsim_rtl_t* m = nullptr;
    double t = timed_run(api, bytes, len, cycles, &m);
    socsim_rtl_obs_t obs;
    api->observe(m, &obs);
    *cc = obs.cc;
    api->destroy(m);
    return t;
}

// Run a flat binary on the SoC through the statically linked C ABI.
static int run_image(const char* path, uint64_t cycles) {
    const socsim_bridge_api_t* api = socsim_bridge_api();
    FILE* f = std::fopen(path, "rb");
    if (!f) {
        std::fprintf(stderr, "cannot open %s\n", path);
        return 1;
    }
    static uint8_t image[65536];
    size_t len = std::fread(image, 1, sizeof image, f);
    std::fclose(f);
    socsim_rtl_t* m = nullptr;
    double t = timed_run(api, image, len, cycles, &m);
    socsim_uart_event_t ev[256];
    size_t k, total = 0;
    while ((k = api->uart_take(m, ev, 256)) > 0) {
        for (size_t i = 0; i < k; ++i) std::putchar(ev[i].byte);
        total += k;
    }
    std::printf("\nmode=image profile=%s cycles=%llu %.3f s CPU %.3f Mcycles/s uart_bytes=%zu\n", api->profile,
                (unsigned long long)cycles, t, cycles / t / 1e6, total);
    api->destroy(m);
    return 0;
}

int main(int argc, char** argv) {
    if (argc >= 4 && std::string(argv[1]) == "image") return run_image(argv[2], std::strtoull(argv[3], nullptr, 0));
    if (argc < 3) {
        std::fprintf(stderr, "usage: %s raw|bridge|so CYCLES [REPEATS] [LIB]\n", argv[0]);
        return 2;
    }
    std::string mode = argv[1];
    uint64_t cycles = std::strtoull(argv[2], nullptr, 0);
    int repeats = argc > 3 ? std::atoi(argv[3]) : 3;
    const socsim_bridge_api_t* api = nullptr;
    if (mode == "bridge") {
        api = socsim_bridge_api();
    } else if (mode == "so") {
        if (argc < 5) {
            std::fprintf(stderr, "mode so needs LIB\n");
            return 2;
        }
        void* h = dlopen(argv[4], RTLD_NOW | RTLD_LOCAL);
        if (!h) {
            std::fprintf(stderr, "dlopen: %s\n", dlerror());
            return 1;
        }
        auto ver = reinterpret_cast<socsim_bridge_abi_version_fn>(dlsym(h, SOCSIM_BRIDGE_ABI_VERSION_SYMBOL));
        auto get = reinterpret_cast<socsim_bridge_api_fn>(dlsym(h, SOCSIM_BRIDGE_API_SYMBOL));
        if (!ver || !get || ver() != SOCSIM_BRIDGE_ABI_VERSION) {
            std::fprintf(stderr, "ABI mismatch or missing symbols in %s\n", argv[4]);
            return 1;
        }
        api = get();
    } else if (mode != "raw") {
        std::fprintf(stderr, "unknown mode %s\n", mode.c_str());
        return 2;
    }
    double best = 1e300;
    uint32_t cc = 0;
    for (int r = 0; r < repeats; ++r) {
        double t = api ? run_api(api, cycles, &cc) : run_raw(cycles, &cc);
        if (t < best) best = t;
    }
    std::printf("mode=%s profile=%s cycles=%llu best=%.3f s CPU %.3f Mcycles/s %.1f ns/cycle cc=%u\n", mode.c_str(),
                socsim_bridge_api()->profile, (unsigned long long)cycles, best, cycles / best / 1e6,
                best / cycles * 1e9, cc);
    return 0;
}
