/*
 * ed_flash.c: weights left in flash (ed_flash.h): the plan, LOAD's scan with its corrections, the tiled and
 * in-place runs, and DIGEST's view of the weights the kernels use.
 */
#include "ed_flash.h"

#include <string.h>

#include "ed_crc32.h"
#include "ed_detect_bits.h"
#include "ed_image_format.h"
#include "ed_inplace.h"
#include "ed_loader.h"
#include "ed_weight_pack.h"

static uint32_t rows_of(const ed_tensor_t *w)
{
    return w->shape[0] > 0u ? w->shape[0] : 1u;
}

/* Output channels of a weight tensor can be cut into tiles that are tensors of their own: dense (out, in) and
 * conv (out, kh, kw, in) weights whose range channels, if any, are the output channels (or one for all). */
static int tileable(const ed_op_t *op, const ed_tensor_t *w)
{
    const uint32_t rows = rows_of(w), len = w->count / rows;
    if (op->kind != ED_IMG_KIND_DENSE && op->kind != ED_IMG_KIND_CONV2D) {
        return 0;
    }
    return !w->range || w->ch_mod == 1u || (w->ch_div == len && w->ch_mod == rows);
}

/* Rows [r0, r0 + rows) of t as a tensor: its words, its range channels. */
static void tile_view(const ed_model_t *md, const ed_tensor_t *t, uint32_t r0, uint32_t rows, ed_tensor_t *v)
{
    const uint32_t len = t->count / rows_of(t);
    *v = *t;
    if (r0 == 0u && rows == rows_of(t)) {
        if (t->tile_bounds) { /* its bounds, built here as for each tile */
            ed_loader_level_bounds(md, t, 0, v, md->tbounds);
        }
        return; /* the whole tensor, whatever its channels */
    }
    v->count = rows * len;
    v->bit_offset = t->bit_offset + r0 * len * t->width;
    v->shape[0] = (uint16_t)rows;
    if (t->range && t->ch_mod > 1u) {
        v->ch_mod = rows;
        v->lo = t->lo != NULL ? t->lo + r0 : NULL;
        v->hi = t->hi != NULL ? t->hi + r0 : NULL;
        v->rlo = t->rlo != NULL ? t->rlo + r0 : NULL;
        v->rspan = t->rspan != NULL ? t->rspan + r0 : NULL;
        v->rwords = t->rwords != NULL ? t->rwords + 2u * r0 : NULL;
    }
    if (t->tile_bounds) { /* the tile's channels' bounds, from the payload */
        ed_loader_level_bounds(md, t, t->ch_mod > 1u ? r0 : 0u, v, md->tbounds);
    }
}

static void conv_filter(const ed_tensor_t *w, uint32_t rows, ed_dims_t *f)
{
    ed_filter_dims(w, f);
    f->n = (int32_t)rows;
}

/* Packed bytes of a tile of `rows` output channels (0: the kernel rejects the shape). */
static size_t packed_tile(const ed_op_t *op, const ed_tensor_t *w, uint32_t rows)
{
    ed_dims_t f;
    if (op->kind == ED_IMG_KIND_DENSE) {
        return ed_fully_connected_s8_weights_size((int32_t)rows, (int32_t)(w->count / rows_of(w)));
    }
    conv_filter(w, rows, &f);
    return ed_conv2d_s8_weights_size(&f);
}

static uint32_t out_pixels(const ed_op_t *op)
{
    return (uint32_t)op->out.h * (uint32_t)op->out.w;
}

/* Bytes a tile of `rows` channels needs at inference: decoded, packed, and a conv's output channels. */
static uint64_t tile_bytes(const ed_op_t *op, const ed_tensor_t *w, uint32_t rows)
{
    const uint32_t total = rows_of(w);
    uint64_t bytes = (uint64_t)rows * (w->count / total) + packed_tile(op, w, rows);
    if (op->kind == ED_IMG_KIND_CONV2D && rows < total) {
        bytes += (uint64_t)out_pixels(op) * rows;
    }
    return bytes;
}

