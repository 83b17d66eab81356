/*
 * ed_cm4_support.c: column buffer widening and the int8 x int16 matrix kernel of the cortex_m4 variant (internal).
 *
 * Inner loops on Cortex-M4 (arm-none-eabi-gcc 12 -O2, per group of four depth values, from the disassembly;
 * docs/KERNELS.md has the listing). The weights were widened to int16 once, at load time (ed_cm4_pack):
 *   2x2 (conv):  2 LDRD weights, 2 LDRD columns, 8 SMLAD, SUBS + BNE  = 14 instructions for 16 MACs
 *   4x1 (FC):    4 LDRD weights, 1 LDRD column,  8 SMLAD, SUBS + BNE  = 15 instructions for 16 MACs
 * The loops need up to 13 live registers: kept out of line so the caller's values do not compete, and (GCC)
 * built without the pre-allocation scheduler, which hoists loads and spills.
 * The accumulators are uint32_t: SMLAD wraps like LiteRT's int32 accumulator, and so does the C fallback.
 */
#include "ed_cm4_support.h"

#include "ed_cm4_requant.h"
#include "ed_dsp.h"

#if defined(__ARM_FEATURE_DSP) && defined(__GNUC__) && !defined(__clang__)
#define ED_HOT __attribute__((noinline, optimize("no-schedule-insns")))
#elif defined(__GNUC__)
#define ED_HOT __attribute__((noinline))
#else
#define ED_HOT
#endif

size_t ed_cm4_cols_size(int32_t depth, int32_t ncols)
{
    return depth < 1 || ncols < 1 ? 0u : (size_t)((depth + 3) / 4) * 8u * (size_t)ncols;
}

void ed_cm4_widen(const int8_t *src, int32_t depth, int32_t input_zp, uint32_t *cols, int32_t col, int32_t ncols)
{
    const uint32_t off16 = (uint32_t)(-input_zp) & 0xFFFFu;
    const uint32_t offset2 = off16 | (off16 << 16);
    const int32_t step = 2 * ncols;
    uint32_t *dst = cols + 2 * col;
    int32_t g, i;

    for (g = depth >> 2; g > 0; g--) {
        const uint32_t x = ed_read_u32(src);
        dst[0] = ed_sxtab16(offset2, x);
        dst[1] = ed_sxtab16_ror8(offset2, x);
        src += 4;
        dst += step;
    }
    if ((depth & 3) != 0) {
        /* Pad the last group with input_zp itself, which widens to exactly 0; read no byte past depth. */
        uint32_t x = ((uint32_t)input_zp & 0xFFu) * 0x01010101u;
        for (i = 0; i < (depth & 3); i++) {
            x = (x & ~(0xFFu << (8 * i))) | ((uint32_t)(uint8_t)src[i] << (8 * i));
        }
        dst[0] = ed_sxtab16(offset2, x);
        dst[1] = ed_sxtab16_ror8(offset2, x);
    }
}

size_t ed_cm4_packed_size(int32_t rows, int32_t depth, int32_t height)
{
    int64_t blocks, bytes;
    if (rows < 1 || depth < 1 || height < 1 || depth > INT32_MAX - 3) {
        return 0;
    }
    blocks = rows / height + (rows % height != 0); /* 32-bit division: no libgcc call */
    bytes = blocks * height * (int64_t)((depth + 3) / 4) * 8;
    return bytes > INT32_MAX ? 0u : (size_t)bytes;
}

/* The last n = 1..3 weights of a row as a zero-padded word: reading four bytes could run past the weights. */
static inline uint32_t tail_word(const int8_t *p, int32_t n)
{
    uint32_t v = (uint8_t)p[0];
    if (n > 1) {
        v |= (uint32_t)(uint8_t)p[1] << 8;
    }
    if (n > 2) {
        v |= (uint32_t)(uint8_t)p[2] << 16;
    }
    return v;
}

/* Two words to p, then p += BYTES / 4 (BYTES a constant): one post-indexed STRD on Cortex-M4. */
#if defined(__ARM_FEATURE_DSP)
#define ED_STORE2_INC(p, a, b, BYTES) __asm__ volatile("strd %1, %2, [%0], #" #BYTES : "+r"(p) : "r"(a), "r"(b) : "memory")
#else
#define ED_STORE2_INC(p, a, b, BYTES) ((p)[0] = (a), (p)[1] = (b), (p) += (BYTES) / 4)
#endif

/* One row's groups to d, then every BYTES further: widened in pair order, two groups per step. */
#define ED_PACK_ROW(s, depth, d, BYTES)                                                                          \
    do {                                                                                                         \
        uint32_t x_, y_;                                                                                         \
        int32_t g_;                                                                                              \
        for (g_ = (depth) >> 3; g_ > 0; g_--) {                                                                  \
            x_ = ed_read_u32(s);                                                                                 \
            y_ = ed_read_u32((s) + 4);                                                                           \
            (s) += 8;                                                                                            \
            ED_STORE2_INC(d, ed_sxtb16(x_), ed_sxtb16_ror8(x_), BYTES);                                          \
            ED_STORE2_INC(d, ed_sxtb16(y_), ed_sxtb16_ror8(y_), BYTES);                                          \
        }                                                                                                        \
        if (((depth) & 4) != 0) {                                                                                \
            x_ = ed_read_u32(s);                                                                                 \
            (s) += 4;                                                                                            \
            ED_STORE2_INC(d, ed_sxtb16(x_), ed_sxtb16_ror8(x_), BYTES);                                          \
        }                                                                                                        \
        if (((depth) & 3) != 0) {                                                                                \
            x_ = tail_word(s, (depth) & 3);                                                                      \
            ED_STORE2_INC(d, ed_sxtb16(x_), ed_sxtb16_ror8(x_), BYTES);                                          \
        }                                                                                                        \
    } while (0)

