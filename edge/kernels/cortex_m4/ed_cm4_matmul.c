/*
 * ed_cm4_matmul.c: the int8 x int16 matrix kernels of the cortex_m4 variant (internal): the MAC loops, the block
 * outputs (requantization, clamp, packing four bytes), the fully connected rows and the conv blocks. Their operands
 * come from ed_cm4_widen.c (columns) and ed_cm4_pack.c (weights).
 *
 * Inner loops on Cortex-M4 (arm-none-eabi-gcc 12 -O2, per group of four depth values, from the disassembly;
 * docs/KERNELS.md has the listing). The weights were widened to int16 once, at load time (ed_cm4_pack):
 *   2x2 (conv):  2 LDRD weights, 2 LDRD columns, 8 SMLAD, SUBS + BNE  = 14 instructions for 16 MACs
 *   4x1 (FC):    4 LDRD weights, 1 LDRD column,  8 SMLAD, SUBS + BNE  = 15 instructions for 16 MACs
 * The loops need up to 13 live registers: kept out of line so the caller's values do not compete, and (GCC)
 * built without the pre-allocation scheduler, which hoists loads and spills (ED_HOT, ed_cm4_inline.h).
 * The accumulators are uint32_t: SMLAD wraps like LiteRT's int32 accumulator, and so does the C fallback.
 */
#include "ed_cm4_support.h"

#include <stddef.h>

#include "ed_cm4_inline.h"
#include "ed_cm4_requant.h"
#include "ed_dsp.h"

/* The low two bytes of v to p (any alignment): one STRH. */
static inline void put2(int8_t *p, uint32_t v)
{
    const uint16_t h = (uint16_t)v;
#if defined(__GNUC__)
    __builtin_memcpy(p, &h, 2u); /* inline even with -fno-builtin (see ED_COPY4) */
#else
    memcpy(p, &h, 2u);
#endif
}

static inline ed_cm4_rq_t channel(const ed_cm4_out_t *q, int32_t row)
{
    return ed_cm4_rq_channel(q->multiplier[row], q->shift[row]);
}

/* Row `row`'s output for its dot product acc, saturated to int8 (the act_min/act_max clamp comes later, four
 * bytes at a time), in the low byte. */
static inline uint32_t out_byte(const ed_cm4_out_t *q, ed_cm4_rq_t c, int32_t row, uint32_t acc)
{
    acc += q->bias != NULL ? (uint32_t)q->bias[row] : 0u;
    return ed_cm4_ssat8(ed_cm4_rq_apply(acc, c, (uint32_t)q->output_zp)) & 0xFFu;
}

/*
 * The two MAC loops, over `groups` groups of four depth values. Four packed weight words (two rows' pairs) come in
 * one LDM, which names its registers in ascending order: hence the explicit r4-r7. An LDM of four words and two
 * LDRD take the same 5-6 cycles on Cortex-M4 (1 + N each); the saving is in issued instructions. Portable twins
 * below for hosts.
 *   4x1: LDRD column, LDM 4 + 4 SMLAD, LDM 4 + 4 SMLAD = 11 instructions per 16 MACs
 *   2x2: LDM 4 weights, LDRD pixel 0 + 4 SMLAD, LDRD pixel 1 + 4 SMLAD = 11 per 16 MACs
 * unrolled twice: SUBS + BNE per 32 MACs, so 12 per 16.
 */
#if defined(__ARM_FEATURE_DSP) && defined(__GNUC__)

/* The loops' asm: `groups` in %[g]; an odd group first, then two groups per iteration (one SUBS + BNE per 32
 * MACs). GROUP is one group's instructions, a string literal. */
#define ED_UNROLLED_MACS(GROUP)                                                                                      \
    "lsrs   %[g], %[g], #1\n\t"                                                                                      \
    "bcc    2f\n\t" GROUP                                                                                            \
    "2:\n\t"                                                                                                         \
    "cmp    %[g], #0\n\t"                                                                                            \
    "beq    3f\n\t"                                                                                                  \
    "1:\n\t" GROUP GROUP                                                                                             \
    "subs   %[g], %[g], #1\n\t"                                                                                      \
    "bne    1b\n\t"                                                                                                  \
    "3:"

