/*
 * ed_hard_swish_s8.c (reference): int8 x * relu6(x + 3) / 6 after TFLite Micro's HARD_SWISH
 * (reference_ops::HardSwish, int16 arithmetic); twin of eccless.quant.activations.hardswish_value. The input,
 * centered and scaled by 2^7, is multiplied once by the output multiplier and once, through the "reluish" path,
 * into a [0, 1) gate; their product is shifted to the output scale. Each int16 narrowing of the reference is an
 * explicit ed_s16 here (the values are held in int32). Element-wise: may run in place; above
 * ED_ELEMENTWISE_TABLE_MIN elements it tabulates the 256 int8 inputs first, then looks up.
 */
#include "ed_elementwise.h"
#include "ed_fixedpoint.h"
#include "ed_kernels_check.h"

/* gemmlowp SaturatingRoundingDoublingHighMul for int16: a * b / 2^15, to nearest (nudge and truncate). */
static int32_t srdhm16(int32_t a, int32_t b)
{
    const int32_t ab = a * b;
    if (a == INT16_MIN && b == INT16_MIN) {
        return INT16_MAX;
    }
    return ed_s16((uint32_t)((ab + (ab >= 0 ? (1 << 14) : 1 - (1 << 14))) / (1 << 15)));
}

/* SaturatingLeftShift of an int16 by amount in [0, 30]. */
static int32_t sat_shl16(int32_t x, int32_t amount)
{
    const int64_t v = (int64_t)x * ((int64_t)1 << amount);
    return v > INT16_MAX ? INT16_MAX : (v < INT16_MIN ? INT16_MIN : (int32_t)v);
}

/* gemmlowp RoundingDivideByPOT instantiated for int16: its mask (1 << e) - 1 narrowed to int16 (all ones for
 * e >= 16), the threshold and the result narrowed too; e in [0, 31]. */
static int32_t rdbpot16(int32_t x, int32_t e)
{
    const int32_t mask = ed_s16((uint32_t)(((uint64_t)1 << e) - 1u));
    const int32_t remainder = x & mask;
    const int32_t threshold = ed_s16((uint32_t)(ed_asr32(mask, 1) + (x < 0 ? 1 : 0)));
    return ed_s16((uint32_t)(ed_asr32(x, e) + (remainder > threshold ? 1 : 0)));
}

static int8_t hard_swish_one(const void *p, int32_t q)
{
    const ed_hard_swish_params_t *params = (const ed_hard_swish_params_t *)p;
    const int32_t rel_e = params->reluish_exponent;
    const int32_t hires = (q - params->input_zp) * 128; /* |.| <= 255 * 128: fits int16 */
    const int32_t pre_out = srdhm16(hires, params->output_multiplier);
    int32_t reluish = hires, pre_shift, y;
    if (rel_e > 0) {
        reluish = sat_shl16(reluish, rel_e - 1);
    }
    reluish = srdhm16(reluish, params->reluish_multiplier);
    if (rel_e > 0) {
        reluish = sat_shl16(reluish, 1);
    } else if (rel_e < 0) {
        reluish = rdbpot16(reluish, -rel_e);
    }
    reluish = (reluish + (1 << 15)) >> 1; /* [0, 32767] */
    pre_shift = (reluish == INT16_MIN && pre_out == INT16_MIN) ? INT16_MAX
                                                               : ed_s16((uint32_t)((reluish * pre_out) / (1 << 15)));
    y = ed_s16((uint32_t)(rdbpot16(pre_shift, -params->output_exponent) + params->output_zp));
    return (int8_t)(y < -128 ? -128 : (y > 127 ? 127 : y));
}

ed_kernel_status_t ed_hard_swish_s8(const ed_hard_swish_params_t *params, int32_t size, const int8_t *input,
                                    int8_t *output)
{
    const ed_kernel_status_t status = ed_kc_hard_swish(params, size, input, output);

    if (status != ED_OK) {
        return status;
    }
    ed_elementwise_s8(size, input, output, hard_swish_one, params);
    return ED_OK;
}
