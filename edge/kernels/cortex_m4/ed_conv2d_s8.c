/*
 * ed_conv2d_s8.c (cortex_m4): the input image is widened once per call to int16 with input_zp subtracted
 * (natural order) inside a margin of zeros (what input_zp widens to), kh - 1 rows above and below and kw - 1
 * columns left and right; then, two output pixels at a time, each receptive field is copied from it row by row as
 * words into a column buffer (im2col) and a 2x2 block
 * kernel multiplies two packed filters (int16, widened once at load time by ed_conv2d_s8_pack_weights) with the
 * two columns (ed_cm4_matmul.c); an odd last pixel goes through the 2x1 kernel. Bit-exact with the reference.
 *
 * With padding of at most kernel - 1 (TFLite's SAME and VALID) every window lies within the margin and is copied
 * without a test per cell; a window reaching further takes a slower path that fills the cells outside with 0.
 *
 * Scratch layout: [two columns: 16 * ceil(K/4) bytes][4 bytes][the margined image: 2 * (H + 2 kh - 2) *
 * (W + 2 kw - 2) * C bytes rounded up to a word][4 bytes][channel table: 16 bytes per output channel],
 * K = kh * kw * in_c. A row copy moves whole words, so it may read one int16 past its run (at worst into the 4
 * bytes after the image) and write one past it: into the next row or the trailing zeros, both written after it,
 * into the column's padding, where the packed weights are 0, or (the second column) into the 4 bytes before the
 * image.
 */
#include <string.h>

#include "ed_cm4_support.h"
#include "ed_dsp.h"
#include "ed_kernels_check.h"

static int32_t depth_of(const ed_dims_t *f)
{
    return f->h * f->w * f->c;
}

/* The margined image: the input widened inside kh - 1 rows of zeros above and below and kw - 1 columns left and
 * right. Its row length in int16, its size in int16, and where input cell (y, x) sits in it (y, x may be negative
 * down to -(kh - 1), -(kw - 1)). */
static int64_t margined_line(const ed_dims_t *in, const ed_dims_t *f)
{
    return ((int64_t)in->w + 2 * (f->w - 1)) * in->c;
}

static int64_t margined_size(const ed_dims_t *in, const ed_dims_t *f)
{
    return ((int64_t)in->h + 2 * (f->h - 1)) * margined_line(in, f);
}

