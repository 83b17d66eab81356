/*
 * ed_model.c: ed_model_load, the loader's top: parse and repair (ed_loader.c), plan the arena (ed_loader_graph.c,
 * which also draws INJECT's flips: ed_inject.c), then the decode + detect pass (ed_decode_pass.c). Inference is
 * ed_infer.c.
 */
#include "ed_model.h"

#include <string.h>

#include "ed_flash.h"
#include "ed_loader.h"

/* One attempt with these flags (weights in RAM, or from flash). */
static ed_load_status_t load_once(ed_model_t *md, const ed_load_args_t *args, uint32_t flags, uint32_t *detail)
{
    ed_load_status_t status;
    uint64_t t0;

    memset(md, 0, sizeof(*md));
    *detail = 0;
    md->flags = flags;
    ed_arena_init(&md->arena, args->arena, args->arena_size);
    status = ed_loader_parse(md, args, detail);
    if (status == ED_LOAD_OK) {
        status = ed_loader_plan(md, args, detail);
    }
    t0 = args->clock != NULL ? args->clock() : 0u;
    if (status == ED_LOAD_OK) {
        status = ed_model_decode(md, detail);
    }
    md->decode_ticks = args->clock != NULL ? args->clock() - t0 : 0u;
    if (status == ED_LOAD_OK) {
        status = ed_loader_take_activations(md, detail);
    }
    md->arena_used = ed_arena_peak(&md->arena);
    md->loaded = status == ED_LOAD_OK;
    return status;
}

ed_load_status_t ed_model_load(ed_model_t *md, const ed_load_args_t *args, uint32_t *detail)
{
    ed_load_status_t status;

    *detail = 0;
    if (args->flags & ~ED_MODEL_FLAGS_KNOWN) {
        memset(md, 0, sizeof(*md));
        *detail = args->flags;
        return ED_LOAD_ARG;
    }
    if (args->image_size > ((size_t)1 << 29)) { /* bit positions in the image must fit 32 bits */
        memset(md, 0, sizeof(*md));
        return ED_LOAD_ARG;
    }
    if ((args->flags & ED_MODEL_WEIGHTS_AUTO) && !(args->flags & ED_MODEL_WEIGHTS_FLASH)) {
        /* weights in RAM when they fit, else from flash: only a full arena makes the second attempt */
        status = load_once(md, args, args->flags & ~ED_MODEL_WEIGHTS_AUTO, detail);
        if (status != ED_LOAD_ARENA) {
            return status;
        }
    }
    status = load_once(md, args, (args->flags & ~ED_MODEL_WEIGHTS_AUTO) |
                                     ((args->flags & ED_MODEL_WEIGHTS_AUTO) ? ED_MODEL_WEIGHTS_FLASH : 0u), detail);
    if (status == ED_LOAD_OK && (args->flags & ED_MODEL_WEIGHTS_AUTO)) {
        md->resident = ed_flash_promote(md); /* what RAM is left takes the layers that reuse their weights most */
        md->arena_used = ed_arena_peak(&md->arena);
    }
    if (status == ED_LOAD_OK) { /* last: where each op's weights and scratch ended up is final now */
        status = ed_model_prepare(md, detail);
        md->loaded = status == ED_LOAD_OK;
    }
    return status;
}
