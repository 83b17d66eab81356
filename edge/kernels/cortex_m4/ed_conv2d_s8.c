/*
 * ed_conv2d_s8.c (cortex_m4): the input image is widened once per call to int16 with input_zp subtracted
 * (natural order); then, two output pixels at a time, each receptive field is copied from it row by row as words
 * into a column buffer (im2col; cells outside the image are 0, which is what input_zp widens to) and a 2x2 block
 * kernel multiplies two packed filters (int16, widened once at load time by ed_conv2d_s8_pack_weights) with the
 * two columns (ed_cm4_support.c); an odd last pixel goes through the 2x1 kernel. Bit-exact with the reference.
 *
 * Scratch layout: [two columns: 16 * ceil(K/4) bytes][4 bytes][the widened image: 2 * H * W * C bytes rounded
 * up to a word][4 bytes][channel table: 16 bytes per output channel], K = kh * kw * in_c. A row copy moves whole words, so it may read one int16 past its run
 * (at worst into the last 4 bytes) and write one past it: into the next row or the trailing zeros, both written
 * after it, into the column's padding, where the packed weights are 0, or (the second column) into the 4 bytes
 * before the image.
 */
#include <string.h>

#include "ed_cm4_support.h"
#include "ed_dsp.h"
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
        ed_cm4_pack(filter, rows, depth, ED_CONV_BLOCK, 1, (uint32_t *)dst);
    }
    return status;
}

size_t ed_conv2d_s8_get_buffer_size(const ed_dims_t *input_dims, const ed_dims_t *filter_dims)
{
    int64_t image, total;
    int32_t rows, depth;

    matrix_of(filter_dims, &rows, &depth);
    if (depth == 0 || input_dims == NULL || input_dims->h < 1 || input_dims->w < 1 || input_dims->c < 1 ||
        (int64_t)input_dims->h * input_dims->w > INT32_MAX) {
        return 0;
    }
    image = (int64_t)input_dims->h * input_dims->w * input_dims->c;
    total = (int64_t)ed_cm4_cols_size(depth, 2) + 4 + ((2 * image + 3) & ~(int64_t)3) + 4 +
            (int64_t)sizeof(ed_cm4_channel_t) * rows;
    return image > INT32_MAX || total > INT32_MAX ? 0u : (size_t)total;
}

/* n int16 values of x - zp from n int8 at src, natural order (any alignment in, dst 4-byte aligned). */
static void widen_image(const int8_t *src, int32_t n, int32_t zp, int16_t *dst)
{
    const uint32_t off16 = (uint32_t)(-zp) & 0xFFFFu, offset2 = off16 | (off16 << 16);
    uint32_t *d = (uint32_t *)dst, x, a, b;
    int32_t i;

    for (i = n >> 2; i > 0; i--) {
        x = ed_read_u32(src);
        src += 4;
        a = ed_sxtab16(offset2, x);      /* (x0, x2) */
        b = ed_sxtab16_ror8(offset2, x); /* (x1, x3) */
        d[0] = ed_pack_lo(a, b);
        d[1] = ed_pack_hi(a, b);
        d += 2;
    }
    for (i = 0; i < (n & 3); i++) {
        ((int16_t *)d)[i] = (int16_t)(src[i] - zp);
    }
}

#if defined(__GNUC__)
#define ED_NOINLINE __attribute__((noinline))
#else
#define ED_NOINLINE
#endif

/* words words from s to d (any alignment: Cortex-M4 LDR/STR allow it); short rows straight-line. */
static inline void copy_words(uint32_t *d, const uint32_t *s, int32_t words)
{
    switch (words) {
    case 3:
        ed_write_u32(d + 2, ed_read_u32(s + 2));
        /* fall through */
    case 2:
        ed_write_u32(d + 1, ed_read_u32(s + 1));
        /* fall through */
    case 1:
        ed_write_u32(d, ed_read_u32(s));
        break;
    default: {
        uint32_t a, b;
        for (; words >= 2; words -= 2, d += 2, s += 2) {
            a = ed_read_u32(s);
            b = ed_read_u32(s + 1);
            ed_write_u32(d, a);
            ed_write_u32(d + 1, b);
        }
        if (words != 0) {
            ed_write_u32(d, ed_read_u32(s));
        }
        break;
    }
    }
}

/* A receptive field entirely inside the image: kh rows of `row` int16, `line` int16 apart in the image, copied
 * as ceil(row / 2) words each (see the scratch note); rows of up to 3 words straight-line. */
