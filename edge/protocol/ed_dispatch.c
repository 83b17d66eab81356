/*
 * ed_dispatch: the command table (generated: ED_COMMAND_TABLE in ed_protocol.h) and request routing.
 * A linear scan is fine for a dozen commands and keeps the table in the order of protocol.py.
 */
#include "ed_dispatch.h"

typedef struct {
    uint8_t id;
    ed_handler_t handler;
    uint16_t req_size;
    uint16_t req_tail;
    uint16_t rsp_size;
    uint16_t rsp_tail;
} ed_command_t;

#define ED_TABLE_ENTRY(id, handler, req_size, req_tail, rsp_size, rsp_tail) \
    {(uint8_t)(id), handler, req_size, req_tail, rsp_size, rsp_tail},

static const ed_command_t ed_commands[] = {ED_COMMAND_TABLE(ED_TABLE_ENTRY)};

#define ED_COMMAND_COUNT (sizeof(ed_commands) / sizeof(ed_commands[0]))

int ed_layout_fits(size_t n, size_t size, size_t tail)
{
    if (n < size) {
        return 0;
    }
    return tail ? (n - size) % tail == 0 : n == size;
}

ed_status_t ed_cmd_not_implemented(const ed_request_t *req, ed_response_t *rsp)
{
    (void)req;
    (void)rsp;
    return ED_STATUS_ERR_NOT_IMPLEMENTED;
}

ed_status_t ed_dispatch(const ed_request_t *req, ed_response_t *rsp)
{
    const ed_command_t *c = 0;
    ed_status_t status;
    size_t i;
    rsp->len = 0;
    rsp->detail = 0;
    for (i = 0; i < ED_COMMAND_COUNT; i++) {
        if (ed_commands[i].id == req->cmd) {
            c = &ed_commands[i];
            break;
        }
    }
    if (c == 0) {
        rsp->detail = req->cmd;
        return ED_STATUS_ERR_UNKNOWN_CMD;
    }
    if (!ed_layout_fits(req->len, c->req_size, c->req_tail)) {
        rsp->detail = (uint32_t)req->len;
        return ED_STATUS_ERR_LENGTH;
    }
    status = c->handler(req, rsp);
    if (status == ED_STATUS_OK && (rsp->len > rsp->cap || !ed_layout_fits(rsp->len, c->rsp_size, c->rsp_tail))) {
        /* a handler bug: never send a response the host cannot parse */
        rsp->detail = (uint32_t)rsp->len;
        return ED_STATUS_ERR_INTERNAL;
    }
    return status;
}
