// SoCSim Verilator bridge for a multi-clock top driven port by port
// (RTL/bridge/ported_bridge.h): the ports come from the generated list given
// with -include (SOCSIM_PORTS_TOP, SOCSIM_PORTS_CLOCKS, SOCSIM_PORTS_INPUTS,
// SOCSIM_PORTS_OUTPUTS; for the PCIe endpoint RTL/bridge/socsim_pcie_ports.inc).
// Compiled by RTL/build.sh into RTL/build/<profile>/libsocsim_rtl.so.
//
// The same rules as the other bridges: no C++ exception crosses the C ABI,
// Verilator never exits the host, the thread's context is rebound on every
// call, teardown is trace -> final -> model -> context.

#include "bridge_common.h"
#include "clocked_model.h"
#include "ported_bridge.h"

#if !defined(SOCSIM_PORTS_CLOCKS) || !defined(SOCSIM_PORTS_INPUTS) || !defined(SOCSIM_PORTS_OUTPUTS)
#error "the generated port list must be given with -include"
#endif

namespace {

#define SOCSIM_CLOCK_NAME(d, p) #d,
#define SOCSIM_PORT_NAME(p, w) #p,
#define SOCSIM_PORT_WIDTH(p, w) uint32_t(w),
const char* const kClockNames[] = {SOCSIM_PORTS_CLOCKS(SOCSIM_CLOCK_NAME)};
const char* const kInputNames[] = {SOCSIM_PORTS_INPUTS(SOCSIM_PORT_NAME)};
const uint32_t kInputWidths[] = {SOCSIM_PORTS_INPUTS(SOCSIM_PORT_WIDTH)};
const char* const kOutputNames[] = {SOCSIM_PORTS_OUTPUTS(SOCSIM_PORT_NAME)};
const uint32_t kOutputWidths[] = {SOCSIM_PORTS_OUTPUTS(SOCSIM_PORT_WIDTH)};
constexpr uint32_t kClockCount = sizeof kClockNames / sizeof kClockNames[0];
constexpr uint32_t kInputCount = sizeof kInputNames / sizeof kInputNames[0];
constexpr uint32_t kOutputCount = sizeof kOutputNames / sizeof kOutputNames[0];
static_assert(kClockCount >= 1 && kClockCount <= SOCSIM_MAX_CLOCKS, "1 ... SOCSIM_MAX_CLOCKS clocks");

struct Model : socsim::ClockedModel<kClockCount> {};

using socsim::apply_next;
using socsim::dump_pending;

// A port's value as a uint64_t, and back (Verilator: CData/SData/IData/QData).
template <class T>
uint64_t get(const T& v) { return uint64_t(v); }
template <class T>
void set(T& port, uint64_t v, uint32_t width) {
    port = T(width >= 64 ? v : (v & ((uint64_t(1) << width) - 1)));
}

void set_inputs(Model* m, const uint64_t* in) {
    Vsocsim* t = m->top.get();
    uint32_t i = 0;
#define SOCSIM_SET_INPUT(p, w) set(t->p, in[i++], w);
    SOCSIM_PORTS_INPUTS(SOCSIM_SET_INPUT)
    (void)i;
}

void get_outputs(Model* m, uint64_t* out) {
    const Vsocsim* t = m->top.get();
    uint32_t i = 0;
#define SOCSIM_GET_OUTPUT(p, w) out[i++] = get(t->p);
    SOCSIM_PORTS_OUTPUTS(SOCSIM_GET_OUTPUT)
    (void)i;
}

socsim_ported_t* api_create(const uint64_t* period_ps, uint32_t clock_count, char* errbuf, size_t errlen) {
    auto report = [&](const std::string& msg) {
        if (errbuf && errlen) std::snprintf(errbuf, errlen, "%s", msg.c_str());
    };
    if (!period_ps || clock_count != kClockCount) {
        report("this top has " + std::to_string(kClockCount) + " clocks, " + std::to_string(clock_count) + " periods given");
        return nullptr;
    }
    std::vector<uint64_t> periods;
    std::string why;
    if (!socsim::checked_periods(period_ps, kClockCount, kClockNames, periods, why)) {
        report(why);
        return nullptr;
    }
    Model* m = socsim::create_model<Model>(
        [&](Model* m) {
            m->clocks.reset(new socsim::ClockTransitions(periods));
            Vsocsim* t = m->top.get();
#define SOCSIM_CLOCK_PORT(d, p) &t->p,
            CData* ports[] = {SOCSIM_PORTS_CLOCKS(SOCSIM_CLOCK_PORT)};
            for (uint32_t k = 0; k < kClockCount; ++k) {
                m->ports[k] = ports[k];
                *ports[k] = 0;
            }
            t->eval();  // initial values, every clock and input low
        },
        report);
    return reinterpret_cast<socsim_ported_t*>(m);
}

void api_destroy(socsim_ported_t* h) {
    if (!h) return;
    Model* m = reinterpret_cast<Model*>(h);
    socsim::teardown(m, [m] { dump_pending(m); });
}

int32_t api_step(socsim_ported_t* h, const uint64_t* in, uint64_t* out, socsim_clock_edge_t* edge) {
    GUARD_BEGIN
    Verilated::threadContextp(m->ctx.get());
    if (!in || !out) return fail(m, SOCSIM_ERR_ARGUMENT, "inputs and outputs are required");
    if (m->ctx->gotFinish()) return fail(m, SOCSIM_ERR_FINISHED, "the model has finished ($finish or fatal)");
    set_inputs(m, in);
    m->top->eval();
    socsim::ClockTransition tr;
    do { tr = apply_next(m); } while (!tr.rising);
    // the falling edges up to the next rising one belong to this step too
    while (!m->clocks->peek().rising) apply_next(m);
    get_outputs(m, out);
    if (edge) *edge = socsim_clock_edge_t{tr.time_ps, tr.cycle, tr.domain, 0};
    if (m->ctx->gotFinish()) return fail(m, SOCSIM_ERR_FINISHED, "the model executed $finish or $stop");
    return SOCSIM_OK;
    GUARD_END
}

int32_t api_trace_open(socsim_ported_t* h, const char* path) {
    GUARD_BEGIN
    Verilated::threadContextp(m->ctx.get());
    return socsim::open_vcd(m, path, 99);
    GUARD_END
}

int32_t api_trace_close(socsim_ported_t* h) {
    GUARD_BEGIN
    Verilated::threadContextp(m->ctx.get());
    return socsim::close_vcd(m, [m] { dump_pending(m); });
    GUARD_END
}

const char* api_last_error(const socsim_ported_t* h) {
    if (!h) return "null model handle";
    return reinterpret_cast<const Model*>(h)->err.c_str();
}

const socsim_ported_api_t kApi = {
    SOCSIM_BRIDGE_ABI_VERSION,
    sizeof(socsim_ported_api_t),
    SOCSIM_PROFILE,
    VERILATOR_VERSION,
    SOCSIM_PORTS_TOP,
    kClockCount,
    kInputCount,
    kOutputCount,
    0,
    kClockNames,
    kInputNames,
    kInputWidths,
    kOutputNames,
    kOutputWidths,
    api_create,
    api_destroy,
    api_step,
    api_trace_open,
    api_trace_close,
    api_last_error,
};

}  // namespace

SOCSIM_EXPORT uint32_t socsim_bridge_abi_version(void) { return SOCSIM_BRIDGE_ABI_VERSION; }
SOCSIM_EXPORT const socsim_ported_api_t* socsim_ported_api(void) { return &kApi; }
