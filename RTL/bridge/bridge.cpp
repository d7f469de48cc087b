// SoCSim Verilator bridge: implementation of RTL/bridge/bridge.h around the
// verilated socsim_tb_top, or socsim_soc_top when built with SOCSIM_SOC
// (prefix Vsocsim either way). Compiled by RTL/build.sh into
// RTL/build/<profile>/libsocsim_rtl.so together with the model and the
// Verilator runtime.
//
// Rules kept here (see shared reference cosim-verilator.md, "pitfalls"):
//   * no C++ exception crosses the C ABI: every entry point catches;
//   * Verilator never exits or aborts the host: built with VL_USER_FINISH,
//     VL_USER_STOP and VL_USER_FATAL, defined below ($finish/$stop only set
//     gotFinish, a fatal error throws);
//   * Verilated::threadContextp is rebound on every evaluating call;
//   * teardown order: trace close -> final() -> model -> context.

#include "bridge_common.h"

#include "Vsocsim___024root.h"

#include <cstdarg>
#include <algorithm>
#include <cstring>
#include <vector>

#ifndef SOCSIM_FEATURES
#error "SOCSIM_FEATURES must be defined by the build"
#endif

// ------------------------------------------------------------ Verilator hooks
// Appends to the output of the model bound to this thread (defined below).
void socsim_append_output(const std::string& text);

extern "C" int socsim_vl_printf(const char* fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    char small[512];
    va_list ap2;
    va_copy(ap2, ap);
    int n = std::vsnprintf(small, sizeof small, fmt, ap2);
    va_end(ap2);
    std::string text;
    if (n >= 0 && size_t(n) < sizeof small) {
        text.assign(small, size_t(n));
    } else if (n >= 0) {
        text.resize(size_t(n) + 1);
        std::vsnprintf(&text[0], text.size(), fmt, ap);
        text.resize(size_t(n));
    }
    va_end(ap);
    socsim_append_output(text);
    return n;
}


