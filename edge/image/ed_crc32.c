/*
 * ed_crc32.c: IEEE CRC-32 (as zlib), nibble at a time, twin of eccless.image.ecc.crc32.
 */
#include "ed_crc32.h"

/* Entry i: the CRC register after shifting the nibble i through the reflected polynomial 0xEDB88320 four times. */
static const uint32_t ed_crc32_nibble[16] = {
    0x00000000U, 0x1DB71064U, 0x3B6E20C8U, 0x26D930ACU, 0x76DC4190U, 0x6B6B51F4U, 0x4DB26158U, 0x5005713CU,
    0xEDB88320U, 0xF00F9344U, 0xD6D6A3E8U, 0xCB61B38CU, 0x9B64C2B0U, 0x86D3D2D4U, 0xA00AE278U, 0xBDBDF21CU,
};

uint32_t ed_crc32_update(uint32_t crc, const uint8_t *data, size_t len)
{
    uint32_t c = ~crc;
    size_t i;

    for (i = 0; i < len; i++) {
        c ^= data[i];
        c = (c >> 4) ^ ed_crc32_nibble[c & 0x0FU];
        c = (c >> 4) ^ ed_crc32_nibble[c & 0x0FU];
    }
    return ~c;
}

uint32_t ed_crc32(const uint8_t *data, size_t len)
{
    return ed_crc32_update(0U, data, len);
}
