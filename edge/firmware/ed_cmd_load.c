/* LOAD: read, repair, parse, decode and detect the image in flash (ed_model.h); detection counts per layer. */
#include "ed_bytes.h"
#include "ed_dispatch.h"
#include "ed_model_state.h"
#include "ed_platform.h"

ed_status_t ed_cmd_load(const ed_request_t *req, ed_response_t *rsp)
{
    const uint64_t t0 = ed_timer_ticks();
    ed_status_t st = ed_state_load(ed_get_u32(req->payload + ED_LOAD_REQ_FLAGS), rsp);
    const uint64_t ticks = ed_timer_ticks() - t0;
    const ed_model_t *md = ed_state_model();
    uint8_t *p = rsp->payload;
    uint16_t i;

    if (st != ED_STATUS_OK) {
        return st;
    }
    ed_put_u32(p + ED_LOAD_RSP_IMAGE_BYTES, md->image_len);
    ed_put_u32(p + ED_LOAD_RSP_PARAMS, md->params);
    ed_put_u32(p + ED_LOAD_RSP_ZEROED_PARITY, md->zeroed_parity);
    ed_put_u32(p + ED_LOAD_RSP_ZEROED_RANGE, md->zeroed_range);
    ed_put_u32(p + ED_LOAD_RSP_ECC_CORRECTED, md->ecc_corrected);
    ed_put_u32(p + ED_LOAD_RSP_FLIPS_WEIGHTS, md->flips_weights);
    ed_put_u32(p + ED_LOAD_RSP_FLIPS_PROTECTED, md->flips_protected);
    ed_put_u32(p + ED_LOAD_RSP_ARENA_USED, (uint32_t)md->arena_used);
    ed_put_u32(p + ED_LOAD_RSP_SAMPLES, md->test_count);
    ed_put_u32(p + ED_LOAD_RSP_CLASSES, md->num_classes);
    ed_put_u64(p + ED_LOAD_RSP_TICKS, ticks);
    ed_put_u64(p + ED_LOAD_RSP_INSTRUCTIONS, ed_timer_instructions(ticks));
    ed_put_u64(p + ED_LOAD_RSP_DECODE_TICKS, md->decode_ticks);
    ed_put_u64(p + ED_LOAD_RSP_DECODE_INSTRUCTIONS, ed_timer_instructions(md->decode_ticks));
    ed_put_u32(p + ED_LOAD_RSP_WEIGHTS_FLASH, (md->flags & ED_MODEL_WEIGHTS_FLASH) ? 1u : 0u);
    ed_put_u32(p + ED_LOAD_RSP_FIXES, md->fixes);
    ed_put_u32(p + ED_LOAD_RSP_RESIDENT_LAYERS, md->resident);
    ed_put_u32(p + ED_LOAD_RSP_ECC_FAILED, md->ecc_blocks_failed);
    ed_put_u32(p + ED_LOAD_RSP_ZEROED_ECC, md->zeroed_ecc);
    ed_put_u32(p + ED_LOAD_RSP_ARENA_ACTIVATIONS, md->arena_activations);
    ed_put_u32(p + ED_LOAD_RSP_ARENA_TILES, md->arena_tiles);
    ed_put_u32(p + ED_LOAD_RSP_ARENA_SCRATCH, md->arena_scratch);
    for (i = 0; i < md->num_weighted; i++) {
        const ed_op_t *op = &md->ops[md->weighted[i]];
        ed_put_u32(p + ED_LOAD_RSP_SIZE + ED_LOAD_RSP_TAIL * i, op->zeroed_parity);
        ed_put_u32(p + ED_LOAD_RSP_SIZE + ED_LOAD_RSP_TAIL * i + 4u, op->zeroed_range);
    }
    rsp->len = ED_LOAD_RSP_SIZE + (size_t)ED_LOAD_RSP_TAIL * md->num_weighted;
    return ED_STATUS_OK;
}
