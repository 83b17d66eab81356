/*
 * ed_mve_support.h: the Helium (MVE, Armv8.1-M) kernel variant's packed weights and matrix-vector core (internal).
 *
 * VMLADAVA.S8 multiplies 16 int8 pairs and adds them all to a scalar accumulator, so int8 weights are used as they
 * are (1 byte per weight, no widening) and a step of 16 inputs against 4 rows takes 1 input load, 4 weight loads
 * and 4 VMLADAVA. The input zero point is folded out, as in the armv6m variant: sum w (x - zp) = sum w x -
 * zp * sum w, with the row sums made at packing time, so the loops read the raw int8 inputs (a conv gathers its
 * window into a column whose cells outside the image hold zp).
 *
 * Layout (ed_mve_pack): blocks of 4 rows (the last padded with zero rows); a block is the 4 rows' weight sums
 * (int32) and then, per 16 inputs (depth rounded up to 16, the pad weights 0), the 16 weights of each of the 4
 * rows in turn. A column holds depth int8 inputs and zeros up to the next multiple of 16.
 */
#ifndef ED_MVE_SUPPORT_H
#define ED_MVE_SUPPORT_H

#include <stddef.h>
#include <stdint.h>

#include "ed_kernels.h"

#define ED_MVE_BLOCK 4 /* rows per block */

/* Inputs rounded up to a whole number of 16-byte vectors. */
int32_t ed_mve_depth16(int32_t depth);

/* Bytes of the packed form of a rows x depth matrix (0 for bad dimensions or more than 2^31 bytes). */
size_t ed_mve_packed_size(int32_t rows, int32_t depth);

/* Packs rows x depth int8 weights (row-major) into dst (ed_mve_packed_size bytes, 4-byte aligned). */
void ed_mve_pack(const int8_t *w, int32_t rows, int32_t depth, uint32_t *dst);

/* Everything after the dot products: bias, per-row requantization, output zero point, clamp. */
typedef struct {
    const int32_t *bias; /* NULL: no bias */
    const int32_t *multiplier;
    const int32_t *shift;
    int32_t input_zp, output_zp, act_min, act_max;
} ed_mve_out_t;

/* Multiplies the packed rows x depth matrix with one column (ed_mve_depth16(depth) bytes) into out[0..rows). */
void ed_mve_mat_vec(const uint32_t *packed, int32_t rows, int32_t depth, const int8_t *col, const ed_mve_out_t *q,
                    int8_t *out);

/* A block's requantization constants, made once per call for a conv (every pixel uses them): per row the bias with
 * the zero point folded in (bias - input_zp * sum w, modulo 2^32), multiplier and shift (0 for pad rows). */
typedef struct {
    int32_t bias[ED_MVE_BLOCK];
    int32_t multiplier[ED_MVE_BLOCK];
    int32_t shift[ED_MVE_BLOCK];
} ed_mve_block_t;

/* Bytes of the table for rows rows (one ed_mve_block_t per block). */
size_t ed_mve_table_size(int32_t rows);

/* The table of a packed rows x depth matrix for q. */
void ed_mve_table(const uint32_t *packed, int32_t rows, int32_t depth, const ed_mve_out_t *q, ed_mve_block_t *t);

/* ed_mve_mat_vec with the constants from the table (q gives the output zero point and the clamp). */
void ed_mve_mat_vec_table(const uint32_t *packed, int32_t rows, int32_t depth, const int8_t *col,
                          const ed_mve_block_t *t, const ed_mve_out_t *q, int8_t *out);

/* dst[0..n) = src[0..n) (n >= 0), by predicated 16-byte vectors with MVE. */
void ed_mve_copy(int8_t *dst, const int8_t *src, int32_t n);

/* col = src[0..depth) and zeros up to ed_mve_depth16(depth). */
void ed_mve_column(const int8_t *src, int32_t depth, int8_t *col);

#endif /* ED_MVE_SUPPORT_H */
