/*
 * ed_crc32: the standard IEEE 802.3 CRC-32 (zlib's crc32: reflected polynomial 0xEDB88320, init and xorout ~0),
 * bit-exact twin of eccless.image.ecc.crc32. Check value: ed_crc32("123456789", 9) == 0xCBF43926.
 *
 * A 16-entry nibble table (64 bytes of flash) instead of the usual 1 KB byte table: two lookups per byte are fast
 * enough for the few kilobytes of a protected region. C99, no libc beyond <stdint.h>/<stddef.h>.
 */
#ifndef ED_CRC32_H
#define ED_CRC32_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* CRC-32 of data[0 .. len) continuing from a previous result `crc` (0 to start), as zlib.crc32(data, crc).
 * data may be NULL when len is 0. */
uint32_t ed_crc32_update(uint32_t crc, const uint8_t *data, size_t len);

/* CRC-32 of data[0 .. len), as zlib.crc32(data). */
uint32_t ed_crc32(const uint8_t *data, size_t len);

#ifdef __cplusplus
}
#endif

#endif /* ED_CRC32_H */
