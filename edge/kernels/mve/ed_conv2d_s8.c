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
 * Narrow filters (depth kh kw C at most ED_MVE_NARROW: LeNet's one-channel 5x5) run by columns: two byte gathers
 * from the margined image make a pixel's whole column (two vectors), then two VMLADAV(A) per filter against its
 * 32-byte zero-padded row, four filters requantized per vector (conv_narrow_columns). A window reaching past the
 * gathers' 8-bit offsets runs pixel-parallel instead: four output pixels per vector, the window cells of four
 * pixels read by one widening load from the margined image and multiplied by the filter's weight (VMLA by a
 * scalar), four vectors (16 pixels) per weight, requantized and scattered into NHWC. Their packed form is the row
 * sums (int32) and then each OHWI row in 32 bytes, zero padded, the rows padded with zero rows to a multiple of 4.
 *
 * Scratch layout, wide: [table: 48 bytes per block of 4 filters][column: depth rounded up to 16 bytes][the margined
 * image: (H + 2 kh - 2) (W + 2 kw - 2) C bytes]; narrow: [table: 64 bytes per block of 4 filters][the margined
 * image].
 */
#include <string.h>

#include "ed_fixedpoint.h"
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

#define ED_MVE_NARROW 32 /* filters of at most this depth take the narrow paths (columns of two vectors) */

/* Narrow packed form: the row sums (int32), then each filter's OHWI row in ED_NARROW_ROW bytes (zeros after its
 * depth), the filters padded with zero rows to a multiple of 4: the column path loads a filter's weights as two
 * 16-byte vectors at constant offsets, and a block of 4 filters needs no test for a partial block. */
#define ED_NARROW_ROW 32

static size_t narrow_size(int32_t rows, int32_t depth)
{
    const int64_t bytes = 4 * (int64_t)rows + (int64_t)ED_NARROW_ROW * 4 * ((rows + 3) / 4);
    return rows < 1 || depth < 1 || bytes > INT32_MAX ? 0u : (size_t)bytes;
}

size_t ed_conv2d_s8_weights_size(const ed_dims_t *filter_dims)
{
    int32_t rows, depth;
    matrix_of(filter_dims, &rows, &depth);
    return depth <= ED_MVE_NARROW ? narrow_size(rows, depth) : ed_mve_packed_size(rows, depth);
}

ed_kernel_status_t ed_conv2d_s8_pack_weights(const ed_dims_t *filter_dims, const int8_t *filter, void *dst,
                                             size_t dst_size)
{
    int32_t rows, depth;
    ed_kernel_status_t status;
    matrix_of(filter_dims, &rows, &depth);
    status = ed_kc_pack(rows, depth, filter, dst, dst_size, ed_conv2d_s8_weights_size(filter_dims));
    if (status == ED_OK && depth <= ED_MVE_NARROW) {
        int8_t *const w = (int8_t *)((uint32_t *)dst + rows);
        int32_t r, i;
        for (r = 0; r < rows; r++) {
            uint32_t sum = 0;
            for (i = 0; i < depth; i++) {
                sum += (uint32_t)(int32_t)filter[r * depth + i];
            }
            ((uint32_t *)dst)[r] = sum;
        }
        memset(w, 0, (size_t)ED_NARROW_ROW * 4u * (size_t)((rows + 3) / 4));
        for (r = 0; r < rows; r++) {
            memcpy(w + r * ED_NARROW_ROW, filter + r * depth, (size_t)depth);
        }
    } else if (status == ED_OK) {
        ed_mve_pack(filter, rows, depth, (uint32_t *)dst);
    }
    return status;
}

/* The narrow column path's constants per block of 4 filters, made once per call: the bias with the zero point
 * folded in (bias - input_zp * sum w, modulo 2^32), the multiplier and the shift split into its left part
 * max(shift, 0) and its right part min(shift, 0) (VSHL / VRSHL amounts); pad filters all 0. */
typedef struct {
    int32_t bias[4], multiplier[4], left[4], right[4];
} ed_narrow_block_t;

static size_t narrow_table_size(int32_t rows)
{
    return (size_t)((rows + 3) / 4) * sizeof(ed_narrow_block_t);
}

