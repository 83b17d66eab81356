/* ed_repr_optimized.c: a data-derived code (host/eccless/represent/optimized.py) stores its own table, codeword ->
 * index as u32 little-endian; the loader checked it is a permutation of 2^m entries. */
#include "ed_decode.h"

uint32_t ed_decode_optimized(const ed_tensor_t *t, uint32_t code)
{
    const uint8_t *e = t->table + 4u * code;
    return (uint32_t)e[0] | ((uint32_t)e[1] << 8) | ((uint32_t)e[2] << 16) | ((uint32_t)e[3] << 24);
}
