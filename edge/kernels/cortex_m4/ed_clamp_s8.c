/*
 * ed_clamp_s8.c (cortex_m4): when the requantization is the identity (equal zero points, multiplier 1 << 30,
 * shift 1: QuantizeMultiplier(1.0), which maps every x exactly to x) the op is a pure clamp, done four bytes at a
 * time with SSUB8 + SEL; otherwise each element is requantized with ed_cm4_requant.h (bit-exact with the
 * reference). May run in place.
 */
#include "ed_cm4_requant.h"
#include "ed_dsp.h"
#include "ed_kernels_check.h"

static uint32_t splat(int32_t v)
{
    return ((uint32_t)v & 0xFFu) * 0x01010101u;
}

ed_kernel_status_t ed_clamp_s8(const ed_clamp_params_t *params, int32_t size, const int8_t *input,
                               int8_t *output)
{
    const ed_kernel_status_t status = ed_kc_clamp(params, size, input, output);
    ed_cm4_rq_t c;
    int32_t i = 0;

    if (status != ED_OK) {
        return status;
    }
    if (params->input_zp == params->output_zp && params->multiplier == (1 << 30) && params->shift == 1) {
        const uint32_t lo4 = splat(params->act_min), hi4 = splat(params->act_max);
        for (; i + 4 <= size; i += 4) {
            ed_write_u32(output + i, ed_min_s8x4(ed_max_s8x4(ed_read_u32(input + i), lo4), hi4));
        }
    }
    c = ed_cm4_rq_channel(params->multiplier, params->shift);
    for (; i < size; i++) {
        const uint32_t centered = (uint32_t)(input[i] - params->input_zp);
        output[i] = ed_cm4_rq_out(centered, c, params->output_zp, params->act_min, params->act_max);
    }
    return ED_OK;
}
