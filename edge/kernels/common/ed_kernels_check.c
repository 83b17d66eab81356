/*
 * ed_kernels_check.c: the argument checks every kernel runs before touching memory (internal, both variants).
 * Sizes are computed in 64 bits so that no check itself can overflow; tensors must stay below 2^31 elements so
 * that the kernels can index them with int32 arithmetic.
 */
#include "ed_kernels_check.h"

#define ED_I8_MIN (-128)
#define ED_I8_MAX 127
#define ED_MAX_ELEMS ((int64_t)INT32_MAX)

static int fits(int64_t a, int64_t b)
{
    return a >= 1 && b >= 1 && a <= ED_MAX_ELEMS && b <= ED_MAX_ELEMS && a * b <= ED_MAX_ELEMS;
}

static int dims_ok(const ed_dims_t *d)
{
    return d->n >= 1 && d->h >= 1 && d->w >= 1 && d->c >= 1 && fits((int64_t)d->n * d->h, (int64_t)d->w * d->c);
}

static int in_i8(int32_t v)
{
    return v >= ED_I8_MIN && v <= ED_I8_MAX;
}

static int clamp_ok(int32_t act_min, int32_t act_max)
{
    return in_i8(act_min) && in_i8(act_max) && act_min <= act_max;
}

static int act_ok(const ed_act_t *a)
{
    return in_i8(a->input_zp) && in_i8(a->output_zp) && clamp_ok(a->act_min, a->act_max);
}

#if defined(__ARM_FEATURE_MVE) && (__ARM_FEATURE_MVE & 1)
#include <arm_mve.h>

/* Every shift in [-31, 31], Helium (the M55): the least and greatest shift over 4 channels per vector (the last
 * vector predicated, its idle lanes 0), then one test each. Half an instruction per channel, where the scalar loop
 * below takes about 5.5: a 10-output layer's check was a tenth of its instructions. */
static int shifts_ok(const ed_requant_t *r, int32_t channels)
{
    const int32_t *s = r->shift;
    int32x4_t lo = vdupq_n_s32(0), hi = lo, v;
    int32_t n;

    for (n = channels >> 2; n > 0; n--, s += 4) {
        v = vldrwq_s32(s);
        lo = vminq_s32(lo, v);
        hi = vmaxq_s32(hi, v);
    }
    if ((channels & 3) != 0) {
        v = vldrwq_z_s32(s, vctp32q((uint32_t)(channels & 3)));
        lo = vminq_s32(lo, v);
        hi = vmaxq_s32(hi, v);
    }
    return vminvq_s32(0, lo) >= -31 && vmaxvq_s32(0, hi) <= 31;
}
#else
/* Every shift in [-31, 31]. u = shift + 31 is valid iff u <= 62 (unsigned); u | (62 - u) then has bit 31 clear,
 * and it has it set for every invalid shift (62 - u wraps for 62 < u < 2^31 + 63, u itself has it above), so
 * one OR over all channels and one test replace a compare and branch per channel. */
static int shifts_ok(const ed_requant_t *r, int32_t channels)
{
    const int32_t *s = r->shift;
    uint32_t bad = 0, u, v;
    int32_t c;

    for (c = channels >> 1; c > 0; c--, s += 2) {
        u = (uint32_t)s[0] + 31u;
        v = (uint32_t)s[1] + 31u;
        bad |= u | (62u - u) | v | (62u - v);
    }
    if ((channels & 1) != 0) {
        u = (uint32_t)s[0] + 31u;
        bad |= u | (62u - u);
    }
    return (bad >> 31) == 0u;
}
#endif

/* (in + pad_before + pad_after - kernel) / stride + 1 == out, with a window that fits the padded input and a
 * padded extent below 2^31 (so window origins never overflow an int32). */
static int extent_ok(int32_t in, int32_t pad_before, int32_t pad_after, int32_t kernel, int32_t stride, int32_t out)
{
    const int64_t padded = (int64_t)in + pad_before + pad_after;
    /* Divide in int32 once the range is known: a 64-bit division would pull in a libgcc helper. */
    return pad_before >= 0 && pad_after >= 0 && stride >= 1 && kernel >= 1 && padded >= kernel &&
           padded <= ED_MAX_ELEMS && ((int32_t)padded - kernel) / stride + 1 == out;
}

static int window_ok(const ed_window_t *win, const ed_dims_t *in, int32_t kh, int32_t kw, const ed_dims_t *out)
{
    return extent_ok(in->h, win->pad_top, win->pad_bottom, kh, win->stride_h, out->h) &&
           extent_ok(in->w, win->pad_left, win->pad_right, kw, win->stride_w, out->w);
}