/* 4x1: one column pair (x02, x13) against four rows' weight pairs, two LDMs of two rows each. */
#define ED_MAC_4X1_GROUP                                                                                             \
    "ldrd   %[x02], %[x13], [%[x]], #8\n\t"                                                                          \
    "ldmia  %[w]!, {%[w0], %[w1], %[w2], %[w3]}\n\t"                                                                 \
    "smlad  %[a0], %[w0], %[x02], %[a0]\n\t"                                                                         \
    "smlad  %[a0], %[w1], %[x13], %[a0]\n\t"                                                                         \
    "smlad  %[a1], %[w2], %[x02], %[a1]\n\t"                                                                         \
    "smlad  %[a1], %[w3], %[x13], %[a1]\n\t"                                                                         \
    "ldmia  %[w]!, {%[w0], %[w1], %[w2], %[w3]}\n\t"                                                                 \
    "smlad  %[a2], %[w0], %[x02], %[a2]\n\t"                                                                         \
    "smlad  %[a2], %[w1], %[x13], %[a2]\n\t"                                                                         \
    "smlad  %[a3], %[w2], %[x02], %[a3]\n\t"                                                                         \
    "smlad  %[a3], %[w3], %[x13], %[a3]\n\t"

/* 2x2: two filters' weight pairs (natural order: (w0, w1), (w2, w3)) in one LDM against two pixels' columns. */
#define ED_MAC_2X2_GROUP                                                                                             \
    "ldmia  %[w]!, {%[wa0], %[wa1], %[wb0], %[wb1]}\n\t"                                                             \
    "ldrd   %[c0], %[c1], [%[x]], #8\n\t"                                                                            \
    "smlad  %[a00], %[wa0], %[c0], %[a00]\n\t"                                                                       \
    "smlad  %[a00], %[wa1], %[c1], %[a00]\n\t"                                                                       \
    "smlad  %[a10], %[wb0], %[c0], %[a10]\n\t"                                                                       \
    "smlad  %[a10], %[wb1], %[c1], %[a10]\n\t"                                                                       \
    "ldrd   %[c0], %[c1], [%[y]], #8\n\t"                                                                            \
    "smlad  %[a01], %[wa0], %[c0], %[a01]\n\t"                                                                       \
    "smlad  %[a01], %[wa1], %[c1], %[a01]\n\t"                                                                       \
    "smlad  %[a11], %[wb0], %[c0], %[a11]\n\t"                                                                       \
    "smlad  %[a11], %[wb1], %[c1], %[a11]\n\t"

ED_INLINE void mac_4x1(const uint32_t **pw, const uint32_t *x, int32_t groups, uint32_t *a0, uint32_t *a1,
                       uint32_t *a2, uint32_t *a3)
{
    register uint32_t w0 __asm__("r4");
    register uint32_t w1 __asm__("r5");
    register uint32_t w2 __asm__("r6");
    register uint32_t w3 __asm__("r7");
    uint32_t x02, x13;
    const uint32_t *w = *pw;

    /* no test of groups: the loop itself does nothing for 0 (and a layer has >= 1) */
    __asm__ volatile(ED_UNROLLED_MACS(ED_MAC_4X1_GROUP)
                     : [a0] "+r"(*a0), [a1] "+r"(*a1), [a2] "+r"(*a2), [a3] "+r"(*a3), [w] "+r"(w), [x] "+r"(x),
                       [g] "+r"(groups), [x02] "=&r"(x02), [x13] "=&r"(x13), [w0] "=&r"(w0), [w1] "=&r"(w1),
                       [w2] "=&r"(w2), [w3] "=&r"(w3)
                     :
                     : "cc", "memory");
    *pw = w;
}