static int32_t margined_index(const ed_dims_t *in, const ed_dims_t *f, int32_t y, int32_t x)
{
    return (y + f->h - 1) * (int32_t)margined_line(in, f) + (x + f->w - 1) * in->c;
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
    image = margined_size(input_dims, filter_dims);
    total = (int64_t)ed_cm4_cols_size(depth, 2) + 4 + ((2 * image + 3) & ~(int64_t)3) + 4 +
            (int64_t)sizeof(ed_cm4_channel_t) * rows;
    return image > INT32_MAX || total > INT32_MAX ? 0u : (size_t)total;
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

/* kh rows of `words` words, word-aligned at both ends (an even number of channels): four words per LDM/STM pair. */
ED_NOINLINE static void copy_rows_aligned(uint32_t *d, const uint32_t *s, int32_t kh, int32_t words, int32_t line)
{
#if defined(__ARM_FEATURE_DSP) && defined(__GNUC__)
    register uint32_t r0 __asm__("r4");
    register uint32_t r1 __asm__("r5");
    register uint32_t r2 __asm__("r6");
    register uint32_t r3 __asm__("r7");
    for (; kh > 0; kh--, s += line) {
        const uint32_t *p = s;
        int32_t n = words;
        for (; n >= 4; n -= 4) {
            __asm__ volatile("ldmia %[p]!, {%[a], %[b], %[c], %[e]}\n\t"
                             "stmia %[d]!, {%[a], %[b], %[c], %[e]}"
                             : [p] "+r"(p), [d] "+r"(d), [a] "=&r"(r0), [b] "=&r"(r1), [c] "=&r"(r2), [e] "=&r"(r3)
                             :
                             : "memory");
        }
        for (; n > 0; n--) {
            *d++ = *p++;
        }
    }
#else
    int32_t i;
    for (; kh > 0; kh--, s += line) {
        for (i = 0; i < words; i++) {
            ed_write_u32(d++, ed_read_u32(s + i)); /* the buffers are written as int16 elsewhere: no aliasing */
        }
    }
#endif
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

/* Column of output pixel (oy, ox) from the margined image img (one batch). */
ED_NOINLINE static void im2col(int16_t *col, const int16_t *img, const ed_dims_t *in, const ed_dims_t *f,
                               const ed_window_t *win, int32_t oy, int32_t ox)
{
    const int32_t y0 = oy * win->stride_h - win->pad_top, x0 = ox * win->stride_w - win->pad_left;
    int32_t ky, kx;

    if (y0 >= 1 - f->h && x0 >= 1 - f->w && y0 + f->h <= in->h + f->h - 1 && x0 + f->w <= in->w + f->w - 1) {
        im2col_inside(col, img + margined_index(in, f, y0, x0), f->h, f->w * f->c, (int32_t)margined_line(in, f));
        return;
    }
    for (ky = 0; ky < f->h; ky++) { /* padding beyond the margin: cell by cell */
        for (kx = 0; kx < f->w; kx++, col += f->c) {
            const int32_t iy = y0 + ky, ix = x0 + kx;
            if (iy < 0 || iy >= in->h || ix < 0 || ix >= in->w) {
                zero_run(col, f->c);
            } else {
                const int16_t *src = img + margined_index(in, f, iy, ix);
                int32_t c;
                for (c = 0; c < f->c; c++) {
                    col[c] = src[c];
                }
            }
        }
    }
}

/* The margined image of one input image: zeros, then each input row widened into place. */
static void widen_margined(const int8_t *src, const ed_dims_t *in, const ed_dims_t *f, int32_t input_zp,
                           int16_t *img)
{
    const int32_t line = in->w * in->c;
    int32_t y;

    memset(img, 0, 2u * (size_t)margined_size(in, f));
    for (y = 0; y < in->h; y++) {
        ed_cm4_widen_image(src + y * line, line, input_zp, img + margined_index(in, f, y, 0));
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
    const ed_window_t *win = &params->window;
    int32_t b, p, c, ncols, depth, pixels, out_c, colvals, image, oy, ox, inside, first, line, row, in_c, aligned;
    int32_t step_x, step_y;
    const int16_t *src, *row_start;

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
    ed_cm4_out_clamp(&q);
    table = (ed_cm4_channel_t *)(void *)(img + 2 * ((margined_size(input_dims, filter_dims) + 1) / 2) + 2);
    /* Padding within kernel - 1 (SAME, VALID) keeps every window inside the margin. */
    inside = win->pad_top < filter_dims->h && win->pad_bottom < filter_dims->h && win->pad_left < filter_dims->w &&
             win->pad_right < filter_dims->w;
    in_c = input_dims->c;
    first = margined_index(input_dims, filter_dims, -win->pad_top, -win->pad_left); /* output pixel 0's window */
    line = (int32_t)margined_line(input_dims, filter_dims);
    row = filter_dims->w * in_c;
    aligned = (in_c & 1) == 0; /* img, the columns, rows and line then all sit on words */
    step_x = win->stride_w * in_c; /* from one output pixel's window to the next, and to the next output row's */
    step_y = win->stride_h * line;
    ed_cm4_channel_table(&q, out_c, table);
    q.table = table;
    for (b = 0; b < input_dims->n; b++) {
        widen_margined(input + b * image, input_dims, filter_dims, params->act.input_zp, img);
        oy = ox = 0;
        src = row_start = img + first;
        for (p = 0; p < pixels; p += ncols) {
            ncols = pixels - p >= 2 ? 2 : 1;
            for (c = 0; c < ncols; c++) {
                int16_t *col = (int16_t *)cols + c * colvals;
                if (inside && aligned) { /* an even number of channels: every row starts and ends on a word */
                    copy_rows_aligned((uint32_t *)(void *)col, (const uint32_t *)(const void *)src, filter_dims->h,
                                      row / 2, line / 2);
                } else if (inside) { /* no window leaves the margin: straight to the row copies */
                    im2col_inside(col, src, filter_dims->h, row, line);
                } else {
                    im2col(col, img, input_dims, filter_dims, win, oy, ox);
                }
                src += step_x;
                if (++ox == output_dims->w) {
                    ox = 0;
                    oy++;
                    src = row_start += step_y;
                }
            }
            ed_cm4_mat_mult_packed((const uint32_t *)filter, ED_CONV_BLOCK, out_c, depth, cols, ncols, &q,
                                   output + (b * pixels + p) * out_c, out_c);
        }
    }
    return ED_OK;
}
