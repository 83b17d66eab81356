/*
 * ed_kernels_check.h: argument validation shared by both kernel variants (internal), so that the reference and
 * the optimized build accept and reject exactly the same calls with the same status.
 * Precedence: ED_ERR_ARG (pointers, shapes) before ED_ERR_QUANT (zero points, clamps, shifts) before
 * ED_ERR_BUFFER (scratch, checked by the variant after these).
 */
#ifndef ED_KERNELS_CHECK_H
#define ED_KERNELS_CHECK_H

#include "ed_kernels.h"

/* A fully connected layer's configuration (everything but the data pointers): ED_ERR_ARG, then ED_ERR_QUANT. */
ed_kernel_status_t ed_kc_fc_config(const ed_fc_params_t *params, const ed_requant_t *requant, int32_t batches,
                                   int32_t in_features, int32_t out_features);

/* A fully connected kernel's prepare step: ed_kc_fc_config, then a scratch buffer of `needed` bytes (the variant's
 * size query for in_features, which is >= 1 once the configuration passed). */
ed_kernel_status_t ed_kc_fc_prepare(const ed_fc_params_t *params, const ed_requant_t *requant, int32_t batches,
                                    int32_t in_features, int32_t out_features, const ed_scratch_t *scratch,
                                    size_t needed);

/* The data pointers (ED_ERR_ARG when one is NULL), then ed_kc_fc_config. */
ed_kernel_status_t ed_kc_fully_connected(const ed_fc_params_t *params, const ed_requant_t *requant,
                                         int32_t batches, int32_t in_features, int32_t out_features,
                                         const int8_t *input, const void *weights, const int8_t *output);

ed_kernel_status_t ed_kc_conv2d(const ed_conv_params_t *params, const ed_requant_t *requant,
                                const ed_dims_t *input_dims, const int8_t *input, const ed_dims_t *filter_dims,
                                const void *filter, const ed_dims_t *output_dims, const int8_t *output);

ed_kernel_status_t ed_kc_depthwise_conv2d(const ed_dw_conv_params_t *params, const ed_requant_t *requant,
                                          const ed_dims_t *input_dims, const int8_t *input,
                                          const ed_dims_t *filter_dims, const int8_t *filter,
                                          const ed_dims_t *output_dims, const int8_t *output);

/* avg != 0 also bounds the window to 2^24 cells (its int32 sum must not overflow). */
ed_kernel_status_t ed_kc_pool(const ed_pool_params_t *params, const ed_dims_t *input_dims, const int8_t *input,
                              const ed_dims_t *output_dims, const int8_t *output, int avg);

ed_kernel_status_t ed_kc_clamp(const ed_clamp_params_t *params, int32_t size, const int8_t *input,
                               const int8_t *output);

ed_kernel_status_t ed_kc_logistic(const ed_logistic_params_t *params, int32_t size, const int8_t *input,
                                  const int8_t *output);

ed_kernel_status_t ed_kc_hard_swish(const ed_hard_swish_params_t *params, int32_t size, const int8_t *input,
                                    const int8_t *output);

/* Packing rows x depth int8 weights into dst: pointers set, dimensions >= 1 with rows * depth below 2^31
 * (ED_ERR_ARG), dst 4-byte aligned and at least `needed` bytes (ED_ERR_BUFFER; needed == 0: bad dims). */
ed_kernel_status_t ed_kc_pack(int32_t rows, int32_t depth, const int8_t *src, const void *dst, size_t dst_size,
                              size_t needed);

/* A scratch buffer of at least `needed` bytes, 4-byte aligned; anything goes when needed == 0. */
ed_kernel_status_t ed_kc_scratch(const ed_scratch_t *scratch, size_t needed);

#endif /* ED_KERNELS_CHECK_H */