ED_INLINE void mac_2x2(const uint32_t **pw, const uint32_t *x, const uint32_t *y, int32_t groups, uint32_t *a00,
                       uint32_t *a01, uint32_t *a10, uint32_t *a11)
{
    register uint32_t wa0 __asm__("r4");
    register uint32_t wa1 __asm__("r5");
    register uint32_t wb0 __asm__("r6");
    register uint32_t wb1 __asm__("r7");
    uint32_t c0, c1;
    const uint32_t *w = *pw;

    if (groups <= 0) {
        return;
    }
    __asm__ volatile(ED_UNROLLED_MACS(ED_MAC_2X2_GROUP)
                     : [a00] "+r"(*a00), [a01] "+r"(*a01), [a10] "+r"(*a10), [a11] "+r"(*a11), [w] "+r"(w),
                       [x] "+r"(x), [y] "+r"(y), [g] "+r"(groups), [c0] "=&r"(c0), [c1] "=&r"(c1), [wa0] "=&r"(wa0),
                       [wa1] "=&r"(wa1), [wb0] "=&r"(wb0), [wb1] "=&r"(wb1)
                     :
                     : "cc", "memory");
    *pw = w;
}

#else

ED_INLINE void mac_4x1(const uint32_t **pw, const uint32_t *x, int32_t groups, uint32_t *a0, uint32_t *a1,
                       uint32_t *a2, uint32_t *a3)
{
    const uint32_t *w = *pw;
    for (; groups > 0; groups--, w += 8, x += 2) {
        const uint32_t x0 = ed_read_u32(x), x1 = ed_read_u32(x + 1); /* written as int16 by conv's im2col */
        *a0 = ed_smlad(w[1], x1, ed_smlad(w[0], x0, *a0));
        *a1 = ed_smlad(w[3], x1, ed_smlad(w[2], x0, *a1));
        *a2 = ed_smlad(w[5], x1, ed_smlad(w[4], x0, *a2));
        *a3 = ed_smlad(w[7], x1, ed_smlad(w[6], x0, *a3));
    }
    *pw = w;
}

ED_INLINE void mac_2x2(const uint32_t **pw, const uint32_t *x, const uint32_t *y, int32_t groups, uint32_t *a00,
                       uint32_t *a01, uint32_t *a10, uint32_t *a11)
{
    const uint32_t *w = *pw;
    for (; groups > 0; groups--, w += 4, x += 2, y += 2) {
        const uint32_t x0 = ed_read_u32(x), x1 = ed_read_u32(x + 1), y0 = ed_read_u32(y), y1 = ed_read_u32(y + 1);
        *a00 = ed_smlad(w[1], x1, ed_smlad(w[0], x0, *a00));
        *a10 = ed_smlad(w[3], x1, ed_smlad(w[2], x0, *a10));
        *a01 = ed_smlad(w[1], y1, ed_smlad(w[0], y0, *a01));
        *a11 = ed_smlad(w[3], y1, ed_smlad(w[2], y0, *a11));
    }
    *pw = w;
}

#endif

/* Two packed rows times two interleaved columns: acc = {row0.col0, row0.col1, row1.col0, row1.col1}. */
ED_HOT static void block_2x2(const uint32_t *w, int32_t groups, const uint32_t *cols, uint32_t acc[4])
{
    uint32_t a00 = 0, a01 = 0, a10 = 0, a11 = 0;

    mac_2x2(&w, cols, cols + 2 * groups, groups, &a00, &a01, &a10, &a11);
    acc[0] = a00;
    acc[1] = a01;
    acc[2] = a10;
    acc[3] = a11;
}

/* Two packed rows times one column: acc = {row0, row1}. */
ED_HOT static void block_2x1(const uint32_t *w, int32_t groups, const uint32_t *col, uint32_t acc[2])
{
    uint32_t a0 = 0, a1 = 0, wa, wb, x02, x13;
    int32_t g;

    for (g = groups; g > 0; g--) {
        ed_load2_inc(&col, &x02, &x13);
        ed_load2_inc(&w, &wa, &wb);
        a0 = ed_smlad(wb, x13, ed_smlad(wa, x02, a0));
        ed_load2_inc(&w, &wa, &wb);
        a1 = ed_smlad(wb, x13, ed_smlad(wa, x02, a1));
    }
    acc[0] = a0;
    acc[1] = a1;
}

/* A block's output byte before the clamp: bias added, requantized with its channel's constants, zero point,
 * SSAT #8, in the low byte. */
static inline uint32_t rq8(uint32_t acc, ed_cm4_rq_t c, uint32_t zp)
{
    return ed_cm4_ssat8(ed_cm4_rq_apply(acc, c, zp)) & 0xFFu;
}