int ed_flash_reads_in_place(const ed_op_t *op, const ed_tensor_t *w)
{
    return op->kind == ED_IMG_KIND_DENSE && w->role == 0u && w->count <= ED_INPLACE_MAX_ELEMENTS &&
           (w->fast == ED_DETECT_COPY || w->fast == ED_DETECT_COPY_RANGE || w->fast == ED_DETECT_COPY_PARITY);
}

static size_t max_size(size_t a, size_t b)
{
    return a > b ? a : b;
}

ed_load_status_t ed_flash_plan(ed_model_t *md, uint32_t *scratch)
{
    size_t max_w = 0, max_p = 0, max_o = 0, max_bounds = 0, need = 0;
    uint16_t k;
    for (k = 0; k < md->num_weighted; k++) {
        ed_tensor_t *w = &md->tensors[2u * k], *b = w + 1;
        const ed_op_t *op = &md->ops[ed_loader_weighted_op(md, k)];
        const uint32_t rows = rows_of(w), len = w->count / rows;
        uint32_t t = rows;
        ed_dims_t f;
        w->values = NULL;
        b->values = ed_arena_alloc(&md->arena, 4u * (size_t)b->count, 4);
        if (b->values == NULL) {
            return ED_LOAD_ARENA;
        }
        w->inplace = (uint8_t)ed_flash_reads_in_place(op, w);
        if (w->inplace) {
            w->transform = (uint8_t)((w->repr == ED_REPR_OFFSET ? ED_INPLACE_XOR80 : 0u) |
                                     (w->parity == ED_PARITY_SHIFTED ? ED_INPLACE_HALVE : 0u));
            /* only LOAD's scan decodes its words (inference reads them in place): a few rows at a time */
            t = ED_FLASH_SCAN_BYTES / (len > 0u ? len : 1u);
            t = t < 1u ? 1u : (t > rows ? rows : t);
            need = max_size(need, ed_fully_connected_inplace_s8_get_buffer_size((int32_t)len));
        } else {
            if (tileable(op, w)) {
                while (t > 1u && tile_bytes(op, w, t) > ED_FLASH_TILE_BYTES) {
                    t--;
                }
                max_p = max_size(max_p, packed_tile(op, w, t));
                if (op->kind == ED_IMG_KIND_CONV2D && t < rows) {
                    max_o = max_size(max_o, (size_t)out_pixels(op) * t);
                }
            } else if (op->kind == ED_IMG_KIND_DENSE || op->kind == ED_IMG_KIND_CONV2D) {
                max_p = max_size(max_p, packed_tile(op, w, rows));
            }
            if (op->kind == ED_IMG_KIND_DENSE) {
                need = max_size(need, ed_fully_connected_s8_get_buffer_size((int32_t)len));
            } else if (op->kind == ED_IMG_KIND_CONV2D) {
                conv_filter(w, t, &f);
                need = max_size(need, ed_conv2d_s8_get_buffer_size(&op->in, &f));
            }
        }
        w->tile_rows = (uint16_t)t;
        max_w = max_size(max_w, (size_t)t * len);
        if (w->tile_bounds) {
            max_bounds = max_size(max_bounds, 8u * (size_t)(w->ch_mod > 1u ? t : 1u));
        }
    }
    md->tbounds = max_bounds ? (uint32_t *)ed_arena_alloc(&md->arena, max_bounds, 4) : NULL;
    if (max_bounds && md->tbounds == NULL) {
        return ED_LOAD_ARENA;
    }
    md->wbuf = max_w ? (int8_t *)ed_arena_alloc(&md->arena, max_w, 4) : NULL;
    md->pbuf = max_p ? ed_arena_alloc(&md->arena, max_p, 4) : NULL;
    md->obuf = max_o ? (int8_t *)ed_arena_alloc(&md->arena, max_o, 4) : NULL;
    if ((max_w && md->wbuf == NULL) || (max_p && md->pbuf == NULL) || (max_o && md->obuf == NULL)) {
        return ED_LOAD_ARENA;
    }
    md->arena_tiles = (uint32_t)(max_w + max_p + max_o);
    *scratch = (uint32_t)need;
    return ED_LOAD_OK;
}

