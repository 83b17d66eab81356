/*
 * ed_detect_words: the word loops under the copy variants of ed_detect.c -- copy, the range test, and parity-lsb's
 * test and halving -- four int8 lanes per 32-bit word, both pointers word-aligned. On a core with the DSP
 * extension (Cortex-M4/M7) they are LDM/STM loops of SIMD instructions, 16 bytes per step; elsewhere (the host
 * harnesses) the portable C below them, which is their specification.
 *
 * The tests only say whether a run is clean: counting and zeroing the rare rejected lanes is the callers' slow
 * path (ed_detect.c), so the loops carry no per-lane bookkeeping.
 */
#ifndef ED_DETECT_WORDS_H
#define ED_DETECT_WORDS_H

#include <stdint.h>

/* Per byte lane: (v - lo) mod 256 saturated past span, i.e. zero iff the lane lies in [lo, lo + span]. */
static inline uint32_t ed_lanes_out_of_range(uint32_t v, uint32_t lo4, uint32_t span4)
{
#if defined(__ARM_FEATURE_DSP) && defined(__GNUC__)
    uint32_t r;
    __asm__("usub8  %0, %1, %2\n\t"
            "uqsub8 %0, %0, %3"
            : "=&r"(r)
            : "r"(v), "r"(lo4), "r"(span4)
            : "cc");
    return r;
#else
    uint32_t r = 0, i;
    for (i = 0; i < 32u; i += 8u) {
        const uint32_t d = (((v >> i) & 0xFFu) - ((lo4 >> i) & 0xFFu)) & 0xFFu, s = (span4 >> i) & 0xFFu;
        r |= (d > s ? d - s : 0u) << i;
    }
    return r;
#endif
}

/* Each int8 lane halved, rounding down (arithmetic shift right by one): SHADD8 with zero. */
static inline uint32_t ed_lanes_halve(uint32_t v)
{
#if defined(__ARM_FEATURE_DSP) && defined(__GNUC__)
    uint32_t r;
    __asm__("shadd8 %0, %1, %2" : "=r"(r) : "r"(v), "r"(0u));
    return r;
#else
    uint32_t r = 0, i;
    for (i = 0; i < 32u; i += 8u) {
        r |= (uint32_t)(uint8_t)(int8_t)((int8_t)(uint8_t)(v >> i) >> 1) << i;
    }
    return r;
#endif
}

/* dst[i] = src[i] ^ x for i < n. */
void ed_words_copy(uint32_t *dst, const uint32_t *src, uint32_t n, uint32_t x);

/* How many leading words of v[0..n) have every int8 lane v with (uint8_t)(v - lo) <= span, i.e. in [lo, lo +
 * span] (lo4 and span4 hold lo and span in each lane, lo + span <= 127), in steps of four words while four remain,
 * then one: n when all do; otherwise the step starting there holds a lane outside. */
uint32_t ed_words_in_range(const uint32_t *v, uint32_t n, uint32_t lo4, uint32_t span4);

/* ed_words_copy (x = 0) of `channels` runs of `words` words each, testing as it copies: run c against the
 * (lo4, span4) pair at bounds[2c] as ed_words_in_range does. The asm takes whole 16-byte steps only: `words` a
 * multiple of 4 (other counts run the C loop). Returns 0 iff every lane passed; either way the
 * whole copy is made. */
uint32_t ed_words_copy_ranges(uint32_t *dst, const uint32_t *src, uint32_t channels, uint32_t words,
                              const uint32_t *bounds);

/* parity-lsb in place over v[0..n), in steps of four words while four remain, then one: a step whose every lane
 * had even parity (odd: odd parity) and, with bounds (lo4, span4 as for ed_words_in_range; NULL: no range), halves
 * into levels in range is stored halved -- each lane shifted right by one as an int8, the level of a 7-bit twos
 * code. Stops before the first step that fails and leaves it untouched; returns the words done (n: all). */
uint32_t ed_words_parity_halve(uint32_t *v, uint32_t n, int odd, const uint32_t *bounds);

#endif /* ED_DETECT_WORDS_H */
