/*
 * ed_frame: the framing of the serial protocol -- COBS between 0x00 delimiters, CRC-16/CCITT-FALSE on every frame.
 * host/eccless/device/framing.py is the reference; docs/PROTOCOL.md has the byte layout.
 *
 * Receiving is a byte-at-a-time state machine with one bounded buffer (ED_MAX_FRAME bytes): any input, however
 * long or malformed, ends in a classified chunk at the next delimiter, never in an overflow. Sending encodes on the
 * fly from the caller's buffer, so no second buffer is needed.
 */
#ifndef ED_FRAME_H
#define ED_FRAME_H

#include <stddef.h>
#include <stdint.h>

#include "ed_protocol.h"

typedef void (*ed_write_fn)(const uint8_t *data, size_t n);

/* Receive state; the caller owns it (static storage: it holds ED_MAX_FRAME bytes). Zero it, or ed_frame_rx_init. */
typedef struct {
    uint8_t buf[ED_MAX_FRAME]; /* decoded bytes of the current chunk (the first ED_MAX_FRAME of them) */
    uint32_t decoded;          /* bytes decoded so far, saturating just above ED_MAX_FRAME */
    uint32_t wire;             /* bytes received since the last delimiter, saturating at UINT32_MAX */
    uint8_t code;              /* code byte of the current COBS group */
    uint8_t remaining;         /* data bytes still expected in that group */
} ed_frame_rx_t;

/* A classified chunk. status OK: code, seq, payload and len are the frame; otherwise the error and its detail. */
typedef struct {
    ed_status_t status;
    uint32_t detail;
    uint8_t code;
    uint8_t seq;
    const uint8_t *payload; /* points into the ed_frame_rx_t buffer: valid until the next byte is fed */
    size_t len;
} ed_frame_t;

void ed_frame_rx_init(ed_frame_rx_t *rx);

/* Feeds one byte. Returns 1 when a delimiter completed a non-empty chunk (then *out classifies it), else 0. */
int ed_frame_rx_byte(ed_frame_rx_t *rx, uint8_t byte, ed_frame_t *out);

/* CRC-16/CCITT-FALSE: poly 0x1021, init 0xFFFF, no reflection, no final xor. */
uint16_t ed_frame_crc16(const uint8_t *data, size_t n);

/*
 * Sends one frame: buf holds ED_FRAME_HEADER free bytes, then len payload bytes, then ED_FRAME_CRC free bytes
 * (so at most ED_MAX_FRAME in all). Fills in code, seq and the CRC, then writes 0x00, COBS(frame), 0x00.
 */
void ed_frame_send(uint8_t *buf, uint8_t code, uint8_t seq, size_t len, ed_write_fn write);

#endif /* ED_FRAME_H */
