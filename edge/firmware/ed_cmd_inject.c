/*
 * INJECT: arm the storage channel for a region; later LOADs read that region with its flips (flash is never
 * written, so trial after trial runs on the same image). ERR_ARG details: 1 region, 2 k_q32, 3 keep_1to0,
 * 4 keep_0to1, 5 model, 6 burst length -- the same limits as ed_channel_iter_init.
 */
#include "ed_bytes.h"
#include "ed_channel.h"
#include "ed_dispatch.h"
#include "ed_model_state.h"

/* the protocol's model numbers are the channel's (both from eccless.channel.DEVICE_MODELS) */
typedef char ed_inject_models_agree[(ED_INJECT_MODEL_IID == ED_CHANNEL_MODEL_IID &&
                                     ED_INJECT_MODEL_BURST == ED_CHANNEL_MODEL_BURST &&
                                     ED_INJECT_MODEL_STUCK == ED_CHANNEL_MODEL_STUCK) ? 1 : -1];

ed_status_t ed_cmd_inject(const ed_request_t *req, ed_response_t *rsp)
{
    const uint8_t region = req->payload[ED_INJECT_REQ_REGION];
    ed_channel_params_t ch;
    ch.seed = ed_get_u64(req->payload + ED_INJECT_REQ_SEED);
    ch.stream = ed_get_u32(req->payload + ED_INJECT_REQ_STREAM);
    ch.k_q32 = ed_get_u64(req->payload + ED_INJECT_REQ_K_Q32);
    ch.keep_1to0 = ed_get_u64(req->payload + ED_INJECT_REQ_KEEP_1TO0);
    ch.keep_0to1 = ed_get_u64(req->payload + ED_INJECT_REQ_KEEP_0TO1);
    ch.model = req->payload[ED_INJECT_REQ_MODEL];
    ch.length = ed_get_u32(req->payload + ED_INJECT_REQ_LENGTH);
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
        if (ch.model > ED_CHANNEL_MODEL_STUCK) {
            rsp->detail = 5;
            return ED_STATUS_ERR_ARG;
        }
        if (ch.model == ED_CHANNEL_MODEL_BURST && (ch.length == 0u || ch.length > ED_CHANNEL_BURST_MAX)) {
            rsp->detail = 6;
            return ED_STATUS_ERR_ARG;
        }
    }
    rsp->payload[ED_INJECT_RSP_ARMED] = ed_state_inject(region, &ch);
    rsp->len = ED_INJECT_RSP_SIZE;
    return ED_STATUS_OK;
}
