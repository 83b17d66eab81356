/*
 * EVAL: classify stored test samples [first, first + count) with the loaded model. Report 0 answers per-class
 * counts (correct, predicted); report 1 the predicted class of every sample (u16 each, at most
 * ED_EVAL_MAX_PREDICTIONS per request -- the host asks range by range). ERR_ARG details: 1 first (or no stored
 * test set), 2 count, 3 report.
 */
#include "ed_bytes.h"
#include "ed_dispatch.h"
#include "ed_model_state.h"
#include "ed_platform.h"

ed_status_t ed_cmd_eval(const ed_request_t *req, ed_response_t *rsp)
{
    const uint32_t first = ed_get_u32(req->payload + ED_EVAL_REQ_FIRST);
    const uint32_t count = ed_get_u32(req->payload + ED_EVAL_REQ_COUNT);
    const uint8_t report = req->payload[ED_EVAL_REQ_REPORT];
    ed_model_t *md = ed_state_model();
    uint8_t *tail = rsp->payload + ED_EVAL_RSP_SIZE;
    uint32_t i, correct = 0, detail = 0;
    uint64_t t0, ticks = 0;

    if (!md->loaded) {
        return ED_STATUS_ERR_NO_IMAGE;
    }
    rsp->detail = 1;
    if (md->test_count == 0u || first >= md->test_count) {
        return ED_STATUS_ERR_ARG;
    }
    rsp->detail = 2;
    if (count == 0u || count > md->test_count - first ||
        (report == ED_EVAL_REPORT_PREDICTIONS && count > ED_EVAL_MAX_PREDICTIONS)) {
        return ED_STATUS_ERR_ARG;
    }
    rsp->detail = 3;
    if (report > ED_EVAL_REPORT_PREDICTIONS ||
        (report == ED_EVAL_REPORT_PER_CLASS && 8u * (uint32_t)md->num_classes > rsp->cap - ED_EVAL_RSP_SIZE)) {
        return ED_STATUS_ERR_ARG;
    }
    rsp->detail = 0;
    if (report == ED_EVAL_REPORT_PER_CLASS) {
        for (i = 0; i < 8u * (uint32_t)md->num_classes; i++) {
            tail[i] = 0;
        }
    }
    for (i = first; i < first + count; i++) {
        const int8_t *logits;
        const uint8_t label = md->test_y[i];
        uint16_t pred;
        t0 = ed_timer_ticks(); /* per sample: also keeps the 64-bit tick count's wrap detection fed */
        if (eccless_invoke(ed_state_handle(), md->test_x + (size_t)i * md->input_size, &logits, &pred, &detail) !=
            ECCLESS_OK) {
            return ed_state_kernel_error(rsp, detail);
        }
        ticks += ed_timer_ticks() - t0;
        correct += pred == label;
        if (report == ED_EVAL_REPORT_PREDICTIONS) {
            ed_put_u16(tail + 2u * (i - first), pred);
        } else {
            if (label < md->num_classes && pred == label) {
                ed_put_u32(tail + 8u * label, ed_get_u32(tail + 8u * label) + 1u);
            }
            ed_put_u32(tail + 8u * pred + 4u, ed_get_u32(tail + 8u * pred + 4u) + 1u);
        }
    }
    ed_put_u32(rsp->payload + ED_EVAL_RSP_CORRECT, correct);
    ed_put_u32(rsp->payload + ED_EVAL_RSP_COUNT, count);
    ed_put_u64(rsp->payload + ED_EVAL_RSP_TICKS, ticks);
    ed_put_u64(rsp->payload + ED_EVAL_RSP_INSTRUCTIONS, ed_timer_instructions(ticks));
    rsp->len = ED_EVAL_RSP_SIZE + (report == ED_EVAL_REPORT_PREDICTIONS ? 2u * count : 8u * md->num_classes);
    return ED_STATUS_OK;
}
