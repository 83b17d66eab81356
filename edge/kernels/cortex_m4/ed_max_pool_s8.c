/*
 * ed_max_pool_s8.c (cortex_m4): four channels per word, lane-wise max with SSUB8 + SEL (two instructions per four
 * channel-cells), the clamp the same way; the last C % 4 channels one at a time. Window clipped once per pixel.
 */
#include "ed_dsp.h"
#include "ed_kernels_check.h"
#include "ed_pool_window.h"

static uint32_t splat(int32_t v)
{
    return ((uint32_t)v & 0xFFu) * 0x01010101u;
}

ed_kernel_status_t ed_max_pool_s8(const ed_pool_params_t *params, const ed_dims_t *input_dims,
                                  const int8_t *input, const ed_dims_t *output_dims, int8_t *output)
{
    const ed_kernel_status_t status = ed_kc_pool(params, input_dims, input, output_dims, output, 0);
    const ed_dims_t *in = input_dims;
    int32_t b, oy, ox, c, iy, ix;
    uint32_t lo4, hi4;

    if (status != ED_OK) {
        return status;
    }
    lo4 = splat(params->act_min);
    hi4 = splat(params->act_max);
    for (b = 0; b < output_dims->n; b++) {
        for (oy = 0; oy < output_dims->h; oy++) {
            int32_t y_start, y_end;
            ed_pool_span(oy, params->window.stride_h, params->window.pad_top, params->filter_h,
                         in->h, &y_start, &y_end);
            for (ox = 0; ox < output_dims->w; ox++) {
                int32_t x_start, x_end;
                ed_pool_span(ox, params->window.stride_w, params->window.pad_left, params->filter_w,
                             in->w, &x_start, &x_end);
                const int8_t *corner = input + ((b * in->h + y_start) * in->w + x_start) * in->c;
                int8_t *out = output + ((b * output_dims->h + oy) * output_dims->w + ox) * in->c;
                for (c = 0; c + 4 <= in->c; c += 4) {
                    uint32_t m = 0x80808080u; /* -128 in every lane */
                    for (iy = 0; iy < y_end - y_start; iy++) {
                        const int8_t *x = corner + iy * in->w * in->c + c;
                        for (ix = x_start; ix < x_end; ix++) {
                            m = ed_max_s8x4(m, ed_read_u32(x));
                            x += in->c;
                        }
                    }
                    ed_write_u32(out + c, ed_min_s8x4(ed_max_s8x4(m, lo4), hi4));
                }
                for (; c < in->c; c++) {
                    int32_t m = -128;
                    for (iy = 0; iy < y_end - y_start; iy++) {
                        const int8_t *x = corner + iy * in->w * in->c + c;
                        for (ix = x_start; ix < x_end; ix++) {
                            m = *x > m ? *x : m;
                            x += in->c;
                        }
                    }
                    m = m < params->act_min ? params->act_min : m;
                    out[c] = (int8_t)(m > params->act_max ? params->act_max : m);
                }
            }
        }
    }
    return ED_OK;
}
