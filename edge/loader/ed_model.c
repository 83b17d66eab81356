/*
 * ed_model.c: the arena, the INJECT flips of the weight region, and the decode + detect pass over all tensors.
 * Parsing is in ed_loader.c (headers, records) and ed_loader_graph.c (shapes, buffers); inference in ed_infer.c.
 */
#include "ed_model.h"

#include <string.h>

#include "ed_detect.h"
#include "ed_loader.h"

void ed_arena_init(ed_arena_t *a, void *base, size_t size)
{
    a->base = (uint8_t *)base;
    a->size = size;
    a->used = 0;
    a->needed = 0;
}

void *ed_arena_alloc(ed_arena_t *a, size_t bytes, size_t align)
{
    size_t at = (a->used + (align - 1u)) & ~(align - 1u);
    if (at < a->used || bytes > a->size || at > a->size - bytes) {
        size_t want = at + bytes;
        a->needed = want < at ? (size_t)-1 : want; /* saturate on overflow */
        return NULL;
    }
    a->used = at + bytes;
    if (a->used > a->needed) {
        a->needed = a->used;
    }
    return a->base + at;
}

ed_load_status_t ed_loader_flips(ed_model_t *md, const ed_channel_params_t *ch, uint32_t weights_offset,
                                 uint32_t *detail)
{
    /* The walk covers absolute image bits [8 * weights_offset, 8 * (weights_offset + weights_len)), exactly the
     * range `eccless corrupt --region weights` walks; positions are stored relative to the region. The list
     * grows into whatever the arena has left and is then trimmed to its length. */
    ed_channel_iter_t it;
    uint64_t pos, start = (uint64_t)weights_offset * 8u;
    size_t cap, n = 0;
    uint32_t *list;

    md->flips = NULL;
    md->num_flips = 0;
    if (ch == NULL) {
        return ED_LOAD_OK;
    }
    list = (uint32_t *)ed_arena_alloc(&md->arena, 0, 4);
    if (list == NULL) {
        *detail = (uint32_t)md->arena.needed;
        return ED_LOAD_ARENA;
    }
    cap = (md->arena.size - md->arena.used) / 4u;
    if (ed_channel_iter_init(&it, ch, start, start + (uint64_t)md->weights_len * 8u) != ED_CHANNEL_OK) {
        *detail = 0;
        return ED_LOAD_ARG;
    }
    while (ed_channel_iter_next(&it, &pos) == ED_CHANNEL_OK) {
        const uint64_t rel = pos - start;
        const unsigned bit = (md->weights[rel >> 3] >> (rel & 7u)) & 1u;
        if (!ed_channel_iter_flips(&it, bit)) {
            continue;
        }
        if (n == cap) {
            md->arena.needed = md->arena.used + 4u * (n + 1u);
            *detail = (uint32_t)md->arena.needed;
            return ED_LOAD_ARENA;
        }
        list[n++] = (uint32_t)rel;
    }
    (void)ed_arena_alloc(&md->arena, 4u * n, 4);
    md->flips = list;
    md->num_flips = (uint32_t)n;
    md->flips_weights = (uint32_t)n;
    return ED_LOAD_OK;
}

/* Decode + detect every tensor; with pack, also pack each layer's weights for the kernels. */
static void decode_pass(ed_model_t *md, int pack)
{
    uint16_t i;
    md->params = md->zeroed_parity = md->zeroed_range = 0;
    for (i = 0; i < md->num_ops; i++) {
        md->ops[i].zeroed_parity = md->ops[i].zeroed_range = 0;
    }
    for (i = 0; i < md->num_weighted; i++) {
        const ed_tensor_t *w = &md->tensors[2u * i], *b = &md->tensors[2u * i + 1u];
        ed_op_t *op = &md->ops[ed_loader_weighted_op(md, i)];
        ed_zeroed_t z = {0, 0};
        /* weights decode into the staging buffer, then are packed into their own; on the fly only the counts are
         * kept here, as each inference decodes again */
        ed_detect_tensor(md, w, md->wbuf, &z);
        ed_detect_tensor(md, b, b->values != NULL ? b->values : (void *)md->bbuf, &z);
        if (pack && w->values != NULL) {
            ed_model_pack(md, i, md->wbuf, w->values);
        }
        op->zeroed_parity = z.parity;
        op->zeroed_range = z.range;
        md->params += w->count + b->count;
        md->zeroed_parity += z.parity;
        md->zeroed_range += z.range;
    }
}

void ed_model_decode(ed_model_t *md)
{
    decode_pass(md, 1);
}

void ed_model_decode_detect(ed_model_t *md)
{
    decode_pass(md, 0);
}

ed_load_status_t ed_model_load(ed_model_t *md, const ed_load_args_t *args, uint32_t *detail)
{
    ed_load_status_t status;
    uint64_t t0;

    memset(md, 0, sizeof(*md));
    *detail = 0;
    if (args->flags & ~ED_MODEL_FLAGS_KNOWN) {
        *detail = args->flags;
        return ED_LOAD_ARG;
    }
    if (args->image_size > ((size_t)1 << 29)) { /* bit positions in the image must fit 32 bits */
        return ED_LOAD_ARG;
    }
    md->flags = args->flags;
    ed_arena_init(&md->arena, args->arena, args->arena_size);
    status = ed_loader_parse(md, args, detail);
    if (status == ED_LOAD_OK) {
        status = ed_loader_plan(md, args, detail);
    }
    if (status != ED_LOAD_OK) {
        md->loaded = 0;
        return status;
    }
    t0 = args->clock != NULL ? args->clock() : 0u;
    ed_model_decode(md);
    md->decode_ticks = args->clock != NULL ? args->clock() - t0 : 0u;
    md->arena_used = md->arena.used;
    md->loaded = 1;
    return ED_LOAD_OK;
}
