/*
 * ed_infer.c: one int8 inference through the loaded graph with the kernels of edge/kernels (ed_kernels.h), the
 * twins of QGraph.forward. Activations ping-pong between two arena buffers; reshape is a no-op on the bytes.
 * Decoding on the fly, each weighted op first decodes its weight and bias words (flips and detection included)
 * into the layer buffers and packs the weights -- the same bytes the load pass would have kept. Run from flash,
 * weighted ops go through ed_flash_run.
 * Prepare / eval (TFLite Micro's split): ed_model_prepare, the last step of LOAD, runs the fully connected kernel's
 * checks on every dense op that runs from RAM, and the in-place kernel's on every dense op read in place from flash
 * (their configurations never change after LOAD), so inference calls the _eval entry points, which check nothing.
 * Tiled layers from flash and the other kernels check their arguments on every call.
 */
#include <string.h>

#include "ed_detect.h"
#include "ed_flash.h"
#include "ed_image_format.h"
#include "ed_loader.h"
#include "ed_model.h"
#include "ed_weight_pack.h"

uint16_t ed_argmax_s8(const int8_t *x, uint32_t n)
{
    uint32_t i, best = 0;
    for (i = 1; i < n; i++) {
        if (x[i] > x[best]) {
            best = i;
        }
    }
    return (uint16_t)best;
}

/* A weighted op whose weights were left in flash (not moved to RAM by 'auto'): it runs through ed_flash_run. */
static int from_flash(const ed_model_t *md, const ed_op_t *op)
{
    return op->windex >= 0 && (md->flags & ED_MODEL_WEIGHTS_FLASH) &&
           md->tensors[2u * (uint32_t)op->windex].values == NULL;
}

static ed_load_status_t prepare_failed(ed_kernel_status_t st, uint32_t index, size_t scratch_needed,
                                       uint32_t *detail)
{
    if (st == ED_ERR_BUFFER) { /* the plan gave a dense op less scratch than it needs: the bytes it needs */
        *detail = (uint32_t)scratch_needed;
        return ED_LOAD_ARENA;
    }
    return ED_LOAD_FAIL(detail, index, st == ED_ERR_QUANT ? ED_LOAD_ERR_QUANT : ED_LOAD_ERR_SHAPES);
}

ed_load_status_t ed_model_prepare(ed_model_t *md, uint32_t *detail)
{
    uint16_t i;
    for (i = 0; i < md->num_ops; i++) {
        const ed_op_t *op = &md->ops[i];
        const ed_tensor_t *w;
        ed_fc_params_t p;
        ed_requant_t rq;
        ed_kernel_status_t st;
        size_t need;
        if (op->kind != ED_IMG_KIND_DENSE) {
            continue;
        }
        p.act = op->act;
        rq.multiplier = op->multiplier;
        rq.shift = op->shift;
        if (!from_flash(md, op)) {
            st = ed_fully_connected_s8_prepare(&p, &rq, 1, op->in.c, op->out.c, &md->scratch);
            need = ed_fully_connected_s8_get_buffer_size(op->in.c);
        } else {
            w = &md->tensors[2u * (uint32_t)op->windex];
            if (!w->inplace) {
                continue; /* tiled from flash: the checked kernel on each tile */
            }
            /* read in place: its corrections are final once LOAD's pass ran */
            st = ed_fully_connected_inplace_s8_prepare(&p, &rq, op->in.c, op->out.c, w->transform, w->fixes,
                                                       w->num_fixes, &md->scratch);
            need = ed_fully_connected_inplace_s8_get_buffer_size(op->in.c);
        }
        if (st != ED_OK) {
            return prepare_failed(st, i, need, detail);
        }
    }
    return ED_LOAD_OK;
}

int ed_model_dense_call(const ed_model_t *md, uint32_t index, ed_dense_call_t *call)
{
    const ed_op_t *op;
    const ed_tensor_t *tw;
    if (index >= md->num_ops) {
        return -1;
    }
    op = &md->ops[index];
    if (op->kind != ED_IMG_KIND_DENSE) {
        return -1;
    }
    if (from_flash(md, op)) {
        return 1;
    }
    tw = &md->tensors[2u * (uint32_t)op->windex];
    if (tw->values == NULL) { /* decoded on the fly into the layer buffers by each run */
        return -1;
    }
    call->params.act = op->act;
    call->requant.multiplier = op->multiplier;
    call->requant.shift = op->shift;
    call->in_features = op->in.c;
    call->out_features = op->out.c;
    call->weights = tw->values;
    call->bias = (const int32_t *)tw[1].values;
    return 0;
}

