/*
 * ed_inplace.h: what the in-place fully connected kernels of every variant share (internal to edge/kernels):
 * a stored byte's level under ED_INPLACE_* transforms, the correction list's entries, and the argument checks.
 */
#ifndef ED_INPLACE_H
#define ED_INPLACE_H

#include <stdint.h>

#include "ed_kernels.h"
#include "ed_kernels_check.h"

/* The int8 level of a stored byte: XOR 0x80 (offset), then an arithmetic halving (parity-lsb). */
static inline int32_t ed_inplace_level(uint32_t byte, uint32_t transform)
{
    int32_t v;
    byte = (transform & ED_INPLACE_XOR80) != 0u ? byte ^ 0x80u : byte;
    v = (int32_t)(byte & 0x7Fu) - (int32_t)(byte & 0x80u);
    return (transform & ED_INPLACE_HALVE) != 0u ? (v < 0 ? ~(~v >> 1) : v >> 1) : v;
}

static inline uint32_t ed_inplace_fix_element(uint32_t fix)
{
    return fix >> ED_INPLACE_FIX_SHIFT;
}

/* The signed 9-bit delta of an entry. */
static inline int32_t ed_inplace_fix_delta(uint32_t fix)
{
    return (int32_t)(fix & 0xFFu) - (int32_t)(fix & 0x100u);
}

/* Adds the corrections of rows [row, row + rows) to acc[0 .. rows): each entry adds delta * (x[i] - input_zp) to
 * its row's accumulator (wrapping, as the kernels' accumulators do). *cursor walks the sorted list. */
static inline void ed_inplace_apply(const uint32_t *fixes, uint32_t num_fixes, uint32_t *cursor, int32_t row,
                                    int32_t rows, int32_t in_features, const int8_t *x, int32_t input_zp,
                                    uint32_t *acc)
{
    const uint32_t first = (uint32_t)row * (uint32_t)in_features, end = first + (uint32_t)rows * (uint32_t)in_features;
    uint32_t c = *cursor;
    for (; c < num_fixes && ed_inplace_fix_element(fixes[c]) < end; c++) {
        const uint32_t e = ed_inplace_fix_element(fixes[c]) - first;
        const uint32_t r = e / (uint32_t)in_features, i = e - r * (uint32_t)in_features;
        acc[r] += (uint32_t)(ed_inplace_fix_delta(fixes[c]) * ((int32_t)x[i] - input_zp));
    }
    *cursor = c;
}

/* The checked call of every variant: its data pointers (ED_ERR_ARG), then prepare, then eval when all passed --
 * so the checked call and prepare give every configuration the same status. */
static inline ed_kernel_status_t ed_inplace_checked(const ed_fc_params_t *params, const ed_requant_t *requant,
                                                    int32_t in_features, int32_t out_features, const int8_t *input,
                                                    const uint8_t *stored, uint32_t transform, const int32_t *bias,
                                                    const uint32_t *fixes, uint32_t num_fixes, int8_t *output,
                                                    const ed_scratch_t *scratch)
{
    const ed_kernel_status_t status =
        input == NULL || stored == NULL || output == NULL
            ? ED_ERR_ARG
            : ed_fully_connected_inplace_s8_prepare(params, requant, in_features, out_features, transform, fixes,
                                                    num_fixes, scratch);
    if (status == ED_OK) {
        ed_fully_connected_inplace_s8_eval(params, requant, in_features, out_features, input, stored, transform,
                                           bias, fixes, num_fixes, output, scratch);
    }
    return status;
}

#endif /* ED_INPLACE_H */
