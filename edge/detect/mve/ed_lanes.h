/* ed_lanes.h (mve): the cortex_m4 lane helpers (DSP SIMD). */
#include "../cortex_m4/ed_lanes.h"
