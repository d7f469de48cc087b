/* SoCSim Verilator bridge for a multi-clock top driven port by port: the
 * caller sets every input before each rising edge and reads every output
 * after it (the PCIe endpoint alone, RTL/soc/socsim_pcie_endpoint.v, in the
 * lock-step with its cycle-exact Swift model). The clocks are driven as for
 * the other multi-clock tops (bridge.h): domain k (period P_k, even) rises
 * at n * P_k and falls half a period later, transitions in the order (time,
 * then domain index), so the rising edges are those of SimKernel.ClockEdges.
 * The ports and their order come from a generated list (for the endpoint,
 * RTL/bridge/socsim_pcie_ports.inc from Sources/PCIe/EndpointPorts.swift);
 * the library reports them so that the caller can check them. Every value is
 * a uint64_t holding the port's bits (ports of at most 64 bits). */
#ifndef SOCSIM_PORTED_BRIDGE_H
#define SOCSIM_PORTED_BRIDGE_H

/* bridge.h, under its name in Sources/CVerilatorBridge/include or here */
#if __has_include("socsim_bridge.h")
#include "socsim_bridge.h"
#else
#include "bridge.h"
#endif

#ifdef __cplusplus
extern "C" {
#endif

typedef struct socsim_ported socsim_ported_t;

/* create: every clock and input low, registers 0, no edge made yet; periods
 * in domain order. NULL + message in err on failure. */
typedef socsim_ported_t *(*socsim_ported_create_fn)(const uint64_t *period_ps, uint32_t clock_count, char *err,
                                                    size_t errlen);
typedef void (*socsim_ported_destroy_fn)(socsim_ported_t *m);
/* step: sets the inputs (input_count values), makes the next rising edge
 * and the falling edges up to the one after it, then reads the outputs
 * (output_count values); edge (may be NULL) receives the rising edge. */
typedef int32_t (*socsim_ported_step_fn)(socsim_ported_t *m, const uint64_t *inputs, uint64_t *outputs,
                                         socsim_clock_edge_t *edge);
typedef int32_t (*socsim_ported_trace_open_fn)(socsim_ported_t *m, const char *path);
typedef int32_t (*socsim_ported_trace_close_fn)(socsim_ported_t *m);
typedef const char *(*socsim_ported_last_error_fn)(const socsim_ported_t *m);

typedef struct socsim_ported_api {
    uint32_t abi_version;           /* SOCSIM_BRIDGE_ABI_VERSION */
    uint32_t struct_size;           /* sizeof(socsim_ported_api_t) */
    const char *profile;            /* e.g. "pcie-endpoint-bridge" */
    const char *verilator_version;
    const char *top;                /* the top module */
    uint32_t clock_count;           /* 1 ... SOCSIM_MAX_CLOCKS */
    uint32_t input_count;
    uint32_t output_count;
    uint32_t pad_;
    const char *const *clock_names; /* the description's clock names, in domain order */
    const char *const *input_names;
    const uint32_t *input_widths;
    const char *const *output_names;
    const uint32_t *output_widths;
    socsim_ported_create_fn create;
    socsim_ported_destroy_fn destroy;
    socsim_ported_step_fn step;
    socsim_ported_trace_open_fn trace_open;
    socsim_ported_trace_close_fn trace_close;
    socsim_ported_last_error_fn last_error;
} socsim_ported_api_t;

typedef const socsim_ported_api_t *(*socsim_ported_api_fn)(void);
#define SOCSIM_PORTED_API_SYMBOL "socsim_ported_api"

#ifdef SOCSIM_BRIDGE_IMPLEMENTATION
const socsim_ported_api_t *socsim_ported_api(void);
#endif

#ifdef __cplusplus
}
#endif

#endif /* SOCSIM_PORTED_BRIDGE_H */
