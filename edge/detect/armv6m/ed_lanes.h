/*
 * ed_lanes.h (armv6m): per-byte-lane helpers of the detection word loops in portable C, the specification of
 * every variant's ed_lanes.h.
 */
#ifndef ED_LANES_REFERENCE_H
#define ED_LANES_REFERENCE_H

#include <stdint.h>

/* Per byte lane: (v - lo) mod 256 saturated past span, i.e. zero iff the lane lies in [lo, lo + span]. */
static inline uint32_t ed_lanes_out_of_range(uint32_t v, uint32_t lo4, uint32_t span4)
{
    uint32_t r = 0, i;
    for (i = 0; i < 32u; i += 8u) {
        const uint32_t d = (((v >> i) & 0xFFu) - ((lo4 >> i) & 0xFFu)) & 0xFFu, s = (span4 >> i) & 0xFFu;
        r |= (d > s ? d - s : 0u) << i;
    }
    return r;
}

/* Each int8 lane halved, rounding down (arithmetic shift right by one): SHADD8 with zero. */
static inline uint32_t ed_lanes_halve(uint32_t v)
{
    uint32_t r = 0, i;
    for (i = 0; i < 32u; i += 8u) {
        r |= (uint32_t)(uint8_t)(int8_t)((int8_t)(uint8_t)(v >> i) >> 1) << i;
    }
    return r;
}

/* Lanes of v (four int8) inside [lo, hi]: 0xFF per kept lane, 0x00 per rejected one. */
static inline uint32_t ed_lanes_keep(uint32_t v, uint32_t lo4, uint32_t hi4)
{
    uint32_t keep = 0, i;
    for (i = 0; i < 32u; i += 8u) {
        const int32_t x = (int8_t)(v >> i), lo = (int8_t)(lo4 >> i), hi = (int8_t)(hi4 >> i);
        keep |= (x >= lo && x <= hi ? 0xFFu : 0u) << i;
    }
    return keep;
}

#endif /* ED_LANES_REFERENCE_H */
