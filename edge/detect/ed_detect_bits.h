/*
 * ed_detect_bits: the small steps every decode + detect strategy shares (internal to edge/detect): finding the
 * first INJECT flip of a tensor, gathering a word of any width from the region, parity, and one stored word to its
 * level -- RegionCodec.decode_words up to the range check, so the generic loop and the table builder are one
 * definition.
 */
#ifndef ED_DETECT_BITS_H
#define ED_DETECT_BITS_H

#include <stdint.h>

#include "ed_decode.h"
#include "ed_detect.h"

/* First flip at or after bit `pos`. */
static inline uint32_t ed_first_flip(const ed_model_t *md, uint32_t pos)
{
    uint32_t lo = 0, hi = md->num_flips;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2u;
        if (md->flips[mid] < pos) {
            lo = mid + 1u;
        } else {
            hi = mid;
        }
    }
    return lo;
}

/* `width` (<= 33) bits at region bit `pos`, LSB first. */
static inline uint64_t ed_gather(const uint8_t *region, uint32_t pos, unsigned width)
{
    const uint8_t *p = region + (pos >> 3);
    const unsigned shift = pos & 7u;
    const unsigned nbytes = (shift + width + 7u) >> 3;
    uint64_t v = 0;
    unsigned i;
    for (i = 0; i < nbytes; i++) {
        v |= (uint64_t)p[i] << (8u * i);
    }
    v >>= shift;
    return width >= 64u ? v : v & (((uint64_t)1 << width) - 1u);
}

static inline unsigned ed_parity64(uint64_t v)
{
    uint32_t x = (uint32_t)v ^ (uint32_t)(v >> 32);
    x ^= x >> 16;
    x ^= x >> 8;
    x ^= x >> 4;
    return (0x6996u >> (x & 0xFu)) & 1u;
}

/* One stored word (flips applied) -> its level; *bad = 1 when the parity fails. RegionCodec.decode_words up to
 * the range check, shared by the generic loop and the table builder so both paths are one definition. */
static inline int64_t ed_word_level(const ed_tensor_t *t, uint64_t word, uint32_t code_mask, int *bad)
{
    *bad = 0;
    if (t->parity == ED_PARITY_SHIFTED) {
        *bad = (int)ed_parity64(word);
        word >>= 1;
    } else if (t->parity == ED_PARITY_BIT30) {
        *bad = (int)ed_parity64(word);
        word &= ~((uint64_t)1 << 30);
    }
    return (int64_t)ed_decode_index(t, (uint32_t)word & code_mask) - ((int64_t)1 << (t->m - 1u));
}

static inline uint32_t ed_code_mask(const ed_tensor_t *t)
{
    return t->m >= 32u ? 0xFFFFFFFFu : (((uint32_t)1 << t->m) - 1u);
}

#endif /* ED_DETECT_BITS_H */
