/*
 * ed_loader_graph.c: the graph side of loading -- every op's input and output shape from the model input
 * (graph.output_shape of the host), the quantization checks the kernels need, and the memory plan: INJECT's flip
 * list, decode tables, decoded weights (or on-the-fly layer buffers), activation ping-pong and kernel scratch.
 */
#include <string.h>

#include "ed_bytes.h"
#include "ed_decode.h"
#include "ed_detect.h"
#include "ed_flash.h"
#include "ed_image_format.h"
#include "ed_ecc_weights.h"
#include "ed_inject.h"
#include "ed_loader.h"
#include "ed_payload.h"
#include "ed_weight_pack.h"

#define FAIL(index, reason) ED_LOAD_FAIL(detail, index, reason)

static void set_dims(ed_dims_t *d, uint8_t rank, const uint32_t *s)
{
    d->n = 1;
    d->h = rank == 3u ? (int32_t)s[0] : 1;
    d->w = rank == 3u ? (int32_t)s[1] : 1;
    d->c = (int32_t)s[rank == 3u ? 2 : 0];
}

/* floor((in + before + after - k) / stride) + 1, the host's Python floor division; <= 0 means no output. */
static int64_t extent(uint32_t in, uint32_t before, uint32_t after, uint32_t k, uint32_t stride)
{
    const int64_t span = (int64_t)in + before + after - k;
    const int64_t q = span >= 0 ? span / stride : -((-span + stride - 1) / (int64_t)stride);
    return q + 1;
}

