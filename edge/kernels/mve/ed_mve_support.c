/*
 * ed_mve_support.c: packing and the matrix-vector core of the Helium variant (ed_mve_support.h). With MVE
 * (__ARM_FEATURE_MVE: -mcpu=cortex-m55) the core is arm_mve.h intrinsics; elsewhere (the host's golden tests, a
 * build for a core without Helium) the same sums in portable C.
 */
#include "ed_mve_support.h"

#include <string.h>

#include "ed_fixedpoint.h"

#if defined(__ARM_FEATURE_MVE) && (__ARM_FEATURE_MVE & 1)
#include <arm_mve.h>
#define ED_MVE 1
#else
#define ED_MVE 0
#endif

int32_t ed_mve_depth16(int32_t depth)
{
    return (depth + 15) & ~15;
}

size_t ed_mve_packed_size(int32_t rows, int32_t depth)
{
    int64_t blocks, bytes;
    if (rows < 1 || depth < 1 || depth > INT32_MAX - 15) {
        return 0;
    }
    blocks = rows / ED_MVE_BLOCK + (rows % ED_MVE_BLOCK != 0);
    bytes = blocks * (16 + (int64_t)ED_MVE_BLOCK * ed_mve_depth16(depth));
    return bytes > INT32_MAX ? 0u : (size_t)bytes;
}

void ed_mve_pack(const int8_t *w, int32_t rows, int32_t depth, uint32_t *dst)
{
    const int32_t d16 = ed_mve_depth16(depth);
    int32_t r0, k, i, j;
    for (r0 = 0; r0 < rows; r0 += ED_MVE_BLOCK) {
        int8_t *bytes = (int8_t *)(dst + ED_MVE_BLOCK);
        for (k = 0; k < ED_MVE_BLOCK; k++) {
            uint32_t sum = 0;
            for (i = 0; r0 + k < rows && i < depth; i++) {
                sum += (uint32_t)(int32_t)w[(size_t)(r0 + k) * (size_t)depth + (size_t)i];
            }
            dst[k] = sum;
        }
        for (i = 0; i < d16; i += 16) {
            for (k = 0; k < ED_MVE_BLOCK; k++, bytes += 16) {
                for (j = 0; j < 16; j++) {
                    bytes[j] = r0 + k < rows && i + j < depth ? w[(size_t)(r0 + k) * (size_t)depth + (size_t)(i + j)]
                                                               : 0;
                }
            }
        }
        dst += ED_MVE_BLOCK + ED_MVE_BLOCK * d16 / 4;
    }
}

void ed_mve_copy(int8_t *dst, const int8_t *src, int32_t n)
{
#if ED_MVE
    for (; n > 0; n -= 16, dst += 16, src += 16) {
        const mve_pred16_t p = vctp8q((uint32_t)n);
        vstrbq_p_s8(dst, vldrbq_z_s8(src, p), p);
    }
#else
    memcpy(dst, src, (size_t)n);
#endif
}

void ed_mve_column(const int8_t *src, int32_t depth, int8_t *col)
{
    int32_t i;
    ed_mve_copy(col, src, depth);
    for (i = depth; i < ed_mve_depth16(depth); i++) {
        col[i] = 0;
    }
}

/* The 4 rows' dot products with the column over steps of 16 inputs. */
static void dot4(const int8_t *w, const int8_t *col, int32_t steps, int32_t acc[4])
{
#if ED_MVE
    int32_t a0 = 0, a1 = 0, a2 = 0, a3 = 0;
    for (; steps > 0; steps--, w += 64, col += 16) {
        const int8x16_t x = vldrbq_s8(col);
        a0 = vmladavaq_s8(a0, x, vldrbq_s8(w));
        a1 = vmladavaq_s8(a1, x, vldrbq_s8(w + 16));
        a2 = vmladavaq_s8(a2, x, vldrbq_s8(w + 32));
        a3 = vmladavaq_s8(a3, x, vldrbq_s8(w + 48));
    }
    acc[0] = a0;
    acc[1] = a1;
    acc[2] = a2;
    acc[3] = a3;
#else
    uint32_t a[4] = {0, 0, 0, 0};
    int32_t k, j;
    for (; steps > 0; steps--, w += 64, col += 16) {
        for (k = 0; k < 4; k++) {
            for (j = 0; j < 16; j++) {
                a[k] += (uint32_t)(w[16 * k + j] * col[j]);
            }
        }
    }
    for (k = 0; k < 4; k++) {
        acc[k] = ed_s32(a[k]);
    }
#endif
}

#if ED_MVE
/*
 * Requantization of 4 rows at once (n <= 4 of them real): LiteRT's double-rounding MultiplyByQuantizedMultiplier
 * in vector form, as CMSIS-NN does it: the left shift wraps (VSHL), VQRDMULH is SaturatingRoundingDoublingHighMul
 * exactly ((2ab + 2^31) >> 32, INT32_MIN^2 saturated), and RoundingDivideByPOT (ties away from zero) is VRSHL (ties
 * upward) after subtracting 1 (saturating: INT32_MIN divides exactly) from the negative lanes that shift right.
 */
