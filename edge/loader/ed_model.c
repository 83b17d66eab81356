/*
 * ed_model.c: ed_model_load, the loader's top: parse and repair (ed_loader.c), plan the arena (ed_loader_graph.c,
 * which also draws INJECT's flips: ed_inject.c), then the decode + detect pass (ed_decode_pass.c). Inference is
 * ed_infer.c.
 */
#include "ed_model.h"

#include <string.h>

#include "ed_loader.h"

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
