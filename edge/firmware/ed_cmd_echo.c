/* ECHO: the request bytes come back unchanged (the request and response buffers are distinct). */
#include "ed_dispatch.h"

#include <string.h>

ed_status_t ed_cmd_echo(const ed_request_t *req, ed_response_t *rsp)
{
    if (req->len > rsp->cap) {
        rsp->detail = (uint32_t)req->len;
        return ED_STATUS_ERR_ARG;
    }
    memcpy(rsp->payload, req->payload, req->len);
    rsp->len = req->len;
    return ED_STATUS_OK;
}
