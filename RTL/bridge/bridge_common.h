// What every bridge library shares (bridge.cpp, clocked_bridge.cpp), included
// first, once per library: the ABI header, the verilated top (prefix Vsocsim),
// the Verilator runtime, and the helpers below (for the library's `struct
// Model` with ctx, top, vcd and `std::string err`).
//
// Verilator's exit hooks (the library is built with VL_USER_FINISH,
// VL_USER_STOP and VL_USER_FATAL): $finish and $stop only set gotFinish, a
// fatal error sets it and throws (the entry point turns it into SOCSIM_ERR),
// so Verilator never exits or aborts the host.
#ifndef SOCSIM_BRIDGE_COMMON_H
#define SOCSIM_BRIDGE_COMMON_H

#define SOCSIM_BRIDGE_IMPLEMENTATION
#include "bridge.h"

#include "Vsocsim.h"
#include "verilated.h"
#if VM_TRACE
#include "verilated_vcd_c.h"
#endif

#include <cstdio>
#include <memory>
#include <stdexcept>
#include <string>

#ifndef SOCSIM_PROFILE
#error "SOCSIM_PROFILE must be defined by the build"
#endif

#define SOCSIM_EXPORT extern "C" __attribute__((visibility("default")))

void vl_finish(const char* /*filename*/, int /*linenum*/, const char* /*hier*/) VL_MT_UNSAFE {
    Verilated::threadContextp()->gotFinish(true);
}
void vl_stop(const char* /*filename*/, int /*linenum*/, const char* /*hier*/) VL_MT_UNSAFE {
    Verilated::threadContextp()->gotFinish(true);
}
void vl_fatal(const char* filename, int linenum, const char* hier, const char* msg) VL_MT_UNSAFE {
    Verilated::threadContextp()->gotFinish(true);
    std::string s = "Verilator fatal: ";
    s += msg ? msg : "";
    if (filename && *filename) s += std::string(" (") + filename + ":" + std::to_string(linenum) + ")";
    if (hier && *hier) s += std::string(" in ") + hier;
    throw std::runtime_error(s);
}

// A failing entry point: the message for last_error(), the code returned.
template <class M>
int32_t fail(M* m, int32_t code, const std::string& msg) {
    m->err = msg;
    return code;
}

// The body of an entry point on handle h: m is its Model; no C++ exception
// crosses the C ABI.
#define GUARD_BEGIN                                            \
    if (!h) return SOCSIM_ERR_ARGUMENT;                        \
    Model* m = reinterpret_cast<Model*>(h);                    \
    try {                                                      \
        m->err.clear();
#define GUARD_END                                              \
    }                                                          \
    catch (const std::exception& e) {                          \
        return fail(m, SOCSIM_ERR, e.what());                  \
    }                                                          \
    catch (...) {                                              \
        return fail(m, SOCSIM_ERR, "unknown C++ exception");   \
    }

namespace socsim {

// A model's own Verilator context: errors do not exit, every variable without
// an initialiser starts at 0, tracing allowed.
inline std::unique_ptr<VerilatedContext> new_context() {
    std::unique_ptr<VerilatedContext> ctx(new VerilatedContext);
    ctx->fatalOnError(false);
    ctx->randReset(0);
#if VM_TRACE
    ctx->traceEverOn(true);
#endif
    return ctx;
}

// Frees a model in the teardown order: model, then context.
template <class M>
void discard(M* m) {
    m->top.reset();
    m->ctx.reset();
    delete m;
}

// create: a new M with its own context and top (clocks and inputs 0), set up
// by init(m); on an exception the message goes to report() and nothing stays
// allocated.
template <class M, class Init, class Report>
M* create_model(Init init, Report report) {
    M* m = nullptr;
    try {
        m = new M();
        m->ctx = new_context();
        Verilated::threadContextp(m->ctx.get());
        m->top.reset(new Vsocsim(m->ctx.get(), "TOP"));
        init(m);
        return m;
    } catch (const std::exception& e) {
        report(e.what());
    } catch (...) {
        report("unknown C++ exception");
    }
    if (m) discard(m);
    return nullptr;
}

// trace_open: a VCD of the hierarchy (depth levels) of m's top into path.
template <class M>
int32_t open_vcd(M* m, const char* path, int depth) {
#if VM_TRACE
    if (!path) return fail(m, SOCSIM_ERR_ARGUMENT, "path is NULL");
    if (m->vcd) return fail(m, SOCSIM_ERR_ARGUMENT, "a VCD is already open");
    std::unique_ptr<VerilatedVcdC> vcd(new VerilatedVcdC);
    m->top->trace(vcd.get(), depth);
    vcd->open(path);
    if (!vcd->isOpen()) return fail(m, SOCSIM_ERR, std::string("cannot open VCD file ") + path);
    m->vcd = std::move(vcd);
    return SOCSIM_OK;
#else
    (void)path;
    (void)depth;
    return fail(m, SOCSIM_ERR, "library built without --trace");
#endif
}

// trace_close: dump_last() writes the last time stamp, then the file closes.
template <class M, class DumpLast>
void close_vcd(M* m, DumpLast dump_last) {
#if VM_TRACE
    if (m->vcd) {
        dump_last();
        m->vcd->close();
        m->vcd.reset();
    }
#else
    (void)m;
    (void)dump_last;
#endif
}

// destroy: trace close -> final() -> model -> context; never throws.
template <class M, class DumpLast>
void teardown(M* m, DumpLast dump_last) {
    try {
        Verilated::threadContextp(m->ctx.get());
        close_vcd(m, dump_last);
        if (m->top) m->top->final();
    } catch (...) {
    }
    discard(m);
}

}  // namespace socsim

#endif
