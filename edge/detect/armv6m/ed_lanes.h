/* ed_lanes.h (armv6m): the reference lane helpers. */
#include "../reference/ed_lanes.h"
