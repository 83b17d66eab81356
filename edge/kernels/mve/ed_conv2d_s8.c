/*
 * ed_conv2d_s8.c (mve): per output pixel, the receptive field is gathered into an int8 column padded to 16 bytes
 * (im2col; cells outside the image hold input_zp, which the folded zero point turns into a zero contribution),
 * then every block of four packed filters is multiplied with it by VMLADAVA (ed_mve_support.h). Bit-exact with
 * the reference.
 *
 * The image is first copied once per call inside a margin of input_zp, kh - 1 rows above and below and kw - 1
 * columns left and right, so that with pads of at most kernel - 1 (TFLite's SAME and VALID) every window row is
 * one run of bytes, copied by predicated vector loads and stores. Larger pads take a cell-by-cell gather.
 *
 * The bias, zero point and requantization constants of each block of four filters are gathered once per call
 * (ed_mve_table), so a pixel's requantization is a dozen vector instructions per block.
 *
 * Scratch layout: [table: 48 bytes per block of 4 filters][column: depth rounded up to 16 bytes][the margined
 * image: (H + 2 kh - 2) (W + 2 kw - 2) C bytes].
 */
#include <string.h>

#include "ed_kernels_check.h"
#include "ed_mve_support.h"

#if defined(__ARM_FEATURE_MVE) && (__ARM_FEATURE_MVE & 1)
#include <arm_mve.h>
#endif

/* The filter as a rows x depth matrix, or 0 x 0 for invalid dims. */
static void matrix_of(const ed_dims_t *f, int32_t *rows, int32_t *depth)
{
    *rows = *depth = 0;
    if (f != NULL && f->n >= 1 && f->h >= 1 && f->w >= 1 && f->c >= 1 && (int64_t)f->h * f->w <= INT32_MAX &&
        (int64_t)f->h * f->w * f->c <= INT32_MAX - 15 && (int64_t)f->h * f->w * f->c * f->n <= INT32_MAX) {
        *rows = f->n;
        *depth = f->h * f->w * f->c;
    }
}

size_t ed_conv2d_s8_weights_size(const ed_dims_t *filter_dims)
{
    int32_t rows, depth;
    matrix_of(filter_dims, &rows, &depth);
    return ed_mve_packed_size(rows, depth);
}

ed_kernel_status_t ed_conv2d_s8_pack_weights(const ed_dims_t *filter_dims, const int8_t *filter, void *dst,
                                             size_t dst_size)
{
    int32_t rows, depth;
    ed_kernel_status_t status;
    matrix_of(filter_dims, &rows, &depth);
    status = ed_kc_pack(rows, depth, filter, dst, dst_size, ed_mve_packed_size(rows, depth));
    if (status == ED_OK) {
        ed_mve_pack(filter, rows, depth, (uint32_t *)dst);
    }
    return status;
}

/* Bytes of the margined image, 0 if it is too large or the dims are bad. */
static int64_t margined_size(const ed_dims_t *in, const ed_dims_t *f)
{
    if (in == NULL || in->h < 1 || in->w < 1 || in->c < 1 || in->h > INT32_MAX / 4 || in->w > INT32_MAX / 4) {
        return 0;
    }
    return ((int64_t)in->h + 2 * (f->h - 1)) * ((int64_t)in->w + 2 * (f->w - 1)) * in->c;
}

size_t ed_conv2d_s8_get_buffer_size(const ed_dims_t *input_dims, const ed_dims_t *filter_dims)
{
    int32_t rows, depth;
    int64_t image, total;
    matrix_of(filter_dims, &rows, &depth);
    image = depth < 1 ? 0 : margined_size(input_dims, filter_dims);
    total = (int64_t)ed_mve_table_size(rows) + ed_mve_depth16(depth) + image;
    return image < 1 || total > INT32_MAX ? 0u : (size_t)total;
}

/* The input image b inside its margin of zp (m: the margined image, mw its row length in cells). */
static void fill_margined(const int8_t *image, const ed_dims_t *in, const ed_dims_t *f, int32_t zp, int8_t *m)
{
    const int32_t mw = in->w + 2 * (f->w - 1), mh = in->h + 2 * (f->h - 1);
    int32_t y;
    memset(m, zp, (size_t)mh * (size_t)mw * (size_t)in->c);
    for (y = 0; y < in->h; y++) {
        memcpy(m + ((y + f->h - 1) * mw + f->w - 1) * in->c, image + y * in->w * in->c, (size_t)(in->w * in->c));
    }
}

