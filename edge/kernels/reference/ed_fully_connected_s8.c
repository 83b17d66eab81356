/*
 * ed_fully_connected_s8.c (reference): plain loops after LiteRT reference_integer_ops::FullyConnected(PerChannel);
 * twin of eccless.quant.kernels.dense. The accumulator is a uint32_t so that overflow wraps as LiteRT's int32 does.
 */
#include <string.h>

#include "ed_fixedpoint.h"
#include "ed_kernels_check.h"

/* The packed form is the int8 array itself. */
size_t ed_fully_connected_s8_weights_size(int32_t out_features, int32_t in_features)
{
    if (out_features < 1 || in_features < 1 || (int64_t)out_features * in_features > INT32_MAX) {
        return 0;
    }
    return (size_t)out_features * (size_t)in_features;
}

ed_kernel_status_t ed_fully_connected_s8_pack_weights(int32_t out_features, int32_t in_features,
                                                      const int8_t *weights, void *dst, size_t dst_size)
{
    const size_t size = ed_fully_connected_s8_weights_size(out_features, in_features);
    const ed_kernel_status_t status = ed_kc_pack(out_features, in_features, weights, dst, dst_size, size);
    if (status == ED_OK) {
        memcpy(dst, weights, size);
    }
    return status;
}

size_t ed_fully_connected_s8_get_buffer_size(int32_t in_features)
{
    (void)in_features;
    return 0;
}

void ed_fully_connected_s8_eval(const ed_fc_params_t *params, const ed_requant_t *requant, int32_t batches,
                                int32_t in_features, int32_t out_features, const int8_t *input, const void *packed,
                                const int32_t *bias, int8_t *output, const ed_scratch_t *scratch)
{
    const int8_t *weights = (const int8_t *)packed;
    const ed_act_t *act = &params->act;
    int32_t b, o, i;

    (void)scratch;
    for (b = 0; b < batches; b++) {
        const int8_t *x = input + b * in_features;
        for (o = 0; o < out_features; o++) {
            const int8_t *w = weights + o * in_features;
            uint32_t acc = 0;
            for (i = 0; i < in_features; i++) {
                acc += (uint32_t)(w[i] * (x[i] - act->input_zp));
            }
            acc += bias != NULL ? (uint32_t)bias[o] : 0u;
            output[b * out_features + o] = ed_requantize(acc, requant->multiplier[o], requant->shift[o],
                                                         act->output_zp, act->act_min, act->act_max);
        }
    }
}

/* Prepare (checked once) and the checked entry point (every call): the same checks, in the same order. */
ed_kernel_status_t ed_fully_connected_s8_prepare(const ed_fc_params_t *params, const ed_requant_t *requant,
                                                 int32_t batches, int32_t in_features, int32_t out_features,
                                                 const ed_scratch_t *scratch)
{
    return ed_kc_fc_prepare(params, requant, batches, in_features, out_features, scratch,
                            ed_fully_connected_s8_get_buffer_size(in_features));
}

ed_kernel_status_t ed_fully_connected_s8(const ed_fc_params_t *params, const ed_requant_t *requant,
                                         int32_t batches, int32_t in_features, int32_t out_features,
                                         const int8_t *input, const void *weights, const int32_t *bias,
                                         int8_t *output, const ed_scratch_t *scratch)
{
    const ed_kernel_status_t status =
        input == NULL || weights == NULL || output == NULL
            ? ED_ERR_ARG
            : ed_fully_connected_s8_prepare(params, requant, batches, in_features, out_features, scratch);
    if (status == ED_OK) {
        ed_fully_connected_s8_eval(params, requant, batches, in_features, out_features, input, weights, bias, output,
                                   scratch);
    }
    return status;
}
