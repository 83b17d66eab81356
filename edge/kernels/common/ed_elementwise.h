/*
 * ed_elementwise.h: running an int8 -> int8 element-wise function over a tensor (internal to edge/kernels): element
 * by element, or -- for more elements than there are int8 values -- tabulated once for all 256 inputs and looked
 * up. The same function either way, so the outputs do not depend on the path.
 */
#ifndef ED_ELEMENTWISE_H
#define ED_ELEMENTWISE_H

#include <stdint.h>

#include "ed_fixedpoint.h"

/* one(params, q): the output for input q in [-128, 127]. Inlined with a constant `one`, no call per element. */
static inline void ed_elementwise_s8(int32_t size, const int8_t *input, int8_t *output,
                                     int8_t (*one)(const void *params, int32_t q), const void *params)
{
    int32_t i;
    if (size > ED_ELEMENTWISE_TABLE_MIN) { /* more elements than int8 values: tabulate once, then look up */
        int8_t table[256];
        for (i = 0; i < 256; i++) {
            table[i] = one(params, i - 128);
        }
        for (i = 0; i < size; i++) {
            output[i] = table[input[i] + 128];
        }
        return;
    }
    for (i = 0; i < size; i++) {
        output[i] = one(params, input[i]);
    }
}

#endif /* ED_ELEMENTWISE_H */