static void requantize4(const int32_t *acc, const uint32_t *sums, int32_t r0, int32_t n, const ed_mve_out_t *q,
                        int8_t *out)
{
    const mve_pred16_t p = vctp32q((uint32_t)n);
    const int32x4_t shift = vldrwq_z_s32(q->shift + r0, p);
    const int32x4_t zero = vdupq_n_s32(0);
    const int32x4_t left = vmaxq_s32(shift, zero), right = vminq_s32(shift, zero); /* right: -amount or 0 */
    int32x4_t x = vsubq_s32(vldrwq_s32(acc), vmulq_n_s32(vldrwq_s32((const int32_t *)sums), q->input_zp));
    if (q->bias != NULL) {
        x = vaddq_s32(x, vldrwq_z_s32(q->bias + r0, p));
    }
    x = vqrdmulhq_s32(vshlq_s32(x, left), vldrwq_z_s32(q->multiplier + r0, p));
    x = vqaddq_s32(x, vshrq_n_s32(vandq_s32(x, right), 31)); /* -1 where x < 0 and a right shift follows */
    x = vaddq_n_s32(vrshlq_s32(x, right), q->output_zp);
    x = vminq_s32(vmaxq_s32(x, vdupq_n_s32(q->act_min)), vdupq_n_s32(q->act_max));
    vstrbq_p_s32(out + r0, x, p);
}
#endif

void ed_mve_mat_vec(const uint32_t *packed, int32_t rows, int32_t depth, const int8_t *col, const ed_mve_out_t *q,
                    int8_t *out)
{
    const int32_t d16 = ed_mve_depth16(depth);
    int32_t r0;
    for (r0 = 0; r0 < rows; r0 += ED_MVE_BLOCK, packed += ED_MVE_BLOCK + ED_MVE_BLOCK * d16 / 4) {
        int32_t acc[ED_MVE_BLOCK];
        dot4((const int8_t *)(packed + ED_MVE_BLOCK), col, d16 / 16, acc);
#if ED_MVE
        requantize4(acc, packed, r0, rows - r0 < ED_MVE_BLOCK ? rows - r0 : ED_MVE_BLOCK, q, out);
#else
        {
            int32_t k;
            for (k = 0; k < ED_MVE_BLOCK && r0 + k < rows; k++) {
                const int32_t r = r0 + k;
                /* sum w (x - zp) + bias = acc - zp * sum w + bias, modulo 2^32 */
                const uint32_t total = (uint32_t)acc[k] - (uint32_t)q->input_zp * packed[k] +
                                       (q->bias != NULL ? (uint32_t)q->bias[r] : 0u);
                out[r] = ed_requantize(total, q->multiplier[r], q->shift[r], q->output_zp, q->act_min, q->act_max);
            }
        }
#endif
    }
}

size_t ed_mve_table_size(int32_t rows)
{
    return rows < 1 ? 0u : (size_t)(rows / ED_MVE_BLOCK + (rows % ED_MVE_BLOCK != 0)) * sizeof(ed_mve_block_t);
}

void ed_mve_table(const uint32_t *packed, int32_t rows, int32_t depth, const ed_mve_out_t *q, ed_mve_block_t *t)
{
    const int32_t d16 = ed_mve_depth16(depth);
    int32_t r0, k;
    for (r0 = 0; r0 < rows; r0 += ED_MVE_BLOCK, t++, packed += ED_MVE_BLOCK + ED_MVE_BLOCK * d16 / 4) {
        for (k = 0; k < ED_MVE_BLOCK; k++) {
            const int32_t r = r0 + k;
            const int real = r < rows;
            t->bias[k] = ed_s32((real && q->bias != NULL ? (uint32_t)q->bias[r] : 0u) -
                                (uint32_t)q->input_zp * packed[k]);
            t->multiplier[k] = real ? q->multiplier[r] : 0;
            t->shift[k] = real ? q->shift[r] : 0;
        }
    }
}

void ed_mve_mat_vec_table(const uint32_t *packed, int32_t rows, int32_t depth, const int8_t *col,
                          const ed_mve_block_t *t, const ed_mve_out_t *q, int8_t *out)
{
    const int32_t d16 = ed_mve_depth16(depth);
    int32_t r0;
#if ED_MVE
    const int32x4_t zero = vdupq_n_s32(0), lo = vdupq_n_s32(q->act_min), hi = vdupq_n_s32(q->act_max);
    for (r0 = 0; r0 < rows; r0 += ED_MVE_BLOCK, t++, packed += ED_MVE_BLOCK + ED_MVE_BLOCK * d16 / 4) {
        int32_t acc[ED_MVE_BLOCK];
        const int32x4_t shift = vldrwq_s32(t->shift);
        const int32x4_t right = vminq_s32(shift, zero);
        int32x4_t x;
        dot4((const int8_t *)(packed + ED_MVE_BLOCK), col, d16 / 16, acc);
        x = vaddq_s32(vldrwq_s32(acc), vldrwq_s32(t->bias));
        x = vqrdmulhq_s32(vshlq_s32(x, vmaxq_s32(shift, zero)), vldrwq_s32(t->multiplier));
        x = vqaddq_s32(x, vshrq_n_s32(vandq_s32(x, right), 31));
        x = vaddq_n_s32(vrshlq_s32(x, right), q->output_zp);
        x = vminq_s32(vmaxq_s32(x, lo), hi);
        vstrbq_p_s32(out + r0, x, vctp32q((uint32_t)(rows - r0)));
    }
#else
    for (r0 = 0; r0 < rows; r0 += ED_MVE_BLOCK, t++, packed += ED_MVE_BLOCK + ED_MVE_BLOCK * d16 / 4) {
        int32_t acc[ED_MVE_BLOCK], k;
        dot4((const int8_t *)(packed + ED_MVE_BLOCK), col, d16 / 16, acc);
        for (k = 0; k < ED_MVE_BLOCK && r0 + k < rows; k++) {
            out[r0 + k] = ed_requantize((uint32_t)acc[k] + (uint32_t)t->bias[k], t->multiplier[k], t->shift[k],
                                        q->output_zp, q->act_min, q->act_max);
        }
    }
#endif
}
