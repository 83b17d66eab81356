/*
 * ed_depthwise_conv2d_s8.c (cortex_m4): the window is clipped to the image once per output pixel (no per-tap
 * bounds checks); with depth_multiplier 1, four channels run side by side: one word of inputs and one of weights
 * per tap, sign-extended into 16-bit lanes (SXTAB16 also subtracts input_zp), multiplied lane by lane with
 * SMLABB/SMLATT. Other multipliers and the last C % 4 channels use the scalar loop. No scratch memory.
 */
#include "ed_cm4_requant.h"
#include "ed_dsp.h"
#include "ed_kernels_check.h"

/* What the per-pixel loops read, by value: every int8 store could alias a field read through a pointer. */
typedef struct {
    int32_t in_w, in_c, f_w, out_c, mult, input_zp;
    int32_t ky_lo, ky_hi, kx_lo, kx_hi; /* taps inside the image */
    const int8_t *corner;               /* input pixel of tap (ky_lo, kx_lo), channel 0 */
} ed_dw_pixel_t;

typedef struct {
    const int32_t *bias, *multiplier, *shift;
    int32_t output_zp, act_min, act_max;
} ed_dw_out_t;

static inline int8_t finish(const ed_dw_out_t *o, int32_t oc, uint32_t acc)
{
    acc += o->bias != NULL ? (uint32_t)o->bias[oc] : 0u;
    return ed_cm4_rq_out(acc, ed_cm4_rq_channel(o->multiplier[oc], o->shift[oc]), o->output_zp, o->act_min,
                         o->act_max);
}

/* Output channels [oc_from, out_c) of one pixel, one at a time. */
static void channels_scalar(ed_dw_pixel_t px, const int8_t *filter, ed_dw_out_t o, int32_t oc_from, int8_t *out)
{
    int32_t oc, ky, kx;

    for (oc = oc_from; oc < px.out_c; oc++) {
        const int32_t ic = oc / px.mult;
        uint32_t acc = 0;
        for (ky = px.ky_lo; ky < px.ky_hi; ky++) {
            const int8_t *x = px.corner + (ky - px.ky_lo) * px.in_w * px.in_c + ic;
            const int8_t *w = filter + (ky * px.f_w + px.kx_lo) * px.out_c + oc;
            for (kx = px.kx_lo; kx < px.kx_hi; kx++) {
                acc += (uint32_t)(*w * (*x - px.input_zp));
                x += px.in_c;
                w += px.out_c;
            }
        }
        out[oc] = finish(&o, oc, acc);
    }
}

/* Depth multiplier 1: channels [0, 4 * (C / 4)) four at a time. */
static void channels_x4(ed_dw_pixel_t px, const int8_t *filter, ed_dw_out_t o, int8_t *out)
{
    const uint32_t off16 = (uint32_t)(-px.input_zp) & 0xFFFFu;
    const uint32_t offset2 = off16 | (off16 << 16);
    const int32_t taps = px.kx_hi - px.kx_lo;
    uint32_t acc[4];
    int32_t c, ky, t, i;

    for (c = 0; c + 4 <= px.in_c; c += 4) {
        uint32_t a0 = 0, a1 = 0, a2 = 0, a3 = 0;
        for (ky = px.ky_lo; ky < px.ky_hi; ky++) {
            const int8_t *x = px.corner + (ky - px.ky_lo) * px.in_w * px.in_c + c;
            const int8_t *w = filter + (ky * px.f_w + px.kx_lo) * px.out_c + c;
            for (t = taps; t > 0; t--) {
                const uint32_t xv = ed_read_u32(x), wv = ed_read_u32(w);
                const uint32_t x02 = ed_sxtab16(offset2, xv), x13 = ed_sxtab16_ror8(offset2, xv);
                const uint32_t w02 = ed_sxtb16(wv), w13 = ed_sxtb16_ror8(wv);
                a0 = ed_smlabb(w02, x02, a0);
                a2 = ed_smlatt(w02, x02, a2);
                a1 = ed_smlabb(w13, x13, a1);
                a3 = ed_smlatt(w13, x13, a3);
                x += px.in_c;
                w += px.out_c;
            }
        }
        acc[0] = a0;
        acc[1] = a1;
        acc[2] = a2;
        acc[3] = a3;
        for (i = 0; i < 4; i++) {
            out[c + i] = finish(&o, c + i, acc[i]);
        }
    }
}

ed_kernel_status_t ed_depthwise_conv2d_s8(const ed_dw_conv_params_t *params, const ed_requant_t *requant,
                                          const ed_dims_t *input_dims, const int8_t *input,
                                          const ed_dims_t *filter_dims, const int8_t *filter,
                                          const int32_t *bias, const ed_dims_t *output_dims, int8_t *output)
{
    const ed_kernel_status_t status = ed_kc_depthwise_conv2d(params, requant, input_dims, input, filter_dims,
                                                             filter, output_dims, output);
    ed_dims_t in, f, od;
    ed_window_t win;
    ed_dw_pixel_t px;
    ed_dw_out_t o;
    int32_t b, oy, ox, vector_end;

    if (status != ED_OK) {
        return status;
    }
    in = *input_dims;
    f = *filter_dims;
    od = *output_dims;
    win = params->window;
    px.in_w = in.w;
    px.in_c = in.c;
    px.f_w = f.w;
    px.out_c = od.c;
    px.mult = params->depth_multiplier;
    px.input_zp = params->act.input_zp;
    o.bias = bias;
    o.multiplier = requant->multiplier;
    o.shift = requant->shift;
    o.output_zp = params->act.output_zp;
    o.act_min = params->act.act_min;
    o.act_max = params->act.act_max;
    vector_end = px.mult == 1 ? in.c & ~3 : 0;
    for (b = 0; b < od.n; b++) {
        for (oy = 0; oy < od.h; oy++) {
            const int32_t y0 = oy * win.stride_h - win.pad_top;
            for (ox = 0; ox < od.w; ox++) {
                const int32_t x0 = ox * win.stride_w - win.pad_left;
                int8_t *out = output + ((b * od.h + oy) * od.w + ox) * od.c;
                px.ky_lo = y0 < 0 ? -y0 : 0;
                px.ky_hi = in.h - y0 < f.h ? in.h - y0 : f.h;
                px.kx_lo = x0 < 0 ? -x0 : 0;
                px.kx_hi = in.w - x0 < f.w ? in.w - x0 : f.w;
                if (px.ky_lo >= px.ky_hi || px.kx_lo >= px.kx_hi) { /* window entirely in the padding */
                    px.ky_lo = px.ky_hi = px.kx_lo = px.kx_hi = 0;
                    px.corner = input;
                } else {
                    px.corner = input + ((b * in.h + y0 + px.ky_lo) * in.w + x0 + px.kx_lo) * in.c;
                }
                if (vector_end > 0) {
                    channels_x4(px, filter, o, out);
                }
                channels_scalar(px, filter, o, vector_end, out);
            }
        }
    }
    return ED_OK;
}
