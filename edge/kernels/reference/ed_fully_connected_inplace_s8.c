/*
 * ed_fully_connected_inplace_s8.c (reference): fully connected on stored bytes read in place (ed_kernels.h), one
 * row at a time in plain C -- the specification the tuned variants match bit for bit.
 */
#include "ed_fixedpoint.h"
#include "ed_inplace.h"

size_t ed_fully_connected_inplace_s8_get_buffer_size(int32_t in_features)
{
    (void)in_features;
    return 0;
}

void ed_fully_connected_inplace_s8_eval(const ed_fc_params_t *params, const ed_requant_t *requant,
                                        int32_t in_features, int32_t out_features, const int8_t *input,
                                        const uint8_t *stored, uint32_t transform, const int32_t *bias,
                                        const uint32_t *fixes, uint32_t num_fixes, int8_t *output,
                                        const ed_scratch_t *scratch)
{
    const ed_act_t *act = &params->act;
    uint32_t cursor = 0;
    int32_t o, i;

    (void)scratch;
    for (o = 0; o < out_features; o++) {
        const uint8_t *w = stored + o * in_features;
        uint32_t acc = 0;
        for (i = 0; i < in_features; i++) {
            acc += (uint32_t)(ed_inplace_level(w[i], transform) * (input[i] - act->input_zp));
        }
        ed_inplace_apply(fixes, num_fixes, &cursor, o, 1, in_features, input, act->input_zp, &acc);
        acc += bias != NULL ? (uint32_t)bias[o] : 0u;
        output[o] = ed_requantize(acc, requant->multiplier[o], requant->shift[o], act->output_zp, act->act_min,
                                  act->act_max);
    }
}

/* The checked entry point: its data pointers, then prepare (edge/kernels/common), then eval. */
ed_kernel_status_t ed_fully_connected_inplace_s8(const ed_fc_params_t *params, const ed_requant_t *requant,
                                                 int32_t in_features, int32_t out_features, const int8_t *input,
                                                 const uint8_t *stored, uint32_t transform, const int32_t *bias,
                                                 const uint32_t *fixes, uint32_t num_fixes, int8_t *output,
                                                 const ed_scratch_t *scratch)
{
    return ed_inplace_checked(params, requant, in_features, out_features, input, stored, transform, bias, fixes,
                              num_fixes, output, scratch);
}
