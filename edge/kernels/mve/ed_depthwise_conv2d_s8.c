/*
 * ed_depthwise_conv2d_s8.c (mve): the reference loops with the window clipped to the image once per output
 * pixel (no test per cell) and the input zero point folded out of the inner loop (sum w (x - zp) = sum w x -
 * zp * sum w over the cells inside), walking pointers instead of recomputing NHWC offsets. Bit-exact with the
 * reference; depthwise weights stay int8 (no packing), as in every variant.
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
    int32_t b, oy, ox, oc;

    if (status != ED_OK) {
        return status;
    }
    for (b = 0; b < output_dims->n; b++) {
        for (oy = 0; oy < output_dims->h; oy++) {
            const int32_t y0 = oy * params->window.stride_h - params->window.pad_top;
            const int32_t ky0 = y0 < 0 ? -y0 : 0;
            const int32_t ky1 = y0 + filter_dims->h > input_dims->h ? input_dims->h - y0 : filter_dims->h;
            for (ox = 0; ox < output_dims->w; ox++) {
                const int32_t x0 = ox * params->window.stride_w - params->window.pad_left;
                const int32_t kx0 = x0 < 0 ? -x0 : 0;
                const int32_t kx1 = x0 + filter_dims->w > input_dims->w ? input_dims->w - x0 : filter_dims->w;
                const int32_t in_row = input_dims->w * input_dims->c, f_row = filter_dims->w * filter_dims->c;
                int8_t *out = output + ((b * output_dims->h + oy) * output_dims->w + ox) * output_dims->c;
                for (oc = 0; oc < output_dims->c; oc++) {
                    const int8_t *xrow = input + ((b * input_dims->h + y0 + ky0) * input_dims->w + x0 + kx0) *
                                                     input_dims->c + oc / params->depth_multiplier;
                    const int8_t *wrow = filter + (ky0 * filter_dims->w + kx0) * filter_dims->c + oc;
                    uint32_t acc = 0, wsum = 0;
                    int32_t ky, kx;
                    for (ky = ky0; ky < ky1; ky++, xrow += in_row, wrow += f_row) {
                        const int8_t *x = xrow, *w = wrow;
                        for (kx = kx0; kx < kx1; kx++, x += input_dims->c, w += filter_dims->c) {
                            acc += (uint32_t)(*w * *x);
                            wsum += (uint32_t)*w;
                        }
                    }
                    acc -= wsum * (uint32_t)params->act.input_zp;
                    acc += bias != NULL ? (uint32_t)bias[oc] : 0u;
                    out[oc] = ed_requantize(acc, requant->multiplier[oc], requant->shift[oc], params->act.output_zp,
                                            params->act.act_min, params->act.act_max);
                }
            }
        }
    }
    return ED_OK;
}
