/*
 * ed_dsp.h: the Armv7E-M DSP instructions the cortex_m4 kernels are built from, as small inline helpers.
 * With __ARM_FEATURE_DSP (Cortex-M4/M7/M33 with DSP) each helper is one instruction (inline asm, so the rotated
 * forms stay single instructions); elsewhere (the host test build) a portable C twin computes the same bits.
 * Internal to edge/kernels/cortex_m4.
 *
 * Lane notation: a uint32_t holds two int16 lanes, lo = bits 0..15 and hi = bits 16..31, or four int8 lanes
 * b0..b3. All arithmetic wraps like the instructions (SMLAD/SMLABB also wrap; they only set the Q flag).
 */
#ifndef ED_DSP_H
#define ED_DSP_H

#include <stdint.h>
#include <string.h>

#include "ed_fixedpoint.h"

/* A 4-byte copy the compiler turns into one LDR/STR. The firmware is built with -ffreestanding, which implies
 * -fno-builtin: a plain memcpy there stays a libc call (a bl plus ~10 instructions per word, which made the
 * inner loops 4-6x slower in the firmware than in a hosted harness). __builtin_memcpy is expanded inline even
 * then. */
#if defined(__GNUC__)
#define ED_COPY4(dst, src) __builtin_memcpy((dst), (src), 4u)
#else
#define ED_COPY4(dst, src) memcpy((dst), (src), 4u)
#endif

/* Word access to bytes of any alignment (Cortex-M4 LDR/STR handle unaligned addresses). */
static inline uint32_t ed_read_u32(const void *p)
{
    uint32_t v;
    ED_COPY4(&v, p);
    return v;
}

static inline void ed_write_u32(void *p, uint32_t v)
{
    ED_COPY4(p, &v);
}

#if defined(__ARM_FEATURE_DSP)

/* Two aligned words from *p, then p += 2: one post-indexed LDRD (GCC would emit LDRD plus an ADD). */
static inline void ed_load2_inc(const uint32_t **p, uint32_t *a, uint32_t *b)
{
    uint32_t x, y;
    __asm__("ldrd %0, %1, [%2], #8" : "=r"(x), "=r"(y), "+r"(*p) : "m"(*(const uint32_t(*)[2])*p));
    *a = x;
    *b = y;
}

/* (sext b0, sext b2) */
static inline uint32_t ed_sxtb16(uint32_t x)
{
    uint32_t r;
    __asm__("sxtb16 %0, %1" : "=r"(r) : "r"(x));
    return r;
}

/* (sext b1, sext b3) */
static inline uint32_t ed_sxtb16_ror8(uint32_t x)
{
    uint32_t r;
    __asm__("sxtb16 %0, %1, ror #8" : "=r"(r) : "r"(x));
    return r;
}

/* (a.lo + sext b0, a.hi + sext b2), each lane mod 2^16 */
static inline uint32_t ed_sxtab16(uint32_t a, uint32_t x)
{
    uint32_t r;
    __asm__("sxtab16 %0, %1, %2" : "=r"(r) : "r"(a), "r"(x));
    return r;
}

/* (a.lo + sext b1, a.hi + sext b3) */
static inline uint32_t ed_sxtab16_ror8(uint32_t a, uint32_t x)
{
    uint32_t r;
    __asm__("sxtab16 %0, %1, %2, ror #8" : "=r"(r) : "r"(a), "r"(x));
    return r;
}

/* (a.lo, b.lo): PKHBT a, b, LSL #16 */
static inline uint32_t ed_pack_lo(uint32_t a, uint32_t b)
{
    uint32_t r;
    __asm__("pkhbt %0, %1, %2, lsl #16" : "=r"(r) : "r"(a), "r"(b));
    return r;
}

/* (a.hi, b.hi): PKHTB b, a, ASR #16 */
static inline uint32_t ed_pack_hi(uint32_t a, uint32_t b)
{
    uint32_t r;
    __asm__("pkhtb %0, %1, %2, asr #16" : "=r"(r) : "r"(b), "r"(a));
    return r;
}

/* acc + a.lo * b.lo + a.hi * b.hi */
static inline uint32_t ed_smlad(uint32_t a, uint32_t b, uint32_t acc)
{
    uint32_t r;
    __asm__("smlad %0, %1, %2, %3" : "=r"(r) : "r"(a), "r"(b), "r"(acc));
    return r;
}

