/* A library that claims another bridge ABI version, built by RTL/build.sh into
 * RTL/build/fixtures/ for the loader's negative test (VerilatedTests). */
#include <stdint.h>
__attribute__((visibility("default"))) uint32_t socsim_bridge_abi_version(void) { return 0xBADu; }
