/*
 * INFER: classify one sample -- a stored one by index, or the int8 input tensor sent in the request (index
 * ED_NO_INDEX) -- and return the class and the int8 logits. ERR_ARG details: 1 index, 2 input length, 3 an
 * output too large for one reply.
 */
#include "ed_bytes.h"
#include "ed_dispatch.h"
#include "ed_model_state.h"
#include "ed_platform.h"

ed_status_t ed_cmd_infer(const ed_request_t *req, ed_response_t *rsp)
{
    const uint32_t index = ed_get_u32(req->payload + ED_INFER_REQ_INDEX);
    const size_t given = req->len - ED_INFER_REQ_SIZE;
    ed_model_t *md = ed_state_model();
    const int8_t *input, *logits;
    uint32_t i, detail = 0;
    uint64_t t0, ticks;

    if (!md->loaded) {
        return ED_STATUS_ERR_NO_IMAGE;
    }
    if (index == ED_NO_INDEX) {
        rsp->detail = 2;
        if (given != md->input_size) {
            return ED_STATUS_ERR_ARG;
        }
        input = (const int8_t *)(req->payload + ED_INFER_REQ_SIZE);
    } else {
        rsp->detail = 1;
        if (index >= md->test_count || given != 0u) {
            return ED_STATUS_ERR_ARG;
        }
        input = md->test_x + (size_t)index * md->input_size;
    }
    rsp->detail = 3;
    if (md->num_classes > rsp->cap - ED_INFER_RSP_SIZE) {
        return ED_STATUS_ERR_ARG;
    }
    rsp->detail = 0;
    t0 = ed_timer_ticks();
    if (eccless_invoke(ed_state_handle(), input, &logits, NULL, &detail) != ECCLESS_OK) {
        return ed_state_kernel_error(rsp, detail);
    }
    ticks = ed_timer_ticks() - t0;
    ed_put_u16(rsp->payload + ED_INFER_RSP_LABEL, ed_argmax_s8(logits, md->num_classes));
    rsp->payload[ED_INFER_RSP_DTYPE] = 0; /* int8 */
    ed_put_u64(rsp->payload + ED_INFER_RSP_TICKS, ticks);
    ed_put_u64(rsp->payload + ED_INFER_RSP_INSTRUCTIONS, ed_timer_instructions(ticks));
    for (i = 0; i < md->num_classes; i++) {
        rsp->payload[ED_INFER_RSP_SIZE + i] = (uint8_t)logits[i];
    }
    rsp->len = ED_INFER_RSP_SIZE + md->num_classes;
    return ED_STATUS_OK;
}