/* The in-place layer's levels of tile rows [r0, r0 + rows) as the kernel reads them: the stored bytes under the
 * transform, the corrections from *cursor on added. Into out. */
static void inplace_levels(const ed_model_t *md, const ed_tensor_t *w, uint32_t r0, uint32_t n, int8_t *out,
                           uint32_t *cursor)
{
    const uint32_t first = r0 * (w->count / rows_of(w));
    const uint8_t *raw = md->weights + (w->bit_offset >> 3) + first;
    uint32_t i, c = *cursor;
    for (i = 0; i < n; i++) {
        out[i] = (int8_t)ed_inplace_level(raw[i], w->transform);
    }
    for (; c < w->num_fixes && ed_inplace_fix_element(w->fixes[c]) < first + n; c++) {
        const uint32_t e = ed_inplace_fix_element(w->fixes[c]) - first;
        out[e] = (int8_t)(out[e] + ed_inplace_fix_delta(w->fixes[c]));
    }
    *cursor = c;
}

/* One pass over the tiles of weight tensor w: decode + detect each (counts into *z); for an in-place layer, each
 * weight whose level differs from its stored byte's is counted in *nfix and, when fixes is not NULL, recorded. */
static void scan(const ed_model_t *md, const ed_tensor_t *w, ed_zeroed_t *z, uint32_t *fixes, uint32_t *nfix)
{
    const uint32_t rows = rows_of(w), len = w->count / rows;
    uint32_t r0, n = 0;
    for (r0 = 0; r0 < rows; r0 += w->tile_rows) {
        const uint32_t t = rows - r0 < w->tile_rows ? rows - r0 : w->tile_rows;
        ed_tensor_t v;
        tile_view(md, w, r0, t, &v);
        ed_detect_tensor(md, &v, md->wbuf, z);
        if (w->inplace) {
            const uint8_t *raw = md->weights + (v.bit_offset >> 3);
            uint32_t i;
            for (i = 0; i < t * len; i++) {
                const int32_t delta = md->wbuf[i] - ed_inplace_level(raw[i], w->transform);
                if (delta != 0) {
                    if (fixes != NULL) {
                        fixes[n] = ((r0 * len + i) << ED_INPLACE_FIX_SHIFT) | ((uint32_t)delta & 0x1FFu);
                    }
                    n++;
                }
            }
        }
    }
    *nfix = n;
}

ed_load_status_t ed_flash_scan(ed_model_t *md, uint16_t k, ed_zeroed_t *z, int keep)
{
    ed_tensor_t *w = &md->tensors[2u * k];
    ed_zeroed_t again = {0, 0, 0};
    uint32_t n, *fixes;
    scan(md, w, z, NULL, &n);
    if (!keep || !w->inplace) {
        return ED_LOAD_OK;
    }
    w->fixes = NULL;
    w->num_fixes = 0;
    if (n > 0u) {
        fixes = (uint32_t *)ed_arena_alloc(&md->arena, 4u * (size_t)n, 4);
        if (fixes == NULL) {
            return ED_LOAD_ARENA;
        }
        scan(md, w, &again, fixes, &n);
        w->fixes = fixes;
        w->num_fixes = n;
    }
    return ED_LOAD_OK;
}

/* Multiply-accumulates per weight of the k-th weighted op: how often each weight is used per inference. */
static uint32_t reuse(const ed_model_t *md, uint16_t k)
{
    const ed_op_t *op = &md->ops[ed_loader_weighted_op(md, k)];
    return op->kind == ED_IMG_KIND_DENSE ? 1u : out_pixels(op);
}

/* Scratch bytes the k-th weighted op's kernel needs with all its weights packed in RAM. */
static size_t ram_scratch(const ed_model_t *md, uint16_t k)
{
    const ed_op_t *op = &md->ops[ed_loader_weighted_op(md, k)];
    ed_dims_t f;
    if (op->kind == ED_IMG_KIND_DENSE) {
        return ed_fully_connected_s8_get_buffer_size(op->in.c);
    }
    if (op->kind == ED_IMG_KIND_CONV2D) {
        conv_filter(&md->tensors[2u * k], rows_of(&md->tensors[2u * k]), &f);
        return ed_conv2d_s8_get_buffer_size(&op->in, &f);
    }
    return 0;
}

