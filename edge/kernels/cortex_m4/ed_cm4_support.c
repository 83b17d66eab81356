/*
 * ed_cm4_support.c: column buffer widening and the int8 x int16 matrix kernel of the cortex_m4 variant (internal).
 *
 * Inner loops on Cortex-M4 (arm-none-eabi-gcc 12 -O2, per group of four depth values, from the disassembly;
 * docs/KERNELS.md has the listing):
 *   2x2 (conv):  2 LDR weights, 4 SXTB16, 2 LDRD columns, 8 SMLAD, CMP + BNE  = 18 instructions for 16 MACs
 *   4x1 (FC):    4 LDR weights, 8 SXTB16, 1 LDRD column,  8 SMLAD, CMP + BNE  = 23 instructions for 16 MACs
 * The loops need 13-14 live registers: kept out of line so the caller's values do not compete, and (GCC) built
 * without the pre-allocation scheduler, which hoists the 4x1 loads and spills (35 instructions instead of 23).
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

/* acc + w[0..3] . (x02, x13): the four MACs of one group. */
static inline uint32_t mac4(uint32_t w, uint32_t x02, uint32_t x13, uint32_t acc)
{
    return ed_smlad(ed_sxtb16_ror8(w), x13, ed_smlad(ed_sxtb16(w), x02, acc));
}

/* Two weight rows times two interleaved columns: acc = {row0.col0, row0.col1, row1.col0, row1.col1}. */
ED_HOT static void block_2x2(const int8_t *w0, int32_t depth, const uint32_t *cols, uint32_t acc[4])
{
    const int8_t *w1 = w0 + depth;
    uint32_t a00 = 0, a01 = 0, a10 = 0, a11 = 0;
    uint32_t wa, wb, wa02, wa13, wb02, wb13, x02, x13;
    int32_t g;

    for (g = depth >> 2; g > 0; g--) {
        wa = ed_read_u32(w0);
        wb = ed_read_u32(w1);
        w0 += 4;
        w1 += 4;
        wa02 = ed_sxtb16(wa);
        wa13 = ed_sxtb16_ror8(wa);
        wb02 = ed_sxtb16(wb);
        wb13 = ed_sxtb16_ror8(wb);
        ed_load2_inc(&cols, &x02, &x13);
        a00 = ed_smlad(wa13, x13, ed_smlad(wa02, x02, a00));
        a10 = ed_smlad(wb13, x13, ed_smlad(wb02, x02, a10));
        ed_load2_inc(&cols, &x02, &x13);
        a01 = ed_smlad(wa13, x13, ed_smlad(wa02, x02, a01));
        a11 = ed_smlad(wb13, x13, ed_smlad(wb02, x02, a11));
    }
    if ((depth & 3) != 0) {
        wa = tail_word(w0, depth & 3);
        wb = tail_word(w1, depth & 3);
        a00 = mac4(wa, cols[0], cols[1], a00);
        a10 = mac4(wb, cols[0], cols[1], a10);
        a01 = mac4(wa, cols[2], cols[3], a01);
        a11 = mac4(wb, cols[2], cols[3], a11);
    }
    acc[0] = a00;
    acc[1] = a01;
    acc[2] = a10;
    acc[3] = a11;
}

/* Four weight rows times one column. */
ED_HOT static void block_4x1(const int8_t *w0, int32_t depth, const uint32_t *col, uint32_t acc[4])
{
    const int8_t *w1 = w0 + depth, *w2 = w1 + depth, *w3 = w2 + depth;
    uint32_t a0 = 0, a1 = 0, a2 = 0, a3 = 0, x02, x13;
    int32_t g;

    for (g = depth >> 2; g > 0; g--) {
        ed_load2_inc(&col, &x02, &x13);
        a0 = mac4(ed_read_u32(w0), x02, x13, a0);
        w0 += 4;
        a1 = mac4(ed_read_u32(w1), x02, x13, a1);
        w1 += 4;
        a2 = mac4(ed_read_u32(w2), x02, x13, a2);
        w2 += 4;
        a3 = mac4(ed_read_u32(w3), x02, x13, a3);
        w3 += 4;
    }
    if ((depth & 3) != 0) {
        a0 = mac4(tail_word(w0, depth & 3), col[0], col[1], a0);
        a1 = mac4(tail_word(w1, depth & 3), col[0], col[1], a1);
        a2 = mac4(tail_word(w2, depth & 3), col[0], col[1], a2);
        a3 = mac4(tail_word(w3, depth & 3), col[0], col[1], a3);
    }
    acc[0] = a0;
    acc[1] = a1;
    acc[2] = a2;
    acc[3] = a3;
}

