/*
 * SoCSim Verilator bridge: the C ABI of the verilated LM32 test bench and of
 * the verilated SoC (profile "milkymist", SOCSIM_FEATURE_SOC).
 *
 * This header is the single description of the ABI. It is included by the C++
 * implementation (RTL/bridge/bridge.cpp, compiled into
 * RTL/build/<profile>/libsocsim_rtl.so) and, through the SwiftPM C target
 * CVerilatorBridge (Sources/CVerilatorBridge/include/socsim_bridge.h is a
 * symbolic link to this file), by the Swift side. Nothing here is re-declared
 * in Swift. The observation records are in socsim_bridge_obs.h, generated
 * from the observation schema (docs/observation.md) and included below.
 *
 * Loading: dlopen the library, dlsym "socsim_bridge_abi_version" and compare
 * it with SOCSIM_BRIDGE_ABI_VERSION, then dlsym "socsim_bridge_api" and check
 * api->struct_size == sizeof(socsim_bridge_api_t). Every other entry point is a
 * field of that table.
 *
 * Bump SOCSIM_BRIDGE_ABI_VERSION on any change of a struct layout, a function
 * signature or a documented meaning. See docs/rtl.md.
 *
 * Cycle convention: "cycle k" is the clock period after the k-th rising edge
 * since reset was released (cycle 0 is the first cycle with reset low). An
 * observation of cycle k holds the values that the rising edge ending cycle k
 * acts on: e.g. ack = 1 in cycle k means the beat completes at that edge, and
 * retire = 1 means the instruction in W writes the register file there.
 */
#ifndef SOCSIM_BRIDGE_H
#define SOCSIM_BRIDGE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#define SOCSIM_STATIC_ASSERT(c, m) static_assert(c, m)
#else
#define SOCSIM_STATIC_ASSERT(c, m) _Static_assert(c, m)
#endif

#define SOCSIM_BRIDGE_ABI_VERSION 8u

/* Return codes of the int32_t entry points. */
enum {
    SOCSIM_OK = 0,
    SOCSIM_ERR = -1,          /* see last_error() */
    SOCSIM_ERR_ARGUMENT = -2, /* invalid argument; see last_error() */
    SOCSIM_ERR_FINISHED = -3  /* the model executed $finish/$stop earlier */
};

/* Features of the CPU configuration compiled into a library (api->features). */
enum {
    SOCSIM_FEATURE_ICACHE = 1u << 0,
    SOCSIM_FEATURE_DCACHE = 1u << 1,
    SOCSIM_FEATURE_PL_MULTIPLY = 1u << 2,
    SOCSIM_FEATURE_PL_BARREL_SHIFT = 1u << 3,
    SOCSIM_FEATURE_SIGN_EXTEND = 1u << 4,
    SOCSIM_FEATURE_MC_DIVIDE = 1u << 5,
    SOCSIM_FEATURE_CYCLE_COUNTER = 1u << 6,
    SOCSIM_FEATURE_DEBUG = 1u << 7, /* 4 breakpoints, 4 watchpoints, ext_break */
    SOCSIM_FEATURE_TRACE = 1u << 8, /* built with --trace: VCD available */
    /* The Milkymist-style SoC (RTL/soc/socsim_soc_top.v) instead of the test
     * bench: BRAM + SDRAM + CSR devices on one arbitrated bus (docs/soc.md,
     * "Cycle contract"); no test device, no wait states or error windows
     * (those inputs are ignored), the interrupt lines are driven by the
     * devices, the UART stream is collected (uart_take), GPIO pins are
     * inputs.gpio_in / obs.gpio_out. */
    SOCSIM_FEATURE_SOC = 1u << 9
};

/* The observation records, socsim_wb_t and socsim_rtl_obs_t, and the
 * test-device event bits SOCSIM_TDEV_* (socsim_rtl_obs_t.tdev and the stop
 * mask of step()), generated from the observation schema
 * (docs/observation.md). */
#include "socsim_bridge_obs.h"

/* Extra stop conditions of step(); may be or-ed with the SOCSIM_TDEV_* bits. */
enum {
    SOCSIM_STOP_RETIRE = 1u << 8,   /* an instruction retires (obs.retire) */
    SOCSIM_STOP_EXCEPTION = 1u << 9, /* an exception is taken in W (obs.exc_w) */
    SOCSIM_STOP_UART = 1u << 10      /* SoC: an RXTX write lands in this cycle (obs.uart_tx_wr) */
};

/* Pipeline bit masks (socsim_rtl_obs_t.valid / .kill: bit 0 F, 1 D, 2 X, 3 M,
 * 4 W; .stall: bit 0 A, 1 F, 2 D, 3 X, 4 M). */