#define ED_ROWS_OF(WORDS)                                                                                        \
    for (; kh > 0; kh--, col += row, src += line) {                                                              \
        copy_words((uint32_t *)(void *)col, (const uint32_t *)(const void *)src, WORDS);                         \
    }
ED_NOINLINE static void im2col_inside(int16_t *col, const int16_t *src, int32_t kh, int32_t row, int32_t line)
{
    const int32_t words = (row + 1) >> 1;
    switch (words) {
    case 1:
        ED_ROWS_OF(1);
        break;
    case 2:
        ED_ROWS_OF(2);
        break;
    case 3:
        ED_ROWS_OF(3);
        break;
    default:
        ED_ROWS_OF(words);
        break;
    }
}

static inline void zero_run(int16_t *d, int32_t n)
{
    for (; n > 0; n--) {
        *d++ = 0;
    }
}

/* Column of output pixel (oy, ox) from the widened image img (one batch). */
ED_NOINLINE static void im2col(int16_t *col, const int16_t *img, const ed_dims_t *in, const ed_dims_t *f,
                   const ed_window_t *win, int32_t oy, int32_t ox)
{
    const int32_t y0 = oy * win->stride_h - win->pad_top, x0 = ox * win->stride_w - win->pad_left;
    /* Taps kx in [kx_lo, kx_hi) fall inside the image; their pixels are contiguous in NHWC. */
    const int32_t kx_lo = x0 < 0 ? (-x0 < f->w ? -x0 : f->w) : 0;
    const int32_t kx_hi = in->w - x0 < f->w ? (in->w - x0 > kx_lo ? in->w - x0 : kx_lo) : f->w;
    const int32_t row = f->w * f->c, lead = kx_lo * f->c, run = (kx_hi - kx_lo) * f->c, line = in->w * in->c;
    int32_t ky;

    if (lead == 0 && run == row && y0 >= 0 && y0 + f->h <= in->h) {
        im2col_inside(col, img + y0 * line + x0 * in->c, f->h, row, line);
        return;
    }
    for (ky = 0; ky < f->h; ky++, col += row) {
        if (y0 + ky < 0 || y0 + ky >= in->h || run == 0) {
            zero_run(col, row);
            continue;
        }
        zero_run(col, lead);
        copy_words((uint32_t *)(void *)(col + lead),
                   (const uint32_t *)(const void *)(img + (y0 + ky) * line + (x0 + kx_lo) * in->c), (run + 1) >> 1);
        zero_run(col + lead + run, row - lead - run);
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
    int16_t *img;
    ed_cm4_channel_t *table;
    int32_t b, p, c, ncols, depth, pixels, out_c, colvals, image, oy, ox;

    if (status == ED_OK) {
        status = ed_kc_scratch(scratch, ed_conv2d_s8_get_buffer_size(input_dims, filter_dims));
    }
    if (status != ED_OK) {
        return status;
    }
    depth = depth_of(filter_dims);
    pixels = output_dims->h * output_dims->w;
    out_c = filter_dims->n;
    cols = (uint32_t *)scratch->buf;
    colvals = (int32_t)(ed_cm4_cols_size(depth, 1) / 2u); /* int16 per column */
    img = (int16_t *)scratch->buf + 2 * colvals + 2;
    image = input_dims->h * input_dims->w * input_dims->c;
    q.bias = bias;
    q.multiplier = requant->multiplier;
    q.shift = requant->shift;
    q.output_zp = params->act.output_zp;
    q.act_min = params->act.act_min;
    q.act_max = params->act.act_max;
    table = (ed_cm4_channel_t *)(void *)(img + 2 * ((image + 1) / 2) + 2);
    ed_cm4_channel_table(&q, out_c, table);
    q.table = table;
    for (b = 0; b < input_dims->n; b++) {
        widen_image(input + b * image, image, params->act.input_zp, img);
        oy = ox = 0;
        for (p = 0; p < pixels; p += ncols) {
            ncols = pixels - p >= 2 ? 2 : 1;
            for (c = 0; c < ncols; c++) {
                im2col((int16_t *)cols + c * colvals, img, input_dims, filter_dims, &params->window, oy, ox);
                if (++ox == output_dims->w) {
                    ox = 0;
                    oy++;
                }
            }
            ed_cm4_mat_mult_packed((const uint32_t *)filter, ED_CONV_BLOCK, out_c, depth, cols, ncols, &q,
                                   output + (b * pixels + p) * out_c, out_c);
        }
    }
    return ED_OK;
}
