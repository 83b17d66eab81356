/* ed_repr_zigzag.c: zigzag (host/eccless/represent/zigzag.py): the sign in bit 0, the magnitude above it. */
#include "ed_decode.h"

uint32_t ed_decode_zigzag(const ed_tensor_t *t, uint32_t code)
{
    const uint32_t half = (uint32_t)1 << (t->m - 1u);
    return (code & 1u) != 0u ? half - 1u - (code >> 1) : half + (code >> 1);
}
