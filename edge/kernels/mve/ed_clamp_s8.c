/*
 * ed_clamp_s8.c (mve): standalone relu/relu6 after LiteRT's ReluX (activations.cc); twin of
 * eccless.quant.kernels.relu. It requantizes x - input_zp to the output quantization and clamps; with equal
 * quantizations the multiplier is exactly one and the op is a clamp. Element-wise, so it may run in place.
 */
#include "ed_fixedpoint.h"
#include "ed_kernels_check.h"

ed_kernel_status_t ed_clamp_s8(const ed_clamp_params_t *params, int32_t size, const int8_t *input,
                               int8_t *output)
{
    const ed_kernel_status_t status = ed_kc_clamp(params, size, input, output);
    int32_t i;

    if (status != ED_OK) {
        return status;
    }
    for (i = 0; i < size; i++) {
        const uint32_t centered = (uint32_t)(input[i] - params->input_zp);
        output[i] = ed_requantize(centered, params->multiplier, params->shift, params->output_zp, params->act_min,
                                  params->act_max);
    }
    return ED_OK;
}
