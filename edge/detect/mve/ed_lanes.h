/*
 * ed_lanes.h (mve): the per-byte-lane helpers as SIMD instructions of the DSP extension, twins of
 * reference/ed_lanes.h. A host build of this variant (no DSP extension) takes the reference's portable loops.
 */
#ifndef ED_LANES_H
#define ED_LANES_H

#include <stdint.h>

#if defined(__ARM_FEATURE_DSP) && defined(__GNUC__)

/* Per byte lane: (v - lo) mod 256 saturated past span, i.e. zero iff the lane lies in [lo, lo + span]. */
static inline uint32_t ed_lanes_out_of_range(uint32_t v, uint32_t lo4, uint32_t span4)
{
    uint32_t r;
    __asm__("usub8  %0, %1, %2\n\t"
            "uqsub8 %0, %0, %3"
            : "=&r"(r)
            : "r"(v), "r"(lo4), "r"(span4)
            : "cc");
    return r;
}

/* Each int8 lane halved, rounding down (arithmetic shift right by one): SHADD8 with zero. */
static inline uint32_t ed_lanes_halve(uint32_t v)
{
    uint32_t r;
    __asm__("shadd8 %0, %1, %2" : "=r"(r) : "r"(v), "r"(0u));
    return r;
}

/* Lanes of v (four int8) inside [lo, hi]: 0xFF per kept lane, 0x00 per rejected one. SSUB8 sets a GE flag per
 * byte lane where a >= b and SEL picks per lane by them; one asm block keeps the flags in order. */
static inline uint32_t ed_lanes_keep(uint32_t v, uint32_t lo4, uint32_t hi4)
{
    uint32_t keep, t;
    __asm__("ssub8  %[t], %[v], %[lo]\n\t"
            "sel    %[k], %[ones], %[zero]\n\t"
            "ssub8  %[t], %[hi], %[v]\n\t"
            "sel    %[k], %[k], %[zero]"
            : [k] "=&r"(keep), [t] "=&r"(t)
            : [v] "r"(v), [lo] "r"(lo4), [hi] "r"(hi4), [ones] "r"(0xFFFFFFFFu), [zero] "r"(0u)
            : "cc");
    return keep;
}

#else
#include "../reference/ed_lanes.h"
#endif

#endif /* ED_LANES_H */
