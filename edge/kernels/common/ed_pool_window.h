/*
 * ed_pool_window.h: the input span a pooling window covers, shared by both variants of max and average pooling.
 * Windows are clipped to the image (TFLite's reference pooling): only cells inside are read and, for the average,
 * counted. Pads are smaller than the window (checked by ed_kc_pool), so the span is never empty.
 */
#ifndef ED_POOL_WINDOW_H
#define ED_POOL_WINDOW_H

#include <stdint.h>

/* Rows (or columns) [*start, *end) of an input of `size` under the window at output index `o`. */
static inline void ed_pool_span(int32_t o, int32_t stride, int32_t pad, int32_t filter, int32_t size,
                                int32_t *start, int32_t *end)
{
    const int32_t first = o * stride - pad;
    *start = first < 0 ? 0 : first;
    *end = first + filter < size ? first + filter : size;
}

#endif /* ED_POOL_WINDOW_H */
