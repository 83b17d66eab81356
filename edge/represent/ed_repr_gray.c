/* ed_repr_gray.c: reflected binary Gray code of the index (host/eccless/represent/gray.py). */
#include "ed_decode.h"

uint32_t ed_decode_gray(const ed_tensor_t *t, uint32_t code)
{
    uint32_t x = code;
    (void)t;
    x ^= x >> 1;
    x ^= x >> 2;
    x ^= x >> 4;
    x ^= x >> 8;
    x ^= x >> 16;
    return x;
}
