/*
 * ed_avg_pool_s8.c (mve): plain loops after LiteRT reference_integer_ops::AveragePool; twin of
 * eccless.quant.kernels.avgpool. Only cells inside the image are summed and counted; the quotient is rounded half
 * away from zero with C's truncating division, as TFLite does. The window's sum fits an int32 (< 2^24 cells).
 */
#include "ed_kernels_check.h"
#include "ed_pool_window.h"

ed_kernel_status_t ed_avg_pool_s8(const ed_pool_params_t *params, const ed_dims_t *input_dims,
                                  const int8_t *input, const ed_dims_t *output_dims, int8_t *output)
{
    const ed_kernel_status_t status = ed_kc_pool(params, input_dims, input, output_dims, output, 1);
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
                const int32_t count = (y_end - y_start) * (x_end - x_start); /* >= 1: pads < filter size */
                for (c = 0; c < output_dims->c; c++) {
                    int32_t sum = 0, avg;
                    for (iy = y_start; iy < y_end; iy++) {
                        for (ix = x_start; ix < x_end; ix++) {
                            sum += input[((b * input_dims->h + iy) * input_dims->w + ix) * input_dims->c + c];
                        }
                    }
                    avg = sum > 0 ? (sum + count / 2) / count : (sum - count / 2) / count;
                    avg = avg < params->act_min ? params->act_min : avg;
                    avg = avg > params->act_max ? params->act_max : avg;
                    output[((b * output_dims->h + oy) * output_dims->w + ox) * output_dims->c + c] = (int8_t)avg;
                }
            }
        }
    }
    return ED_OK;
}