void ed_cm4_pack(const int8_t *src, int32_t rows, int32_t depth, int32_t height, uint32_t *dst)
{
    const int32_t groups = (depth + 3) >> 2, stride = 2 * height;
    int32_t r, j, g;

    for (r = 0; r < rows; r += height, dst += (size_t)groups * (size_t)stride) {
        for (j = 0; j < height; j++) {
            const int8_t *s = src + (size_t)(r + j) * (size_t)depth;
            uint32_t *d = dst + 2 * j;
            if (r + j >= rows) { /* the zero rows that complete the last block */
                for (g = 0; g < groups; g++) {
                    d[g * stride] = d[g * stride + 1] = 0u;
                }
            } else if (height == 4) { /* the post-increment is an immediate: one loop per block height */
                ED_PACK_ROW(s, depth, d, 32);
            } else {
                ED_PACK_ROW(s, depth, d, 16);
            }
        }
    }
}

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

/* Two packed rows times two interleaved columns: acc = {row0.col0, row0.col1, row1.col0, row1.col1}. */
ED_HOT static void block_2x2(const uint32_t *w, int32_t groups, const uint32_t *cols, uint32_t acc[4])
{
    uint32_t a00 = 0, a01 = 0, a10 = 0, a11 = 0;
    uint32_t wa02, wa13, wb02, wb13, x02, x13;
    int32_t g;

    for (g = groups; g > 0; g--) {
        ed_load2_inc(&w, &wa02, &wa13);
        ed_load2_inc(&w, &wb02, &wb13);
        ed_load2_inc(&cols, &x02, &x13);
        a00 = ed_smlad(wa13, x13, ed_smlad(wa02, x02, a00));
        a10 = ed_smlad(wb13, x13, ed_smlad(wb02, x02, a10));
        ed_load2_inc(&cols, &x02, &x13);
        a01 = ed_smlad(wa13, x13, ed_smlad(wa02, x02, a01));
        a11 = ed_smlad(wb13, x13, ed_smlad(wb02, x02, a11));
    }
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

/* Four packed rows times one column. */
ED_HOT static void block_4x1(const uint32_t *w, int32_t groups, const uint32_t *col, uint32_t acc[4])
{
    uint32_t a0 = 0, a1 = 0, a2 = 0, a3 = 0, wa, wb, x02, x13;
    int32_t g;

    for (g = groups; g > 0; g--) {
        ed_load2_inc(&col, &x02, &x13);
        ed_load2_inc(&w, &wa, &wb);
        a0 = ed_smlad(wb, x13, ed_smlad(wa, x02, a0));
        ed_load2_inc(&w, &wa, &wb);
        a1 = ed_smlad(wb, x13, ed_smlad(wa, x02, a1));
        ed_load2_inc(&w, &wa, &wb);
        a2 = ed_smlad(wb, x13, ed_smlad(wa, x02, a2));
        ed_load2_inc(&w, &wa, &wb);
        a3 = ed_smlad(wb, x13, ed_smlad(wa, x02, a3));
    }
    acc[0] = a0;
    acc[1] = a1;
    acc[2] = a2;
    acc[3] = a3;
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

void ed_cm4_mat_mult_packed(const uint32_t *packed, int32_t height, int32_t rows, int32_t depth,
                            const uint32_t *cols, int32_t ncols, const ed_cm4_out_t *q, int8_t *out,
                            int32_t out_col_stride)
{
    const ed_cm4_out_t o = *q; /* in registers: the int8 stores below could alias *q */
    /* ssat8 then a lane-wise clamp equals the int32 clamp, as act_min and act_max lie within int8 */
    const uint32_t lo4 = ((uint32_t)o.act_min & 0xFFu) * 0x01010101u, hi4 = ((uint32_t)o.act_max & 0xFFu) * 0x01010101u;
    const int32_t groups = (depth + 3) >> 2, block = groups * height * 2;
    uint32_t acc[4], w;
    int32_t r, n;
    ed_cm4_rq_t c0, c1;

    /* Outputs are packed into a word four (or two) at a time and clamped with SSUB8/SEL. */
    for (r = 0; r < rows; r += height, packed += block) {
        n = rows - r < height ? rows - r : height; /* real rows in this block */
        if (height == 4) {
            block_4x1(packed, groups, cols, acc);
            w = out_byte(&o, channel(&o, r), r, acc[0]);
            if (n == 4) {
                w |= out_byte(&o, channel(&o, r + 1), r + 1, acc[1]) << 8 |
                     out_byte(&o, channel(&o, r + 2), r + 2, acc[2]) << 16 |
                     out_byte(&o, channel(&o, r + 3), r + 3, acc[3]) << 24;
            } else {
                w |= (n > 1 ? out_byte(&o, channel(&o, r + 1), r + 1, acc[1]) << 8 : 0u) |
                     (n > 2 ? out_byte(&o, channel(&o, r + 2), r + 2, acc[2]) << 16 : 0u);
            }
            put_n(out + r, ed_min_s8x4(ed_max_s8x4(w, lo4), hi4), n);
        } else if (ncols == 2) { /* acc = {r.c0, r.c1, r+1.c0, r+1.c1}; w = {r.c0, r+1.c0, r.c1, r+1.c1} */
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
