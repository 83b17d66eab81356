/* ed_avg_pool_s8.c (armv6m): the reference kernel as it is. */
#include "../reference/ed_avg_pool_s8.c"
