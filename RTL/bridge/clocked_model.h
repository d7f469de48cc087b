// What the multi-clock bridges share (clocked_bridge.cpp, ported_bridge.cpp):
// their model's state and the driving of the clock transitions. Included
// after bridge_common.h.
#ifndef SOCSIM_CLOCKED_MODEL_H
#define SOCSIM_CLOCKED_MODEL_H

#include "clock_edges.h"

#include <string>
#include <vector>

namespace socsim {

// The state of a multi-clock model (the bridge's `struct Model` derives from it).
template <uint32_t Clocks>
struct ClockedModel {
    std::unique_ptr<VerilatedContext> ctx;
    std::unique_ptr<Vsocsim> top;
#if VM_TRACE
    std::unique_ptr<CheckedVcdFile> vcdFile;  // outlives vcd, which writes through it
    std::unique_ptr<VerilatedVcdC> vcd;
    std::string vcdPath;
#endif
    std::unique_ptr<ClockTransitions> clocks;
    CData* ports[Clocks] = {};
    bool pending = false;  // transitions were applied at `now` and not dumped yet
    uint64_t now = 0;
    std::string err;
};

// Dump the instant whose transitions are all applied.
template <class M>
void dump_pending(M* m) {
    if (!m->pending) return;
#if VM_TRACE
    if (m->vcd) m->vcd->dump(m->now);
#endif
    m->pending = false;
}

// Apply one transition; an instant is dumped when the next one begins.
template <class M>
ClockTransition apply_next(M* m) {
    ClockTransition tr = m->clocks->next();
    if (m->pending && tr.time_ps != m->now) dump_pending(m);
    m->now = tr.time_ps;
    m->ctx->time(tr.time_ps);
    *m->ports[tr.domain] = tr.rising ? 1 : 0;
    m->top->eval();
    m->pending = true;
    return tr;
}

// The periods of `count` domains named `names`, each even and positive; false
// with the reason in `why` otherwise.
inline bool checked_periods(const uint64_t* period_ps, uint32_t count, const char* const* names,
                            std::vector<uint64_t>& out, std::string& why) {
    for (uint32_t k = 0; k < count; ++k) {
        if (period_ps[k] == 0 || period_ps[k] % 2 != 0) {
            why = std::string("the period of ") + names[k] + " must be even and positive";
            return false;
        }
        out.push_back(period_ps[k]);
    }
    return true;
}

}  // namespace socsim

#endif
