/* ed_max_pool_s8.c (armv6m): the reference kernel as it is. */
#include "../reference/ed_max_pool_s8.c"
