/*
 * ed_frame: COBS + CRC-16 framing, byte for byte what host/eccless/device/framing.py does.
 *
 * Receive rule at each delimiter, in this order (framing.classify): more than ED_MAX_ENCODED bytes on the wire ->
 * ERR_OVERSIZE; a COBS group cut short -> ERR_FRAME; more than ED_MAX_FRAME decoded -> ERR_OVERSIZE; fewer than
 * header + CRC -> ERR_FRAME; CRC mismatch -> ERR_CRC (detail: received << 16 | computed). Empty chunks are skipped.
 */
#include "ed_frame.h"

#include "ed_bytes.h"

#define ED_COBS_MAX_RUN 254u

void ed_frame_rx_init(ed_frame_rx_t *rx)
{
    rx->decoded = 0;
    rx->wire = 0;
    rx->code = 0;
    rx->remaining = 0;
}

static void ed_frame_put(ed_frame_rx_t *rx, uint8_t byte)
{
    if (rx->decoded < ED_MAX_FRAME) {
        rx->buf[rx->decoded] = byte;
    }
    if (rx->decoded <= ED_MAX_FRAME) { /* saturate just past the limit: enough to know it was exceeded */
        rx->decoded++;
    }
}

uint16_t ed_frame_crc16(const uint8_t *data, size_t n)
{
    uint16_t crc = ED_CRC16_INIT;
    size_t i;
    int bit;
    for (i = 0; i < n; i++) {
        crc ^= (uint16_t)(data[i] << 8);
        for (bit = 0; bit < 8; bit++) {
            crc = (crc & 0x8000u) ? (uint16_t)((crc << 1) ^ ED_CRC16_POLY) : (uint16_t)(crc << 1);
        }
    }
    return crc;
}

static void ed_frame_classify(const ed_frame_rx_t *rx, ed_frame_t *out)
{
    out->detail = rx->wire;
    out->code = 0;
    out->seq = ED_SEQ_NONE;
    out->payload = rx->buf + ED_FRAME_HEADER;
    out->len = 0;
    if (rx->wire > ED_MAX_ENCODED) {
        out->status = ED_STATUS_ERR_OVERSIZE;
    } else if (rx->remaining != 0) {
        out->status = ED_STATUS_ERR_FRAME;
    } else if (rx->decoded > ED_MAX_FRAME) {
        out->status = ED_STATUS_ERR_OVERSIZE;
    } else if (rx->decoded < ED_FRAME_HEADER + ED_FRAME_CRC) {
        out->status = ED_STATUS_ERR_FRAME;
    } else {
        size_t body = rx->decoded - ED_FRAME_CRC;
        uint16_t got = ed_get_u16(rx->buf + body);
        uint16_t want = ed_frame_crc16(rx->buf, body);
        if (got != want) {
            out->status = ED_STATUS_ERR_CRC;
            out->detail = ((uint32_t)got << 16) | want;
        } else {
            out->status = ED_STATUS_OK;
            out->detail = 0;
            out->code = rx->buf[0];
            out->seq = rx->buf[1];
            out->len = body - ED_FRAME_HEADER;
        }
    }
}

int ed_frame_rx_byte(ed_frame_rx_t *rx, uint8_t byte, ed_frame_t *out)
{
    if (byte == 0) {
        int complete = rx->wire != 0;
        if (complete) {
            ed_frame_classify(rx, out);
        }
        ed_frame_rx_init(rx);
        return complete;
    }
    if (rx->wire != UINT32_MAX) {
        rx->wire++;
    }
    if (rx->remaining == 0) {
        /* a code byte: the group before it implied a zero unless it was a full (0xFF) group */
        if (rx->wire > 1 && rx->code != 0xFFu) {
            ed_frame_put(rx, 0);
        }
        rx->code = byte;
        rx->remaining = (uint8_t)(byte - 1u);
    } else {
        ed_frame_put(rx, byte);
        rx->remaining--;
    }
    return 0;
}

void ed_frame_send(uint8_t *buf, uint8_t code, uint8_t seq, size_t len, ed_write_fn write)
{
    static const uint8_t delimiter = 0;
    size_t n = ED_FRAME_HEADER + len;
    size_t i = 0;
    buf[0] = code;
    buf[1] = seq;
    ed_put_u16(buf + n, ed_frame_crc16(buf, n));
    n += ED_FRAME_CRC;
    write(&delimiter, 1);
    for (;;) {
        size_t run = 0;
        uint8_t group;
        while (i + run < n && run < ED_COBS_MAX_RUN && buf[i + run] != 0) {
            run++;
        }
        group = (uint8_t)(run + 1u);
        write(&group, 1);
        write(buf + i, run);
        i += run;
        if (i >= n) {
            break; /* canonical COBS: no empty group after a final full one */
        }
        if (run == ED_COBS_MAX_RUN) {
            continue; /* a full group implies no zero; the next group starts right here */
        }
        i++; /* the zero this group stood for */
    }
    write(&delimiter, 1);
}
