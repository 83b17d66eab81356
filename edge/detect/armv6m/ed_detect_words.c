/*
 * ed_detect_words.c (armv6m): the word loops of ed_detect_words.h as their portable definition
 * (ed_detect_words_portable.h), for cores without the DSP extension and the host harnesses.
 */
#include "ed_detect_words_portable.h"

void ed_words_copy(uint32_t *dst, const uint32_t *src, uint32_t n, uint32_t x)
{
    ed_words_copy_portable(dst, src, n, x);
}

uint32_t ed_words_in_range(const uint32_t *v, uint32_t n, uint32_t lo4, uint32_t span4)
{
    return ed_words_in_range_portable(v, n, lo4, span4);
}

uint32_t ed_words_copy_ranges(uint32_t *dst, const uint32_t *src, uint32_t channels, uint32_t words,
                              const uint32_t *bounds)
{
    return ed_words_copy_ranges_portable(dst, src, channels, words, bounds);
}

uint32_t ed_words_parity_halve(uint32_t *v, uint32_t n, int odd, const uint32_t *bounds)
{
    return ed_words_parity_halve_portable(v, n, odd, bounds);
}
