/*
 * ed_decode_pass.c: the decode + detect pass over every tensor of a loaded model (ed_detect_tensor per tensor),
 * each layer's weights then packed for the kernels -- or, run from flash, scanned tile by tile with the in-place
 * layers' corrections kept (ed_flash.c); refreshes the zeroed counters.
 */
#include "ed_detect.h"
#include "ed_flash.h"
#include "ed_loader.h"
#include "ed_model.h"
#include "ed_weight_pack.h"

/* Decode + detect every tensor; with pack, also pack each layer's weights for the kernels (in RAM) or keep the
 * corrections (from flash). */
static ed_load_status_t decode_pass(ed_model_t *md, int pack)
{
    const int flash = (md->flags & ED_MODEL_WEIGHTS_FLASH) != 0u;
    uint16_t i;
    md->params = md->zeroed_parity = md->zeroed_range = md->zeroed_ecc = md->fixes = 0;
    for (i = 0; i < md->num_ops; i++) {
        md->ops[i].zeroed_parity = md->ops[i].zeroed_range = 0;
    }
    for (i = 0; i < md->num_weighted; i++) {
        const ed_tensor_t *w = &md->tensors[2u * i], *b = &md->tensors[2u * i + 1u];
        ed_op_t *op = &md->ops[ed_loader_weighted_op(md, i)];
        ed_zeroed_t z = {0, 0, 0};
        /* weights decode into the staging buffer, then are packed into their own; on the fly only the counts are
         * kept here, as each inference decodes again */
        if (flash) {
            if (ed_flash_scan(md, i, &z, pack) != ED_LOAD_OK) {
                return ED_LOAD_ARENA;
            }
            md->fixes += w->num_fixes;
        } else {
            ed_detect_tensor(md, w, md->wbuf, &z);
        }
        ed_detect_tensor(md, b, b->values != NULL ? b->values : (void *)md->bbuf, &z);
        if (pack && !flash && w->values != NULL) {
            ed_model_pack(md, i, md->wbuf, w->values);
        }
        op->zeroed_parity = z.parity;
        op->zeroed_range = z.range;
        md->params += w->count + b->count;
        md->zeroed_parity += z.parity;
        md->zeroed_range += z.range;
        md->zeroed_ecc += z.ecc;
    }
    return ED_LOAD_OK;
}

ed_load_status_t ed_model_decode(ed_model_t *md, uint32_t *detail)
{
    const ed_load_status_t st = decode_pass(md, 1);
    if (st != ED_LOAD_OK) {
        *detail = ed_arena_needed32(&md->arena);
    }
    return st;
}

void ed_model_decode_detect(ed_model_t *md)
{
    (void)decode_pass(md, 0); /* from flash: the corrections LOAD kept stay, and are counted again */
}