ed_kernel_status_t ed_kc_fc_config(const ed_fc_params_t *params, const ed_requant_t *requant, int32_t batches,
                                   int32_t in_features, int32_t out_features)
{
    if (params == NULL || requant == NULL || requant->multiplier == NULL || requant->shift == NULL) {
        return ED_ERR_ARG;
    }
    if (!fits(batches, in_features) || !fits(out_features, in_features) || !fits(batches, out_features)) {
        return ED_ERR_ARG;
    }
    if (!act_ok(&params->act) || !shifts_ok(requant, out_features)) {
        return ED_ERR_QUANT;
    }
    return ED_OK;
}

ed_kernel_status_t ed_kc_fc_prepare(const ed_fc_params_t *params, const ed_requant_t *requant, int32_t batches,
                                    int32_t in_features, int32_t out_features, const ed_scratch_t *scratch,
                                    size_t needed)
{
    const ed_kernel_status_t status = ed_kc_fc_config(params, requant, batches, in_features, out_features);
    return status != ED_OK ? status : ed_kc_scratch(scratch, needed);
}

ed_kernel_status_t ed_kc_fully_connected(const ed_fc_params_t *params, const ed_requant_t *requant,
                                         int32_t batches, int32_t in_features, int32_t out_features,
                                         const int8_t *input, const void *weights, const int8_t *output)
{
    if (input == NULL || weights == NULL || output == NULL) {
        return ED_ERR_ARG;
    }
    return ed_kc_fc_config(params, requant, batches, in_features, out_features);
}

ed_kernel_status_t ed_kc_conv2d(const ed_conv_params_t *params, const ed_requant_t *requant,
                                const ed_dims_t *input_dims, const int8_t *input, const ed_dims_t *filter_dims,
                                const void *filter, const ed_dims_t *output_dims, const int8_t *output)
{
    if (params == NULL || requant == NULL || requant->multiplier == NULL || requant->shift == NULL ||
        input_dims == NULL || input == NULL || filter_dims == NULL || filter == NULL || output_dims == NULL ||
        output == NULL) {
        return ED_ERR_ARG;
    }
    if (!dims_ok(input_dims) || !dims_ok(filter_dims) || !dims_ok(output_dims) ||
        filter_dims->c != input_dims->c || output_dims->n != input_dims->n || output_dims->c != filter_dims->n ||
        !window_ok(&params->window, input_dims, filter_dims->h, filter_dims->w, output_dims)) {
        return ED_ERR_ARG;
    }
    if (!act_ok(&params->act) || !shifts_ok(requant, filter_dims->n)) {
        return ED_ERR_QUANT;
    }
    return ED_OK;
}

ed_kernel_status_t ed_kc_depthwise_conv2d(const ed_dw_conv_params_t *params, const ed_requant_t *requant,
                                          const ed_dims_t *input_dims, const int8_t *input,
                                          const ed_dims_t *filter_dims, const int8_t *filter,
                                          const ed_dims_t *output_dims, const int8_t *output)
{
    if (params == NULL || requant == NULL || requant->multiplier == NULL || requant->shift == NULL ||
        input_dims == NULL || input == NULL || filter_dims == NULL || filter == NULL || output_dims == NULL ||
        output == NULL) {
        return ED_ERR_ARG;
    }
    if (!dims_ok(input_dims) || !dims_ok(filter_dims) || !dims_ok(output_dims) || filter_dims->n != 1 ||
        params->depth_multiplier < 1 || (int64_t)input_dims->c * params->depth_multiplier != filter_dims->c ||
        output_dims->n != input_dims->n || output_dims->c != filter_dims->c ||
        !window_ok(&params->window, input_dims, filter_dims->h, filter_dims->w, output_dims)) {
        return ED_ERR_ARG;
    }
    if (!act_ok(&params->act) || !shifts_ok(requant, filter_dims->c)) {
        return ED_ERR_QUANT;
    }
    return ED_OK;
}