/* acc + a.lo * b.lo */
static inline uint32_t ed_smlabb(uint32_t a, uint32_t b, uint32_t acc)
{
    uint32_t r;
    __asm__("smlabb %0, %1, %2, %3" : "=r"(r) : "r"(a), "r"(b), "r"(acc));
    return r;
}

/* acc + a.hi * b.hi */
static inline uint32_t ed_smlatt(uint32_t a, uint32_t b, uint32_t acc)
{
    uint32_t r;
    __asm__("smlatt %0, %1, %2, %3" : "=r"(r) : "r"(a), "r"(b), "r"(acc));
    return r;
}

/* Lane-wise signed max / min of four int8: SSUB8 sets the GE flags per byte, SEL picks by them. One asm block
 * keeps the flag dependency out of the compiler's hands. */
static inline uint32_t ed_max_s8x4(uint32_t a, uint32_t b)
{
    uint32_t r;
    __asm__("ssub8 %0, %1, %2\n\tsel %0, %1, %2" : "=&r"(r) : "r"(a), "r"(b) : "cc");
    return r;
}

static inline uint32_t ed_min_s8x4(uint32_t a, uint32_t b)
{
    uint32_t r;
    __asm__("ssub8 %0, %1, %2\n\tsel %0, %2, %1" : "=&r"(r) : "r"(a), "r"(b) : "cc");
    return r;
}

#else /* portable twins */

static inline void ed_load2_inc(const uint32_t **p, uint32_t *a, uint32_t *b)
{
    *a = ed_read_u32(*p); /* by bytes: the buffers may have been written as int16 */
    *b = ed_read_u32(*p + 1);
    *p += 2;
}

static inline uint32_t ed_sext8(uint32_t byte)
{
    return (byte & 0xFFu) | ((byte & 0x80u) != 0u ? 0xFF00u : 0u); /* as a 16-bit lane */
}

static inline uint32_t ed_sxtb16(uint32_t x)
{
    return ed_sext8(x) | (ed_sext8(x >> 16) << 16);
}

static inline uint32_t ed_sxtb16_ror8(uint32_t x)
{
    return ed_sxtb16((x >> 8) | (x << 24));
}

static inline uint32_t ed_sxtab16(uint32_t a, uint32_t x)
{
    const uint32_t e = ed_sxtb16(x);
    return ((a + e) & 0xFFFFu) | (((a >> 16) + (e >> 16)) << 16);
}

static inline uint32_t ed_sxtab16_ror8(uint32_t a, uint32_t x)
{
    return ed_sxtab16(a, (x >> 8) | (x << 24));
}

static inline uint32_t ed_pack_lo(uint32_t a, uint32_t b)
{
    return (a & 0xFFFFu) | (b << 16);
}

static inline uint32_t ed_pack_hi(uint32_t a, uint32_t b)
{
    return (a >> 16) | (b & 0xFFFF0000u);
}

static inline uint32_t ed_smlad(uint32_t a, uint32_t b, uint32_t acc)
{
    /* each int16 x int16 product fits an int32; the sum wraps in uint32 */
    return acc + (uint32_t)(ed_s16(a) * ed_s16(b)) + (uint32_t)(ed_s16(a >> 16) * ed_s16(b >> 16));
}

static inline uint32_t ed_smlabb(uint32_t a, uint32_t b, uint32_t acc)
{
    return acc + (uint32_t)(ed_s16(a) * ed_s16(b));
}

static inline uint32_t ed_smlatt(uint32_t a, uint32_t b, uint32_t acc)
{
    return acc + (uint32_t)(ed_s16(a >> 16) * ed_s16(b >> 16));
}

static inline int32_t ed_s8(uint32_t byte)
{
    return (int32_t)(byte & 0xFFu) - (int32_t)((byte & 0x80u) << 1);
}

static inline uint32_t ed_max_s8x4(uint32_t a, uint32_t b)
{
    uint32_t r = 0, i;
    for (i = 0; i < 32u; i += 8u) {
        r |= (ed_s8(a >> i) >= ed_s8(b >> i) ? (a >> i) & 0xFFu : (b >> i) & 0xFFu) << i;
    }
    return r;
}

static inline uint32_t ed_min_s8x4(uint32_t a, uint32_t b)
{
    uint32_t r = 0, i;
    for (i = 0; i < 32u; i += 8u) {
        r |= (ed_s8(a >> i) >= ed_s8(b >> i) ? (b >> i) & 0xFFu : (a >> i) & 0xFFu) << i;
    }
    return r;
}

#endif /* __ARM_FEATURE_DSP */

#endif /* ED_DSP_H */
