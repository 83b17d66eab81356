/*
 * ed_dispatch: command handlers and the table that routes requests to them.
 *
 * The table is ED_COMMAND_TABLE from the generated ed_protocol.h: one entry per command of
 * host/eccless/device/protocol.py, naming its handler and payload layout. The dispatcher checks the request length
 * against the layout before a handler runs, and the response length after, so a handler only parses fields it
 * knows are there. Adding a command: one line in protocol.py (regenerate the header), one function
 * `ed_status_t ed_cmd_<name>(const ed_request_t *, ed_response_t *)` in its own file -- see docs/FIRMWARE.md.
 */
#ifndef ED_DISPATCH_H
#define ED_DISPATCH_H

#include <stddef.h>
#include <stdint.h>

#include "ed_protocol.h"

typedef struct {
    uint8_t cmd;
    uint8_t seq;
    const uint8_t *payload; /* len bytes, already checked against the command's request layout */
    size_t len;
} ed_request_t;

typedef struct {
    uint8_t *payload; /* the handler writes its response here ... */
    size_t len;       /* ... sets the length (0 on entry) ... */
    size_t cap;       /* ... which may not exceed cap (ED_MAX_PAYLOAD) */
    uint32_t detail;  /* on a non-OK status: the number reported in the error payload */
} ed_response_t;

typedef ed_status_t (*ed_handler_t)(const ed_request_t *req, ed_response_t *rsp);

/* Prototypes of every handler the table names (repeats of ed_cmd_not_implemented are harmless). */
#define ED_DECLARE_HANDLER(id, handler, req_size, req_tail, rsp_size, rsp_tail) \
    ed_status_t handler(const ed_request_t *req, ed_response_t *rsp);
ED_COMMAND_TABLE(ED_DECLARE_HANDLER)
/* Declared on its own too: with every command implemented the table no longer names it. */
ed_status_t ed_cmd_not_implemented(const ed_request_t *req, ed_response_t *rsp);

/* Routes one request; returns the handler's status or the dispatcher's own (UNKNOWN_CMD, LENGTH, INTERNAL). */
ed_status_t ed_dispatch(const ed_request_t *req, ed_response_t *rsp);

/* Whether a payload of n bytes has the shape `size + k * tail` (tail 0: exactly size). */
int ed_layout_fits(size_t n, size_t size, size_t tail);

#endif /* ED_DISPATCH_H */
