/*
 * ed_server: the protocol loop -- bytes in, framed replies out. Portable: the firmware feeds it UART bytes, a
 * host build (tests) can feed it a buffer. One reply per non-empty chunk: the handler's response, or an error
 * reply (ED_SEQ_NONE when the chunk's seq cannot be trusted).
 */
#ifndef ED_SERVER_H
#define ED_SERVER_H

#include <stdint.h>

#include "ed_frame.h"

typedef struct {
    ed_frame_rx_t rx;
    uint8_t tx[ED_MAX_FRAME];
    ed_write_fn write;
} ed_server_t;

void ed_server_init(ed_server_t *server, ed_write_fn write);

/* Feeds one received byte; sends a reply when it completes a chunk. */
void ed_server_byte(ed_server_t *server, uint8_t byte);

#endif /* ED_SERVER_H */
