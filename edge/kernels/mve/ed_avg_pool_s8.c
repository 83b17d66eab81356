/* ed_avg_pool_s8.c (mve): the cortex_m4 kernel as it is (the M55 has the DSP extension; its pools and clamp gain nothing
 * from Helium that these instruction counts would show). */
#include "../cortex_m4/ed_avg_pool_s8.c"
