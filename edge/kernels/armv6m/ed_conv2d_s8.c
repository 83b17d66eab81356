/*
 * ed_conv2d_s8.c (armv6m): per output pixel, the receptive field is gathered into an int32 column (im2col; cells
 * outside the image hold input_zp, which the folded zero point turns into a zero contribution), then every block
 * of four packed filters is multiplied with it (ed_v6m_support.h). Bit-exact with the reference.
 */
#include "ed_kernels_check.h"
#include "ed_v6m_support.h"

/* The filter as a rows x depth matrix, or 0 x 0 for invalid dims. */
static void matrix_of(const ed_dims_t *f, int32_t *rows, int32_t *depth)
{
    *rows = *depth = 0;
    if (f != NULL && f->n >= 1 && f->h >= 1 && f->w >= 1 && f->c >= 1 && (int64_t)f->h * f->w <= INT32_MAX &&
        (int64_t)f->h * f->w * f->c <= INT32_MAX / 4 - 1 && (int64_t)f->h * f->w * f->c * f->n <= INT32_MAX) {
        *rows = f->n;
        *depth = f->h * f->w * f->c;
    }
}

size_t ed_conv2d_s8_weights_size(const ed_dims_t *filter_dims)
{
    int32_t rows, depth;
    matrix_of(filter_dims, &rows, &depth);
    return ed_v6m_packed_size(rows, depth);
}

ed_kernel_status_t ed_conv2d_s8_pack_weights(const ed_dims_t *filter_dims, const int8_t *filter, void *dst,
                                             size_t dst_size)
{
    int32_t rows, depth;
    ed_kernel_status_t status;
    matrix_of(filter_dims, &rows, &depth);
    status = ed_kc_pack(rows, depth, filter, dst, dst_size, ed_v6m_packed_size(rows, depth));
    if (status == ED_OK) {
        ed_v6m_pack(filter, rows, depth, (uint32_t *)dst);
    }
    return status;
}

size_t ed_conv2d_s8_get_buffer_size(const ed_dims_t *input_dims, const ed_dims_t *filter_dims)
{
    int32_t rows, depth;
    (void)input_dims;
    matrix_of(filter_dims, &rows, &depth);
    return depth < 1 ? 0u : (size_t)ed_v6m_col_words(depth) * 4u;
}

/* The column of output pixel (y0, x0) (its window's top-left cell, possibly outside the image). */
static void gather(const int8_t *image, const ed_dims_t *in, const ed_dims_t *f, int32_t y0, int32_t x0,
                   int32_t zp, int32_t *col)
{
    const int32_t c = in->c, run = f->w * c;
    int32_t ky, kx, i;
    for (ky = 0; ky < f->h; ky++, col += run) {
        const int32_t iy = y0 + ky;
        if (iy < 0 || iy >= in->h) {
            for (i = 0; i < run; i++) {
                col[i] = zp;
            }
            continue;
        }
        if (x0 >= 0 && x0 + f->w <= in->w) { /* the whole row of the window inside: one run of bytes */
            const int8_t *src = image + (iy * in->w + x0) * c;
            for (i = 0; i < run; i++) {
                col[i] = src[i];
            }
            continue;
        }
        for (kx = 0; kx < f->w; kx++) {
            const int32_t ix = x0 + kx;
            const int8_t *src = image + (iy * in->w + ix) * c;
            for (i = 0; i < c; i++) {
                col[kx * c + i] = ix < 0 || ix >= in->w ? zp : src[i];
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
    ed_v6m_out_t q;
    int32_t *col;
    int32_t b, oy, ox;

    if (status == ED_OK) {
        status = ed_kc_scratch(scratch, ed_conv2d_s8_get_buffer_size(input_dims, filter_dims));
    }
    if (status != ED_OK) {
        return status;
    }
    col = (int32_t *)scratch->buf;
    if (depth & 1) {
        col[depth] = 0;
    }
    q.bias = bias;
    q.multiplier = requant->multiplier;
    q.shift = requant->shift;
    q.input_zp = params->act.input_zp;
    q.output_zp = params->act.output_zp;
    q.act_min = params->act.act_min;
    q.act_max = params->act.act_max;
    for (b = 0; b < output_dims->n; b++) {
        const int8_t *image = input + b * input_dims->h * input_dims->w * input_dims->c;
        for (oy = 0; oy < output_dims->h; oy++) {
            const int32_t y0 = oy * params->window.stride_h - params->window.pad_top;
            for (ox = 0; ox < output_dims->w; ox++) {
                const int32_t x0 = ox * params->window.stride_w - params->window.pad_left;
                gather(image, input_dims, filter_dims, y0, x0, params->act.input_zp, col);
                ed_v6m_mat_vec((const uint32_t *)packed, filter_dims->n, depth, col, &q,
                               output + ((b * output_dims->h + oy) * output_dims->w + ox) * output_dims->c);
            }
        }
    }
    return ED_OK;
}
