/*
 * ed_repr_hamming.c: the Hamming-weight order (host/eccless/represent/hamming.py): its enumerative decoder, its
 * lookup table, and the decoder that takes the table when the loader built one.
 */
#include "ed_binomials.h"
#include "ed_decode.h"

uint32_t ed_binomial(unsigned a, unsigned b)
{
    return a <= 32u && b <= 33u ? ed_binom[a][b] : 0u;
}

void ed_hamming_starts(uint64_t *starts, unsigned m)
{
    unsigned w;
    starts[0] = 0u;
    for (w = 0; w <= m; w++) {
        starts[w + 1u] = starts[w] + ed_binomial(m, w);
    }
}

uint32_t ed_hamming_decode(uint32_t code, unsigned m, const uint64_t *starts)
{
    /* Walk the set bits from the most significant: a set bit at position p (from the LSB) skips the C(p, w)
     * strings of the class that have a 0 there, w = set bits still to come (this one included). Only the set
     * bits cost a step: count leading zeros finds the next one. */
    unsigned weight = 0, w;
    uint32_t rank = 0, x;
    code &= m >= 32u ? 0xFFFFFFFFu : ((uint32_t)1 << m) - 1u; /* the caller's words are m bits already */
    x = code;
    while (x) {
        x &= x - 1u;
        weight++;
    }
    for (x = code, w = weight; x != 0u; w--) {
        const unsigned p = 31u - (unsigned)__builtin_clz(x);
        rank += ed_binom[p][w];
        x ^= (uint32_t)1 << p;
    }
    return (uint32_t)(starts[weight] + rank);
}

void ed_hamming_lut(uint16_t *lut, unsigned m, const uint64_t *starts)
{
    uint32_t code;
    for (code = 0; code < ((uint32_t)1 << m); code++) {
        lut[code] = (uint16_t)ed_hamming_decode(code, m, starts);
    }
}

uint32_t ed_decode_hamming(const ed_tensor_t *t, uint32_t code)
{
    return t->lut != 0 ? t->lut[code] : ed_hamming_decode(code, t->m, t->starts);
}
