/*
 * ed_weight_pack: sizes and packing of the weighted ops' weights for the kernels.
 */
#ifndef ED_WEIGHT_PACK_H
#define ED_WEIGHT_PACK_H

#include <stddef.h>
#include <stdint.h>

#include "ed_model.h"

/* A conv weight tensor's shape as kernel dims (out channels, kh, kw, in channels). */
static inline void ed_filter_dims(const ed_tensor_t *w, ed_dims_t *f)
{
    f->n = w->shape[0], f->h = w->shape[1], f->w = w->shape[2], f->c = w->shape[3];
}

/* Bytes of the k-th weighted op's weights in its kernel's packed form (edge/kernels: *_weights_size), 0 when the
 * kernels reject the shape. */
size_t ed_model_packed_size(const ed_model_t *model, uint16_t k);

/* Packs the k-th weighted op's decoded int8 weights into dst (packed_size bytes, 4-byte aligned). */
void ed_model_pack(const ed_model_t *model, uint16_t k, const int8_t *src, void *dst);

#endif /* ED_WEIGHT_PACK_H */