namespace {

constexpr uint32_t kRamBytes = 65536;
#ifdef SOCSIM_SOC
constexpr uint32_t kSdramBase = 0x40000000u;
constexpr uint32_t kSdramBytes = 16u << 20;
constexpr uint8_t kSdramDefaultLatency = 8;
#else
constexpr uint32_t kSdramBase = 0;
constexpr uint32_t kSdramBytes = 0;
#endif

struct Model {
    std::unique_ptr<VerilatedContext> ctx;
    std::unique_ptr<Vsocsim> top;
#if VM_TRACE
    std::unique_ptr<socsim::CheckedVcdFile> vcdFile;  // outlives vcd, which writes through it
    std::unique_ptr<VerilatedVcdC> vcd;
    std::string vcdPath;
#endif
    socsim_rtl_inputs_t in{};
    uint64_t cycle = 0;
    uint64_t time_ps = 0;  // start of the current cycle (clk low)
    uint64_t half_ps = 0;  // half the top's clock period (create)
#ifdef SOCSIM_SOC
    // The PCIe user clock: half its period (0: held low) and the index of its next
    // transition (even: rising). Transition i is at i * user_half_ps in the
    // description's time, where the system clock's rising edge k is at k * 2 * half_ps;
    // the top's time is that plus half_ps (clk rises at k * P + P / 2).
    uint64_t user_half_ps = 0;
    uint64_t user_next = 0;
#endif
    std::string err;
    std::string output;  // what the RTL printed, until take_output()
    std::vector<socsim_uart_event_t> uart;  // SoC: UART events, until uart_take()
};

// The model whose call is running on this thread (for socsim_vl_printf).
thread_local Model* t_current = nullptr;

inline void bind(Model* m) {
    Verilated::threadContextp(m->ctx.get());
    t_current = m;
}

inline void apply_inputs(Model* m) {
    Vsocsim* t = m->top.get();
    const socsim_rtl_inputs_t& in = m->in;
    t->ext_break = in.ext_break & 1;
#ifdef SOCSIM_SOC
    t->gpio_in = uint8_t(in.gpio_in);
    t->uart_rx = in.uart_rx_n ? 0 : 1;
    t->sdram_latency = in.sdram_latency ? in.sdram_latency : kSdramDefaultLatency;
    t->pcie_rx_data = in.pcie_rx_data;
    t->pcie_rx_sop = in.pcie_rx_sop & 1;
    t->pcie_rx_eop = in.pcie_rx_eop & 1;
    t->pcie_rx_valid = in.pcie_rx_valid & 1;
    t->pcie_tx_ready = in.pcie_tx_stall ? 0 : 1;
    t->rst = in.soc_hold ? 1 : 0;
#else
    t->irq = in.interrupt;
    t->i_wait = in.i_wait;
    t->d_wait = in.d_wait;
    t->i_err_en = in.i_err_en & 1;
    t->i_err_lo = in.i_err_lo;
    t->i_err_hi = in.i_err_hi;
    t->d_err_en = in.d_err_en & 1;
    t->d_err_lo = in.d_err_lo;
    t->d_err_hi = in.d_err_hi;
#endif
}

#ifdef SOCSIM_SOC
// The top's time of user clock transition i.
inline uint64_t user_time(const Model* m, uint64_t i) { return i * m->user_half_ps + m->half_ps; }

// Applies the user clock's transitions before top time `limit` (at `limit` too when
// `inclusive`), each dumped at its time when `dump` (those at `time_ps` go with the
// period's first dump).
inline void user_transitions(Model* m, uint64_t limit, bool inclusive, bool dump) {
    if (m->user_half_ps == 0) return;
    Vsocsim* t = m->top.get();
    while (true) {
        uint64_t at = user_time(m, m->user_next);
        if (at > limit || (at == limit && !inclusive)) return;
        t->user_clk = (m->user_next % 2 == 0) ? 1 : 0;
        m->user_next += 1;
        t->eval();
#if VM_TRACE
        if (dump && m->vcd && at != m->time_ps) m->vcd->dump(at);
#else
        (void)dump;
#endif
    }
}
#endif

// One clock period: the low phase is dumped at time_ps, the rising edge at
// time_ps + half, and the falling edge is evaluated (and dumped with the next
// period's low phase, together with any input change made in between). The
// SoC's user clock transitions in between are evaluated and dumped at their
// times; one at the instant of the system clock's rising edge acts after it.
// raw_run passes dump = false: no VCD, no UART events.
inline void one_cycle(Model* m, bool dump = true) {
    Vsocsim* t = m->top.get();
#ifdef SOCSIM_SOC
    user_transitions(m, m->time_ps, true, false);
#endif
#if VM_TRACE
    if (dump && m->vcd) m->vcd->dump(m->time_ps);
#endif
#ifdef SOCSIM_SOC
    user_transitions(m, m->time_ps + m->half_ps, false, dump);
#endif
    t->clk = 1;
    t->eval();
#ifdef SOCSIM_SOC
    user_transitions(m, m->time_ps + m->half_ps, true, false);
#endif
#if VM_TRACE
    if (dump && m->vcd) m->vcd->dump(m->time_ps + m->half_ps);
#endif
#ifdef SOCSIM_SOC
    user_transitions(m, m->time_ps + 2 * m->half_ps, false, dump);
#endif
    t->clk = 0;
    t->eval();
    m->time_ps += 2 * m->half_ps;
    m->ctx->time(m->time_ps);
#ifdef SOCSIM_SOC
    // The cycle just entered (the caller counts it after this returns); raw_run
    // (dump = false) records none.
    if (dump && t->uart_tx_wr) {
        socsim_uart_event_t e{};
        e.cycle = m->cycle + 1;
        e.byte = t->uart_tx_data;
        if (m->uart.size() < (1u << 24)) m->uart.push_back(e);  // bounded
    }
#endif
}

// tdev_bits() and fill_obs(), generated from the observation schema.
#include "socsim_fill_obs.inc"

inline uint32_t stop_bits(const Vsocsim* t) {
    uint32_t b = tdev_bits(t) | (t->retire ? SOCSIM_STOP_RETIRE : 0u) | (t->exc_w ? SOCSIM_STOP_EXCEPTION : 0u);
#ifdef SOCSIM_SOC
    if (t->uart_tx_wr) b |= SOCSIM_STOP_UART;
#endif
    return b;
}

void do_reset(Model* m, uint32_t cycles) {
    Vsocsim* t = m->top.get();
    t->rst = 1;
#ifdef SOCSIM_SOC
    // the endpoint's resets with the SoC's
    t->pcie_rst = 1;
    t->user_rst = 1;
#endif
    t->eval();
    for (uint32_t i = 0; i < cycles; ++i) one_cycle(m);
    t->rst = 0;
#ifdef SOCSIM_SOC
    t->rst = m->in.soc_hold ? 1 : 0;
    t->pcie_rst = 0;
    t->user_rst = 0;
#endif
    t->eval();
    m->cycle = 0;
}

// The word holding byte address a (already checked by mem_range): the RAM
// array socsim_tb_top.mem, or the SoC's socsim_soc_top.bram / .sdram
// (flattened into the root by Verilator's inlining; a rename in another
// Verilator version fails to compile).
inline uint32_t& mem_word(Model* m, uint32_t a) {
#ifdef SOCSIM_SOC
    a &= 0x7FFFFFFFu;
    if (a >= kSdramBase) return m->top->rootp->socsim_soc_top__DOT__sdram[(a - kSdramBase) >> 2];
    return m->top->rootp->socsim_soc_top__DOT__bram[a >> 2];
#else
    return m->top->rootp->socsim_tb_top__DOT__mem[a >> 2];
#endif
}

// Whether [addr, addr + len) lies in one memory (SoC: bit 31 ignored).
inline bool mem_range(uint32_t addr, uint32_t len) {
#ifdef SOCSIM_SOC
    addr &= 0x7FFFFFFFu;
    if (addr >= kSdramBase && addr - kSdramBase <= kSdramBytes && len <= kSdramBytes - (addr - kSdramBase))
        return true;
#endif
    return addr <= kRamBytes && len <= kRamBytes - addr;
}

#ifdef SOCSIM_SOC
#define MEM_RANGE_TEXT "memory access outside BRAM 0x0..0xFFFF and SDRAM 0x40000000..0x40FFFFFF"
#else
#define MEM_RANGE_TEXT "RAM access outside 0x0000..0xFFFF"
#endif

size_t api_uart_take(socsim_rtl_t* h, socsim_uart_event_t* out, size_t max) {
    if (!h || !out || max == 0) return 0;
    Model* m = reinterpret_cast<Model*>(h);
    size_t k = std::min(max, m->uart.size());
    std::copy(m->uart.begin(), m->uart.begin() + ptrdiff_t(k), out);
    m->uart.erase(m->uart.begin(), m->uart.begin() + ptrdiff_t(k));
    return k;
}

size_t api_take_output(socsim_rtl_t* h, char* buf, size_t len) {
    if (!h || !buf || len == 0) return 0;
    Model* m = reinterpret_cast<Model*>(h);
    size_t k = std::min(len - 1, m->output.size());
    std::memcpy(buf, m->output.data(), k);
    buf[k] = 0;
    m->output.erase(0, k);
    return k;
}

#define CHECK_RUNNABLE                                                                   \
    bind(m);                                                                             \
    if (m->ctx->gotFinish())                                                             \
        return fail(m, SOCSIM_ERR_FINISHED, "the model has finished ($finish or fatal)");

// ------------------------------------------------------------ entry points
socsim_rtl_t* api_create(const socsim_rtl_options_t* opts, char* errbuf, size_t errlen) {
    auto report = [&](const char* msg) {
        if (errbuf && errlen) std::snprintf(errbuf, errlen, "%s", msg);
    };
    socsim_rtl_options_t o{};
    o.struct_size = sizeof o;
    if (opts) {
        if (opts->struct_size != sizeof(socsim_rtl_options_t)) {
            report("socsim_rtl_options_t.struct_size does not match this library (ABI mismatch)");
            return nullptr;
        }
        o = *opts;
    }
    if (o.reset_cycles == 0) o.reset_cycles = 2;
    // The period comes from the bench's or the SoC's description; the bridge
    // has no clock of its own (0: none given, no VCD can be written).
    if (o.clock_period_ps % 2 != 0 || o.user_clock_period_ps % 2 != 0) {
        report("clock_period_ps must be even");
        return nullptr;
    }
    Model* m = socsim::create_model<Model>(
        [&](Model* m) {
            m->half_ps = o.clock_period_ps / 2;
#ifdef SOCSIM_SOC
            m->user_half_ps = o.user_clock_period_ps / 2;
#endif
            bind(m);
            Vsocsim* t = m->top.get();
            t->clk = 0;
            apply_inputs(m);
            t->rst = 1;
            t->eval();  // initial blocks; clk low so the first rising edge is seen
            do_reset(m, o.reset_cycles);
        },
        report);
    return reinterpret_cast<socsim_rtl_t*>(m);
}

// The VCD's last time stamp: the start of the current cycle.
void dump_now(Model* m) {
#if VM_TRACE
    m->vcd->dump(m->time_ps);
#else
    (void)m;
#endif
}

void api_destroy(socsim_rtl_t* h) {
    if (!h) return;
    Model* m = reinterpret_cast<Model*>(h);
    t_current = m;
    socsim::teardown(m, [m] { dump_now(m); });
}

int32_t api_reset(socsim_rtl_t* h, uint32_t cycles) {
    GUARD_BEGIN
    CHECK_RUNNABLE
    if (cycles == 0) return fail(m, SOCSIM_ERR_ARGUMENT, "reset needs at least 1 cycle");
    do_reset(m, cycles);
    return SOCSIM_OK;
    GUARD_END
}

int32_t api_set_inputs(socsim_rtl_t* h, const socsim_rtl_inputs_t* in) {
    GUARD_BEGIN
    CHECK_RUNNABLE
    if (!in) return fail(m, SOCSIM_ERR_ARGUMENT, "inputs is NULL");
#ifdef SOCSIM_SOC
    // releasing the hold starts cycle 0, as the end of a reset does
    if (m->in.soc_hold && !in->soc_hold) m->cycle = 0;
#endif
    m->in = *in;
    apply_inputs(m);
    m->top->eval();
    return SOCSIM_OK;
    GUARD_END
}

int32_t api_get_inputs(const socsim_rtl_t* h, socsim_rtl_inputs_t* out) {
    if (!h || !out) return SOCSIM_ERR_ARGUMENT;
    *out = reinterpret_cast<const Model*>(h)->in;
    return SOCSIM_OK;
}

int32_t api_observe(socsim_rtl_t* h, socsim_rtl_obs_t* out) {
    GUARD_BEGIN
    if (!out) return fail(m, SOCSIM_ERR_ARGUMENT, "out is NULL");
    fill_obs(m, out);
    return SOCSIM_OK;
    GUARD_END
}

int32_t api_step(socsim_rtl_t* h, uint64_t n, uint32_t stop_mask, uint64_t* done) {
    if (done) *done = 0;
    GUARD_BEGIN
    CHECK_RUNNABLE
    uint64_t i = 0;
    if (stop_mask == 0) {
        for (; i < n; ++i) {
            one_cycle(m);
            ++m->cycle;
        }
    } else {
        while (i < n) {
            one_cycle(m);
            ++i;
            ++m->cycle;
            if (stop_bits(m->top.get()) & stop_mask) break;
        }
    }
    if (done) *done = i;
    if (m->ctx->gotFinish()) return fail(m, SOCSIM_ERR_FINISHED, "the model executed $finish or $stop");
    return SOCSIM_OK;
    GUARD_END
}

int32_t api_step_obs(socsim_rtl_t* h, uint64_t n, socsim_rtl_obs_t* out) {
    GUARD_BEGIN
    CHECK_RUNNABLE
    if (!out && n) return fail(m, SOCSIM_ERR_ARGUMENT, "out is NULL");
    for (uint64_t i = 0; i < n; ++i) {
        one_cycle(m);
        ++m->cycle;
        fill_obs(m, &out[i]);
    }
    return SOCSIM_OK;
    GUARD_END
}

int32_t api_mem_write(socsim_rtl_t* h, uint32_t addr, const uint8_t* src, uint32_t len) {
    GUARD_BEGIN
    if (!src && len) return fail(m, SOCSIM_ERR_ARGUMENT, "src is NULL");
    if (!mem_range(addr, len)) return fail(m, SOCSIM_ERR_ARGUMENT, MEM_RANGE_TEXT);
    bind(m);
    for (uint32_t i = 0; i < len; ++i) {
        uint32_t a = addr + i;
        uint32_t shift = 8 * (3 - (a & 3));
        uint32_t& w = mem_word(m, a);
        w = (w & ~(0xFFu << shift)) | (uint32_t(src[i]) << shift);
    }
    m->top->eval();  // combinational read data follows the new contents
    return SOCSIM_OK;
    GUARD_END
}

int32_t api_mem_read(socsim_rtl_t* h, uint32_t addr, uint8_t* dst, uint32_t len) {
    GUARD_BEGIN
    if (!dst && len) return fail(m, SOCSIM_ERR_ARGUMENT, "dst is NULL");
    if (!mem_range(addr, len)) return fail(m, SOCSIM_ERR_ARGUMENT, MEM_RANGE_TEXT);
    for (uint32_t i = 0; i < len; ++i) {
        uint32_t a = addr + i;
        dst[i] = uint8_t(mem_word(m, a) >> (8 * (3 - (a & 3))));
    }
    return SOCSIM_OK;
    GUARD_END
}

int32_t api_trace_open(socsim_rtl_t* h, const char* path, int32_t depth) {
    GUARD_BEGIN
    bind(m);
    if (m->half_ps == 0)
        return fail(m, SOCSIM_ERR_ARGUMENT, "no clock period was given at create(): VCD time is unknown");
    return socsim::open_vcd(m, path, depth > 0 ? depth : 99);
    GUARD_END
}

int32_t api_trace_close(socsim_rtl_t* h) {
    GUARD_BEGIN
    bind(m);
    return socsim::close_vcd(m, [m] { dump_now(m); });
    GUARD_END
}

const char* api_last_error(const socsim_rtl_t* h) {
    if (!h) return "null model handle";
    return reinterpret_cast<const Model*>(h)->err.c_str();
}

int32_t api_raw_run(socsim_rtl_t* h, uint64_t n) {
    GUARD_BEGIN
    CHECK_RUNNABLE
    for (uint64_t i = 0; i < n; ++i) one_cycle(m, false);
    m->cycle += n;
    return SOCSIM_OK;
    GUARD_END
}

const socsim_bridge_api_t kApi = {
    SOCSIM_BRIDGE_ABI_VERSION,
    sizeof(socsim_bridge_api_t),
    SOCSIM_PROFILE,
    VERILATOR_VERSION,
    SOCSIM_FEATURES,
    kRamBytes,
    api_create,
    api_destroy,
    api_reset,
    api_set_inputs,
    api_get_inputs,
    api_observe,
    api_step,
    api_step_obs,
    api_mem_write,
    api_mem_read,
    api_trace_open,
    api_trace_close,
    api_last_error,
    api_raw_run,
    api_take_output,
    api_uart_take,
    kSdramBase,
    kSdramBytes,
};

}  // namespace

// Text printed while no model is bound goes to stderr (should not happen).
void socsim_append_output(const std::string& text) {
    if (t_current) {
        if (t_current->output.size() < (16u << 20)) t_current->output += text;  // bounded
    } else {
        std::fputs(text.c_str(), stderr);
    }
}

SOCSIM_EXPORT uint32_t socsim_bridge_abi_version(void) { return SOCSIM_BRIDGE_ABI_VERSION; }
SOCSIM_EXPORT const socsim_bridge_api_t* socsim_bridge_api(void) { return &kApi; }