/* The test bench's inputs. Applied by set_inputs() at once (combinational
 * outputs such as ack are re-evaluated) and held until changed. 48 bytes.
 * The SoC ignores interrupt, the wait states and the error windows; the test
 * bench ignores the SoC's fields. */
typedef struct socsim_rtl_inputs {
    uint32_t interrupt; /* the 32 interrupt lines */
    uint32_t i_err_lo, i_err_hi; /* instruction-bus error window, inclusive */
    uint32_t d_err_lo, d_err_hi; /* data-bus error window, inclusive */
    uint8_t i_wait;     /* instruction-bus wait states (0 = ACK in the first cycle) */
    uint8_t d_wait;     /* data-bus wait states */
    uint8_t i_err_en;   /* 1: beats in [i_err_lo, i_err_hi] get ERR instead of ACK */
    uint8_t d_err_en;
    uint8_t ext_break;  /* the CPU's external break request */
    uint8_t uart_rx_n;  /* SoC: the UART rx pin, inverted (0 = idle line, high) */
    uint8_t sdram_latency; /* SoC: cycles per SDRAM beat; 0 = the default, 8 */
    uint8_t pad_;
    uint32_t gpio_in;   /* SoC: GPIO input pins [7:0] */
    /* SoC: the host's side of the PCIe endpoint's streams (user clock): the dword
     * offered on rx (data, sop, eop, valid) and tx_ready, inverted (0 = ready). A
     * step's user-clock edge (at most one per system period) samples them; the
     * observation of the cycle holds the endpoint's rx_ready and tx_* before it. */
    uint32_t pcie_rx_data;
    uint8_t pcie_rx_sop;
    uint8_t pcie_rx_eop;
    uint8_t pcie_rx_valid;
    uint8_t pcie_tx_stall;
    /* SoC: 1 holds the SoC (CPU, bus, devices; not the endpoint) in reset while the
     * cycles run; clearing it releases the reset and the current cycle becomes
     * cycle 0, as after reset(). */
    uint8_t soc_hold;
    uint8_t pad2_[7];
} socsim_rtl_inputs_t;

/* A byte the SoC's UART started sending: the cycle of its RXTX write (the
 * write's ACK cycle) and the byte. 16 bytes. */
typedef struct socsim_uart_event {
    uint64_t cycle;
    uint8_t byte;
    uint8_t pad_[7];
} socsim_uart_event_t;

/* Options for create(). Zero-initialise, then set struct_size. */
typedef struct socsim_rtl_options {
    uint32_t struct_size;     /* sizeof(socsim_rtl_options_t) */
    uint32_t reset_cycles;    /* rising edges with reset high at creation; 0 = 2 */
    uint64_t clock_period_ps; /* the top's clock period as the bench's or the SoC's
                                 description declares it: VCD time per cycle;
                                 even; 0 = none given (trace_open then fails) */
    uint64_t user_clock_period_ps; /* SoC: the PCIe endpoint's user clock (even; its
                                 rising edges at n * period in the description's
                                 time, where the system clock's k-th rising edge of
                                 the model is at k * clock_period_ps; at a shared
                                 instant the system clock's edge acts first);
                                 0 = the user clock is held low. Test bench: unused. */
} socsim_rtl_options_t;

SOCSIM_STATIC_ASSERT(sizeof(socsim_rtl_inputs_t) == 48, "socsim_rtl_inputs_t layout");
SOCSIM_STATIC_ASSERT(sizeof(socsim_uart_event_t) == 16, "socsim_uart_event_t layout");
SOCSIM_STATIC_ASSERT(sizeof(socsim_rtl_options_t) == 24, "socsim_rtl_options_t layout");

/* An instance of the verilated test bench (its own VerilatedContext). Use it
 * from one thread at a time. */
typedef struct socsim_rtl socsim_rtl_t;

/* create: a new model, RAM zeroed, registers zeroed (--x-initial unique with
 * reset seed 0), reset held for reset_cycles rising edges and released; the
 * model is then in cycle 0. Returns NULL on failure and writes a message to
 * err (errlen bytes, may be 0). */
typedef socsim_rtl_t *(*socsim_rtl_create_fn)(const socsim_rtl_options_t *opts, char *err, size_t errlen);
/* destroy: closes the VCD, finalises and frees the model. NULL is accepted. */
typedef void (*socsim_rtl_destroy_fn)(socsim_rtl_t *m);
/* reset: hold reset for `cycles` (>= 1) rising edges, release it, cycle = 0.
 * RAM and the register file keep their contents (as in hardware). */