ed_kernel_status_t ed_kc_pool(const ed_pool_params_t *params, const ed_dims_t *input_dims, const int8_t *input,
                              const ed_dims_t *output_dims, const int8_t *output, int avg)
{
    const ed_window_t *win;

    if (params == NULL || input_dims == NULL || input == NULL || output_dims == NULL || output == NULL) {
        return ED_ERR_ARG;
    }
    win = &params->window;
    /* A pad as large as the filter could leave a window without any cell (TFLite rejects it too). */
    if (!dims_ok(input_dims) || !dims_ok(output_dims) || params->filter_h < 1 || params->filter_w < 1 ||
        !fits(params->filter_h, params->filter_w) || output_dims->n != input_dims->n ||
        output_dims->c != input_dims->c || win->pad_top >= params->filter_h ||
        win->pad_bottom >= params->filter_h || win->pad_left >= params->filter_w ||
        win->pad_right >= params->filter_w ||
        (avg && (int64_t)params->filter_h * params->filter_w >= ((int64_t)1 << 24)) ||
        !window_ok(win, input_dims, params->filter_h, params->filter_w, output_dims)) {
        return ED_ERR_ARG;
    }
    if (!clamp_ok(params->act_min, params->act_max)) {
        return ED_ERR_QUANT;
    }
    return ED_OK;
}

ed_kernel_status_t ed_kc_clamp(const ed_clamp_params_t *params, int32_t size, const int8_t *input,
                               const int8_t *output)
{
    if (params == NULL || input == NULL || output == NULL || size < 1) {
        return ED_ERR_ARG;
    }
    if (!in_i8(params->input_zp) || !in_i8(params->output_zp) || !clamp_ok(params->act_min, params->act_max) ||
        params->shift < -31 || params->shift > 31) {
        return ED_ERR_QUANT;
    }
    return ED_OK;
}

ed_kernel_status_t ed_kc_logistic(const ed_logistic_params_t *params, int32_t size, const int8_t *input,
                                  const int8_t *output)
{
    if (params == NULL || input == NULL || output == NULL || size < 1) {
        return ED_ERR_ARG;
    }
    if (!in_i8(params->input_zp) || params->input_range_radius < 0 || params->input_left_shift < -31 ||
        params->input_left_shift > 31) {
        return ED_ERR_QUANT;
    }
    return ED_OK;
}

ed_kernel_status_t ed_kc_hard_swish(const ed_hard_swish_params_t *params, int32_t size, const int8_t *input,
                                    const int8_t *output)
{
    if (params == NULL || input == NULL || output == NULL || size < 1) {
        return ED_ERR_ARG;
    }
    if (!in_i8(params->input_zp) || !in_i8(params->output_zp) || params->output_multiplier < 0 ||
        params->output_multiplier > 32767 || params->reluish_multiplier < 0 || params->reluish_multiplier > 32767 ||
        params->output_exponent < -31 || params->output_exponent > 0 || params->reluish_exponent < -31 ||
        params->reluish_exponent > 31) {
        return ED_ERR_QUANT;
    }
    return ED_OK;
}

ed_kernel_status_t ed_kc_scratch(const ed_scratch_t *scratch, size_t needed)
{
    if (needed == 0) {
        return ED_OK;
    }
    if (scratch == NULL || scratch->buf == NULL || scratch->size < needed || ((uintptr_t)scratch->buf & 3u) != 0) {
        return ED_ERR_BUFFER;
    }
    return ED_OK;
}

ed_kernel_status_t ed_kc_pack(int32_t rows, int32_t depth, const int8_t *src, const void *dst, size_t dst_size,
                              size_t needed)
{
    if (src == NULL || dst == NULL || rows < 1 || depth < 1 || !fits(rows, depth)) {
        return ED_ERR_ARG;
    }
    if (needed == 0u || dst_size < needed || ((uintptr_t)dst & 3u) != 0u) {
        return ED_ERR_BUFFER;
    }
    return ED_OK;
}

/* The in-place kernel's prepare is the same for every variant but for its scratch size (the variant's size query). */
ed_kernel_status_t ed_fully_connected_inplace_s8_prepare(const ed_fc_params_t *params, const ed_requant_t *requant,
                                                         int32_t in_features, int32_t out_features,
                                                         uint32_t transform, const uint32_t *fixes,
                                                         uint32_t num_fixes, const ed_scratch_t *scratch)
{
    const ed_kernel_status_t st = ed_kc_fc_config(params, requant, 1, in_features, out_features);
    if (st != ED_OK) {
        return st;
    }
    if ((transform & ~(ED_INPLACE_XOR80 | ED_INPLACE_HALVE)) != 0u || (num_fixes > 0u && fixes == NULL) ||
        (int64_t)out_features * in_features > (int64_t)ED_INPLACE_MAX_ELEMENTS) {
        return ED_ERR_ARG;
    }
    return ed_kc_scratch(scratch, ed_fully_connected_inplace_s8_get_buffer_size(in_features));
}
