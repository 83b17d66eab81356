/* ed_detect_words.c (armv6m): the portable word loops of the reference variant (no DSP on Armv6-M). */
#include "../reference/ed_detect_words.c"
