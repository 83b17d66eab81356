/* ed_clamp_s8.c (armv6m): the reference kernel as it is. */
#include "../reference/ed_clamp_s8.c"
