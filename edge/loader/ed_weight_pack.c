/*
 * ed_weight_pack.c: a weighted op's decoded int8 weights in the layout its kernel reads (edge/kernels:
 * *_weights_size, *_pack_weights): once per LOAD, or per inference when decoding on the fly.
 */
#include "ed_weight_pack.h"

#include <string.h>

#include "ed_image_format.h"
#include "ed_loader.h"

size_t ed_model_packed_size(const ed_model_t *md, uint16_t k)
{
    const ed_op_t *op = &md->ops[ed_loader_weighted_op(md, k)];
    const ed_tensor_t *w = &md->tensors[2u * k];
    ed_dims_t f;
    switch (op->kind) {
    case ED_IMG_KIND_DENSE:
        return ed_fully_connected_s8_weights_size(op->out.c, op->in.c);
    case ED_IMG_KIND_CONV2D:
        ed_filter_dims(w, &f);
        return ed_conv2d_s8_weights_size(&f);
    default: /* depthwise: the int8 weights as they are */
        return w->count;
    }
}

void ed_model_pack(const ed_model_t *md, uint16_t k, const int8_t *src, void *dst)
{
    const ed_op_t *op = &md->ops[ed_loader_weighted_op(md, k)];
    const ed_tensor_t *w = &md->tensors[2u * k];
    ed_dims_t f;
    switch (op->kind) {
    case ED_IMG_KIND_DENSE:
        (void)ed_fully_connected_s8_pack_weights(op->out.c, op->in.c, src, dst, w->packed_size);
        break;
    case ED_IMG_KIND_CONV2D:
        ed_filter_dims(w, &f);
        (void)ed_conv2d_s8_pack_weights(&f, src, dst, w->packed_size);
        break;
    default:
        memcpy(dst, src, w->count);
        break;
    }
}
