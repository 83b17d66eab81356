/*
 * ed_bytes: little-endian field access for protocol payloads and images. Byte-wise, so a field may sit at any
 * offset (the layouts in ed_protocol.h have no padding) and the code is the same on any host or target.
 */
#ifndef ED_BYTES_H
#define ED_BYTES_H

#include <stdint.h>

static inline uint16_t ed_get_u16(const uint8_t *p) { return (uint16_t)(p[0] | (p[1] << 8)); }

static inline uint32_t ed_get_u32(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

static inline uint64_t ed_get_u64(const uint8_t *p) { return ed_get_u32(p) | ((uint64_t)ed_get_u32(p + 4) << 32); }

static inline void ed_put_u16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static inline void ed_put_u32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

static inline void ed_put_u64(uint8_t *p, uint64_t v)
{
    ed_put_u32(p, (uint32_t)v);
    ed_put_u32(p + 4, (uint32_t)(v >> 32));
}

#endif /* ED_BYTES_H */
