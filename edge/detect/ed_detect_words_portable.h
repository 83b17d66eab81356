/*
 * ed_detect_words_portable: the word loops of ed_detect_words.h in portable C -- their specification. The
 * reference variant runs them as they are; the cortex_m4 variant runs them for the words its 16-byte asm steps
 * leave, and everywhere on a core without the DSP extension. Static inline so that each variant compiles its own
 * copy with its own lane helpers (ed_lanes.h).
 */
#ifndef ED_DETECT_WORDS_PORTABLE_H
#define ED_DETECT_WORDS_PORTABLE_H

#include <stddef.h>
#include <stdint.h>

#include "ed_detect_words.h"

/* Each lane's parity folded into its bit 0 (the other bits are garbage). */
static inline uint32_t ed_lanes_parity(uint32_t v)
{
    v ^= v >> 4; /* every lane's bit 0 only ever takes bits of its own lane */
    v ^= v >> 2;
    v ^= v >> 1;
    return v;
}

static inline void ed_words_copy_portable(uint32_t *dst, const uint32_t *src, uint32_t n, uint32_t x)
{
    for (; n > 0u; n--, src++, dst++) { /* word copies through memcpy: the buffers are also read as int8 */
        uint32_t w;
        __builtin_memcpy(&w, src, 4);
        w ^= x;
        __builtin_memcpy(dst, &w, 4);
    }
}

static inline uint32_t ed_words_in_range_portable(const uint32_t *v, uint32_t n, uint32_t lo4, uint32_t span4)
{
    const uint32_t *const start = v;
    while (n > 0u) { /* four words per step while they last, as the asm */
        const uint32_t k = n >= 4u ? 4u : 1u;
        uint32_t w[4], bad = 0, i;
        __builtin_memcpy(w, v, 4u * k);
        for (i = 0; i < k; i++) {
            bad |= ed_lanes_out_of_range(w[i], lo4, span4);
        }
        if (bad != 0u) {
            break;
        }
        v += k;
        n -= k;
    }
    return (uint32_t)(v - start);
}

static inline uint32_t ed_words_copy_ranges_portable(uint32_t *dst, const uint32_t *src, uint32_t channels,
                                                     uint32_t words, const uint32_t *bounds)
{
    uint32_t acc = 0, c, i;
    for (c = 0; c < channels; c++, bounds += 2) {
        const uint32_t lo4 = bounds[0], span4 = bounds[1];
        for (i = words; i > 0u; i--, src++, dst++) {
            uint32_t w;
            __builtin_memcpy(&w, src, 4);
            acc |= ed_lanes_out_of_range(w, lo4, span4);
            __builtin_memcpy(dst, &w, 4);
        }
    }
    return acc;
}

/* One word: its halved lanes into *out; nonzero when a lane fails the parity or the range. */
static inline uint32_t ed_parity_word(uint32_t w, int odd, const uint32_t *bounds, uint32_t *out)
{
    uint32_t bad = (ed_lanes_parity(w) ^ (odd ? 0x01010101u : 0u)) & 0x01010101u;
    *out = ed_lanes_halve(w);
    if (bounds != NULL) {
        bad |= ed_lanes_out_of_range(*out, bounds[0], bounds[1]);
    }
    return bad;
}

static inline uint32_t ed_words_parity_halve_portable(uint32_t *v, uint32_t n, int odd, const uint32_t *bounds)
{
    uint32_t *const start = v;
    /* four words per step while they last, a failing step left untouched, as the asm */
    while (n > 0u) {
        const uint32_t k = n >= 4u ? 4u : 1u;
        uint32_t w[4], h[4], bad = 0, i;
        __builtin_memcpy(w, v, 4u * k);
        for (i = 0; i < k; i++) {
            bad |= ed_parity_word(w[i], odd, bounds, &h[i]);
        }
        if (bad != 0u) {
            break;
        }
        __builtin_memcpy(v, h, 4u * k);
        v += k;
        n -= k;
    }
    return (uint32_t)(v - start);
}

#endif /* ED_DETECT_WORDS_PORTABLE_H */
