/* ed_repr_twos.c: two's complement (host/eccless/represent/twos.py): the index with its top bit inverted. */
#include "ed_decode.h"

uint32_t ed_decode_twos(const ed_tensor_t *t, uint32_t code)
{
    return code ^ ((uint32_t)1 << (t->m - 1u));
}
