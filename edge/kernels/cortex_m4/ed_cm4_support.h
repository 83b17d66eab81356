/*
 * ed_cm4_support.h: the pieces shared by the cortex_m4 fully connected and conv kernels (internal).
 *
 * Column buffer ("cols"): the operand the weights are multiplied with, prepared once per input column and reused
 * by every output channel. A column of `depth` int8 inputs x[k] is stored as int16 values x[k] - input_zp in
 * groups of four, each group as two words in SMLAD's pair order:
 *
 *     word 2g     = (x[4g]   - zp) | (x[4g+2] - zp) << 16     pairs with SXTB16(w)        = (w[4g],   w[4g+2])
 *     word 2g + 1 = (x[4g+1] - zp) | (x[4g+3] - zp) << 16     pairs with SXTB16(w, ror 8) = (w[4g+1], w[4g+3])
 *
 * so one 4-byte weight load, two sign extensions and two SMLADs do four MACs. The last group is zero-padded.
 * With two columns (conv) their groups are interleaved, group g of column c at words (2g + c) * 2, so one
 * pointer walks both. Size: 8 * ceil(depth / 4) bytes per column, 4-byte aligned.
 */
#ifndef ED_CM4_SUPPORT_H
#define ED_CM4_SUPPORT_H

#include "ed_kernels.h"

/* Bytes of a column buffer holding ncols columns of depth values (0 for depth or ncols < 1). */
size_t ed_cm4_cols_size(int32_t depth, int32_t ncols);

/* Writes column `col` of an ncols-column buffer from depth int8 values at src (any alignment; exactly depth
 * bytes are read). */
void ed_cm4_widen(const int8_t *src, int32_t depth, int32_t input_zp, uint32_t *cols, int32_t col, int32_t ncols);

/* Everything after the dot product: bias, per-channel requantization, output zero point, clamp. */
typedef struct {
    const int32_t *bias; /* NULL: no bias */
    const int32_t *multiplier;
    const int32_t *shift;
    int32_t output_zp, act_min, act_max;
} ed_cm4_out_t;

/*
 * out[c * out_col_stride + r] = requant(weights[r][:] . column c) for rows r in [0, rows) and ncols (1 or 2)
 * columns of a column buffer; weights are rows x depth int8, any alignment. Two columns: 2x2 blocks (two weight
 * rows times two columns); one column: 4x1 blocks.
 */
void ed_cm4_mat_mult_s8_s16(const int8_t *weights, int32_t rows, int32_t depth, const uint32_t *cols,
                            int32_t ncols, const ed_cm4_out_t *q, int8_t *out, int32_t out_col_stride);

#endif /* ED_CM4_SUPPORT_H */
