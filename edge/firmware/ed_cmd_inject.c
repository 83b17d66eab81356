/*
 * INJECT: arm the storage channel for a region; later LOADs read that region with its flips (flash is never
 * written, so trial after trial runs on the same image). ERR_ARG details: 1 region, 2 k_q32, 3 keep_1to0,
 * 4 keep_0to1 -- the same limits as ed_channel_iter_init.
 */
#include "ed_bytes.h"
#include "ed_channel.h"
#include "ed_dispatch.h"
#include "ed_model_state.h"

ed_status_t ed_cmd_inject(const ed_request_t *req, ed_response_t *rsp)
{
    const uint8_t region = req->payload[ED_INJECT_REQ_REGION];
    ed_channel_params_t ch;
    ch.seed = ed_get_u64(req->payload + ED_INJECT_REQ_SEED);
    ch.stream = ed_get_u32(req->payload + ED_INJECT_REQ_STREAM);
    ch.k_q32 = ed_get_u64(req->payload + ED_INJECT_REQ_K_Q32);
    ch.keep_1to0 = ed_get_u64(req->payload + ED_INJECT_REQ_KEEP_1TO0);
    ch.keep_0to1 = ed_get_u64(req->payload + ED_INJECT_REQ_KEEP_0TO1);
    if (region > ED_INJECT_REGION_PROTECTED) {
        rsp->detail = 1;
        return ED_STATUS_ERR_ARG;
    }
    if (region != ED_INJECT_REGION_CLEAR) {
        if (ch.k_q32 != ED_CHANNEL_K_NONE && ch.k_q32 >= ED_CHANNEL_K_LIMIT) {
            rsp->detail = 2;
            return ED_STATUS_ERR_ARG;
        }
        if (ch.keep_1to0 > ED_CHANNEL_KEEP_ALL || ch.keep_0to1 > ED_CHANNEL_KEEP_ALL) {
            rsp->detail = ch.keep_1to0 > ED_CHANNEL_KEEP_ALL ? 3u : 4u;
            return ED_STATUS_ERR_ARG;
        }
    }
    rsp->payload[ED_INJECT_RSP_ARMED] = ed_state_inject(region, &ch);
    rsp->len = ED_INJECT_RSP_SIZE;
    return ED_STATUS_OK;
}
