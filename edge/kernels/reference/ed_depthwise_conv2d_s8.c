/*
 * ed_depthwise_conv2d_s8.c (reference): plain loops after LiteRT reference_integer_ops::DepthwiseConvPerChannel;
 * twin of eccless.quant.kernels.dwconv2d. Output channel ic * depth_multiplier + m reads input channel ic.
 */
#include "ed_fixedpoint.h"
#include "ed_kernels_check.h"

ed_kernel_status_t ed_depthwise_conv2d_s8(const ed_dw_conv_params_t *params, const ed_requant_t *requant,
                                          const ed_dims_t *input_dims, const int8_t *input,
                                          const ed_dims_t *filter_dims, const int8_t *filter,
                                          const int32_t *bias, const ed_dims_t *output_dims, int8_t *output)
{
    const ed_kernel_status_t status = ed_kc_depthwise_conv2d(params, requant, input_dims, input, filter_dims,
                                                             filter, output_dims, output);
    const int32_t mult = params->depth_multiplier;
    int32_t b, oy, ox, ic, m, ky, kx;

    if (status != ED_OK) {
        return status;
    }
    for (b = 0; b < output_dims->n; b++) {
        for (oy = 0; oy < output_dims->h; oy++) {
            for (ox = 0; ox < output_dims->w; ox++) {
                const int32_t y0 = oy * params->window.stride_h - params->window.pad_top;
                const int32_t x0 = ox * params->window.stride_w - params->window.pad_left;
                for (ic = 0; ic < input_dims->c; ic++) {
                    for (m = 0; m < mult; m++) {
                        const int32_t oc = ic * mult + m;
                        uint32_t acc = 0;
                        for (ky = 0; ky < filter_dims->h; ky++) {
                            const int32_t iy = y0 + ky;
                            if (iy < 0 || iy >= input_dims->h) {
                                continue;
                            }
                            for (kx = 0; kx < filter_dims->w; kx++) {
                                const int32_t ix = x0 + kx;
                                int32_t x, w;
                                if (ix < 0 || ix >= input_dims->w) {
                                    continue;
                                }
                                x = input[((b * input_dims->h + iy) * input_dims->w + ix) * input_dims->c + ic];
                                w = filter[(ky * filter_dims->w + kx) * filter_dims->c + oc];
                                acc += (uint32_t)(w * (x - params->act.input_zp));
                            }
                        }
                        acc += bias != NULL ? (uint32_t)bias[oc] : 0u;
                        output[((b * output_dims->h + oy) * output_dims->w + ox) * output_dims->c + oc] =
                            ed_requantize(acc, requant->multiplier[oc], requant->shift[oc], params->act.output_zp,
                                          params->act.act_min, params->act.act_max);
                    }
                }
            }
        }
    }
    return ED_OK;
}
