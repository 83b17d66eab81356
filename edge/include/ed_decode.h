/*
 * ed_decode: stored codeword -> level index for every representation an image may use, twins of
 * host/eccless/represent/ (stable ids: 1 offset, 2 twos, 3 signmag, 4 gray, 5 hamming, 6 optimized).
 *
 * offset, twos, signmag and gray are two to six integer operations, cheaper than a table look-up from RAM. The
 * Hamming-weight order is the expensive one: its O(m) enumerative decoder costs ~6 instructions per bit, so for
 * m <= 16 the loader fills a 2^m-entry table once per LOAD (256 entries for int8 weights) and looks codes up;
 * the int32 biases (m = 31/32) use the enumerative decoder. `optimized` stores its own table in the image.
 * docs/FIRMWARE.md has the measured costs.
 */
#ifndef ED_DECODE_H
#define ED_DECODE_H

#include <stdint.h>

#include "ed_model.h"

#define ED_REPR_OFFSET 1u
#define ED_REPR_TWOS 2u
#define ED_REPR_SIGNMAG 3u
#define ED_REPR_GRAY 4u
#define ED_REPR_HAMMING 5u
#define ED_REPR_OPTIMIZED 6u
#define ED_REPR_MAX 6u
#define ED_LUT_BITS 16u

/* C(a, b) for 0 <= a <= 32, 0 <= b <= 33 (0 for b > a); every value fits 32 bits. */
uint32_t ed_binomial(unsigned a, unsigned b);

/* starts[w] = sum_{k < w} C(m, k), for w = 0 .. m + 1 (m + 2 entries). */
void ed_hamming_starts(uint64_t *starts, unsigned m);

/* Index of an m-bit Hamming-weight-order codeword (enumerative decoding, O(m)). */
uint32_t ed_hamming_decode(uint32_t code, unsigned m, const uint64_t *starts);

/* lut[code] = index for every m-bit code (m <= 16), using `starts` of m. */
void ed_hamming_lut(uint16_t *lut, unsigned m, const uint64_t *starts);

/* The index of the m-bit code `code` (already masked to m bits) in tensor t's representation. */
static inline uint32_t ed_decode_index(const ed_tensor_t *t, uint32_t code)
{
    const uint32_t half = (uint32_t)1 << (t->m - 1);
    uint32_t x;
    switch (t->repr) {
    case ED_REPR_OFFSET:
        return code;
    case ED_REPR_TWOS:
        return code ^ half;
    case ED_REPR_SIGNMAG: /* negative half stored as the NOT of the index */
        return code < half ? code + half : (half - 1u) + half - code;
    case ED_REPR_GRAY:
        x = code;
        x ^= x >> 1;
        x ^= x >> 2;
        x ^= x >> 4;
        x ^= x >> 8;
        x ^= x >> 16;
        return x;
    case ED_REPR_HAMMING:
        return t->lut != 0 ? t->lut[code] : ed_hamming_decode(code, t->m, t->starts);
    default: /* ED_REPR_OPTIMIZED: the loader checked the table is a permutation of 2^m entries */
        return (uint32_t)t->table[4u * code] | ((uint32_t)t->table[4u * code + 1u] << 8) |
               ((uint32_t)t->table[4u * code + 2u] << 16) | ((uint32_t)t->table[4u * code + 3u] << 24);
    }
}

#endif /* ED_DECODE_H */