/*
 * The four outputs of a 2x2 block packed into a word {r.c0, r+1.c0, r.c1, r+1.c1} and clamped: requantization
 * (ed_cm4_requant.h) of a00, a01 with channel t[0] and of a10, a11 with t[1], SSAT #8, BFI into lanes, SSUB8/SEL
 * against k = {output_zp, lo4, hi4}. In one asm block on Cortex-M4 so that the channel constants are loaded once
 * and nothing spills: 54 instructions for four outputs.
 */
#if defined(__ARM_FEATURE_DSP) && defined(__GNUC__)
/* the asm below reads a channel as {bias, mult, left, right} at byte offsets 0, 4, 8, 12 */
typedef char ed_channel_layout_check[(sizeof(ed_cm4_channel_t) == 16 && offsetof(ed_cm4_channel_t, rq) == 4 &&
                                      offsetof(ed_cm4_rq_t, left) == 4 && offsetof(ed_cm4_rq_t, right) == 8)
                                         ? 1
                                         : -1];
#define ED_RQ_STEP(A, M, L, R)                                                                                   \
    ED_CM4_RQ_ASM("%[" A "]", "%[" M "]", "%[" L "]", "%[" R "]", "%[lo]", "%[hi]", "%[zp]")                     \
    "ssat   %[" A "], #8, %[" A "]\n\t"

static inline uint32_t block_out_2x2(uint32_t a00, uint32_t a01, uint32_t a10, uint32_t a11,
                                     const ed_cm4_channel_t *t, const uint32_t *k)
{
    uint32_t lo, hi, m, l, r, zp, v;
    __asm__("ldr    %[zp], [%[k]]\n\t"
            "ldrd   %[m], %[l], [%[t], #4]\n\t"
            "ldr    %[r], [%[t], #12]\n\t"
            ED_RQ_STEP("a00", "m", "l", "r")
            ED_RQ_STEP("a01", "m", "l", "r")
            "ldrd   %[m], %[l], [%[t], #20]\n\t"
            "ldr    %[r], [%[t], #28]\n\t"
            ED_RQ_STEP("a10", "m", "l", "r")
            ED_RQ_STEP("a11", "m", "l", "r")
            ED_CM4_PACK4_ASM("%[v]", "%[a00]", "%[a10]", "%[a01]", "%[a11]")
            "ldrd   %[lo], %[hi], [%[k], #4]\n\t"
            ED_CM4_CLAMP4_ASM("%[v]", "%[lo]", "%[hi]", "%[m]")
            : [v] "=&r"(v), [a00] "+&r"(a00), [a01] "+&r"(a01), [a10] "+&r"(a10), [a11] "+&r"(a11),
              [lo] "=&r"(lo), [hi] "=&r"(hi), [m] "=&r"(m), [l] "=&r"(l), [r] "=&r"(r), [zp] "=&r"(zp)
            : [t] "r"(t), [k] "r"(k), "m"(*(const ed_cm4_channel_t(*)[2])t), "m"(*(const uint32_t(*)[3])k)
            : "cc");
    return v;
}
#else
static inline uint32_t block_out_2x2(uint32_t a00, uint32_t a01, uint32_t a10, uint32_t a11,
                                     const ed_cm4_channel_t *t, const uint32_t *k)
{
    const uint32_t v = rq8(a00, t[0].rq, k[0]) | rq8(a10, t[1].rq, k[0]) << 8 | rq8(a01, t[0].rq, k[0]) << 16 |
                       rq8(a11, t[1].rq, k[0]) << 24;
    return ed_min_s8x4(ed_max_s8x4(v, k[1]), k[2]);
}
#endif

/*
 * The four outputs of a 4x1 block, rows r..r+3, packed into a word and clamped: as block_out_2x2, each row with its
 * own multiplier and shift, read through pm and ps (advanced by four), the shift split into left/right here;
 * k = {output_zp, lo4, hi4}. 60 instructions for four outputs.
 */
