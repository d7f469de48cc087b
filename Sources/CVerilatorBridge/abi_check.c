// SwiftPM needs one source file in a C target. Compiling the header here also
// runs its layout assertions (_Static_assert) with the C compiler Swift uses.
#include "socsim_bridge.h"
