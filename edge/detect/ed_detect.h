/*
 * ed_detect: read one tensor's words out of the weight region (with INJECT's flips), undo the parity placement,
 * decode the representation, map the index to its int8/int32 level and apply the detection rule -- exactly
 * RegionCodec.decode_words of host/eccless/storage/stored.py:
 *
 *   parity fails (odd popcount of the stored word)           -> value 0, counted as zeroed by parity
 *   else, range rules: value < lo[ch] or value > hi[ch]      -> value 0, counted as zeroed by range
 *   level = index - 2^(m-1), stored wrapped to int8 (weights) or int32 (biases) as numpy's astype does
 *
 * Five strategies give identical results; ed_detect.c picks one per tensor (ed_tensor_t.fast) and dispatches, and
 * each is a file of its own: the generic bit-gather loop (ed_detect_generic.c); `lut` for int8 weights of width
 * <= 9 and m <= 8, one look-up in a 2^width table gives level and parity verdict (ed_detect_lut.c); `copy` for
 * twos / offset int8 weights and int32 biases without detection, a word-at-a-time copy with flips XORed in
 * afterwards, `copy_range` with the range rule alone and `copy_parity` with parity-lsb, SIMD tests over the copy
 * (ed_detect_copy.c). LOAD's no_lut flag asks for the generic loop everywhere.
 */
#ifndef ED_DETECT_H
#define ED_DETECT_H

#include <stdint.h>

#include "ed_model.h"

typedef struct {
    uint32_t parity;
    uint32_t range;
    uint32_t ecc; /* by the ECC `zero` policy (a word overlapping a failed block; may also count above) */
} ed_zeroed_t;

#define ED_DETECT_GENERIC 0u
#define ED_DETECT_LUT 1u
#define ED_DETECT_COPY 2u
#define ED_DETECT_COPY_RANGE 3u     /* copy, then the range rule four lanes at a time */
#define ED_DETECT_COPY_PARITY 4u    /* copy, then parity-lsb and the level four lanes at a time (+ range) */
#define ED_DETECT_LUT_BITS 9u       /* widest word the lut variant takes: 512 table entries */
#define ED_DETECT_LUT_BAD 0x8000u   /* table entry of a word whose parity fails: outside every range */
#define ED_DETECT_FULL_SPAN 255u    /* range span of a channel that keeps every int8 level (lo = -128) */

/* The fastest variant that decodes tensor t exactly (t's repr, m, width, parity, range, role, bit_offset set). */
unsigned ed_detect_fast_kind(const ed_tensor_t *t);

/* 1 when t's decode loop reads its int64 range bounds t->lo / t->hi (t->fast and plan_fast's bounds set): LOAD
 * keeps them past its plan only then. */
int ed_detect_reads_bounds(const ed_tensor_t *t);

/* lut[w] for every width-bit stored word w: its level + 128 (0 .. 255), or ED_DETECT_LUT_BAD when the parity fails.
 * 2^width entries; t's decode tables (t->lut / t->starts / t->table) must be set. */
void ed_detect_build_lut(const ed_tensor_t *t, uint16_t *lut);

/* Decode tensor t of model md into out (int8[count] for weights, int32[count] for biases); adds to *zeroed. With
 * the ECC `zero` policy (md->ecc_failed), every word overlapping a failed block is then 0. */
void ed_detect_tensor(const ed_model_t *md, const ed_tensor_t *t, void *out, ed_zeroed_t *zeroed);

/* The strategies ed_detect_tensor dispatches to by ed_tensor_t.fast (one file each). */
typedef void (*ed_detect_fn)(const ed_model_t *md, const ed_tensor_t *t, void *out, ed_zeroed_t *zeroed);
void ed_detect_generic(const ed_model_t *md, const ed_tensor_t *t, void *out, ed_zeroed_t *zeroed);
void ed_detect_lut(const ed_model_t *md, const ed_tensor_t *t, void *out, ed_zeroed_t *zeroed);
void ed_detect_copy(const ed_model_t *md, const ed_tensor_t *t, void *out, ed_zeroed_t *zeroed);
void ed_detect_copy_checked(const ed_model_t *md, const ed_tensor_t *t, void *out, ed_zeroed_t *zeroed);

#endif /* ED_DETECT_H */