ed_load_status_t ed_loader_shapes(ed_model_t *md, const uint8_t *input_shape, uint8_t input_rank, uint32_t *detail)
{
    uint32_t s[3], out[3], c;
    uint8_t rank = input_rank, out_rank;
    uint64_t size = 1, osize;
    uint16_t i;

    for (c = 0; c < rank; c++) {
        s[c] = ed_get_u16(input_shape + 2u * c);
        size *= s[c];
    }
    if (size == 0u) {
        return FAIL(0, ED_LOAD_ERR_INPUT);
    }
    md->input_size = (uint32_t)size;
    for (i = 0; i < md->num_ops; i++) {
        uint8_t rec[ED_IMG_OP_SIZE];
        ed_op_t *op = &md->ops[i];
        const ed_tensor_t *w = op->windex >= 0 ? &md->tensors[2u * (uint32_t)op->windex] : NULL;
        const ed_tensor_t *b = op->windex >= 0 ? &md->tensors[2u * (uint32_t)op->windex + 1u] : NULL;
        uint32_t kh = 1, kw = 1, out_c = 0;
        int64_t oh, ow;
        ed_payload_read(md, ED_IMG_META_SIZE + (uint32_t)ED_IMG_OP_SIZE * i, rec, ED_IMG_OP_SIZE);
        op->in_rank = rank;
        set_dims(&op->in, rank, s);
        op->in_size = (uint32_t)size;
        op->window.stride_h = rec[ED_IMG_OP_STRIDE];
        op->window.stride_w = rec[ED_IMG_OP_STRIDE + 1u];
        op->window.pad_top = rec[ED_IMG_OP_PADS];
        op->window.pad_bottom = rec[ED_IMG_OP_PADS + 1u];
        op->window.pad_left = rec[ED_IMG_OP_PADS + 2u];
        op->window.pad_right = rec[ED_IMG_OP_PADS + 3u];
        out_rank = rec[ED_IMG_OP_OUT_RANK];
        for (c = 0; c < 3u; c++) {
            out[c] = ed_get_u16(rec + ED_IMG_OP_OUT_SHAPE + 2u * c);
        }
        switch (op->kind) {
        case ED_IMG_KIND_DENSE:
            if (rank != 1u || w->shape[1] != s[0]) {
                return FAIL(i, ED_LOAD_ERR_SHAPES);
            }
            s[0] = w->shape[0];
            break;
        case ED_IMG_KIND_RESHAPE:
            for (c = 0, osize = 1; c < out_rank; c++) {
                osize *= out[c];
            }
            if (osize != size) {
                return FAIL(i, ED_LOAD_ERR_SHAPES);
            }
            rank = out_rank;
            memcpy(s, out, sizeof(s));
            break;
        case ED_IMG_KIND_RELU:
        case ED_IMG_KIND_RELU6:
        case ED_IMG_KIND_SIGMOID:
        case ED_IMG_KIND_HARDSWISH:
            break;
        default: /* windowed ops on (H, W, C) */
            if (rank != 3u) {
                return FAIL(i, ED_LOAD_ERR_SHAPES);
            }
            if (op->kind == ED_IMG_KIND_CONV2D) {
                if (w->shape[3] != s[2]) {
                    return FAIL(i, ED_LOAD_ERR_SHAPES);
                }
                out_c = w->shape[0], kh = w->shape[1], kw = w->shape[2];
            } else if (op->kind == ED_IMG_KIND_DWCONV2D) {
                if (w->shape[3] % s[2] != 0u) {
                    return FAIL(i, ED_LOAD_ERR_SHAPES);
                }
                out_c = w->shape[3], kh = w->shape[1], kw = w->shape[2];
                op->depth_multiplier = (int32_t)(out_c / s[2]);
            } else {
                out_c = s[2], kh = rec[ED_IMG_OP_POOL], kw = rec[ED_IMG_OP_POOL + 1u];
                /* the pooling kernels need a real cell in every window */
                if (kh == 0u || kw == 0u || (uint32_t)op->window.pad_top >= kh ||
                    (uint32_t)op->window.pad_bottom >= kh || (uint32_t)op->window.pad_left >= kw ||
                    (uint32_t)op->window.pad_right >= kw) {
                    return FAIL(i, ED_LOAD_ERR_OP_FIELDS);
                }
            }
            if (op->window.stride_h == 0 || op->window.stride_w == 0) {
                return FAIL(i, ED_LOAD_ERR_OP_FIELDS);
            }
            oh = extent(s[0], (uint32_t)op->window.pad_top, (uint32_t)op->window.pad_bottom, kh,
                        (uint32_t)op->window.stride_h);
            ow = extent(s[1], (uint32_t)op->window.pad_left, (uint32_t)op->window.pad_right, kw,
                        (uint32_t)op->window.stride_w);
            if (oh <= 0 || ow <= 0) {
                return FAIL(i, ED_LOAD_ERR_SHAPES);
            }
            op->pool_h = (int32_t)kh;
            op->pool_w = (int32_t)kw;
            s[0] = (uint32_t)oh, s[1] = (uint32_t)ow, s[2] = out_c;
        }
        for (c = 0, size = 1; c < rank; c++) {
            size *= s[c];
        }
        if (out_rank != rank || size == 0u || size > 0x7FFFFFFFu) {
            return FAIL(i, ED_LOAD_ERR_SHAPES);
        }
        for (c = 0; c < rank; c++) {
            if (out[c] != s[c]) {
                return FAIL(i, ED_LOAD_ERR_SHAPES);
            }
        }
        op->out_rank = rank;
        set_dims(&op->out, rank, s);
        op->out_size = (uint32_t)size;
        if (w != NULL && (b->count != (uint32_t)op->out.c || op->channels != (uint32_t)op->out.c)) {
            return FAIL(2u * (uint32_t)op->windex + 1u, ED_LOAD_ERR_TENSOR_SHAPE);
        }
    }
    if (size != md->num_classes) {
        return FAIL(md->num_ops - 1u, ED_LOAD_ERR_CLASSES);
    }
    return ED_LOAD_OK;
}

static int in_i8(int32_t v)
{
    return v >= -128 && v <= 127;
}

/* relu, relu6, sigmoid, hardswish: exactly the channels the image format's OP_PARAMS table names (one
 * requantization; two parameter channels), in the ranges ed_clamp_s8 / ed_logistic_s8 / ed_hard_swish_s8 take (the
 * host loader's rule, load._params_ok). */
