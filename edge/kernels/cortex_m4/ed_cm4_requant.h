/*
 * ed_cm4_requant.h: the cortex_m4 requantization, bit-exact with ed_requantize (common/ed_fixedpoint.h) for every
 * int32 accumulator, every int32 multiplier and every shift in [-31, 31], in 9 instructions plus the clamp
 * (internal to edge/kernels/cortex_m4).
 *
 * Per channel (ed_cm4_rq_channel, once per output channel or block row): left = max(shift, 0), right = left -
 * shift. Per output, with x = acc << left (wrapping):
 *
 *   hi:lo = x * m + 2^30                   SMULL, ADDS, ADC
 *   y     = sat(2 * hi) | lo >> 31         QADD, ORR    SaturatingRoundingDoublingHighMul: y is
 *           floor((x m + 2^30) / 2^31). 2 * hi only leaves the int32 range for INT32_MIN^2, where QADD gives
 *           INT32_MAX exactly as gemmlowp does (| lo >> 31 adds nothing then: lo = 2^30).
 *   y', C = y - s, s = [y < 0]             ADDS y, y, y ASR #31   (carry out: y + 0xFFFFFFFF carries iff y != 0)
 *   z, C  = y' >> right                    ASRS by register: C = bit right-1 of y', or unchanged (= s) for 0
 *   out   = z + C + zp                     ADC
 *
 * RoundingDivideByPOT (ties away from zero) is floor((y - s + 2^(right-1)) / 2^right) for right >= 1, which is
 * (y' >> right) plus y''s bit right-1; for right = 0 the carry still holds s and restores y. y - s cannot wrap:
 * |x m| <= 2^62 - 2^31 off the saturation, so y >= -2^31 + 1. Then + zp wraps (int32) and the clamp follows.
 */
#ifndef ED_CM4_REQUANT_H
#define ED_CM4_REQUANT_H

#include <stdint.h>

#include "ed_fixedpoint.h"

/* One output channel's requantization, prepared once and applied to each of its outputs. */
typedef struct {
    int32_t mult;
    uint32_t left, right;
} ed_cm4_rq_t;

static inline ed_cm4_rq_t ed_cm4_rq_channel(int32_t multiplier, int32_t shift)
{
    ed_cm4_rq_t c;
    c.mult = multiplier;
    c.left = shift > 0 ? (uint32_t)shift : 0u;
    c.right = c.left - (uint32_t)shift; /* max(-shift, 0) */
    return c;
}

#if defined(__ARM_FEATURE_DSP)

/*
 * The sequence above as asm text, for this function and for the kernels that requantize inside their own asm;
 * the caller spells the operands (extended asm's "%[name]", or registers in a naked function): A the accumulator,
 * MBQM(A) + zp after; M the multiplier; L, R the left and right shifts; LO, HI temporaries; ZP the zero point.
 */
#define ED_CM4_RQ_ASM(A, M, L, R, LO, HI, ZP)                                                                    \
    "lsl    " A ", " A ", " L "\n\t"                                                                              \
    "smull  " LO ", " HI ", " A ", " M "\n\t"                                                                     \
    "adds   " LO ", " LO ", #0x40000000\n\t"                                                                      \
    "adc    " HI ", " HI ", #0\n\t"                                                                               \
    "qadd   " A ", " HI ", " HI "\n\t"                                                                            \
    "orr    " A ", " A ", " LO ", lsr #31\n\t"                                                                    \
    "adds   " A ", " A ", " A ", asr #31\n\t"                                                                     \
    "asrs   " A ", " A ", " R "\n\t"                                                                              \
    "adc    " A ", " A ", " ZP "\n\t"
/* A channel's shift S split in place (ed_cm4_rq_channel): L = max(S, 0), then S = L - S, the right shift. */
#define ED_CM4_RQ_SPLIT_ASM(S, L) "bic    " L ", " S ", " S ", asr #31\n\t" "sub    " S ", " L ", " S "\n\t"
/* Four outputs after SSAT #8 into the byte lanes of V (A0 lowest), then V clamped lane by lane to the lanes of LO4
 * and HI4 (SSUB8 sets the GE flags, SEL picks; T takes the difference). */
#define ED_CM4_PACK4_ASM(V, A0, A1, A2, A3)                                                                      \
    "and    " V ", " A0 ", #255\n\t"                                                                              \
    "bfi    " V ", " A1 ", #8, #8\n\t"                                                                            \
    "bfi    " V ", " A2 ", #16, #8\n\t"                                                                           \
    "bfi    " V ", " A3 ", #24, #8\n\t"
#define ED_CM4_CLAMP4_ASM(V, LO4, HI4, T)                                                                        \
    "ssub8  " T ", " V ", " LO4 "\n\t"                                                                            \
    "sel    " V ", " V ", " LO4 "\n\t"                                                                            \
    "ssub8  " T ", " V ", " HI4 "\n\t"                                                                            \
    "sel    " V ", " HI4 ", " V "\n\t"

/* MBQM(acc) + zp as the int32 bits (wrapping add), before the clamp. */
static inline uint32_t ed_cm4_rq_apply(uint32_t acc, ed_cm4_rq_t c, uint32_t zp)
{
    uint32_t lo, hi;
    __asm__(ED_CM4_RQ_ASM("%[x]", "%[m]", "%[left]", "%[right]", "%[lo]", "%[hi]", "%[zp]")
            : [x] "+&r"(acc), [lo] "=&r"(lo), [hi] "=&r"(hi)
            : [left] "r"(c.left), [m] "r"(c.mult), [right] "r"(c.right), [zp] "r"(zp)
            : "cc");
    return acc;
}

/* v clamped to [-128, 127] (SSAT #8), as int32 bits. */
static inline uint32_t ed_cm4_ssat8(uint32_t v)
{
    uint32_t r;
    __asm__("ssat %0, #8, %1" : "=r"(r) : "r"(v));
    return r;
}

#else /* portable twin: the same steps in C, the carry flag as a variable */

static inline uint32_t ed_cm4_rq_apply(uint32_t acc, ed_cm4_rq_t c, uint32_t zp)
{
    const uint64_t p = (uint64_t)((int64_t)ed_s32(acc << c.left) * (int64_t)c.mult) + 0x40000000u;
    const int32_t hi = ed_s32((uint32_t)(p >> 32));
    const uint32_t twice = hi >= 0x40000000 ? 0x7FFFFFFFu : (uint32_t)hi << 1; /* QADD: saturates only up */
    const uint32_t y = twice | (uint32_t)p >> 31;
    const uint32_t s = y >> 31;
    const uint32_t y1 = y - s;
    const uint32_t carry = c.right == 0u ? s : (y1 >> (c.right - 1u)) & 1u;
    return (uint32_t)ed_asr32(ed_s32(y1), (int32_t)c.right) + carry + zp;
}

static inline uint32_t ed_cm4_ssat8(uint32_t v)
{
    const int32_t x = ed_s32(v);
    return (uint32_t)(x < -128 ? -128 : x > 127 ? 127 : x);
}

#endif /* __ARM_FEATURE_DSP */

/* The output byte: requantized, zero point added, clamped to [act_min, act_max]. */
static inline int8_t ed_cm4_rq_out(uint32_t acc, ed_cm4_rq_t c, int32_t output_zp, int32_t act_min,
                                   int32_t act_max)
{
    int32_t v = ed_s32(ed_cm4_rq_apply(acc, c, (uint32_t)output_zp));
    v = v < act_min ? act_min : v;
    v = v > act_max ? act_max : v;
    return (int8_t)v;
}

#endif /* ED_CM4_REQUANT_H */
