// SoCSim Verilator bridge for multi-clock tops: implementation of the
// socsim_clocked_api_t part of RTL/bridge/bridge.h around a verilated top
// (prefix Vsocsim) whose clock ports SOCSIM_TOP_CLOCKS lists in domain order
// (from the top's own header, e.g. RTL/toy/socsim_toy_clocks.h, given with
// -include). Compiled by RTL/build.sh into RTL/build/<profile>/libsocsim_rtl.so.
//
// The same rules as bridge.cpp: no C++ exception crosses the C ABI, Verilator
// never exits the host ($finish/$stop/fatal only set gotFinish or throw), the
// thread's context is rebound on every call, teardown is trace -> final ->
// model -> context.

#include "bridge_common.h"
#include "clocked_model.h"

#ifndef SOCSIM_TOP_CLOCKS
#error "SOCSIM_TOP_CLOCKS must be defined (the top's clocks header)"
#endif

namespace {

#define SOCSIM_CLOCK_NAME(c) #c,
const char* const kClockNames[] = {SOCSIM_TOP_CLOCKS(SOCSIM_CLOCK_NAME)};
constexpr uint32_t kClockCount = sizeof kClockNames / sizeof kClockNames[0];
static_assert(kClockCount >= 1 && kClockCount <= SOCSIM_MAX_CLOCKS, "1 ... SOCSIM_MAX_CLOCKS clocks");

struct Model : socsim::ClockedModel<kClockCount> {};

using socsim::apply_next;
using socsim::dump_pending;

socsim_clocked_t* api_create(const socsim_clocked_options_t* o, char* errbuf, size_t errlen) {
    auto report = [&](const std::string& msg) {
        if (errbuf && errlen) std::snprintf(errbuf, errlen, "%s", msg.c_str());
    };
    if (!o || o->struct_size != sizeof(socsim_clocked_options_t)) {
        report("socsim_clocked_options_t missing or of another size (ABI mismatch)");
        return nullptr;
    }
    if (o->clock_count != kClockCount) {
        report("this top has " + std::to_string(kClockCount) + " clocks, " + std::to_string(o->clock_count) + " periods given");
        return nullptr;
    }
    std::vector<uint64_t> periods;
    std::string why;
    if (!socsim::checked_periods(o->period_ps, kClockCount, kClockNames, periods, why)) {
        report(why);
        return nullptr;
    }
    Model* m = socsim::create_model<Model>(
        [&](Model* m) {
            m->clocks.reset(new socsim::ClockTransitions(periods));
            Vsocsim* t = m->top.get();
#define SOCSIM_CLOCK_PORT(c) &t->c,
            CData* ports[] = {SOCSIM_TOP_CLOCKS(SOCSIM_CLOCK_PORT)};
            for (uint32_t k = 0; k < kClockCount; ++k) {
                m->ports[k] = ports[k];
                *ports[k] = 0;
            }
            t->eval();  // initial values, every clock low
        },
        report);
    return reinterpret_cast<socsim_clocked_t*>(m);
}

void api_destroy(socsim_clocked_t* h) {
    if (!h) return;
    Model* m = reinterpret_cast<Model*>(h);
    socsim::teardown(m, [m] { dump_pending(m); });
}

int32_t api_edges(socsim_clocked_t* h, uint64_t n, socsim_clock_edge_t* out) {
    GUARD_BEGIN
    Verilated::threadContextp(m->ctx.get());
    if (m->ctx->gotFinish()) return fail(m, SOCSIM_ERR_FINISHED, "the model has finished ($finish or fatal)");
    for (uint64_t i = 0; i < n;) {
        socsim::ClockTransition tr = apply_next(m);
        if (!tr.rising) continue;
        if (out) out[i] = socsim_clock_edge_t{tr.time_ps, tr.cycle, tr.domain, 0};
        ++i;
    }
    // the falling edges up to the next rising one belong to this call too
    while (!m->clocks->peek().rising) apply_next(m);
    if (m->ctx->gotFinish()) return fail(m, SOCSIM_ERR_FINISHED, "the model executed $finish or $stop");
    return SOCSIM_OK;
    GUARD_END
}

int32_t api_trace_open(socsim_clocked_t* h, const char* path) {
    GUARD_BEGIN
    Verilated::threadContextp(m->ctx.get());
    return socsim::open_vcd(m, path, 99);
    GUARD_END
}

int32_t api_trace_close(socsim_clocked_t* h) {
    GUARD_BEGIN
    Verilated::threadContextp(m->ctx.get());
    return socsim::close_vcd(m, [m] { dump_pending(m); });
    GUARD_END
}

const char* api_last_error(const socsim_clocked_t* h) {
    if (!h) return "null model handle";
    return reinterpret_cast<const Model*>(h)->err.c_str();
}

const socsim_clocked_api_t kApi = {
    SOCSIM_BRIDGE_ABI_VERSION,
    sizeof(socsim_clocked_api_t),
    SOCSIM_PROFILE,
    VERILATOR_VERSION,
    kClockCount,
    0,
    kClockNames,
    api_create,
    api_destroy,
    api_edges,
    api_trace_open,
    api_trace_close,
    api_last_error,
};

}  // namespace

SOCSIM_EXPORT uint32_t socsim_bridge_abi_version(void) { return SOCSIM_BRIDGE_ABI_VERSION; }
SOCSIM_EXPORT const socsim_clocked_api_t* socsim_clocked_api(void) { return &kApi; }
