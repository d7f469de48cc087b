/* Force-included into every translation unit of libsocsim_rtl.so (see
 * RTL/build.sh): Verilator's VL_PRINTF, which $display/$write and runtime
 * messages end in, is redirected to the bridge. The text is kept per model and
 * read with api->take_output(), so the library never prints to the host's
 * stdout. */
#ifndef SOCSIM_VL_PRINTF_H
#define SOCSIM_VL_PRINTF_H
#ifdef __cplusplus
extern "C"
#endif
    int
    socsim_vl_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
#define VL_PRINTF socsim_vl_printf
#endif