/* Decode + detect all of w into out, a tile at a time when its tiles bring their own bounds. */
static void detect_tiles(const ed_model_t *md, const ed_tensor_t *w, int8_t *out, ed_zeroed_t *z)
{
    const uint32_t rows = rows_of(w), len = w->count / rows;
    uint32_t r0;
    if (!w->tile_bounds) {
        ed_detect_tensor(md, w, out, z);
        return;
    }
    for (r0 = 0; r0 < rows; r0 += w->tile_rows) {
        const uint32_t t = rows - r0 < w->tile_rows ? rows - r0 : w->tile_rows;
        ed_tensor_t v;
        tile_view(md, w, r0, t, &v);
        ed_detect_tensor(md, &v, out + (size_t)r0 * len, z);
    }
}

/* Layer a goes to RAM before layer b: more reuse, or as much and fewer weights. */
static int better(const ed_model_t *md, uint16_t a, uint16_t b)
{
    const uint32_t ra = reuse(md, a), rb = reuse(md, b);
    return ra > rb || (ra == rb && md->tensors[2u * a].count < md->tensors[2u * b].count);
}

uint16_t ed_flash_promote(ed_model_t *md)
{
    uint16_t moved = 0, k, best;
    uint8_t done[64] = {0}; /* at most 64 layers are considered */
    const uint16_t n = md->num_weighted < 64u ? md->num_weighted : 64u;
    for (;;) {
        best = 0xFFFFu;
        for (k = 0; k < n; k++) { /* the unconsidered layer with the most reuse, the smaller on a tie */
            if (!done[k] && (best == 0xFFFFu || better(md, k, best))) {
                best = k;
            }
        }
        if (best == 0xFFFFu) {
            return moved;
        }
        done[best] = 1;
        {
            ed_tensor_t *w = &md->tensors[2u * best];
            const size_t packed = ed_model_packed_size(md, best), mark = md->arena.used;
            void *values;
            int8_t *staging;
            ed_zeroed_t again = {0, 0, 0};
            if (packed == 0u || packed > 0x7FFFFFFFu) {
                continue;
            }
            const size_t need = ram_scratch(md, best);
            void *scratch = NULL;
            if (need > md->scratch.size) { /* the RAM kernel's scratch, when larger than the tiles' */
                scratch = ed_arena_alloc(&md->arena, need, 8);
                if (scratch == NULL) {
                    md->arena.used = mark;
                    continue;
                }
            }
            values = ed_arena_alloc(&md->arena, packed, 4);
            staging = values != NULL ? (int8_t *)ed_arena_alloc(&md->arena, w->count, 4) : NULL;
            if (staging == NULL) { /* does not fit: give back what was taken, try the next */
                md->arena.used = mark;
                continue;
            }
            if (scratch != NULL) {
                md->scratch.buf = scratch;
                md->scratch.size = need;
                md->arena_scratch += (uint32_t)need; /* the smaller one before it stays taken */
            }
            detect_tiles(md, w, staging, &again); /* the values LOAD's pass judged: its counts stand */
            w->packed_size = (uint32_t)packed;
            ed_model_pack(md, best, staging, values);
            md->arena.used = (size_t)((uint8_t *)staging - md->arena.base); /* the staging is free again */
            w->values = values;
            moved++;
        }
    }
}

