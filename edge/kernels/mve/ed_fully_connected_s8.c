/*
 * ed_fully_connected_s8.c (mve): each input row is copied once into a column padded to 16 bytes (scratch), then
 * every block of four packed rows (ed_mve_support.h: int8, 16 inputs per vector, row sums for the folded zero
 * point) is multiplied with it by VMLADAVA, 16 multiply-accumulates per instruction. Bit-exact with the reference.
 */
#include "ed_kernels_check.h"
#include "ed_mve_support.h"

size_t ed_fully_connected_s8_weights_size(int32_t out_features, int32_t in_features)
{
    return ed_mve_packed_size(out_features, in_features);
}

ed_kernel_status_t ed_fully_connected_s8_pack_weights(int32_t out_features, int32_t in_features,
                                                      const int8_t *weights, void *dst, size_t dst_size)
{
    const ed_kernel_status_t status = ed_kc_pack(out_features, in_features, weights, dst, dst_size,
                                                 ed_fully_connected_s8_weights_size(out_features, in_features));
    if (status == ED_OK) {
        ed_mve_pack(weights, out_features, in_features, (uint32_t *)dst);
    }
    return status;
}

size_t ed_fully_connected_s8_get_buffer_size(int32_t in_features)
{
    return in_features < 1 || in_features > INT32_MAX - 15 ? 0u : (size_t)ed_mve_depth16(in_features);
}

void ed_fully_connected_s8_eval(const ed_fc_params_t *params, const ed_requant_t *requant, int32_t batches,
                                int32_t in_features, int32_t out_features, const int8_t *input, const void *weights,
                                const int32_t *bias, int8_t *output, const ed_scratch_t *scratch)
{
    ed_mve_out_t q;
    int32_t b;

    q.bias = bias;
    q.multiplier = requant->multiplier;
    q.shift = requant->shift;
    q.input_zp = params->act.input_zp;
    q.output_zp = params->act.output_zp;
    q.act_min = params->act.act_min;
    q.act_max = params->act.act_max;
    for (b = 0; b < batches; b++) {
        ed_mve_column(input + b * in_features, in_features, (int8_t *)scratch->buf);
        ed_mve_mat_vec((const uint32_t *)weights, out_features, in_features, (const int8_t *)scratch->buf, &q,
                       output + b * out_features);
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