typedef int32_t (*socsim_rtl_reset_fn)(socsim_rtl_t *m, uint32_t cycles);
typedef int32_t (*socsim_rtl_set_inputs_fn)(socsim_rtl_t *m, const socsim_rtl_inputs_t *in);
typedef int32_t (*socsim_rtl_get_inputs_fn)(const socsim_rtl_t *m, socsim_rtl_inputs_t *out);
/* observe: the current cycle. */
typedef int32_t (*socsim_rtl_observe_fn)(socsim_rtl_t *m, socsim_rtl_obs_t *out);
/* step: up to n rising edges. After each edge the new cycle is checked
 * against stop_mask (SOCSIM_TDEV_* | SOCSIM_STOP_*); on a match it stops there,
 * so observe() shows the matching cycle. *done (may be NULL) = edges made. */
typedef int32_t (*socsim_rtl_step_fn)(socsim_rtl_t *m, uint64_t n, uint32_t stop_mask, uint64_t *done);
/* step_obs: exactly n rising edges; out[i] = observation of the cycle after
 * edge i + 1 (out must hold n records). */
typedef int32_t (*socsim_rtl_step_obs_fn)(socsim_rtl_t *m, uint64_t n, socsim_rtl_obs_t *out);
/* mem_write / mem_read: memory, bytes in address order (big-endian words),
 * taking effect immediately. Test bench: the 64 KiB RAM, addr + len <=
 * 0x10000. SoC: BRAM [0, ram_bytes) or SDRAM [sdram_base, sdram_base +
 * sdram_bytes), bit 31 of addr ignored; the range must lie in one of them. */
typedef int32_t (*socsim_rtl_mem_write_fn)(socsim_rtl_t *m, uint32_t addr, const uint8_t *src, uint32_t len);
typedef int32_t (*socsim_rtl_mem_read_fn)(socsim_rtl_t *m, uint32_t addr, uint8_t *dst, uint32_t len);
/* trace_open: start a VCD ($timescale 1ps; clk rises at k*P + P/2) of the
 * whole hierarchy (depth 0 = all levels). trace_close: flush and close. */
typedef int32_t (*socsim_rtl_trace_open_fn)(socsim_rtl_t *m, const char *path, int32_t depth);
typedef int32_t (*socsim_rtl_trace_close_fn)(socsim_rtl_t *m);
/* last_error: message of the last failing call on m ("" if none); valid until
 * the next call on m. */
typedef const char *(*socsim_rtl_last_error_fn)(const socsim_rtl_t *m);
/* raw_run: n cycles with no observation and no stop check: the plain C++ loop
 * of the library, for measuring the bridge's overhead. */
typedef int32_t (*socsim_rtl_raw_run_fn)(socsim_rtl_t *m, uint64_t n);
/* take_output: text the RTL printed ($display, e.g. "Data bus error. Address:
 * 00004000") and Verilator messages, kept per model instead of going to
 * stdout. Moves up to len - 1 bytes into buf (NUL-terminated) and returns how
 * many were moved; 0 when nothing is pending. */
typedef size_t (*socsim_rtl_take_output_fn)(socsim_rtl_t *m, char *buf, size_t len);
/* uart_take: SoC: moves up to max UART events, oldest first, into out and
 * returns how many were moved. An event is recorded when step()/step_obs()
 * enters the cycle whose obs.uart_tx_wr is 1 (raw_run records none). Test
 * bench: always 0. */
typedef size_t (*socsim_rtl_uart_take_fn)(socsim_rtl_t *m, socsim_uart_event_t *out, size_t max);

typedef struct socsim_bridge_api {
    uint32_t abi_version;          /* SOCSIM_BRIDGE_ABI_VERSION */
    uint32_t struct_size;          /* sizeof(socsim_bridge_api_t) */
    const char *profile;           /* "testbench-nocache", "testbench-cache", "milkymist" */
    const char *verilator_version; /* e.g. "5.006 2023-01-22" */
    uint32_t features;             /* SOCSIM_FEATURE_* */
    uint32_t ram_bytes;            /* 65536 (SoC: BRAM at 0) */
    socsim_rtl_create_fn create;
    socsim_rtl_destroy_fn destroy;
    socsim_rtl_reset_fn reset;
    socsim_rtl_set_inputs_fn set_inputs;
    socsim_rtl_get_inputs_fn get_inputs;
    socsim_rtl_observe_fn observe;
    socsim_rtl_step_fn step;
    socsim_rtl_step_obs_fn step_obs;
    socsim_rtl_mem_write_fn mem_write;
    socsim_rtl_mem_read_fn mem_read;
    socsim_rtl_trace_open_fn trace_open;
    socsim_rtl_trace_close_fn trace_close;
    socsim_rtl_last_error_fn last_error;
    socsim_rtl_raw_run_fn raw_run;
    socsim_rtl_take_output_fn take_output;
    socsim_rtl_uart_take_fn uart_take;
    uint32_t sdram_base;           /* SoC: 0x40000000; test bench: 0 */
    uint32_t sdram_bytes;          /* SoC: 16 MiB; test bench: 0 */
} socsim_bridge_api_t;

