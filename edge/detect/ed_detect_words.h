/*
 * ed_detect_words: the word loops under the copy variants of ed_detect_copy.c -- copy, the range test, and parity-lsb's
 * test and halving -- four int8 lanes per 32-bit word, both pointers word-aligned. Each variant folder
 * implements them under the same file name (detect/<variant>/ed_detect_words.c, chosen by the build from the
 * board's capabilities): reference/ runs the portable loops of ed_detect_words_portable.h, which are their
 * specification; cortex_m4/ runs LDM/STM loops of SIMD instructions, 16 bytes per step, and the portable loops
 * for the last words (and everywhere on a core without the DSP extension).
 *
 * The tests only say whether a run is clean: counting and zeroing the rare rejected lanes is the callers' slow
 * path (ed_detect_copy.c), so the loops carry no per-lane bookkeeping.
 */
#ifndef ED_DETECT_WORDS_H
#define ED_DETECT_WORDS_H

#include <stdint.h>

#include "ed_lanes.h" /* the variant's lane helpers: detect/<variant>/ed_lanes.h */

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