static int params_ok(const ed_op_t *op)
{
    if (op->kind == ED_IMG_KIND_RELU || op->kind == ED_IMG_KIND_RELU6) {
        return op->channels == 1u;
    }
    if (op->channels != 2u) {
        return 0;
    }
    if (op->kind == ED_IMG_KIND_SIGMOID) {
        return op->act.output_zp == -128 && op->multiplier[1] >= 0 && op->shift[1] == 0;
    }
    return op->multiplier[0] >= 0 && op->multiplier[0] <= 32767 && op->multiplier[1] >= 0 &&
           op->multiplier[1] <= 32767 && op->shift[0] <= 0;
}

ed_load_status_t ed_loader_quant(ed_model_t *md, uint32_t *detail)
{
    uint16_t i, c;
    for (i = 0; i < md->num_ops; i++) {
        const ed_op_t *op = &md->ops[i];
        const int activation = op->kind == ED_IMG_KIND_SIGMOID || op->kind == ED_IMG_KIND_HARDSWISH;
        const int requant = op->windex >= 0 || op->kind == ED_IMG_KIND_RELU || op->kind == ED_IMG_KIND_RELU6 ||
                            activation;
        if (op->kind == ED_IMG_KIND_RESHAPE) {
            continue;
        }
        if (!in_i8(op->act.act_min) || !in_i8(op->act.act_max) || op->act.act_min > op->act.act_max) {
            return FAIL(i, ED_LOAD_ERR_QUANT);
        }
        if (!requant) {
            continue;
        }
        if (op->multiplier == NULL || op->channels == 0u) {
            return FAIL(i, ED_LOAD_ERR_OP_ARRAYS);
        }
        if (!in_i8(op->act.input_zp) || !in_i8(op->act.output_zp)) {
            return FAIL(i, ED_LOAD_ERR_QUANT);
        }
        for (c = 0; c < op->channels; c++) {
            if (op->shift[c] < -31 || op->shift[c] > 31) {
                return FAIL(i, ED_LOAD_ERR_QUANT);
            }
        }
        if (op->windex < 0 && !params_ok(op)) {
            return FAIL(i, ED_LOAD_ERR_QUANT);
        }
    }
    return ED_LOAD_OK;
}

static ed_load_status_t arena_fail(const ed_model_t *md, uint32_t *detail)
{
    *detail = ed_arena_needed32(&md->arena);
    return ED_LOAD_ARENA;
}

static ed_load_status_t plan_tables(ed_model_t *md)
{
    uint16_t *luts[ED_LUT_BITS + 1u] = {0};
    uint64_t *starts[33] = {0};
    uint64_t tmp[34];
    uint16_t i;
    for (i = 0; i < md->num_tensors; i++) {
        ed_tensor_t *t = &md->tensors[i];
        if (t->repr != ED_REPR_HAMMING) {
            continue;
        }
        if (t->m <= ED_LUT_BITS && !(md->flags & ED_MODEL_NO_LUT)) {
            if (luts[t->m] == NULL) {
                luts[t->m] = (uint16_t *)ed_arena_alloc(&md->arena, 2u << t->m, 4);
                if (luts[t->m] == NULL) {
                    return ED_LOAD_ARENA;
                }
                ed_hamming_starts(tmp, t->m);
                ed_hamming_lut(luts[t->m], t->m, tmp);
            }
            t->lut = luts[t->m];
        } else {
            if (starts[t->m] == NULL) {
                starts[t->m] = (uint64_t *)ed_arena_alloc(&md->arena, 8u * (t->m + 2u), 8);
                if (starts[t->m] == NULL) {
                    return ED_LOAD_ARENA;
                }
                ed_hamming_starts(starts[t->m], t->m);
            }
            t->starts = starts[t->m];
        }
    }
    return ED_LOAD_OK;
}

static int64_t clamp(int64_t v, int64_t lo, int64_t hi)
{
    return v < lo ? lo : (v > hi ? hi : v);
}

/* An int8 weight channel's bounds as the fast loops take them: lo in [-128, 128], span = hi - lo; lo = 128 and
 * span 0 reject every level (a channel whose int64 bounds cross, clamped just outside -128 .. 127). */
