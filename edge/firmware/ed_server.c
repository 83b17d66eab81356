/*
 * ed_server: one reply per chunk. A valid frame goes to ed_dispatch; the reply carries the request's seq. A chunk
 * that is not a valid frame gets an error reply with seq ED_SEQ_NONE and cmd 0, since nothing in it can be trusted.
 */
#include "ed_server.h"

#include "ed_bytes.h"
#include "ed_dispatch.h"

void ed_server_init(ed_server_t *server, ed_write_fn write)
{
    ed_frame_rx_init(&server->rx);
    server->write = write;
}

static void ed_server_error(ed_server_t *server, ed_status_t status, uint8_t seq, uint8_t cmd, uint32_t detail)
{
    uint8_t *payload = server->tx + ED_FRAME_HEADER;
    payload[ED_ERROR_CMD] = cmd;
    ed_put_u32(payload + ED_ERROR_DETAIL, detail);
    ed_frame_send(server->tx, (uint8_t)(ED_RESPONSE_FLAG | (uint8_t)status), seq, ED_ERROR_SIZE, server->write);
}

void ed_server_byte(ed_server_t *server, uint8_t byte)
{
    ed_frame_t frame;
    ed_request_t req;
    ed_response_t rsp;
    ed_status_t status;
    if (!ed_frame_rx_byte(&server->rx, byte, &frame)) {
        return;
    }
    if (frame.status != ED_STATUS_OK) {
        ed_server_error(server, frame.status, ED_SEQ_NONE, 0, frame.detail);
        return;
    }
    req.cmd = frame.code;
    req.seq = frame.seq;
    req.payload = frame.payload;
    req.len = frame.len;
    rsp.payload = server->tx + ED_FRAME_HEADER;
    rsp.cap = ED_MAX_PAYLOAD;
    status = ed_dispatch(&req, &rsp);
    if (status != ED_STATUS_OK) {
        ed_server_error(server, status, frame.seq, frame.code, rsp.detail);
        return;
    }
    ed_frame_send(server->tx, (uint8_t)(ED_RESPONSE_FLAG | ED_STATUS_OK), frame.seq, rsp.len, server->write);
}
