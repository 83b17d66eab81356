/*
 * ed_conv2d_s8.c (reference): plain loops after LiteRT reference_integer_ops::ConvPerChannel; twin of
 * eccless.quant.kernels.conv2d. Cells of the window outside the image are skipped (zero contribution).
 */
#include <string.h>

#include "ed_fixedpoint.h"
#include "ed_kernels_check.h"

/* The packed form is the int8 array itself. */
size_t ed_conv2d_s8_weights_size(const ed_dims_t *filter_dims)
{
    const ed_dims_t *f = filter_dims;
    if (f == NULL || f->n < 1 || f->h < 1 || f->w < 1 || f->c < 1 || (int64_t)f->h * f->w > INT32_MAX ||
        (int64_t)f->h * f->w * f->c > INT32_MAX || (int64_t)f->h * f->w * f->c * f->n > INT32_MAX) {
        return 0; /* each product is checked before it is extended, so none overflows int64 */
    }
    return (size_t)f->n * (size_t)f->h * (size_t)f->w * (size_t)f->c;
}

ed_kernel_status_t ed_conv2d_s8_pack_weights(const ed_dims_t *filter_dims, const int8_t *filter, void *dst,
                                             size_t dst_size)
{
    const size_t size = ed_conv2d_s8_weights_size(filter_dims);
    const int32_t rows = size ? filter_dims->n : 0, depth = size ? (int32_t)(size / (size_t)filter_dims->n) : 0;
    const ed_kernel_status_t status = ed_kc_pack(rows, depth, filter, dst, dst_size, size);
    if (status == ED_OK) {
        memcpy(dst, filter, size);
    }
    return status;
}

size_t ed_conv2d_s8_get_buffer_size(const ed_dims_t *input_dims, const ed_dims_t *filter_dims)
{
    (void)input_dims;
    (void)filter_dims;
    return 0;
}

ed_kernel_status_t ed_conv2d_s8(const ed_conv_params_t *params, const ed_requant_t *requant,
                                const ed_dims_t *input_dims, const int8_t *input,
                                const ed_dims_t *filter_dims, const void *packed, const int32_t *bias,
                                const ed_dims_t *output_dims, int8_t *output, const ed_scratch_t *scratch)
{
    const ed_kernel_status_t status = ed_kc_conv2d(params, requant, input_dims, input, filter_dims, packed,
                                                   output_dims, output);
    const int8_t *filter = (const int8_t *)packed;
    int32_t b, oy, ox, oc, ky, kx, ic;

    (void)scratch;
    if (status != ED_OK) {
        return status;
    }
    for (b = 0; b < output_dims->n; b++) {
        for (oy = 0; oy < output_dims->h; oy++) {
            for (ox = 0; ox < output_dims->w; ox++) {
                const int32_t y0 = oy * params->window.stride_h - params->window.pad_top;
                const int32_t x0 = ox * params->window.stride_w - params->window.pad_left;
                for (oc = 0; oc < output_dims->c; oc++) {
                    uint32_t acc = 0;
                    for (ky = 0; ky < filter_dims->h; ky++) {
                        const int32_t iy = y0 + ky;
                        if (iy < 0 || iy >= input_dims->h) {
                            continue;
                        }
                        for (kx = 0; kx < filter_dims->w; kx++) {
                            const int32_t ix = x0 + kx;
                            const int8_t *x, *w;
                            if (ix < 0 || ix >= input_dims->w) {
                                continue;
                            }
                            x = input + ((b * input_dims->h + iy) * input_dims->w + ix) * input_dims->c;
                            w = filter + ((oc * filter_dims->h + ky) * filter_dims->w + kx) * filter_dims->c;
                            for (ic = 0; ic < input_dims->c; ic++) {
                                acc += (uint32_t)(w[ic] * (x[ic] - params->act.input_zp));
                            }
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
    return ED_OK;
}