static void level_bounds(const ed_model_t *md, const ed_tensor_t *t, uint32_t c, int32_t *lo, uint32_t *span)
{
    int64_t l, h;
    ed_loader_bounds(md, t, c, &l, &h);
    l = clamp(l, -128, 128);
    h = clamp(h, -129, 127);
    *lo = l > h ? 128 : (int32_t)l;
    *span = l > h ? 0u : (uint32_t)(h - l);
}

void ed_loader_level_bounds(const ed_model_t *md, const ed_tensor_t *t, uint32_t first, ed_tensor_t *v,
                            uint32_t *buf)
{
    uint32_t c, span;
    int32_t lo;
    /* copy_range and copy_parity read words when the channels are runs of 4k values one after the other and none
     * rejects everything */
    int words = (v->fast == ED_DETECT_COPY_RANGE || v->fast == ED_DETECT_COPY_PARITY) && v->ch_div % 4u == 0u &&
                (uint64_t)v->ch_div * v->ch_mod == v->count;
    for (c = 0; c < v->ch_mod && words; c++) {
        level_bounds(md, t, first + c, &lo, &span);
        words = lo <= 127;
    }
    for (c = 0; c < v->ch_mod; c++) {
        level_bounds(md, t, first + c, &lo, &span);
        if (words) {
            buf[2u * c] = (uint32_t)(uint8_t)lo * 0x01010101u;
            buf[2u * c + 1u] = span * 0x01010101u;
        } else {
            buf[c] = (uint32_t)lo;
            buf[v->ch_mod + c] = span;
        }
    }
    v->rwords = words ? buf : NULL;
    v->rlo = words ? NULL : (const int32_t *)buf;
    v->rspan = words ? NULL : buf + v->ch_mod;
}

/* The copy variants' int32 bias bounds (ed_tensor_t.rwords): per channel, lo and hi - lo as words, a bias b kept
 * iff (uint32_t)(b - lo) <= hi - lo -- unless some channel keeps no int32 at all (the int64 bounds then). */
static ed_load_status_t plan_bias_bounds(ed_model_t *md, ed_tensor_t *t)
{
    uint32_t *words, c;
    int64_t l, h;
    for (c = 0; c < t->ch_mod; c++) {
        ed_loader_bounds(md, t, c, &l, &h);
        if (clamp(l, INT32_MIN, (int64_t)INT32_MAX + 1) > clamp(h, (int64_t)INT32_MIN - 1, INT32_MAX)) {
            return ED_LOAD_OK;
        }
    }
    words = (uint32_t *)ed_arena_alloc(&md->arena, 8u * (size_t)t->ch_mod, 4);
    if (words == NULL) {
        return ED_LOAD_ARENA;
    }
    for (c = 0; c < t->ch_mod; c++) {
        ed_loader_bounds(md, t, c, &l, &h);
        l = clamp(l, INT32_MIN, INT32_MAX);
        h = clamp(h, INT32_MIN, INT32_MAX);
        words[2u * c] = (uint32_t)(int32_t)l;
        words[2u * c + 1u] = (uint32_t)(h - l);
    }
    t->rwords = words;
    return ED_LOAD_OK;
}

/* Picks each tensor's decode loop and builds what the fast ones read: one 2^width table per distinct way of
 * decoding (tensors of the same representation, m, width and parity share it; optimized tables are per tensor)
 * and each range channel's bounds as (lo, span) in int32. Runs after plan_tables: the table builder decodes
 * through t->lut / t->starts. */
