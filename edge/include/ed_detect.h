/*
 * ed_detect: read one tensor's words out of the weight region (with INJECT's flips), undo the parity placement,
 * decode the representation, map the index to its int8/int32 level and apply the detection rule -- exactly
 * RegionCodec.decode_words of host/eccless/storage/stored.py:
 *
 *   parity fails (odd popcount of the stored word)           -> value 0, counted as zeroed by parity
 *   else, range rules: value < lo[ch] or value > hi[ch]      -> value 0, counted as zeroed by range
 *   level = index - 2^(m-1), stored wrapped to int8 (weights) or int32 (biases) as numpy's astype does
 */
#ifndef ED_DETECT_H
#define ED_DETECT_H

#include <stdint.h>

#include "ed_model.h"

typedef struct {
    uint32_t parity;
    uint32_t range;
} ed_zeroed_t;

/* Decode tensor t of model md into out (int8[count] for weights, int32[count] for biases); adds to *zeroed. */
void ed_detect_tensor(const ed_model_t *md, const ed_tensor_t *t, void *out, ed_zeroed_t *zeroed);

#endif /* ED_DETECT_H */
