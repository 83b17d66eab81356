/*
 * DIGEST: one weighted op's weights and biases decoded and detected again from flash -- with the flips of the last
 * LOAD, through the loops LOAD chose -- and returned as CRC-32s, so the host can check the device's decode bit for
 * bit against its own (tests/test_device_digest.py). The weights go through the staging buffer, the biases where
 * LOAD put them (the same values again). Run from flash, the weights are those the kernels multiply: tiles decoded
 * again, or an in-place layer's stored bytes with LOAD's corrections (ed_flash.h). ERR_ARG detail 1: op.
 */
#include "ed_bytes.h"
#include "ed_crc32.h"
#include "ed_detect.h"
#include "ed_dispatch.h"
#include "ed_flash.h"
#include "ed_model_state.h"

ed_status_t ed_cmd_digest(const ed_request_t *req, ed_response_t *rsp)
{
    const uint32_t op = ed_get_u32(req->payload + ED_DIGEST_REQ_OP);
    ed_model_t *md = ed_state_model();
    const ed_tensor_t *w, *b;
    ed_zeroed_t z = {0, 0, 0};
    void *bias_out;
    uint8_t *p = rsp->payload;

    if (!md->loaded) {
        return ED_STATUS_ERR_NO_IMAGE;
    }
    if (op >= md->num_weighted) {
        rsp->detail = 1;
        return ED_STATUS_ERR_ARG;
    }
    w = &md->tensors[2u * op];
    b = &md->tensors[2u * op + 1u];
    bias_out = b->values != NULL ? b->values : (void *)md->bbuf;
    if (md->flags & ED_MODEL_WEIGHTS_FLASH) { /* tile by tile, in-place layers as their kernel reads them */
        ed_put_u32(p + ED_DIGEST_RSP_WEIGHTS_CRC, ed_flash_weights_crc(md, (uint16_t)op, &z));
    } else {
        ed_detect_tensor(md, w, md->wbuf, &z);
        ed_put_u32(p + ED_DIGEST_RSP_WEIGHTS_CRC, ed_crc32((const uint8_t *)md->wbuf, w->count));
    }
    ed_detect_tensor(md, b, bias_out, &z);
    ed_put_u32(p + ED_DIGEST_RSP_WEIGHTS, w->count);
    ed_put_u32(p + ED_DIGEST_RSP_BIASES, b->count);
    ed_put_u32(p + ED_DIGEST_RSP_BIASES_CRC, ed_crc32((const uint8_t *)bias_out, 4u * (size_t)b->count));
    ed_put_u32(p + ED_DIGEST_RSP_ZEROED_PARITY, z.parity);
    ed_put_u32(p + ED_DIGEST_RSP_ZEROED_RANGE, z.range);
    rsp->len = ED_DIGEST_RSP_SIZE;
    return ED_STATUS_OK;
}
