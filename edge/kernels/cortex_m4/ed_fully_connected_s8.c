/*
 * ed_fully_connected_s8.c (cortex_m4): each input row is widened once into a column buffer (int16, input_zp
 * subtracted, SMLAD pair order; ed_cm4_widen.c), then four packed weight rows at a time (int16, widened once at
 * load time by ed_fully_connected_s8_pack_weights: ed_cm4_pack.c) are multiplied with it (ed_cm4_matmul.c). Same
 * results as the reference variant, bit for bit.
 */
#include "ed_cm4_support.h"
#include "ed_kernels_check.h"

#define ED_FC_BLOCK 4 /* rows per block: 4x1 blocks, one column */

size_t ed_fully_connected_s8_weights_size(int32_t out_features, int32_t in_features)
{
    return ed_cm4_packed_size(out_features, in_features, ED_FC_BLOCK);
}

ed_kernel_status_t ed_fully_connected_s8_pack_weights(int32_t out_features, int32_t in_features,
                                                      const int8_t *weights, void *dst, size_t dst_size)
{
    const ed_kernel_status_t status = ed_kc_pack(out_features, in_features, weights, dst, dst_size,
                                                 ed_fully_connected_s8_weights_size(out_features, in_features));
    if (status == ED_OK) {
        ed_cm4_fc_pack(weights, out_features, in_features, (uint32_t *)dst);
    }
    return status;
}

size_t ed_fully_connected_s8_get_buffer_size(int32_t in_features)
{
    return ed_cm4_cols_size(in_features, 1);
}

void ed_fully_connected_s8_eval(const ed_fc_params_t *params, const ed_requant_t *requant, int32_t batches,
                                int32_t in_features, int32_t out_features, const int8_t *input, const void *weights,
                                const int32_t *bias, int8_t *output, const ed_scratch_t *scratch)
{
    uint32_t *const col = (uint32_t *)scratch->buf;

    for (; batches > 0; batches--) {
        ed_cm4_widen(input, in_features, params->act.input_zp, col);
        ed_cm4_fc_rows((const uint32_t *)weights, col, in_features, out_features, params, requant, bias, output);
        input += in_features;
        output += out_features;
    }
}

/* Prepare (checked once) and the checked entry point (every call): the same checks, in the same order. */
ed_kernel_status_t ed_fully_connected_s8_prepare(const ed_fc_params_t *params, const ed_requant_t *requant,
                                                 int32_t batches, int32_t in_features, int32_t out_features,
                                                 const ed_scratch_t *scratch)
{
    return ed_kc_fc_prepare(params, requant, batches, in_features, out_features, scratch,
                            ed_fully_connected_s8_get_buffer_size(in_features));
}

ed_kernel_status_t ed_fully_connected_s8(const ed_fc_params_t *params, const ed_requant_t *requant,
                                         int32_t batches, int32_t in_features, int32_t out_features,
                                         const int8_t *input, const void *weights, const int32_t *bias,
                                         int8_t *output, const ed_scratch_t *scratch)
{
    const ed_kernel_status_t status =
        input == NULL || weights == NULL || output == NULL
            ? ED_ERR_ARG
            : ed_fully_connected_s8_prepare(params, requant, batches, in_features, out_features, scratch);
    if (status == ED_OK) {
        ed_fully_connected_s8_eval(params, requant, batches, in_features, out_features, input, weights, bias, output,
                                   scratch);
    }
    return status;
}