#if defined(__ARM_FEATURE_DSP) && defined(__GNUC__)
#define ED_FC_STEP(A)                                                                                            \
    "ldr    %[m], [%[pm]], #4\n\t"                                                                               \
    "ldr    %[s], [%[ps]], #4\n\t" ED_CM4_RQ_SPLIT_ASM("%[s]", "%[l]") ED_RQ_STEP(A, "m", "l", "s")

static inline uint32_t block_out_4x1(uint32_t a0, uint32_t a1, uint32_t a2, uint32_t a3, const int32_t **pm,
                                     const int32_t **ps, const uint32_t *k)
{
    uint32_t lo, hi, m, l, sh, zp;
    const int32_t *mp = *pm, *sp = *ps;
    __asm__("ldr    %[zp], [%[k]]\n\t"
            ED_FC_STEP("a0")
            ED_FC_STEP("a1")
            ED_FC_STEP("a2")
            ED_FC_STEP("a3")
            ED_CM4_PACK4_ASM("%[a0]", "%[a0]", "%[a1]", "%[a2]", "%[a3]")
            "ldrd   %[lo], %[hi], [%[k], #4]\n\t"
            ED_CM4_CLAMP4_ASM("%[a0]", "%[lo]", "%[hi]", "%[m]")
            : [a0] "+&r"(a0), [a1] "+&r"(a1), [a2] "+&r"(a2), [a3] "+&r"(a3), [pm] "+&r"(mp), [ps] "+&r"(sp),
              [lo] "=&r"(lo), [hi] "=&r"(hi), [m] "=&r"(m), [l] "=&r"(l), [s] "=&r"(sh), [zp] "=&r"(zp)
            : [k] "r"(k)
            : "cc", "memory"); /* reads mp[0..3], sp[0..3], k[0..2]: "m" operands would each want a register */
    *pm = mp;
    *ps = sp;
    return a0;
}
#else
static inline uint32_t block_out_4x1(uint32_t a0, uint32_t a1, uint32_t a2, uint32_t a3, const int32_t **pm,
                                     const int32_t **ps, const uint32_t *k)
{
    const int32_t *m = *pm, *s = *ps;
    const uint32_t v = rq8(a0, ed_cm4_rq_channel(m[0], s[0]), k[0]) | rq8(a1, ed_cm4_rq_channel(m[1], s[1]), k[0]) << 8 |
                       rq8(a2, ed_cm4_rq_channel(m[2], s[2]), k[0]) << 16 |
                       rq8(a3, ed_cm4_rq_channel(m[3], s[3]), k[0]) << 24;
    *pm = m + 4;
    *ps = s + 4;
    return ed_min_s8x4(ed_max_s8x4(v, k[1]), k[2]);
}
#endif

/*
 * The last n = rows % 4 (1..3) rows of a fully connected layer, packed as one block of height n (ed_cm4_fc_pack),
 * times the column; a[] holds their accumulators (started at the bias). One LDRD of the column per group, then
 * the n rows' pairs: n = 2 is 8 instructions per 8 MACs, n = 3 10 per 12, n = 1 6 per 4 (a 4-row block would
 * spend 12 on each group whatever n is).
 */
#if defined(__ARM_FEATURE_DSP) && defined(__GNUC__)
#define ED_TAIL_LOOP(BODY)                                                                                           \
    "1:\n\t"                                                                                                         \
    "ldrd   %[x02], %[x13], [%[x]], #8\n\t" BODY "subs   %[g], %[g], #1\n\t"                                         \
    "bne    1b"
#define ED_TAIL_ROWPAIR(A, W0, W1)                                                                                   \
    "smlad  %[" A "], %[" W0 "], %[x02], %[" A "]\n\t"                                                              \
    "smlad  %[" A "], %[" W1 "], %[x13], %[" A "]\n\t"

