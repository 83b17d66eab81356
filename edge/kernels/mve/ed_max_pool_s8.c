/*
 * ed_max_pool_s8.c (mve): plain loops after LiteRT reference_integer_ops::MaxPool; twin of
 * eccless.quant.kernels.maxpool. The window is clipped to the image; the clamp is the op's activation range.
 */
#include "ed_kernels_check.h"
#include "ed_pool_window.h"

ed_kernel_status_t ed_max_pool_s8(const ed_pool_params_t *params, const ed_dims_t *input_dims,
                                  const int8_t *input, const ed_dims_t *output_dims, int8_t *output)
{
    const ed_kernel_status_t status = ed_kc_pool(params, input_dims, input, output_dims, output, 0);
    int32_t b, oy, ox, c, iy, ix;

    if (status != ED_OK) {
        return status;
    }
    for (b = 0; b < output_dims->n; b++) {
        for (oy = 0; oy < output_dims->h; oy++) {
            int32_t y_start, y_end;
            ed_pool_span(oy, params->window.stride_h, params->window.pad_top, params->filter_h,
                         input_dims->h, &y_start, &y_end);
            for (ox = 0; ox < output_dims->w; ox++) {
                int32_t x_start, x_end;
                ed_pool_span(ox, params->window.stride_w, params->window.pad_left, params->filter_w,
                             input_dims->w, &x_start, &x_end);
                for (c = 0; c < output_dims->c; c++) {
                    int32_t max = -128;
                    for (iy = y_start; iy < y_end; iy++) {
                        for (ix = x_start; ix < x_end; ix++) {
                            const int32_t v = input[((b * input_dims->h + iy) * input_dims->w + ix) * input_dims->c + c];
                            max = v > max ? v : max;
                        }
                    }
                    max = max < params->act_min ? params->act_min : max;
                    max = max > params->act_max ? params->act_max : max;
                    output[((b * output_dims->h + oy) * output_dims->w + ox) * output_dims->c + c] = (int8_t)max;
                }
            }
        }
    }
    return ED_OK;
}
