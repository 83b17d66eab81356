/* ed_detect_words.c (mve): the cortex_m4 word loops as they are (DSP SIMD; the M55 has the DSP extension). */
#include "../cortex_m4/ed_detect_words.c"