ED_INLINE void mac_tail(const uint32_t *w, const uint32_t *x, int32_t groups, int32_t n, uint32_t a[3])
{
    register uint32_t w0 __asm__("r4");
    register uint32_t w1 __asm__("r5");
    register uint32_t w2 __asm__("r6");
    register uint32_t w3 __asm__("r7");
    uint32_t x02, x13, a0 = a[0], a1 = a[1], a2 = a[2];

    if (n == 1) {
        __asm__ volatile(ED_TAIL_LOOP("ldrd   %[w0], %[w1], [%[w]], #8\n\t" ED_TAIL_ROWPAIR("a0", "w0", "w1"))
                         : [a0] "+r"(a0), [w] "+r"(w), [x] "+r"(x), [g] "+r"(groups), [x02] "=&r"(x02),
                           [x13] "=&r"(x13), [w0] "=&r"(w0), [w1] "=&r"(w1)
                         :
                         : "cc", "memory");
    } else if (n == 2) {
        __asm__ volatile(ED_TAIL_LOOP("ldmia  %[w]!, {%[w0], %[w1], %[w2], %[w3]}\n\t" ED_TAIL_ROWPAIR("a0", "w0", "w1")
                                          ED_TAIL_ROWPAIR("a1", "w2", "w3"))
                         : [a0] "+r"(a0), [a1] "+r"(a1), [w] "+r"(w), [x] "+r"(x), [g] "+r"(groups),
                           [x02] "=&r"(x02), [x13] "=&r"(x13), [w0] "=&r"(w0), [w1] "=&r"(w1), [w2] "=&r"(w2),
                           [w3] "=&r"(w3)
                         :
                         : "cc", "memory");
    } else {
        __asm__ volatile(ED_TAIL_LOOP("ldmia  %[w]!, {%[w0], %[w1], %[w2], %[w3]}\n\t" ED_TAIL_ROWPAIR("a0", "w0", "w1")
                                          ED_TAIL_ROWPAIR("a1", "w2", "w3")
                                              "ldrd   %[w0], %[w1], [%[w]], #8\n\t" ED_TAIL_ROWPAIR("a2", "w0", "w1"))
                         : [a0] "+r"(a0), [a1] "+r"(a1), [a2] "+r"(a2), [w] "+r"(w), [x] "+r"(x), [g] "+r"(groups),
                           [x02] "=&r"(x02), [x13] "=&r"(x13), [w0] "=&r"(w0), [w1] "=&r"(w1), [w2] "=&r"(w2),
                           [w3] "=&r"(w3)
                         :
                         : "cc", "memory");
    }
    a[0] = a0;
    a[1] = a1;
    a[2] = a2;
}
#else
ED_INLINE void mac_tail(const uint32_t *w, const uint32_t *x, int32_t groups, int32_t n, uint32_t a[3])
{
    int32_t j;
    for (; groups > 0; groups--, w += 2 * n, x += 2) {
        for (j = 0; j < n; j++) {
            a[j] = ed_smlad(w[2 * j + 1], x[1], ed_smlad(w[2 * j], x[0], a[j]));
        }
    }
}
#endif

/* One fully connected output before the clamp: acc requantized with *pm, *ps (both advanced by one), plus the zero
 * point, SSAT #8 (as int32 bits). Straight-line code for the 1-3 rows of the tail block. */
#if defined(__ARM_FEATURE_DSP) && defined(__GNUC__)
static inline uint32_t fc_out1(uint32_t a, const int32_t **pm, const int32_t **ps, uint32_t zp)
{
    uint32_t lo, hi, m, l, sh;
    const int32_t *mp = *pm, *sp = *ps;
    __asm__(ED_FC_STEP("a")
            : [a] "+&r"(a), [pm] "+&r"(mp), [ps] "+&r"(sp), [lo] "=&r"(lo), [hi] "=&r"(hi), [m] "=&r"(m),
              [l] "=&r"(l), [s] "=&r"(sh)
            : [zp] "r"(zp)
            : "cc", "memory");
    *pm = mp;
    *ps = sp;
    return a;
}
#else
static inline uint32_t fc_out1(uint32_t a, const int32_t **pm, const int32_t **ps, uint32_t zp)
{
    const uint32_t v = rq8(a, ed_cm4_rq_channel(**pm, **ps), zp);
    ++*pm;
    ++*ps;
    return v;
}
#endif

