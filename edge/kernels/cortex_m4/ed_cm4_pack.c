/*
 * ed_cm4_pack.c: the cortex_m4 packed weights (internal; layout in ed_cm4_support.h), made once at load time: int8
 * weights widened to int16 in the columns' pair order, blocks of rows interleaved by group of four depth values.
 */
#include <stddef.h>

#include "ed_cm4_support.h"
#include "ed_dsp.h"

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

/* One row in natural pair order, (w[4g], w[4g+1]) and (w[4g+2], w[4g+3]) (the conv columns' order). */
static void pack_row_natural(const int8_t *s, int32_t depth, uint32_t *d, int32_t stride)
{
    uint32_t x, a, b;
    int32_t g;

    for (g = (depth + 3) >> 2; g > 0; g--, d += stride) {
        x = g > 1 || (depth & 3) == 0 ? ed_read_u32(s) : tail_word(s, depth & 3);
        s += 4;
        a = ed_sxtb16(x);      /* (w0, w2) */
        b = ed_sxtb16_ror8(x); /* (w1, w3) */
        d[0] = ed_pack_lo(a, b);
        d[1] = ed_pack_hi(a, b);
    }
}

void ed_cm4_pack(const int8_t *src, int32_t rows, int32_t depth, int32_t height, int natural, uint32_t *dst)
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
            } else if (natural) {
                pack_row_natural(s, depth, d, stride);
            } else if (height == 4) { /* the post-increment is an immediate: one loop per block height */
                ED_PACK_ROW(s, depth, d, 32);
            } else if (height == 2) {
                ED_PACK_ROW(s, depth, d, 16);
            } else if (height == 3) {
                ED_PACK_ROW(s, depth, d, 24);
            } else {
                ED_PACK_ROW(s, depth, d, 8);
            }
        }
    }
}

void ed_cm4_fc_pack(const int8_t *src, int32_t rows, int32_t depth, uint32_t *dst)
{
    const int32_t groups = (depth + 3) >> 2, full = rows & ~3, n = rows & 3;
    uint32_t *d;
    int32_t i;

    if (full > 0) {
        ed_cm4_pack(src, full, depth, 4, 0, dst);
    }
    if (n > 0) {
        d = dst + (size_t)full * (size_t)groups * 2u;
        ed_cm4_pack(src + (size_t)full * (size_t)depth, n, depth, n, 0, d);
        for (i = n * groups * 2; i < 4 * groups * 2; i++) { /* the rest of the block's room: defined bytes */
            d[i] = 0u;
        }
    }
}
