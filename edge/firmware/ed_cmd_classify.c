/*
 * CLASSIFY: the samples in the request, back to back, each the loaded model's input size -- a test set streamed
 * over the link in batches when the board's flash cannot hold it (eccless run --stream). Answers the predicted
 * class of each; the host compares them with the labels it kept. ERR_ARG details: 1 count is 0 or the tail is not
 * count inputs, 2 the predictions would not fit a response.
 */
#include "ed_bytes.h"
#include "ed_dispatch.h"
#include "ed_model_state.h"
#include "ed_platform.h"

ed_status_t ed_cmd_classify(const ed_request_t *req, ed_response_t *rsp)
{
    const uint32_t count = ed_get_u16(req->payload + ED_CLASSIFY_REQ_COUNT);
    const uint8_t *inputs = req->payload + ED_CLASSIFY_REQ_SIZE;
    ed_model_t *md = ed_state_model();
    uint32_t i, detail = 0;
    uint64_t t0, ticks = 0;

    if (!md->loaded) {
        return ED_STATUS_ERR_NO_IMAGE;
    }
    rsp->detail = 1;
    if (count == 0u || (uint64_t)count * md->input_size != req->len - ED_CLASSIFY_REQ_SIZE) {
        return ED_STATUS_ERR_ARG;
    }
    rsp->detail = 2;
    if (ED_CLASSIFY_RSP_SIZE + 2u * (size_t)count > rsp->cap) {
        return ED_STATUS_ERR_ARG;
    }
    rsp->detail = 0;
    for (i = 0; i < count; i++) {
        const int8_t *logits;
        uint16_t pred;
        t0 = ed_timer_ticks();
        if (eccless_invoke(ed_state_handle(), (const int8_t *)(inputs + (size_t)i * md->input_size), &logits, &pred,
                           &detail) != ECCLESS_OK) {
            return ed_state_kernel_error(rsp, detail);
        }
        ticks += ed_timer_ticks() - t0;
        ed_put_u16(rsp->payload + ED_CLASSIFY_RSP_SIZE + 2u * i, pred);
    }
    ed_put_u16(rsp->payload + ED_CLASSIFY_RSP_COUNT, (uint16_t)count);
    ed_put_u64(rsp->payload + ED_CLASSIFY_RSP_TICKS, ticks);
    ed_put_u64(rsp->payload + ED_CLASSIFY_RSP_INSTRUCTIONS, ed_timer_instructions(ticks));
    rsp->len = ED_CLASSIFY_RSP_SIZE + 2u * count;
    return ED_STATUS_OK;
}