static ed_kernel_status_t run(ed_model_t *md, const ed_op_t *op, const int8_t *in, int8_t *out)
{
    const void *w = 0;
    const int32_t *b = 0;
    ed_requant_t rq;
    if (from_flash(md, op)) {
        return ed_flash_run(md, op, in, out);
    }
    if (op->windex >= 0) {
        const uint16_t k = (uint16_t)op->windex;
        const ed_tensor_t *tw = &md->tensors[2u * k];
        const ed_tensor_t *tb = tw + 1;
        if (tw->values != 0) {
            w = tw->values;
            b = (const int32_t *)tb->values;
        } else {
            ed_zeroed_t z = {0, 0, 0};
            ed_detect_tensor(md, tw, md->wbuf, &z);
            ed_detect_tensor(md, tb, md->bbuf, &z);
            ed_model_pack(md, k, md->wbuf, md->pbuf);
            w = md->pbuf;
            b = md->bbuf;
        }
    }
    rq.multiplier = op->multiplier;
    rq.shift = op->shift;
    switch (op->kind) {
    case ED_IMG_KIND_DENSE: {
        ed_fc_params_t p; /* checked once by ed_model_prepare at LOAD: the trusted entry point */
        p.act = op->act;
        ed_fully_connected_s8_eval(&p, &rq, 1, op->in.c, op->out.c, in, w, b, out, &md->scratch);
        return ED_OK;
    }
    case ED_IMG_KIND_CONV2D: {
        ed_conv_params_t p;
        ed_dims_t f;
        ed_filter_dims(&md->tensors[2u * (uint32_t)op->windex], &f);
        p.window = op->window;
        p.act = op->act;
        return ed_conv2d_s8(&p, &rq, &op->in, in, &f, w, b, &op->out, out, &md->scratch);
    }
    case ED_IMG_KIND_DWCONV2D: {
        ed_dw_conv_params_t p;
        const ed_tensor_t *tw = &md->tensors[2u * (uint32_t)op->windex];
        ed_dims_t f;
        f.n = 1, f.h = tw->shape[1], f.w = tw->shape[2], f.c = tw->shape[3];
        p.window = op->window;
        p.depth_multiplier = op->depth_multiplier;
        p.act = op->act;
        return ed_depthwise_conv2d_s8(&p, &rq, &op->in, in, &f, (const int8_t *)w, b, &op->out, out);
    }
    case ED_IMG_KIND_MAXPOOL:
    case ED_IMG_KIND_AVGPOOL: {
        ed_pool_params_t p;
        p.window = op->window;
        p.filter_h = op->pool_h;
        p.filter_w = op->pool_w;
        p.act_min = op->act.act_min;
        p.act_max = op->act.act_max;
        return op->kind == ED_IMG_KIND_MAXPOOL ? ed_max_pool_s8(&p, &op->in, in, &op->out, out)
                                               : ed_avg_pool_s8(&p, &op->in, in, &op->out, out);
    }
    case ED_IMG_KIND_SIGMOID: {
        ed_logistic_params_t p;
        p.input_zp = op->act.input_zp;
        p.input_multiplier = op->multiplier[0];
        p.input_left_shift = op->shift[0];
        p.input_range_radius = op->multiplier[1];
        return ed_logistic_s8(&p, (int32_t)op->out_size, in, out);
    }
    case ED_IMG_KIND_HARDSWISH: {
        ed_hard_swish_params_t p;
        p.input_zp = op->act.input_zp;
        p.output_zp = op->act.output_zp;
        p.output_multiplier = op->multiplier[0];
        p.output_exponent = op->shift[0];
        p.reluish_multiplier = op->multiplier[1];
        p.reluish_exponent = op->shift[1];
        return ed_hard_swish_s8(&p, (int32_t)op->out_size, in, out);
    }
    default: { /* relu, relu6: requantizing clamp with the op's single multiplier */
        ed_clamp_params_t p;
        p.input_zp = op->act.input_zp;
        p.output_zp = op->act.output_zp;
        p.multiplier = op->multiplier[0];
        p.shift = op->shift[0];
        p.act_min = op->act.act_min;
        p.act_max = op->act.act_max;
        return ed_clamp_s8(&p, (int32_t)op->out_size, in, out);
    }
    }
}

int ed_model_run_op(ed_model_t *md, uint32_t index, const int8_t *input, const int8_t **output, uint32_t *detail)
{
    const ed_op_t *op = &md->ops[index];
    int8_t *out = input == md->act[0] ? md->act[1] : md->act[0];
    ed_kernel_status_t st;
    if (op->kind == ED_IMG_KIND_RESHAPE) {
        *output = input;
        return 0;
    }
    st = run(md, op, input, out);
    if (st != ED_OK) {
        *detail = (index << 8) | (uint32_t)(-(int32_t)st);
        return (int)st;
    }
    *output = out;
    return 0;
}

int ed_model_infer(ed_model_t *md, const int8_t *input, const int8_t **logits, uint32_t *detail)
{
    const int8_t *cur = input;
    uint32_t i;
    for (i = 0; i < md->num_ops; i++) {
        int st = ed_model_run_op(md, i, cur, &cur, detail);
        if (st != 0) {
            return st;
        }
    }
    *logits = cur;
    return 0;
}