/* The column of the window whose top-left cell is m: kh runs of kw * c bytes, one margined row apart. */
static void gather_margined(const int8_t *m, int32_t line, const ed_dims_t *f, int8_t *col)
{
    const int32_t run = f->w * f->c;
    int32_t ky;
#if defined(__ARM_FEATURE_MVE) && (__ARM_FEATURE_MVE & 1)
    if (run <= 16) { /* one predicated vector per window row */
        const mve_pred16_t p = vctp8q((uint32_t)run);
        for (ky = 0; ky < f->h; ky++, m += line, col += run) {
            vstrbq_p_s8(col, vldrbq_z_s8(m, p), p);
        }
        return;
    }
#endif
    for (ky = 0; ky < f->h; ky++, m += line, col += run) {
        ed_mve_copy(col, m, run);
    }
}

/* The first depth bytes of the column of output pixel (y0, x0) (its window's top-left cell, possibly outside). */
static void gather(const int8_t *image, const ed_dims_t *in, const ed_dims_t *f, int32_t y0, int32_t x0,
                   int32_t zp, int8_t *col)
{
    const int32_t c = in->c, run = f->w * c;
    int32_t ky, kx;
    for (ky = 0; ky < f->h; ky++, col += run) {
        const int32_t iy = y0 + ky;
        if (iy < 0 || iy >= in->h) {
            memset(col, zp, (size_t)run);
        } else if (x0 >= 0 && x0 + f->w <= in->w) { /* the whole row of the window inside: one run of bytes */
            memcpy(col, image + (iy * in->w + x0) * c, (size_t)run);
        } else {
            for (kx = 0; kx < f->w; kx++) {
                const int32_t ix = x0 + kx;
                if (ix < 0 || ix >= in->w) {
                    memset(col + kx * c, zp, (size_t)c);
                } else {
                    memcpy(col + kx * c, image + (iy * in->w + ix) * c, (size_t)c);
                }
            }
        }
    }
}

ed_kernel_status_t ed_conv2d_s8(const ed_conv_params_t *params, const ed_requant_t *requant,
                                const ed_dims_t *input_dims, const int8_t *input,
                                const ed_dims_t *filter_dims, const void *packed, const int32_t *bias,
                                const ed_dims_t *output_dims, int8_t *output, const ed_scratch_t *scratch)
{
    ed_kernel_status_t status = ed_kc_conv2d(params, requant, input_dims, input, filter_dims, packed,
                                             output_dims, output);
    const int32_t depth = filter_dims != NULL ? filter_dims->h * filter_dims->w * filter_dims->c : 0;
    ed_mve_out_t q;
    ed_mve_block_t *table;
    int8_t *col;
    int32_t b, oy, ox, margined;

    if (status == ED_OK) {
        status = ed_kc_scratch(scratch, ed_conv2d_s8_get_buffer_size(input_dims, filter_dims));
    }
    if (status != ED_OK) {
        return status;
    }
    table = (ed_mve_block_t *)scratch->buf;
    col = (int8_t *)scratch->buf + ed_mve_table_size(filter_dims->n);
    memset(col + depth, 0, (size_t)(ed_mve_depth16(depth) - depth));
    margined = params->window.pad_top < filter_dims->h && params->window.pad_bottom < filter_dims->h &&
               params->window.pad_left < filter_dims->w && params->window.pad_right < filter_dims->w;
    q.bias = bias;
    q.multiplier = requant->multiplier;
    q.shift = requant->shift;
    q.input_zp = params->act.input_zp;
    q.output_zp = params->act.output_zp;
    q.act_min = params->act.act_min;
    q.act_max = params->act.act_max;
    ed_mve_table((const uint32_t *)packed, filter_dims->n, depth, &q, table);
    for (b = 0; b < output_dims->n; b++) {
        const int8_t *image = input + b * input_dims->h * input_dims->w * input_dims->c;
        int8_t *const m = col + ed_mve_depth16(depth);
        const int32_t line = (input_dims->w + 2 * (filter_dims->w - 1)) * input_dims->c;
        if (margined) {
            fill_margined(image, input_dims, filter_dims, params->act.input_zp, m);
        }
        for (oy = 0; oy < output_dims->h; oy++) {
            const int32_t y0 = oy * params->window.stride_h - params->window.pad_top;
            for (ox = 0; ox < output_dims->w; ox++) {
                const int32_t x0 = ox * params->window.stride_w - params->window.pad_left;
                if (margined) {
                    gather_margined(m + (y0 + filter_dims->h - 1) * line + (x0 + filter_dims->w - 1) * input_dims->c,
                                    line, filter_dims, col);
                } else {
                    gather(image, input_dims, filter_dims, y0, x0, params->act.input_zp, col);
                }
                ed_mve_mat_vec_table((const uint32_t *)packed, filter_dims->n, depth, col, table, &q,
                               output + ((b * output_dims->h + oy) * output_dims->w + ox) * output_dims->c);
            }
        }
    }
    return ED_OK;
}
