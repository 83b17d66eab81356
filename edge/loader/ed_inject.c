/*
 * ed_inject.c: INJECT's flips of the weight region, drawn once per LOAD from the armed channel (ed_channel.h)
 * into a sorted list in the arena; the decode + detect strategies apply them word by word as they read.
 */
#include "ed_inject.h"

ed_load_status_t ed_inject_flips(ed_model_t *md, const ed_channel_params_t *ch, uint32_t weights_offset,
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
    cap = (md->arena.size - md->arena.top - md->arena.used) / 4u;
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
            md->arena.needed = md->arena.used + md->arena.top + 4u * (n + 1u);
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
