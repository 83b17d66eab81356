/*
 * ed_fixedpoint.h: TFLite's fixed-point requantization in portable C99, twin of host/eccless/quant/fixedpoint.py.
 * Internal to edge/kernels (both variants include it); not part of the public API.
 *
 * Every wrap-around LiteRT relies on is done in uint32_t/uint64_t, where C defines it, and converted back with
 * ed_s32 (no implementation-defined signed conversion, no signed overflow, no right shift of a negative value).
 * GCC turns these helpers into the plain instructions (ed_s32 into nothing, ed_asr32 into one asr).
 */
#ifndef ED_FIXEDPOINT_H
#define ED_FIXEDPOINT_H

#include <stdint.h>

/* Element-wise kernels with a costly per-value function (sigmoid, hardswish) tabulate all 256 int8 inputs first
 * when a call has more elements than this; either way every output is the same function of its input. */
#define ED_ELEMENTWISE_TABLE_MIN 256

/* The int32 whose two's-complement bits are u. */
static inline int32_t ed_s32(uint32_t u)
{
    return u <= 0x7FFFFFFFu ? (int32_t)u : (int32_t)(u - 0x80000000u) - INT32_MAX - 1;
}

/* The int16 whose bits are the low half of u, widened to int32. */
static inline int32_t ed_s16(uint32_t u)
{
    return (int32_t)(u & 0xFFFFu) - (int32_t)((u & 0x8000u) << 1);
}

/* Arithmetic shift right by e in [0, 31]: floor(x / 2^e). ~x of a negative x is non-negative. */
static inline int32_t ed_asr32(int32_t x, int32_t e)
{
    return x < 0 ? ~(~x >> e) : x >> e;
}

/*
 * gemmlowp SaturatingRoundingDoublingHighMul: a * b / 2^31 rounded to nearest, ties upward; INT32_MIN^2 saturates.
 * floor((ab + 2^30) / 2^31) equals LiteRT's nudge-and-truncate form for both signs of ab (fixedpoint.py shows
 * why). Its low 32 bits are bits 31..62 of ab + 2^30 in two's complement, and every non-saturated result fits
 * an int32, so an unsigned 64-bit shift gives it exactly.
 */
static inline int32_t ed_srdhm(int32_t a, int32_t b)
{
    uint64_t v;

    if (a == INT32_MIN && b == INT32_MIN) {
        return INT32_MAX;
    }
    v = (uint64_t)((int64_t)a * (int64_t)b) + 0x40000000u;
    return ed_s32((uint32_t)(v >> 31));
}

/* gemmlowp RoundingDivideByPOT, exponent e in [0, 31]: x / 2^e rounded to nearest, ties away from zero. */
static inline int32_t ed_rdbpot(int32_t x, int32_t e)
{
    const uint32_t mask = (1u << e) - 1u;
    const uint32_t remainder = (uint32_t)x & mask;
    const uint32_t threshold = (mask >> 1) + (x < 0 ? 1u : 0u);
    return ed_s32((uint32_t)ed_asr32(x, e) + (remainder > threshold ? 1u : 0u));
}

/*
 * MultiplyByQuantizedMultiplier, double-rounding form (TFLite Micro and CMSIS-NN default), shift in [-31, 31].
 * x * 2^left is an int32 product in LiteRT: it wraps, so shift it as uint32.
 */
static inline int32_t ed_mbqm(int32_t x, int32_t multiplier, int32_t shift)
{
    const int32_t left = shift > 0 ? shift : 0;
    const int32_t right = shift > 0 ? 0 : -shift;
    return ed_rdbpot(ed_srdhm(ed_s32((uint32_t)x << left), multiplier), right);
}

/* Accumulator (bias already added) -> int8: MBQM, + output_zp (an int32 add that wraps), clamp. */
static inline int8_t ed_requantize(uint32_t acc, int32_t multiplier, int32_t shift, int32_t output_zp,
                                   int32_t act_min, int32_t act_max)
{
    int32_t y = ed_s32((uint32_t)ed_mbqm(ed_s32(acc), multiplier, shift) + (uint32_t)output_zp);
    y = y < act_min ? act_min : y;
    y = y > act_max ? act_max : y;
    return (int8_t)y;
}

#endif /* ED_FIXEDPOINT_H */
