/*
 * ed_v6m_support.h: the Armv6-M (Cortex-M0/M0+) kernel variant's packed weights and dot-product core (internal).
 *
 * Armv6-M has MULS (32 x 32 -> low 32 bits) and nothing wider, no DSP and no unaligned access, and QEMU counts
 * instructions, so the variant spends instructions where they are cheapest: LDM of many words, and one MULS for
 * two multiply-accumulates. A packed word holds two rows' weights of one input, *negated*, as int16 lanes:
 * W = -w_a + (-w_b) * 2^16 (mod 2^32). W * x = -w_a x + (-w_b x) * 2^16, and the sum of two such products keeps
 * each lane exact: -w x lies in [-16384, 16256] for int8 w and x (w = -128 included), so two of them lie in
 * [-32768, 32512], an int16. The dot-product core sums A and (A + 2^15) >> 16 = the high lane, and recovers the low lane from both at the end.
 *
 * Layout (ed_v6m_pack): blocks of 4 rows (the last padded with zero rows); a block is the 4 rows' weight sums
 * (int32) and then, per pair of inputs (depth rounded up to even, the pad weight 0), four words:
 * W(r0,r1; i), W(r2,r3; i), W(r0,r1; i+1), W(r2,r3; i+1).
 *
 * The input zero point is folded out: sum w (x - zp) = sum w x - zp * sum w, so the dot product runs on the raw
 * inputs widened to int32 (a column; ed_v6m_widen), and cells outside a conv's image hold zp (they contribute
 * w (zp - zp) = 0). All sums wrap modulo 2^32 as LiteRT's int32 does.
 */
#ifndef ED_V6M_SUPPORT_H
#define ED_V6M_SUPPORT_H

#include <stddef.h>
#include <stdint.h>

#include "ed_kernels.h"

#define ED_V6M_BLOCK 4 /* rows per block */

/* Bytes of the packed form of a rows x depth matrix (0 for bad dimensions or more than 2^31 bytes). */
size_t ed_v6m_packed_size(int32_t rows, int32_t depth);

/* Packs rows x depth int8 weights (row-major) into dst (ed_v6m_packed_size bytes, 4-byte aligned). */
void ed_v6m_pack(const int8_t *w, int32_t rows, int32_t depth, uint32_t *dst);

/* Words of a column for depth inputs (depth rounded up to even). */
int32_t ed_v6m_col_words(int32_t depth);

/* col[i] = src[i] for i < depth, and 0 in the pad word of an odd depth. */
void ed_v6m_widen(const int8_t *src, int32_t depth, int32_t *col);

/* acc[0..3] = the negated dot products of one block's 4 rows with col over pairs = depth_even / 2 (>= 1). */
void ed_v6m_dot4(const uint32_t *w, const int32_t *col, int32_t pairs, int32_t *acc);

/* Everything after the dot products of one column against every block: out[r] for r < rows. */
typedef struct {
    const int32_t *bias; /* NULL: no bias */
    const int32_t *multiplier;
    const int32_t *shift;
    int32_t input_zp, output_zp, act_min, act_max;
} ed_v6m_out_t;

/* One accumulator (bias and zero points folded in) requantized as ed_requantize does, without a 64-bit multiply. */
int8_t ed_v6m_requantize(uint32_t acc, int32_t multiplier, int32_t shift, const ed_v6m_out_t *q);

/* Multiplies the packed rows x depth matrix with one column and writes the rows int8 results to out. */
void ed_v6m_mat_vec(const uint32_t *packed, int32_t rows, int32_t depth, const int32_t *col,
                    const ed_v6m_out_t *q, int8_t *out);

#endif /* ED_V6M_SUPPORT_H */
