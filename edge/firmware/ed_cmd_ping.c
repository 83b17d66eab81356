/* PING: the empty request gets the empty OK response. */
#include "ed_dispatch.h"

ed_status_t ed_cmd_ping(const ed_request_t *req, ed_response_t *rsp)
{
    (void)req;
    rsp->len = 0;
    return ED_STATUS_OK;
}
