/* ed_repr_signmag.c: sign-magnitude (host/eccless/represent/signmag.py): the negative half is stored as the NOT
 * of the index. */
#include "ed_decode.h"

uint32_t ed_decode_signmag(const ed_tensor_t *t, uint32_t code)
{
    const uint32_t half = (uint32_t)1 << (t->m - 1u);
    return code < half ? code + half : (half - 1u) + half - code;
}