/* The tail block's n outputs: requantized, packed into a word, clamped four lanes at once, stored bytewise. */
static void fc_tail(const uint32_t *w, int32_t groups, const uint32_t *col, int32_t n, const int32_t *bias,
                    const int32_t *mult, const int32_t *shift, const uint32_t *k, int8_t *out)
{
    uint32_t a[3], v;

    a[0] = (uint32_t)bias[0];
    a[1] = n > 1 ? (uint32_t)bias[1] : 0u; /* read no bias past the last row */
    a[2] = n > 2 ? (uint32_t)bias[2] : 0u;
    mac_tail(w, col, groups, n, a);
    v = fc_out1(a[0], &mult, &shift, k[0]) & 0xFFu;
    if (n > 1) {
        v |= (fc_out1(a[1], &mult, &shift, k[0]) & 0xFFu) << 8;
    }
    if (n > 2) {
        v |= (fc_out1(a[2], &mult, &shift, k[0]) & 0xFFu) << 16;
    }
    v = ed_min_s8x4(ed_max_s8x4(v, k[1]), k[2]);
    *(uint8_t *)out = (uint8_t)v;
    if (n > 1) {
        *(uint8_t *)(out + 1) = (uint8_t)(v >> 8);
    }
    if (n > 2) {
        *(uint8_t *)(out + 2) = (uint8_t)(v >> 16);
    }
}

/*
 * A fully connected layer's rows (weights packed by ed_cm4_fc_pack) times one column: the 4-row blocks with
 * dot products and outputs in one loop (the accumulators stay in registers, the pointers to bias, multipliers and
 * shifts walk with the rows), then the last rows % 4 rows as one block of their own height. Without a bias the
 * accumulators start from a block of zeros that the bias pointer does not leave.
 */
/* The rows with a bias array read 4 entries per block (step 4) or, without one, a block of zeros again and again
 * (step 0): a constant in each inlined copy, so that it takes no register in the block loop. */
ED_INLINE void fc_rows(const uint32_t *w, const uint32_t *col, int32_t groups, int32_t rows, const int32_t *bias,
                       const int32_t step, const int32_t *mult, const int32_t *shift, const uint32_t *k, int8_t *out)
{
    uint32_t a0, a1, a2, a3;
    int32_t blocks;

    for (blocks = rows >> 2; blocks > 0; blocks--) {
        a0 = (uint32_t)bias[0];
        a1 = (uint32_t)bias[1];
        a2 = (uint32_t)bias[2];
        a3 = (uint32_t)bias[3];
        bias += step;
        mac_4x1(&w, col, groups, &a0, &a1, &a2, &a3);
        ed_write_u32(out, block_out_4x1(a0, a1, a2, a3, &mult, &shift, k));
        out += 4;
    }
    if ((rows & 3) != 0) {
        fc_tail(w, groups, col, rows & 3, bias, mult, shift, k, out);
    }
}

ED_HOT void ed_cm4_fc_rows(const uint32_t *w, const uint32_t *col, int32_t in_features, int32_t rows,
                           const ed_fc_params_t *params, const ed_requant_t *requant, const int32_t *bias,
                           int8_t *out)
{
    static const int32_t zero[4] = {0, 0, 0, 0};
    const int32_t groups = (in_features + 3) >> 2;
    uint32_t k[3];

    k[0] = (uint32_t)params->act.output_zp;
    k[1] = ((uint32_t)params->act.act_min & 0xFFu) * 0x01010101u;
    k[2] = ((uint32_t)params->act.act_max & 0xFFu) * 0x01010101u;
    if (bias != NULL) {
        fc_rows(w, col, groups, rows, bias, 4, requant->multiplier, requant->shift, k, out);
    } else {
        fc_rows(w, col, groups, rows, zero, 0, requant->multiplier, requant->shift, k, out);
    }
}


/* The full 2-row blocks of a conv layer times two pixels (outputs at out and out + stride), as fc_blocks, with the
 * channels' constants from the call's table (ed_cm4_channel_table): the accumulators start at the bias. */
ED_HOT void ed_cm4_conv_blocks(const uint32_t *w, int32_t groups, const uint32_t *cols, int32_t blocks,
                               const ed_cm4_out_t *q, int8_t *out, int32_t stride)
{
    const ed_cm4_channel_t *t = q->table;
    const uint32_t k[3] = {(uint32_t)q->output_zp, q->lo4, q->hi4};
    uint32_t a00, a01, a10, a11, v;

    for (; blocks > 0; blocks--, t += 2) {
        a00 = a01 = t[0].bias;
        a10 = a11 = t[1].bias;
        mac_2x2(&w, cols, cols + 2 * groups, groups, &a00, &a01, &a10, &a11);
        v = block_out_2x2(a00, a01, a10, a11, t, k);
        put2(out, v);
        put2(out + stride, v >> 16);
        out += 2;
    }
}

