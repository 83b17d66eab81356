/*
 * ed_avg_pool_s8.c (cortex_m4): with windows of at most 256 cells, four channels are summed per word in 16-bit
 * lanes with SXTAB16 (256 * [-128, 127] fits an int16 exactly); larger windows sum in int32 one channel at a time.
 * The division rounds half away from zero with C's truncating '/', exactly as the reference.
 */
#include "ed_dsp.h"
#include "ed_kernels_check.h"
#include "ed_pool_window.h"

#define ED_LANE_CELLS 256 /* most cells whose int8 sum fits an int16 lane */

static int8_t average(int32_t sum, int32_t count, const ed_pool_params_t *p)
{
    int32_t avg = sum > 0 ? (sum + count / 2) / count : (sum - count / 2) / count;
    avg = avg < p->act_min ? p->act_min : avg;
    return (int8_t)(avg > p->act_max ? p->act_max : avg);
}

ed_kernel_status_t ed_avg_pool_s8(const ed_pool_params_t *params, const ed_dims_t *input_dims,
                                  const int8_t *input, const ed_dims_t *output_dims, int8_t *output)
{
    const ed_kernel_status_t status = ed_kc_pool(params, input_dims, input, output_dims, output, 1);
    const ed_dims_t *in = input_dims;
    int32_t b, oy, ox, c, iy, ix, lanes_end;

    if (status != ED_OK) {
        return status;
    }
    lanes_end = params->filter_h * params->filter_w <= ED_LANE_CELLS ? in->c & ~3 : 0;
    for (b = 0; b < output_dims->n; b++) {
        for (oy = 0; oy < output_dims->h; oy++) {
            int32_t y_start, y_end;
            ed_pool_span(oy, params->window.stride_h, params->window.pad_top, params->filter_h,
                         in->h, &y_start, &y_end);
            for (ox = 0; ox < output_dims->w; ox++) {
                int32_t x_start, x_end;
                ed_pool_span(ox, params->window.stride_w, params->window.pad_left, params->filter_w,
                             in->w, &x_start, &x_end);
                const int32_t count = (y_end - y_start) * (x_end - x_start); /* >= 1: pads < filter size */
                const int8_t *corner = input + ((b * in->h + y_start) * in->w + x_start) * in->c;
                int8_t *out = output + ((b * output_dims->h + oy) * output_dims->w + ox) * in->c;
                for (c = 0; c < lanes_end; c += 4) {
                    uint32_t s02 = 0, s13 = 0;
                    for (iy = 0; iy < y_end - y_start; iy++) {
                        const int8_t *x = corner + iy * in->w * in->c + c;
                        for (ix = x_start; ix < x_end; ix++) {
                            const uint32_t v = ed_read_u32(x);
                            s02 = ed_sxtab16(s02, v);
                            s13 = ed_sxtab16_ror8(s13, v);
                            x += in->c;
                        }
                    }
                    out[c] = average(ed_s16(s02), count, params);
                    out[c + 1] = average(ed_s16(s13), count, params);
                    out[c + 2] = average(ed_s16(s02 >> 16), count, params);
                    out[c + 3] = average(ed_s16(s13 >> 16), count, params);
                }
                for (; c < in->c; c++) {
                    int32_t sum = 0;
                    for (iy = 0; iy < y_end - y_start; iy++) {
                        const int8_t *x = corner + iy * in->w * in->c + c;
                        for (ix = x_start; ix < x_end; ix++) {
                            sum += *x;
                            x += in->c;
                        }
                    }
                    out[c] = average(sum, count, params);
                }
            }
        }
    }
    return ED_OK;
}