static ed_load_status_t plan_fast(ed_model_t *md)
{
    uint16_t i, k;
    if (md->flags & ED_MODEL_NO_LUT) {
        return ED_LOAD_OK; /* every tensor keeps fast = ED_DETECT_GENERIC */
    }
    for (i = 0; i < md->num_tensors; i++) {
        ed_tensor_t *t = &md->tensors[i];
        t->fast = (uint8_t)ed_detect_fast_kind(t);
        for (k = 0; k < i && t->wlut == NULL && t->fast == ED_DETECT_LUT; k++) {
            const ed_tensor_t *u = &md->tensors[k];
            if (u->fast == ED_DETECT_LUT && u->repr == t->repr && u->m == t->m && u->width == t->width &&
                u->parity == t->parity && u->repr != ED_REPR_OPTIMIZED) {
                t->wlut = u->wlut;
            }
        }
        if (t->wlut == NULL && t->fast == ED_DETECT_LUT) {
            uint16_t *lut = (uint16_t *)ed_arena_alloc(&md->arena, 2u << t->width, 4);
            if (lut == NULL) {
                return ED_LOAD_ARENA;
            }
            ed_detect_build_lut(t, lut);
            t->wlut = lut;
        }
        if (t->range && t->role == 0u && t->fast != ED_DETECT_GENERIC && (md->flags & ED_MODEL_WEIGHTS_FLASH) &&
            ed_flash_reads_in_place(&md->ops[ed_loader_weighted_op(md, t->op)], t)) {
            t->tile_bounds = 1u; /* decoded only a tile at a time, by LOAD's scan and DIGEST: bounds per tile */
        } else if (t->range && t->role == 0u && t->fast != ED_DETECT_GENERIC) { /* the int8 fast loops' bounds */
            uint32_t *bounds = (uint32_t *)ed_arena_alloc(&md->arena, 8u * (size_t)t->ch_mod, 4);
            if (bounds == NULL) {
                return ED_LOAD_ARENA;
            }
            ed_loader_level_bounds(md, t, 0, t, bounds);
        }
        if (t->range && t->role == 1u && t->fast != ED_DETECT_GENERIC && plan_bias_bounds(md, t) != ED_LOAD_OK) {
            return ED_LOAD_ARENA;
        }
    }
    return ED_LOAD_OK;
}

/* The int64 range bounds of the tensors whose decode loop reads them (ed_detect_reads_bounds), from the payload;
 * the others' loops read plan_fast's narrower bounds. */
static ed_load_status_t keep_bounds(ed_model_t *md)
{
    uint16_t i;
    uint32_t c;
    for (i = 0; i < md->num_tensors; i++) {
        ed_tensor_t *t = &md->tensors[i];
        int64_t *lo;
        if (!ed_detect_reads_bounds(t)) {
            continue;
        }
        lo = (int64_t *)ed_arena_alloc(&md->arena, 16u * (size_t)t->ch_mod, 8);
        if (lo == NULL) {
            return ED_LOAD_ARENA;
        }
        for (c = 0; c < t->ch_mod; c++) {
            ed_loader_bounds(md, t, c, &lo[c], &lo[t->ch_mod + c]);
        }
        t->lo = lo;
        t->hi = lo + t->ch_mod;
    }
    return ED_LOAD_OK;
}

static void plan_activations(ed_model_t *md, uint32_t act, uint32_t scratch);

