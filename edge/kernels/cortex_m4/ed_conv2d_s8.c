/*
 * ed_conv2d_s8.c (cortex_m4): im2col of two output pixels at a time, then a 2x2 block kernel: two packed filters
 * (int16, widened once at load time by ed_conv2d_s8_pack_weights) times two pixels (ed_cm4_support.c); an odd
 * last pixel goes through the 2x1 kernel. Each receptive field
 * is first gathered as bytes (OHWI order, padding cells set to input_zp, which contributes exactly 0), then
 * widened to int16 with input_zp subtracted, four bytes per two SXTAB16. Bit-exact with the reference variant.
 *
 * Scratch layout: [column buffer for 2 columns: 16 * ceil(K/4) bytes][byte staging: 4 * ceil(K/4) bytes],
 * K = kh * kw * in_c.
 */
#include <string.h>

#include "ed_cm4_support.h"
#include "ed_kernels_check.h"

static int32_t depth_of(const ed_dims_t *f)
{
    return f->h * f->w * f->c;
}

#define ED_CONV_BLOCK 2 /* filters per block: 2x2 blocks */

/* The filter as a rows x depth matrix, or 0 x 0 for invalid dims. */
static void matrix_of(const ed_dims_t *f, int32_t *rows, int32_t *depth)
{
    *rows = *depth = 0;
    if (f != NULL && f->n >= 1 && f->h >= 1 && f->w >= 1 && f->c >= 1 && (int64_t)f->h * f->w <= INT32_MAX &&
        (int64_t)f->h * f->w * f->c <= INT32_MAX - 3 && (int64_t)f->h * f->w * f->c * f->n <= INT32_MAX) {
        *rows = f->n;
        *depth = depth_of(f);
    }
}

size_t ed_conv2d_s8_weights_size(const ed_dims_t *filter_dims)
{
    int32_t rows, depth;
    matrix_of(filter_dims, &rows, &depth);
    return ed_cm4_packed_size(rows, depth, ED_CONV_BLOCK);
}

ed_kernel_status_t ed_conv2d_s8_pack_weights(const ed_dims_t *filter_dims, const int8_t *filter, void *dst,
                                             size_t dst_size)
{
    int32_t rows, depth;
    ed_kernel_status_t status;
    matrix_of(filter_dims, &rows, &depth);
    status = ed_kc_pack(rows, depth, filter, dst, dst_size, ed_cm4_packed_size(rows, depth, ED_CONV_BLOCK));
    if (status == ED_OK) {
        ed_cm4_pack(filter, rows, depth, ED_CONV_BLOCK, (uint32_t *)dst);
    }
    return status;
}

size_t ed_conv2d_s8_get_buffer_size(const ed_dims_t *filter_dims)
{
    int32_t depth;

    if (filter_dims == NULL || filter_dims->h < 1 || filter_dims->w < 1 || filter_dims->c < 1 ||
        (int64_t)filter_dims->h * filter_dims->w * filter_dims->c > INT32_MAX - 3) {
        return 0;
    }
    depth = depth_of(filter_dims);
    return ed_cm4_cols_size(depth, 2) + (size_t)((depth + 3) & ~3);
}

/* Runs are short when in_c is small (a 5x5 kernel on one channel copies 5 bytes per row): a libc call would cost
 * more than the copy, and GCC would turn the byte loops below back into such calls without the attribute. */
#if defined(__GNUC__) && !defined(__clang__)
#define ED_NO_LIBCALL __attribute__((optimize("no-tree-loop-distribute-patterns")))
#else
#define ED_NO_LIBCALL
#endif
#define ED_SHORT_RUN 16

/* The receptive field of output pixel (oy, ox) of batch b as depth bytes, OHWI order, padding = input_zp. */
ED_NO_LIBCALL static void gather(int8_t *dst, const ed_conv_params_t *params, const ed_dims_t *in,
                                 const int8_t *input, const ed_dims_t *f, int32_t b, int32_t oy, int32_t ox)
{
    const int32_t y0 = oy * params->window.stride_h - params->window.pad_top;
    const int32_t x0 = ox * params->window.stride_w - params->window.pad_left;
    const int8_t pad = (int8_t)params->act.input_zp;
    /* Taps kx in [kx_lo, kx_hi) fall inside the image; their pixels are contiguous in NHWC. */
    const int32_t kx_lo = x0 < 0 ? (-x0 < f->w ? -x0 : f->w) : 0;
    const int32_t kx_hi = in->w - x0 < f->w ? (in->w - x0 > kx_lo ? in->w - x0 : kx_lo) : f->w;
    const int32_t row = f->w * f->c, lead = kx_lo * f->c, run = (kx_hi - kx_lo) * f->c;
    const int8_t *src;
    int32_t ky, i;

    for (ky = 0; ky < f->h; ky++) {
        const int32_t iy = y0 + ky;
        if (iy < 0 || iy >= in->h || run == 0) {
            for (i = 0; i < row; i++) {
                *dst++ = pad;
            }
            continue;
        }
        for (i = 0; i < lead; i++) {
            *dst++ = pad;
        }
        src = input + ((b * in->h + iy) * in->w + x0 + kx_lo) * in->c;
        if (run >= ED_SHORT_RUN) {
            memcpy(dst, src, (size_t)run);
            dst += run;
        } else {
            for (i = 0; i < run; i++) {
                *dst++ = src[i];
            }
        }
        for (i = lead + run; i < row; i++) {
            *dst++ = pad;
        }
    }
}

ed_kernel_status_t ed_conv2d_s8(const ed_conv_params_t *params, const ed_requant_t *requant,
                                const ed_dims_t *input_dims, const int8_t *input,
                                const ed_dims_t *filter_dims, const void *filter, const int32_t *bias,
                                const ed_dims_t *output_dims, int8_t *output, const ed_scratch_t *scratch)
{
    ed_kernel_status_t status = ed_kc_conv2d(params, requant, input_dims, input, filter_dims, filter, output_dims,
                                             output);
    ed_cm4_out_t q;
    uint32_t *cols;
    int8_t *staging;
    int32_t b, p, c, ncols, depth, pixels, out_c;

    if (status == ED_OK) {
        status = ed_kc_scratch(scratch, ed_conv2d_s8_get_buffer_size(filter_dims));
    }
    if (status != ED_OK) {
        return status;
    }
    depth = depth_of(filter_dims);
    pixels = output_dims->h * output_dims->w;
    out_c = filter_dims->n;
    cols = (uint32_t *)scratch->buf;
    staging = (int8_t *)scratch->buf + ed_cm4_cols_size(depth, 2);
    q.bias = bias;
    q.multiplier = requant->multiplier;
    q.shift = requant->shift;
    q.output_zp = params->act.output_zp;
    q.act_min = params->act.act_min;
    q.act_max = params->act.act_max;
    for (b = 0; b < input_dims->n; b++) {
        for (p = 0; p < pixels; p += ncols) {
            ncols = pixels - p >= 2 ? 2 : 1;
            for (c = 0; c < ncols; c++) {
                gather(staging, params, input_dims, input, filter_dims, b, (p + c) / output_dims->w,
                       (p + c) % output_dims->w);
                ed_cm4_widen(staging, depth, params->act.input_zp, cols, c, ncols);
            }
            ed_cm4_mat_mult_packed((const uint32_t *)filter, ED_CONV_BLOCK, out_c, depth, cols, ncols, &q,
                                   output + (b * pixels + p) * out_c, out_c);
        }
    }
    return ED_OK;
}