static void narrow_table(const uint32_t *sums, int32_t rows, const int32_t *bias, const ed_requant_t *rq,
                         int32_t input_zp, ed_narrow_block_t *t)
{
    int32_t r, k;
    for (r = 0; r < rows + 3 - (rows + 3) % 4; r++) {
        ed_narrow_block_t *b = t + r / 4;
        k = r % 4;
        if (r < rows) {
            b->bias[k] = ed_s32((bias != NULL ? (uint32_t)bias[r] : 0u) - (uint32_t)input_zp * sums[r]);
            b->multiplier[k] = rq->multiplier[r];
            b->left[k] = rq->shift[r] > 0 ? rq->shift[r] : 0;
            b->right[k] = rq->shift[r] < 0 ? rq->shift[r] : 0;
        } else {
            b->bias[k] = b->multiplier[k] = b->left[k] = b->right[k] = 0;
        }
    }
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
    total = depth <= ED_MVE_NARROW ? (int64_t)narrow_table_size(rows) + image
                                   : (int64_t)ed_mve_table_size(rows) + ed_mve_depth16(depth) + image;
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

#if defined(__ARM_FEATURE_MVE) && (__ARM_FEATURE_MVE & 1)
/* One filter's sums over nv (1..4) vectors of 4 pixels, the last one predicated by plast when partial. */
static inline __attribute__((always_inline)) void narrow_acc(const int8_t *base, int32_t line, int32_t kh,
                                                             int32_t run, const int8_t *wf, uint32x4_t offs,
                                                             int32_t step, int nv, int partial, int contig,
                                                             mve_pred16_t plast, int32x4_t r[4])
{
    int32x4_t a0 = vdupq_n_s32(0), a1 = a0, a2 = a0, a3 = a0;
    int32_t ky, k;
    for (ky = 0; ky < kh; ky++, base += line) {
        const int8_t *x = base;
        for (k = 0; k < run; k++, x++) {
            const int32_t wv = *wf++;
/* contiguous pixels (step 1): widening loads at an immediate offset; otherwise gathers of every step-th byte */
#define ED_GATHER(v)                                                                                              \
    (contig ? (partial && nv == (v) + 1 ? vldrbq_z_s32(x + 4 * (v), plast) : vldrbq_s32(x + 4 * (v)))              \
            : (partial && nv == (v) + 1 ? vldrbq_gather_offset_z_s32(x + 4 * (v) * step, offs, plast)             \
                                        : vldrbq_gather_offset_s32(x + 4 * (v) * step, offs)))
            a0 = vmlaq_n_s32(a0, ED_GATHER(0), wv);
            if (nv > 1) {
                a1 = vmlaq_n_s32(a1, ED_GATHER(1), wv);
            }
            if (nv > 2) {
                a2 = vmlaq_n_s32(a2, ED_GATHER(2), wv);
            }
            if (nv > 3) {
                a3 = vmlaq_n_s32(a3, ED_GATHER(3), wv);
            }
#undef ED_GATHER
        }
    }
    r[0] = a0;
    r[1] = a1;
    r[2] = a2;
    r[3] = a3;
}
#endif

#if defined(__ARM_FEATURE_MVE) && (__ARM_FEATURE_MVE & 1)
/* The column path needs every window cell within 255 bytes of the window's first one (8-bit gather offsets). */
static int narrow_columns_fit(const ed_dims_t *in, const ed_dims_t *f)
{
    return (int64_t)(f->h - 1) * ((int64_t)in->w + 2 * (f->w - 1)) * in->c + (int64_t)f->w * f->c - 1 <= 255;
}

/*
 * The narrow path by columns (depth <= 32, window within 255 bytes): per output pixel two byte gathers from the
 * margined image make its whole column (taps 0-15 and 16-31; the lanes past depth read the window's first cell
 * and meet zero weights), then per filter two VMLADAV(A) against its 32 weights at constant offsets (the packed
 * rows of ED_NARROW_ROW bytes), four filters' sums into one vector, requantized as in ed_mve_mat_vec_table and
 * stored as four bytes: about 35 instructions per block of 4 filters and pixel, for 4 * depth MACs (100 for LeNet's
 * one-channel 5x5), where the pixel-parallel loop took 1.6-2.2 per MAC on LeNet's 28- and 8-pixel rows.
 */
/* One block of 4 filters for one pixel's column (x0, x1): the 4 requantized outputs as int32 lanes. */
static inline __attribute__((always_inline)) int32x4_t narrow_block(int8x16_t x0, int8x16_t x1, const int8_t *wf,
                                                                   const ed_narrow_block_t *b, int32_t zp,
                                                                   int32x4_t lo, int32x4_t hi)
{
    int32x4_t x = vdupq_n_s32(vmladavaq_s8(vmladavq_s8(x0, vldrbq_s8(wf)), x1, vldrbq_s8(wf + 16)));
    int32x4_t right;
    x = vsetq_lane_s32(vmladavaq_s8(vmladavq_s8(x0, vldrbq_s8(wf + 32)), x1, vldrbq_s8(wf + 48)), x, 1);
    x = vsetq_lane_s32(vmladavaq_s8(vmladavq_s8(x0, vldrbq_s8(wf + 64)), x1, vldrbq_s8(wf + 80)), x, 2);
    x = vsetq_lane_s32(vmladavaq_s8(vmladavq_s8(x0, vldrbq_s8(wf + 96)), x1, vldrbq_s8(wf + 112)), x, 3);
    x = vaddq_s32(x, vldrwq_s32(b->bias));
    x = vqrdmulhq_s32(vshlq_s32(x, vldrwq_s32(b->left)), vldrwq_s32(b->multiplier));
    right = vldrwq_s32(b->right);
    x = vqaddq_s32(x, vshrq_n_s32(vandq_s32(x, right), 31));
    x = vaddq_n_s32(vrshlq_s32(x, right), zp);
    return vminq_s32(vmaxq_s32(x, lo), hi);
}

static void conv_narrow_columns(const ed_conv_params_t *params, const ed_dims_t *in, const ed_dims_t *f,
                                const int8_t *w, const ed_narrow_block_t *t, const ed_dims_t *od, int8_t *out,
                                const int8_t *m)
{
    /* every parameter in a local first: the int8 output stores could alias them */
    const int32_t depth = f->h * f->w * f->c, run = f->w * f->c, rows = f->n, c = in->c, oh = od->h, ow = od->w;
    const int32_t line = (in->w + 2 * (f->w - 1)) * c;
    const int32_t sx = params->window.stride_w * c, sy = params->window.stride_h * line;
    const int32_t zp = params->act.output_zp, full = (rows - 1) / 4; /* blocks before the last one */
    const int32x4_t lo = vdupq_n_s32(params->act.act_min), hi = vdupq_n_s32(params->act.act_max);
    const mve_pred16_t plast = vctp32q((uint32_t)(rows - 4 * full));
    const int8_t *row = m + (f->h - 1 - params->window.pad_top) * line + (f->w - 1 - params->window.pad_left) * c;
    const int8_t *const wlast = w + full * 4 * ED_NARROW_ROW;
    const ed_narrow_block_t *const tlast = t + full;
    uint8_t offs[32];
    uint8x16_t o0, o1;
    int32_t i, oy, ox, k;

    for (i = 0; i < 32; i++) { /* tap i = (ky, kx, ic) of the OHWI row: ky lines down, kx * c + ic along */
        offs[i] = (uint8_t)(i < depth ? (i / run) * line + i % run : 0);
    }
    o0 = vldrbq_u8(offs);
    o1 = vldrbq_u8(offs + 16);
    for (oy = 0; oy < oh; oy++, row += sy) {
        const int8_t *px = row;
        for (ox = 0; ox < ow; ox++, px += sx, out += rows) {
            const int8x16_t x0 = vldrbq_gather_offset_s8(px, o0), x1 = vldrbq_gather_offset_s8(px, o1);
            for (k = 0; k < full; k++) {
                vstrbq_s32(out + 4 * k, narrow_block(x0, x1, w + k * 4 * ED_NARROW_ROW, t + k, zp, lo, hi));
            }
            vstrbq_p_s32(out + 4 * full, narrow_block(x0, x1, wlast, tlast, zp, lo, hi), plast);
        }
    }
}
#endif

/*
 * The narrow path: 16 output pixels of a row at a time (four vectors, the last ones predicated), every filter in
 * turn. m: the margined image of batch b; or, without the margin (pads past kernel - 1), a cell-by-cell loop over
 * the input.
 */
static void conv_narrow(const ed_conv_params_t *params, const ed_requant_t *requant, const ed_dims_t *in,
                        const int8_t *image, const ed_dims_t *f, const void *packed, const int32_t *bias,
                        const ed_dims_t *od, int8_t *out, const int8_t *m)
{
    const uint32_t *sums = (const uint32_t *)packed;
    const int8_t *w = (const int8_t *)(sums + f->n);
    const int32_t run = f->w * f->c, c = in->c;
    const int32_t line = (in->w + 2 * (f->w - 1)) * c, step = params->window.stride_w * c;
    const ed_act_t *a = &params->act;
    int32_t oy, ox, oc;

    for (oy = 0; oy < od->h; oy++) {
        const int32_t y0 = oy * params->window.stride_h - params->window.pad_top;
        for (ox = 0; ox < od->w; ox += 16) {
            const int32_t x0 = ox * params->window.stride_w - params->window.pad_left;
            int8_t *o = out + (oy * od->w + ox) * od->c;
            int32_t px;
#if defined(__ARM_FEATURE_MVE) && (__ARM_FEATURE_MVE & 1)
            const int32_t n = od->w - ox;
            const mve_pred16_t p0 = vctp32q((uint32_t)n), p1 = vctp32q((uint32_t)(n > 4 ? n - 4 : 0));
            const mve_pred16_t p2 = vctp32q((uint32_t)(n > 8 ? n - 8 : 0));
            const mve_pred16_t p3 = vctp32q((uint32_t)(n > 12 ? n - 12 : 0));
            const uint32x4_t offs = vmulq_n_u32(vidupq_n_u32(0u, 1), (uint32_t)step);
            const uint32x4_t oofs = vmulq_n_u32(vidupq_n_u32(0u, 1), (uint32_t)od->c);
            const int8_t *base = m != NULL ? m + (y0 + f->h - 1) * line + (x0 + f->w - 1) * c : NULL;
            for (oc = 0; m != NULL && oc < od->c; oc++) {
                const int8_t *const wf = w + oc * ED_NARROW_ROW;
                const int32_t shift = requant->shift[oc], mult = requant->multiplier[oc];
                const int32_t beff = ed_s32((bias != NULL ? (uint32_t)bias[oc] : 0u) - (uint32_t)a->input_zp * sums[oc]);
                int32x4_t r[4];
                int32_t v;
                const int32_t nv = (n >= 16 ? 16 : n + 3) / 4;
                const int partial = n < 16 && (n & 3) != 0;
                switch ((step == 1) * 16 + nv * 2 + partial) { /* constant arguments: one specialised loop each */
                case 18: narrow_acc(base, line, f->h, run, wf, offs, step, 1, 0, 1, p0, r); break;
                case 19: narrow_acc(base, line, f->h, run, wf, offs, step, 1, 1, 1, p0, r); break;
                case 20: narrow_acc(base, line, f->h, run, wf, offs, step, 2, 0, 1, p1, r); break;
                case 21: narrow_acc(base, line, f->h, run, wf, offs, step, 2, 1, 1, p1, r); break;
                case 22: narrow_acc(base, line, f->h, run, wf, offs, step, 3, 0, 1, p2, r); break;
                case 23: narrow_acc(base, line, f->h, run, wf, offs, step, 3, 1, 1, p2, r); break;
                case 24: narrow_acc(base, line, f->h, run, wf, offs, step, 4, 0, 1, p3, r); break;
                case 25: narrow_acc(base, line, f->h, run, wf, offs, step, 4, 1, 1, p3, r); break;
                case 2: narrow_acc(base, line, f->h, run, wf, offs, step, 1, 0, 0, p0, r); break;
                case 3: narrow_acc(base, line, f->h, run, wf, offs, step, 1, 1, 0, p0, r); break;
                case 4: narrow_acc(base, line, f->h, run, wf, offs, step, 2, 0, 0, p1, r); break;
                case 5: narrow_acc(base, line, f->h, run, wf, offs, step, 2, 1, 0, p1, r); break;
                case 6: narrow_acc(base, line, f->h, run, wf, offs, step, 3, 0, 0, p2, r); break;
                case 7: narrow_acc(base, line, f->h, run, wf, offs, step, 3, 1, 0, p2, r); break;
                case 8: narrow_acc(base, line, f->h, run, wf, offs, step, 4, 0, 0, p3, r); break;
                default: narrow_acc(base, line, f->h, run, wf, offs, step, 4, 1, 0, p3, r); break;
                }
                for (v = 0; v < 4 && 4 * v < n; v++) {
                    const mve_pred16_t pv = v == 0 ? p0 : v == 1 ? p1 : v == 2 ? p2 : p3;
                    int32x4_t x = vshlq_r_s32(vaddq_n_s32(r[v], beff), shift > 0 ? shift : 0);
                    x = vqrdmulhq_n_s32(x, mult);
                    if (shift < 0) { /* ties away from zero: VRSHL rounds them up, so 1 less on negative lanes */
                        x = vrshlq_n_s32(vqaddq_s32(x, vshrq_n_s32(x, 31)), shift);
                    }
                    x = vaddq_n_s32(x, a->output_zp);
                    x = vminq_s32(vmaxq_s32(x, vdupq_n_s32(a->act_min)), vdupq_n_s32(a->act_max));
                    vstrbq_scatter_offset_p_s32(o + 4 * v * od->c + oc, oofs, x, pv);
                }
            }
            if (m != NULL) {
                continue;
            }
#endif
            /* the same sums cell by cell (host builds, and pads past kernel - 1): from the margined image, or
             * bounds-checked from the input */
            for (px = 0; px < 16 && ox + px < od->w; px++) {
                const int32_t xs = x0 + px * params->window.stride_w;
                for (oc = 0; oc < od->c; oc++) {
                    const int8_t *wf = w + oc * ED_NARROW_ROW;
                    uint32_t acc = 0;
                    int32_t ky, k;
                    for (ky = 0; ky < f->h; ky++) {
                        for (k = 0; k < run; k++) {
                            const int32_t iy = y0 + ky, ix = xs + k / c;
                            int32_t xv;
                            if (m != NULL) {
                                xv = m[(iy + f->h - 1) * line + (xs + f->w - 1) * c + k];
                            } else {
                                xv = iy < 0 || iy >= in->h || ix < 0 || ix >= in->w ? a->input_zp
                                                                                      : image[(iy * in->w + ix) * c + k % c];
                            }
                            acc += (uint32_t)(wf[ky * run + k] * xv);
                        }
                    }
                    acc += (bias != NULL ? (uint32_t)bias[oc] : 0u) - (uint32_t)a->input_zp * sums[oc];
                    o[px * od->c + oc] = ed_requantize(acc, requant->multiplier[oc], requant->shift[oc], a->output_zp,
                                                       a->act_min, a->act_max);
                }
            }
            (void)step;
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
    margined = params->window.pad_top < filter_dims->h && params->window.pad_bottom < filter_dims->h &&
               params->window.pad_left < filter_dims->w && params->window.pad_right < filter_dims->w;
    if (depth <= ED_MVE_NARROW) {
        ed_narrow_block_t *const nt = (ed_narrow_block_t *)scratch->buf;
        const uint32_t *sums = (const uint32_t *)packed;
#if defined(__ARM_FEATURE_MVE) && (__ARM_FEATURE_MVE & 1)
        const int columns = margined && narrow_columns_fit(input_dims, filter_dims);
#endif
        narrow_table(sums, filter_dims->n, bias, requant, params->act.input_zp, nt);
        for (b = 0; b < output_dims->n; b++) {
            const int8_t *image = input + b * input_dims->h * input_dims->w * input_dims->c;
            int8_t *m = margined ? (int8_t *)scratch->buf + narrow_table_size(filter_dims->n) : NULL;
            if (m != NULL) {
                fill_margined(image, input_dims, filter_dims, params->act.input_zp, m);
            }
#if defined(__ARM_FEATURE_MVE) && (__ARM_FEATURE_MVE & 1)
            if (columns) {
                conv_narrow_columns(params, input_dims, filter_dims, (const int8_t *)(sums + filter_dims->n), nt,
                                    output_dims, output + b * output_dims->h * output_dims->w * output_dims->c, m);
                continue;
            }
#endif
            conv_narrow(params, requant, input_dims, image, filter_dims, packed, bias, output_dims,
                        output + b * output_dims->h * output_dims->w * output_dims->c, m);
        }
        return ED_OK;
    }
    col = (int8_t *)scratch->buf + ed_mve_table_size(filter_dims->n);
    memset(col + depth, 0, (size_t)(ed_mve_depth16(depth) - depth));
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