/* One weight row times column `col` of a buffer of ncols interleaved columns (what the blocks leave over). */
ED_HOT static uint32_t block_1x1(const int8_t *w0, int32_t depth, const uint32_t *cols, int32_t col,
                                 int32_t ncols)
{
    const int32_t step = 2 * ncols;
    const uint32_t *x = cols + 2 * col;
    uint32_t acc = 0;
    int32_t g;

    for (g = depth >> 2; g > 0; g--) {
        acc = mac4(ed_read_u32(w0), x[0], x[1], acc);
        w0 += 4;
        x += step;
    }
    if ((depth & 3) != 0) {
        acc = mac4(tail_word(w0, depth & 3), x[0], x[1], acc);
    }
    return acc;
}

void ed_cm4_mat_mult_s8_s16(const int8_t *weights, int32_t rows, int32_t depth, const uint32_t *cols,
                            int32_t ncols, const ed_cm4_out_t *q, int8_t *out, int32_t out_col_stride)
{
    const ed_cm4_out_t o = *q; /* in registers: the int8 stores below could alias *q */
    /* ssat8 then a lane-wise clamp equals the int32 clamp, as act_min and act_max lie within int8 */
    const uint32_t lo4 = ((uint32_t)o.act_min & 0xFFu) * 0x01010101u, hi4 = ((uint32_t)o.act_max & 0xFFu) * 0x01010101u;
    uint32_t acc[4], w;
    int32_t r = 0, c;
    ed_cm4_rq_t c0, c1;

    /* Four outputs per step packed into a word, clamped with SSUB8/SEL; each 2x2 row's constants serve its two
     * outputs. */
    if (ncols == 2) {
        for (; r + 2 <= rows; r += 2) { /* acc = {r.c0, r.c1, r+1.c0, r+1.c1}; w = {r.c0, r+1.c0, r.c1, r+1.c1} */
            block_2x2(weights + r * depth, depth, cols, acc);
            c0 = channel(&o, r);
            c1 = channel(&o, r + 1);
            w = out_byte(&o, c0, r, acc[0]) | out_byte(&o, c1, r + 1, acc[2]) << 8 |
                out_byte(&o, c0, r, acc[1]) << 16 | out_byte(&o, c1, r + 1, acc[3]) << 24;
            w = ed_min_s8x4(ed_max_s8x4(w, lo4), hi4);
            put2(out + r, w);
            put2(out + out_col_stride + r, w >> 16);
        }
    } else {
        for (; r + 4 <= rows; r += 4) {
            block_4x1(weights + r * depth, depth, cols, acc);
            w = out_byte(&o, channel(&o, r), r, acc[0]) | out_byte(&o, channel(&o, r + 1), r + 1, acc[1]) << 8 |
                out_byte(&o, channel(&o, r + 2), r + 2, acc[2]) << 16 |
                out_byte(&o, channel(&o, r + 3), r + 3, acc[3]) << 24;
            ed_write_u32(out + r, ed_min_s8x4(ed_max_s8x4(w, lo4), hi4));
        }
    }
    for (; r < rows; r++) {
        c0 = channel(&o, r);
        for (c = 0; c < ncols; c++) {
            w = out_byte(&o, c0, r, block_1x1(weights + r * depth, depth, cols, c, ncols));
            *(uint8_t *)(out + c * out_col_stride + r) = (uint8_t)ed_min_s8x4(ed_max_s8x4(w, lo4), hi4);
        }
    }
}