void ed_cm4_out_clamp(ed_cm4_out_t *q)
{
    q->lo4 = ((uint32_t)q->act_min & 0xFFu) * 0x01010101u;
    q->hi4 = ((uint32_t)q->act_max & 0xFFu) * 0x01010101u;
}

void ed_cm4_channel_table(const ed_cm4_out_t *q, int32_t channels, ed_cm4_channel_t *table)
{
    int32_t c;
    for (c = 0; c < channels; c++) {
        table[c].bias = q->bias != NULL ? (uint32_t)q->bias[c] : 0u;
        table[c].rq = ed_cm4_rq_channel(q->multiplier[c], q->shift[c]);
    }
}

/* The first n (1..4) bytes of w to p. */
static inline void put_n(int8_t *p, uint32_t w, int32_t n)
{
    if (n == 4) {
        ed_write_u32(p, w);
        return;
    }
    for (; n > 0; n--, w >>= 8) {
        *(uint8_t *)p++ = (uint8_t)w;
    }
}

/* The conv blocks from row r on that the fused loop does not take: a last filter without a partner, or an odd
 * last pixel's 2x1 blocks (height 2). Kept out of the full-block path, which then needs no local copy of *q. */
ED_HOT void ed_cm4_rest_blocks(const uint32_t *packed, int32_t height, int32_t r, int32_t rows, int32_t depth,
                               const uint32_t *cols, int32_t ncols, const ed_cm4_out_t *q, int8_t *out,
                               int32_t out_col_stride)
{
    const ed_cm4_out_t o = *q; /* in registers: the int8 stores below could alias *q */
    /* ssat8 then a lane-wise clamp equals the int32 clamp, as act_min and act_max lie within int8 */
    const uint32_t lo4 = o.lo4, hi4 = o.hi4;
    const int32_t groups = (depth + 3) >> 2, block = groups * height * 2;
    uint32_t acc[4], w;
    int32_t n;
    ed_cm4_rq_t c0, c1;

    /* Outputs are packed into a word four (or two) at a time and clamped with SSUB8/SEL. */
    for (; r < rows; r += height, packed += block) {
        n = rows - r < height ? rows - r : height; /* real rows in this block */
        if (ncols == 2) { /* acc = {r.c0, r.c1, r+1.c0, r+1.c1}; w = {r.c0, r+1.c0, r.c1, r+1.c1} */
            block_2x2(packed, groups, cols, acc);
            c0 = channel(&o, r);
            w = out_byte(&o, c0, r, acc[0]) | out_byte(&o, c0, r, acc[1]) << 16;
            if (n == 2) {
                c1 = channel(&o, r + 1);
                w |= out_byte(&o, c1, r + 1, acc[2]) << 8 | out_byte(&o, c1, r + 1, acc[3]) << 24;
            }
            w = ed_min_s8x4(ed_max_s8x4(w, lo4), hi4);
            if (n == 2) {
                put2(out + r, w);
                put2(out + out_col_stride + r, w >> 16);
            } else {
                *(uint8_t *)(out + r) = (uint8_t)w;
                *(uint8_t *)(out + out_col_stride + r) = (uint8_t)(w >> 16);
            }
        } else {
            block_2x1(packed, groups, cols, acc);
            w = out_byte(&o, channel(&o, r), r, acc[0]);
            w |= n == 2 ? out_byte(&o, channel(&o, r + 1), r + 1, acc[1]) << 8 : 0u;
            put_n(out + r, ed_min_s8x4(ed_max_s8x4(w, lo4), hi4), n);
        }
    }
}

uint32_t ed_cm4_out_4x1(uint32_t a0, uint32_t a1, uint32_t a2, uint32_t a3, const int32_t **pm, const int32_t **ps,
                        const uint32_t *k)
{
    return block_out_4x1(a0, a1, a2, a3, pm, ps, k);
}
