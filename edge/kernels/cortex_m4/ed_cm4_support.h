/*
 * ed_cm4_support.h: the pieces shared by the cortex_m4 fully connected and conv kernels (internal).
 *
 * Both operands of the inner loops are int16 pairs in SMLAD's pair order, so that each 32-bit load feeds one SMLAD
 * (two MACs) with no sign extension in the loop:
 *
 * Column buffer ("cols"): the inputs, prepared once per input column and reused by every output channel. A column
 * of `depth` int8 inputs x[k] is stored as int16 values x[k] - input_zp in groups of four, each group as two words:
 *
 *     word 2g     = (x[4g]   - zp) | (x[4g+2] - zp) << 16
 *     word 2g + 1 = (x[4g+1] - zp) | (x[4g+3] - zp) << 16
 *
 * (one 4-byte input load and two SXTAB16 widen a group; fully connected). The conv kernel builds its two columns
 * (two output pixels) from an input image widened once per call, so they are in natural order instead, words
 * (x[4g], x[4g+1]) and (x[4g+2], x[4g+3]), column 1 right after column 0. The last group is zero-padded. Size:
 * 8 * ceil(depth / 4) bytes per column, 4-byte aligned.
 *
 * Packed weights: the rows x depth int8 weights, widened once at load time (ed_cm4_pack) into the same pair order,
 * in blocks of `height` rows (4 for fully connected, its last rows % 4 rows in one block of that height; 2 for
 * conv) whose groups are interleaved: group g of row j of
 * block b is words ((b * G + g) * height + j) * 2 and +1, G = ceil(depth / 4). Missing weights (the tail of a row,
 * the rows after the last one in the last block) are 0. So a 4-row block walks one pointer through four rows.
 */
#ifndef ED_CM4_SUPPORT_H
#define ED_CM4_SUPPORT_H

#include "ed_cm4_requant.h"
#include "ed_kernels.h"

/* Bytes of a column buffer holding ncols columns of depth values (0 for depth or ncols < 1). */
size_t ed_cm4_cols_size(int32_t depth, int32_t ncols);

/* Writes a one-column buffer (SMLAD pair order) from depth int8 values at src (any alignment; exactly depth bytes
 * are read). */
void ed_cm4_widen(const int8_t *src, int32_t depth, int32_t input_zp, uint32_t *col);

/* n int16 values x - input_zp from n int8 at src, natural order, into dst (any alignment of either). */
void ed_cm4_widen_image(const int8_t *src, int32_t n, int32_t input_zp, int16_t *dst);

/* Bytes of rows x depth weights packed in blocks of `height` rows (0 when rows or depth < 1 or too large). */
size_t ed_cm4_packed_size(int32_t rows, int32_t depth, int32_t height);

/* Packs rows x depth int8 weights (row-major, any alignment) into dst (4-byte aligned, ed_cm4_packed_size bytes),
 * in SMLAD pair order or (natural != 0) natural order. */
void ed_cm4_pack(const int8_t *src, int32_t rows, int32_t depth, int32_t height, int natural, uint32_t *dst);

/* One output channel's bias and requantization constants, prepared once per call (conv: each is used per pixel). */
typedef struct {
    uint32_t bias;
    ed_cm4_rq_t rq;
} ed_cm4_channel_t;

/* Everything after the dot product: bias, per-channel requantization, output zero point, clamp. */
typedef struct {
    const int32_t *bias; /* NULL: no bias */
    const int32_t *multiplier;
    const int32_t *shift;
    const ed_cm4_channel_t *table; /* the same per channel (ed_cm4_channel_table); required with two columns */
    int32_t output_zp, act_min, act_max;
    uint32_t lo4, hi4; /* act_min, act_max in each byte (ed_cm4_out_clamp) */
} ed_cm4_out_t;

/* Sets q->lo4 and q->hi4 from q->act_min and q->act_max. */
void ed_cm4_out_clamp(ed_cm4_out_t *q);

/* Four rows' accumulators (bias included) as their four output bytes, the fully connected blocks' requantization
 * and clamp: multipliers and shifts from *pm, *ps (advanced by four), k = {output_zp, lo4, hi4}. */
uint32_t ed_cm4_out_4x1(uint32_t a0, uint32_t a1, uint32_t a2, uint32_t a3, const int32_t **pm, const int32_t **ps,
                        const uint32_t *k);



/* table[c] for channels c in [0, channels) from q's bias, multipliers and shifts. */
void ed_cm4_channel_table(const ed_cm4_out_t *q, int32_t channels, ed_cm4_channel_t *table);

/* Fully connected weights: rows & ~3 rows in blocks of 4 (ed_cm4_pack, height 4), then the last rows % 4 rows as one
 * block of their own height n, which leaves (4 - n) rows' room of the ed_cm4_packed_size(rows, depth, 4) bytes
 * unused (zeroed), so a tail of one to three rows costs n rows of multiply-accumulates, not four. */
void ed_cm4_fc_pack(const int8_t *src, int32_t rows, int32_t depth, uint32_t *dst);

/* out[r] = requant(weights[r][:] . col) for r in [0, rows): weights from ed_cm4_fc_pack, one column buffer of
 * in_features values; zero points, clamp and requantization straight from the kernel's arguments (no copy per call:
 * the final 10-output layers are mostly fixed costs). */
void ed_cm4_fc_rows(const uint32_t *packed, const uint32_t *col, int32_t in_features, int32_t rows,
                    const ed_fc_params_t *params, const ed_requant_t *requant, const int32_t *bias, int8_t *out);

/* The pieces of ed_cm4_mat_mult_packed (ed_cm4_matmul.c): the fused loop over `blocks` full 2x2 blocks (with
 * q->table), and the general loop for the blocks from row r on. */
void ed_cm4_conv_blocks(const uint32_t *packed, int32_t groups, const uint32_t *cols, int32_t blocks,
                        const ed_cm4_out_t *q, int8_t *out, int32_t stride);
void ed_cm4_rest_blocks(const uint32_t *packed, int32_t height, int32_t r, int32_t rows, int32_t depth,
                        const uint32_t *cols, int32_t ncols, const ed_cm4_out_t *q, int8_t *out,
                        int32_t out_col_stride);

/*
 * out[c * out_col_stride + r] = requant(weights[r][:] . column c) for rows r in [0, rows) and ncols (1 or 2)
 * columns of a column buffer; weights packed by ed_cm4_pack with height 2 (2x2 blocks, or 2x1 for one column; two
 * columns are consecutive, 2 * ceil(depth / 4) words each): the conv kernel's product.
 * Inline: a conv calls it per pair of pixels, and a call layer there costs about 3 % of a one-channel conv.
 */
static inline void ed_cm4_mat_mult_packed(const uint32_t *packed, int32_t height, int32_t rows, int32_t depth,
                                          const uint32_t *cols, int32_t ncols, const ed_cm4_out_t *q, int8_t *out,
                                          int32_t out_col_stride)
{
    const int32_t groups = (depth + 3) >> 2, full = ncols == 2 ? rows / height : 0;

    /* Full blocks: one fused loop; what is left (a partial block, or the odd pixel's 2x1 blocks) after. */
    if (full > 0) {
        ed_cm4_conv_blocks(packed, groups, cols, full, q, out, out_col_stride);
    }
    if (full * height < rows) {
        ed_cm4_rest_blocks(packed + full * groups * height * 2, height, full * height, rows, depth, cols, ncols, q,
                           out, out_col_stride);
    }
}

#endif /* ED_CM4_SUPPORT_H */