/* ------------------------------------------------------------ multi-clock tops
 * A top with several clock domains (the toy of RTL/toy/) exports
 * socsim_bridge_abi_version and socsim_clocked_api instead of
 * socsim_bridge_api. Domain k (its index in clock_names, the order the
 * description declares the domains in) has period P_k (even): its clock rises
 * at n * P_k and falls at n * P_k + P_k / 2, n = 0, 1, ... The bridge applies
 * the transitions one at a time in the order (time, then domain index), each
 * followed by eval(): at a shared instant domain 0's edge acts first and
 * domain 1's edge sees its result. The rising edges are therefore in the
 * order of SimKernel.ClockEdges. The VCD ($timescale 1ps) has one time stamp
 * per instant, dumped when all transitions at it are done; time 0 is the
 * first edge of every domain. Registers start at 0 (no reset input). */
#define SOCSIM_MAX_CLOCKS 4u

/* One rising edge: its instant, its domain and the cycle it starts in that
 * domain (0 at time 0). 24 bytes. */
typedef struct socsim_clock_edge {
    uint64_t time_ps;
    uint64_t cycle;
    uint32_t domain;
    uint32_t pad_;
} socsim_clock_edge_t;

/* Options for create(). Zero-initialise, then set struct_size. 40 bytes. */
typedef struct socsim_clocked_options {
    uint32_t struct_size;  /* sizeof(socsim_clocked_options_t) */
    uint32_t clock_count;  /* == api->clock_count */
    uint64_t period_ps[SOCSIM_MAX_CLOCKS]; /* per domain, in domain order; even, > 0 */
} socsim_clocked_options_t;

SOCSIM_STATIC_ASSERT(sizeof(socsim_clock_edge_t) == 24, "socsim_clock_edge_t layout");
SOCSIM_STATIC_ASSERT(sizeof(socsim_clocked_options_t) == 40, "socsim_clocked_options_t layout");

typedef struct socsim_clocked socsim_clocked_t;
/* create: every clock low, registers 0, no edge made yet. NULL + message in
 * err on failure (wrong clock_count, an odd or zero period). */
typedef socsim_clocked_t *(*socsim_clocked_create_fn)(const socsim_clocked_options_t *opts, char *err, size_t errlen);
typedef void (*socsim_clocked_destroy_fn)(socsim_clocked_t *m);
/* edges: the next n rising edges of all domains in edge order, with the
 * falling edges that come before them; out (may be NULL) receives the n edges. */
typedef int32_t (*socsim_clocked_edges_fn)(socsim_clocked_t *m, uint64_t n, socsim_clock_edge_t *out);
/* trace_open: a VCD of the whole hierarchy from the next instant on;
 * trace_close: dump the last instant and close. */
typedef int32_t (*socsim_clocked_trace_open_fn)(socsim_clocked_t *m, const char *path);
typedef int32_t (*socsim_clocked_trace_close_fn)(socsim_clocked_t *m);
typedef const char *(*socsim_clocked_last_error_fn)(const socsim_clocked_t *m);

typedef struct socsim_clocked_api {
    uint32_t abi_version;          /* SOCSIM_BRIDGE_ABI_VERSION */
    uint32_t struct_size;          /* sizeof(socsim_clocked_api_t) */
    const char *profile;           /* e.g. "toy-clocks" */
    const char *verilator_version;
    uint32_t clock_count;          /* 1 ... SOCSIM_MAX_CLOCKS */
    uint32_t pad_;
    const char *const *clock_names; /* the top's clock ports, in domain order */
    socsim_clocked_create_fn create;
    socsim_clocked_destroy_fn destroy;
    socsim_clocked_edges_fn edges;
    socsim_clocked_trace_open_fn trace_open;
    socsim_clocked_trace_close_fn trace_close;
    socsim_clocked_last_error_fn last_error;
} socsim_clocked_api_t;

typedef const socsim_clocked_api_t *(*socsim_clocked_api_fn)(void);
#define SOCSIM_CLOCKED_API_SYMBOL "socsim_clocked_api"

/* The two symbols a library exports. */
typedef uint32_t (*socsim_bridge_abi_version_fn)(void);
typedef const socsim_bridge_api_t *(*socsim_bridge_api_fn)(void);
#define SOCSIM_BRIDGE_ABI_VERSION_SYMBOL "socsim_bridge_abi_version"
#define SOCSIM_BRIDGE_API_SYMBOL "socsim_bridge_api"

#ifdef SOCSIM_BRIDGE_IMPLEMENTATION
uint32_t socsim_bridge_abi_version(void);
const socsim_bridge_api_t *socsim_bridge_api(void);
const socsim_clocked_api_t *socsim_clocked_api(void);
#endif

#ifdef __cplusplus
}
#endif

#endif /* SOCSIM_BRIDGE_H */