ed_kernel_status_t ed_flash_run(ed_model_t *md, const ed_op_t *op, const int8_t *in, int8_t *out)
{
    const ed_tensor_t *w = &md->tensors[2u * (uint32_t)op->windex];
    const int32_t *bias = (const int32_t *)w[1].values;
    const uint32_t rows = rows_of(w), len = w->count / rows;
    ed_zeroed_t z = {0, 0, 0};
    ed_requant_t rq;
    uint32_t r0;

    if (w->inplace) { /* checked once by ed_model_prepare at LOAD: the trusted entry point */
        ed_fc_params_t p;
        p.act = op->act;
        rq.multiplier = op->multiplier;
        rq.shift = op->shift;
        ed_fully_connected_inplace_s8_eval(&p, &rq, op->in.c, op->out.c, in, md->weights + (w->bit_offset >> 3),
                                           w->transform, bias, w->fixes, w->num_fixes, out, &md->scratch);
        return ED_OK;
    }
    if (op->kind == ED_IMG_KIND_DWCONV2D) { /* one tile: the whole layer, int8 as the kernel takes it */
        ed_dw_conv_params_t p;
        ed_dims_t f;
        ed_detect_tensor(md, w, md->wbuf, &z);
        f.n = 1, f.h = w->shape[1], f.w = w->shape[2], f.c = w->shape[3];
        p.window = op->window;
        p.depth_multiplier = op->depth_multiplier;
        p.act = op->act;
        rq.multiplier = op->multiplier;
        rq.shift = op->shift;
        return ed_depthwise_conv2d_s8(&p, &rq, &op->in, in, &f, md->wbuf, bias, &op->out, out);
    }
    for (r0 = 0; r0 < rows; r0 += w->tile_rows) {
        const uint32_t t = rows - r0 < w->tile_rows ? rows - r0 : w->tile_rows;
        const size_t packed = packed_tile(op, w, t);
        ed_kernel_status_t st;
        ed_tensor_t v;
        tile_view(md, w, r0, t, &v);
        ed_detect_tensor(md, &v, md->wbuf, &z);
        rq.multiplier = op->multiplier + r0;
        rq.shift = op->shift + r0;
        if (op->kind == ED_IMG_KIND_DENSE) {
            ed_fc_params_t p;
            p.act = op->act;
            (void)ed_fully_connected_s8_pack_weights((int32_t)t, (int32_t)len, md->wbuf, md->pbuf, packed);
            st = ed_fully_connected_s8(&p, &rq, 1, (int32_t)len, (int32_t)t, in, md->pbuf, bias + r0, out + r0,
                                       &md->scratch);
        } else {
            ed_conv_params_t p;
            ed_dims_t f, od = op->out;
            int8_t *dst = t == rows ? out : md->obuf;
            conv_filter(w, t, &f);
            od.c = (int32_t)t;
            p.window = op->window;
            p.act = op->act;
            (void)ed_conv2d_s8_pack_weights(&f, md->wbuf, md->pbuf, packed);
            st = ed_conv2d_s8(&p, &rq, &op->in, in, &f, md->pbuf, bias + r0, &od, dst, &md->scratch);
            if (st == ED_OK && dst != out) { /* channels r0 .. r0 + t of every output pixel */
                const uint32_t pixels = out_pixels(op);
                uint32_t px;
                for (px = 0; px < pixels; px++) {
                    memcpy(out + (size_t)px * rows + r0, dst + (size_t)px * t, t);
                }
            }
        }
        if (st != ED_OK) {
            return st;
        }
    }
    return ED_OK;
}

uint32_t ed_flash_weights_crc(ed_model_t *md, uint16_t k, ed_zeroed_t *z)
{
    const ed_tensor_t *w = &md->tensors[2u * k];
    const uint32_t rows = rows_of(w), len = w->count / rows;
    uint32_t r0, crc = 0, cursor = 0;
    for (r0 = 0; r0 < rows; r0 += w->tile_rows) {
        const uint32_t t = rows - r0 < w->tile_rows ? rows - r0 : w->tile_rows;
        ed_tensor_t v;
        tile_view(md, w, r0, t, &v);
        ed_detect_tensor(md, &v, md->wbuf, z);
        if (w->inplace) { /* what the kernel multiplies: the stored bytes and the corrections */
            inplace_levels(md, w, r0, t * len, md->wbuf, &cursor);
        }
        crc = ed_crc32_update(crc, (const uint8_t *)md->wbuf, (size_t)t * len);
    }
    return crc;
}
