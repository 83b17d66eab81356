/*
 * ed_logistic_s8.c (reference): int8 sigmoid after TFLite Micro's LOGISTIC (reference_integer_ops::Logistic over
 * gemmlowp's fixed-point logistic); twin of eccless.quant.activations.sigmoid_value. Inputs at least
 * input_range_radius away from the zero point saturate; the others are rescaled to Q4.27 with
 * MultiplyByQuantizedMultiplier, mapped through exp on [-1/4, 0) (a Taylor polynomial), a barrel of exp(-2^k)
 * factors and a Newton-Raphson reciprocal, and rounded to the fixed output quantization (scale 1/256, zero point
 * -128). Every int32 add is done in uint32 (it wraps as the host's model of it does). Element-wise: may run in
 * place; above ED_ELEMENTWISE_TABLE_MIN elements it tabulates the 256 int8 inputs first (~270 instructions each on
 * a Cortex-M4) and then looks up.
 */
#include "ed_elementwise.h"
#include "ed_fixedpoint.h"
#include "ed_kernels_check.h"

static int32_t add32(int32_t a, int32_t b)
{
    return ed_s32((uint32_t)a + (uint32_t)b);
}

static int32_t sub32(int32_t a, int32_t b)
{
    return ed_s32((uint32_t)a - (uint32_t)b);
}

/* SaturatingRoundingMultiplyByPOT<e> for 0 < e < 31: a saturating left shift. */
static int32_t sat_shl(int32_t x, int32_t e)
{
    const int32_t threshold = (int32_t)((1u << (31 - e)) - 1u);
    if (x > threshold) {
        return INT32_MAX;
    }
    if (x < -threshold) {
        return INT32_MIN;
    }
    return ed_s32((uint32_t)x << e);
}

/* exp(a) for a Q0.31 a in [-1/4, 0): Taylor expansion around -1/8. */
static int32_t exp_quarter(int32_t a)
{
    const int32_t exp_minus_eighth = 1895147668, one_third = 715827883;
    const int32_t x = add32(a, 1 << 28);
    const int32_t x2 = ed_srdhm(x, x);
    const int32_t x3 = ed_srdhm(x2, x);
    const int32_t x4 = ed_srdhm(x2, x2);
    const int32_t inner = ed_rdbpot(add32(ed_srdhm(add32(ed_rdbpot(x4, 2), x3), one_third), x2), 1);
    return add32(exp_minus_eighth, ed_srdhm(exp_minus_eighth, add32(x, inner)));
}

/* exp(a) for a Q4.27 a <= 0, Q0.31 result. */
static int32_t exp_negative_q4(int32_t a)
{
    static const int32_t factors[6] = {1672461947, 1302514674, 790015084, 290630308, 39332535, 720401};
    const int32_t quarter = 1 << 25;
    const int32_t a_mod = sub32((int32_t)((uint32_t)a & (uint32_t)(quarter - 1)), quarter);
    const uint32_t remainder = (uint32_t)sub32(a_mod, a);
    int32_t result = exp_quarter(sat_shl(a_mod, 4));
    int32_t k;
    for (k = 0; k < 6; k++) { /* exp(-2^(k-2)) when bit 25 + k of the remainder is set */
        if (remainder & (1u << (25 + k))) {
            result = ed_srdhm(result, factors[k]);
        }
    }
    return a == 0 ? INT32_MAX : result;
}

/* 1 / (1 + a) for a Q0.31 a in (0, 1): Newton-Raphson in Q2.29. */
static int32_t one_over_one_plus_x(int32_t a)
{
    const int64_t sum = (int64_t)a + INT32_MAX;
    const int32_t half = (int32_t)((sum + (sum >= 0 ? 1 : -1)) / 2); /* RoundingHalfSum, C's truncation */
    int32_t x = add32(1515870810, ed_srdhm(half, -1010580540));
    int k;
    for (k = 0; k < 3; k++) {
        x = add32(x, sat_shl(ed_srdhm(x, sub32(1 << 29, ed_srdhm(half, x))), 2));
    }
    return sat_shl(x, 1);
}

static int32_t logistic_q4(int32_t a)
{
    int32_t positive;
    if (a == 0) {
        return 1 << 30;
    }
    positive = one_over_one_plus_x(exp_negative_q4(a > 0 ? sub32(0, a) : a));
    return a > 0 ? positive : sub32(INT32_MAX, positive);
}

static int8_t logistic_one(const void *p, int32_t q)
{
    const ed_logistic_params_t *params = (const ed_logistic_params_t *)p;
    const int32_t x = q - params->input_zp;
    int32_t y;
    if (x <= -params->input_range_radius) {
        return -128;
    }
    if (x >= params->input_range_radius) {
        return 127;
    }
    y = ed_rdbpot(logistic_q4(ed_mbqm(x, params->input_multiplier, params->input_left_shift)), 23) - 128;
    return (int8_t)(y < -128 ? -128 : (y > 127 ? 127 : y));
}

ed_kernel_status_t ed_logistic_s8(const ed_logistic_params_t *params, int32_t size, const int8_t *input,
                                  int8_t *output)
{
    const ed_kernel_status_t status = ed_kc_logistic(params, size, input, output);

    if (status != ED_OK) {
        return status;
    }
    ed_elementwise_s8(size, input, output, logistic_one, params);
    return ED_OK;
}