ed_load_status_t ed_loader_plan(ed_model_t *md, const ed_load_args_t *args, uint32_t *detail)
{
    const int on_the_fly = (md->flags & ED_MODEL_ON_THE_FLY) != 0u;
    uint32_t max_w = 0, max_b = 0, max_p = 0, act = 0, scratch = 0;
    ed_load_status_t st;
    uint16_t i;

    st = ed_inject_flips(md, args->flip_weights, md->weights_offset, detail);
    if (st == ED_LOAD_OK) {
        st = ed_ecc_weights_decode(md, detail); /* an ECC-coded region: corrected into the arena first */
    }
    if (st != ED_LOAD_OK) {
        return st;
    }
    if (plan_tables(md) != ED_LOAD_OK || plan_fast(md) != ED_LOAD_OK || keep_bounds(md) != ED_LOAD_OK) {
        return arena_fail(md, detail);
    }
    /* the metadata's repairs (arena top) served the parse and plan_fast only -- unless tiles of a layer read in
     * place take their range bounds from the payload later (tile_bounds) */
    for (i = 0; i < md->num_tensors && !md->tensors[i].tile_bounds; i++) {
    }
    if (i == md->num_tensors) {
        ed_arena_release_top(&md->arena);
        md->payload = NULL;
        md->repairs = NULL;
        md->num_repairs = 0;
    }
    if (md->flags & ED_MODEL_WEIGHTS_FLASH) { /* weights stay in flash: tile buffers and biases only */
        if (ed_flash_plan(md, &scratch) != ED_LOAD_OK) {
            return arena_fail(md, detail);
        }
        plan_activations(md, act, scratch);
        return ED_LOAD_OK;
    }
    for (i = 0; i < md->num_weighted; i++) {
        ed_tensor_t *w = &md->tensors[2u * i], *b = &md->tensors[2u * i + 1u];
        const size_t packed = ed_model_packed_size(md, i);
        if (packed == 0u || packed > 0x7FFFFFFFu) { /* shapes were checked: only a size past 2^31 gets here */
            *detail = 0xFFFFFFFFu;
            return ED_LOAD_ARENA;
        }
        w->packed_size = (uint32_t)packed;
        b->packed_size = 4u * b->count;
        max_w = w->count > max_w ? w->count : max_w;
        max_b = b->count > max_b ? b->count : max_b;
        max_p = w->packed_size > max_p ? w->packed_size : max_p;
        if (!on_the_fly) {
            w->values = ed_arena_alloc(&md->arena, w->packed_size, 4);
            b->values = ed_arena_alloc(&md->arena, 4u * (size_t)b->count, 4);
            if (w->values == NULL || b->values == NULL) {
                return arena_fail(md, detail);
            }
        }
    }
    if (md->num_weighted > 0u) { /* the decode staging buffer; on the fly also the layer being run */
        md->wbuf = (int8_t *)ed_arena_alloc(&md->arena, max_w, 4);
        if (md->wbuf == NULL) {
            return arena_fail(md, detail);
        }
        md->arena_tiles = max_w;
        if (on_the_fly) {
            md->bbuf = (int32_t *)ed_arena_alloc(&md->arena, 4u * (size_t)max_b, 4);
            md->pbuf = ed_arena_alloc(&md->arena, max_p, 4);
            if (md->bbuf == NULL || md->pbuf == NULL) {
                return arena_fail(md, detail);
            }
            md->arena_tiles += 4u * max_b + max_p;
        }
    }
    for (i = 0; i < md->num_ops; i++) {
        const ed_op_t *op = &md->ops[i];
        size_t need = 0;
        if (op->kind == ED_IMG_KIND_DENSE) {
            need = ed_fully_connected_s8_get_buffer_size(op->in.c);
        } else if (op->kind == ED_IMG_KIND_CONV2D) {
            const ed_tensor_t *w = &md->tensors[2u * (uint32_t)op->windex];
            ed_dims_t f;
            f.n = w->shape[0], f.h = w->shape[1], f.w = w->shape[2], f.c = w->shape[3];
            need = ed_conv2d_s8_get_buffer_size(&op->in, &f);
        }
        scratch = need > scratch ? (uint32_t)need : scratch;
    }
    plan_activations(md, act, scratch);
    return ED_LOAD_OK;
}

/* The sizes of the two activation buffers (each as large as the largest op output) and the kernels' scratch; they
 * are taken last (ed_loader_take_activations), after the decode pass. */
static void plan_activations(ed_model_t *md, uint32_t act, uint32_t scratch)
{
    uint16_t i;
    for (i = 0; i < md->num_ops; i++) {
        act = md->ops[i].out_size > act ? md->ops[i].out_size : act;
    }
    md->arena_activations = 2u * ((act + 3u) & ~3u);
    md->arena_scratch = scratch;
}

ed_load_status_t ed_loader_take_activations(ed_model_t *md, uint32_t *detail)
{
    const uint32_t act = md->arena_activations / 2u, scratch = md->arena_scratch;
    md->act[0] = (int8_t *)ed_arena_alloc(&md->arena, act, 4);
    md->act[1] = (int8_t *)ed_arena_alloc(&md->arena, act, 4);
    md->scratch.size = scratch;
    md->scratch.buf = scratch ? ed_arena_alloc(&md->arena, scratch, 8) : NULL;
    if (md->act[0] == NULL || md->act[1] == NULL || (scratch && md->scratch.buf == NULL)) {
        return arena_fail(md, detail);
    }
    return ED_LOAD_OK;
}
