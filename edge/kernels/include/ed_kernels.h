/*
 * ed_kernels.h: int8 inference kernels of the eccless firmware, bit-exact twins of the numpy integer reference
 * host/eccless/quant/kernels.py (itself bit-exact with LiteRT's reference kernels). Spec: docs/KERNELS.md.
 *
 * Two implementations share this header and these file names (TFLite Micro style): edge/kernels/reference/
 * (plain readable loops) and edge/kernels/cortex_m4/ (SMLAD/SXTB16 with a portable C fallback). A build links
 * exactly one of them plus edge/kernels/common/ (kernels.mk: ED_KERNELS=reference|cortex_m4).
 *
 * Conventions
 * - Activations are NHWC int8 (batch, height, width, channels), dense input (batch, features).
 * - Weights: fully connected (out, in); conv2d OHWI (out, kh, kw, in); depthwise 1HWO (1, kh, kw, in * mult),
 *   output channel oc reads input channel oc / depth_multiplier. Weights are symmetric (zero point 0).
 * - acc = sum w * (x - input_zp) + bias[oc] in an int32 that wraps around (two's complement) on overflow;
 *   out = clamp(MultiplyByQuantizedMultiplier(acc, multiplier[oc], shift[oc]) + output_zp, act_min, act_max),
 *   TFLite's double-rounding form; shift > 0 is a left shift (multiplier >= 1), shift < 0 a right shift. Every
 *   int32 addition that LiteRT lets wrap wraps here too (done in uint32, no reliance on -fwrapv).
 * - Padding is explicit (top, bottom, left, right); padded cells are skipped (= contribute zero after
 *   subtracting input_zp; not counted in average pooling). Output dims must equal
 *   (in + pad_before + pad_after - kernel) / stride + 1 (C division) and are checked.
 * - Weights of fully connected and conv layers are passed in the variant's packed form, made once (at load time)
 *   by *_pack_weights from the int8 array; *_weights_size gives its size in bytes. The reference variant's packed
 *   form is the int8 array itself; cortex_m4's is int16 in SMLAD pair order, in blocks of rows (ed_cm4_support.h),
 *   so its inner loops do not sign-extend every weight on every inference. Depthwise weights stay int8.
 * - Memory is the caller's: no allocation, no globals. Kernels whose optimized variant needs scratch memory
 *   have a *_get_buffer_size query; pass a buffer of at least that size, 4-byte aligned (declare it as a uint32_t
 *   array or take it from an allocator), or NULL when the size is 0. The size depends on the variant built.
 * - Input, weights and output must not overlap, except the element-wise ed_clamp_s8, ed_logistic_s8 and
 *   ed_hard_swish_s8, which may run in place.
 * - Valid ranges (anything else returns an error and writes nothing): every dimension >= 1, each tensor and
 *   weight array below 2^31 elements; input_zp, output_zp in [-128, 127]; -128 <= act_min <= act_max <= 127;
 *   shift in [-31, 31]; stride >= 1, pads >= 0 (pooling: pad < filter size, so no window is empty).
 *   Multipliers may be any int32 (corrupted parameters give LiteRT's wrapped results, they are not rejected).
 *   bias may be NULL (zero bias).
 */
#ifndef ED_KERNELS_H
#define ED_KERNELS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    ED_OK = 0,
    ED_ERR_ARG = -1,    /* NULL pointer, dimension < 1 or too large, shapes that do not fit together */
    ED_ERR_QUANT = -2,  /* zero point or activation clamp outside int8, act_min > act_max, shift outside ±31 */
    ED_ERR_BUFFER = -3  /* scratch buffer NULL, smaller than *_get_buffer_size or not 4-byte aligned */
} ed_kernel_status_t;

/* A tensor shape: NHWC for activations; for conv filters n = out channels, h/w = kernel, c = in channels. */
typedef struct {
    int32_t n, h, w, c;
} ed_dims_t;

/* Per-output-channel requantization: QuantizeMultiplier's (multiplier, shift) per channel, each array out_c long. */
typedef struct {
    const int32_t *multiplier;
    const int32_t *shift; /* in [-31, 31]; > 0 shifts left (real multiplier >= 1) */
} ed_requant_t;

/* Sliding-window geometry shared by convolutions and pools. */
typedef struct {
    int32_t stride_h, stride_w;
    int32_t pad_top, pad_bottom, pad_left, pad_right;
} ed_window_t;

/* Quantization of the activations around a weighted op. */
typedef struct {
    int32_t input_zp;  /* subtracted from every input value */
    int32_t output_zp; /* added after requantization */
    int32_t act_min;   /* int8 clamp, fused relu/relu6 included */
    int32_t act_max;
} ed_act_t;

typedef struct {
    ed_act_t act;
} ed_fc_params_t;

typedef struct {
    ed_window_t window;
    ed_act_t act;
} ed_conv_params_t;

typedef struct {
    ed_window_t window;
    int32_t depth_multiplier; /* output channels = input channels * depth_multiplier */
    ed_act_t act;
} ed_dw_conv_params_t;

typedef struct {
    ed_window_t window;
    int32_t filter_h, filter_w;
    int32_t act_min, act_max; /* pools keep their input's quantization: only a clamp */
} ed_pool_params_t;

/* Standalone relu/relu6: out = clamp(output_zp + MBQM(x - input_zp, multiplier, shift), act_min, act_max).
 * With input_zp == output_zp, multiplier = 1 << 30 and shift = 1 (QuantizeMultiplier(1.0)) it is a pure clamp. */
typedef struct {
    int32_t input_zp, output_zp;
    int32_t multiplier, shift;
    int32_t act_min, act_max;
} ed_clamp_params_t;

/* Sigmoid in TFLite's int8 scheme (LOGISTIC): the output quantization is fixed (scale 1/256, zero point -128).
 * Inputs with |x - input_zp| >= input_range_radius saturate; the others go through MBQM(x - input_zp,
 * input_multiplier, input_left_shift) into Q4.27 and gemmlowp's fixed-point logistic. */
typedef struct {
    int32_t input_zp;
    int32_t input_multiplier, input_left_shift; /* shift in [-31, 31] */
    int32_t input_range_radius;                 /* >= 0 */
} ed_logistic_params_t;

/* HardSwish in TFLite's int8 scheme (HARD_SWISH): int16 multipliers in [0, 32767] with their exponents. */
typedef struct {
    int32_t input_zp, output_zp;
    int32_t output_multiplier, output_exponent;   /* exponent in [-31, 0] */
    int32_t reluish_multiplier, reluish_exponent; /* exponent in [-31, 31] */
} ed_hard_swish_params_t;

/* Caller-owned scratch memory (see *_get_buffer_size). */
typedef struct {
    void *buf;
    size_t size; /* bytes */
} ed_scratch_t;

/* Which implementation was built: "reference" or "cortex_m4". */
const char *ed_kernels_variant(void);

/*
 * Fully connected: output[b][o] = requant(sum_i weights[o][i] * (input[b][i] - input_zp) + bias[o]).
 * input (batches, in_features), weights (out_features, in_features), bias (out_features) or NULL,
 * output (batches, out_features), requant arrays out_features long. scratch: see the size query (may be NULL
 * when it returns 0).
 */
size_t ed_fully_connected_s8_get_buffer_size(int32_t in_features);
ed_kernel_status_t ed_fully_connected_s8(const ed_fc_params_t *params, const ed_requant_t *requant,
                                         int32_t batches, int32_t in_features, int32_t out_features,
                                         const int8_t *input, const void *weights, const int32_t *bias,
                                         int8_t *output, const ed_scratch_t *scratch);

/*
 * Prepare / eval (TFLite Micro's split). ed_fully_connected_s8 checks every argument on every call; an interpreter
 * that runs one op many times checks its configuration once instead (the loader does it at LOAD):
 * - ed_fully_connected_s8_prepare checks everything that does not change from call to call -- params, the requant
 *   arrays, the shapes, the zero points, clamp and shifts, the scratch buffer -- in the same order and with the same
 *   statuses as ed_fully_connected_s8 (whose checks are the data pointers, then exactly these).
 * - ed_fully_connected_s8_eval then trusts them: no checks, the same output bytes as ed_fully_connected_s8. Its
 *   arguments must be ones that prepare returned ED_OK for, with input, weights and output valid (not NULL).
 */
ed_kernel_status_t ed_fully_connected_s8_prepare(const ed_fc_params_t *params, const ed_requant_t *requant,
                                                 int32_t batches, int32_t in_features, int32_t out_features,
                                                 const ed_scratch_t *scratch);
void ed_fully_connected_s8_eval(const ed_fc_params_t *params, const ed_requant_t *requant, int32_t batches,
                                int32_t in_features, int32_t out_features, const int8_t *input, const void *weights,
                                const int32_t *bias, int8_t *output, const ed_scratch_t *scratch);

/* Packed weights of a fully connected layer: size in bytes (0 for a dimension < 1 or too large), and packing of
 * the (out_features, in_features) int8 weights into dst (4-byte aligned, dst_size bytes, not overlapping). */
size_t ed_fully_connected_s8_weights_size(int32_t out_features, int32_t in_features);
ed_kernel_status_t ed_fully_connected_s8_pack_weights(int32_t out_features, int32_t in_features,
                                                      const int8_t *weights, void *dst, size_t dst_size);

/*
 * Fully connected on weights read in place (run from flash): `stored` holds the layer's stored words as they sit
 * in the image, one byte per weight, row-major (out_features, in_features), any alignment, never written. Each
 * byte becomes its int8 level by `transform` (ED_INPLACE_*: XOR 0x80 for offset codes, then an arithmetic halving
 * for parity-lsb words). `fixes` (sorted by element, may be NULL when num_fixes is 0) adds what the detection
 * pass decided for the few weights whose level is not that: each entry is (element << 9) | (delta & 0x1FF), delta
 * = detected level - transformed byte in [-255, 255], element = o * in_features + i < 2^23. The result equals
 * ed_fully_connected_s8 on the detected levels, bit for bit. One batch. Scratch: the size query.
 */
#define ED_INPLACE_XOR80 1u /* offset representation: the level is the byte with its top bit flipped */
#define ED_INPLACE_HALVE 2u /* parity-lsb: the level is the (flipped) byte shifted right by one, arithmetic */
#define ED_INPLACE_FIX_SHIFT 9u
#define ED_INPLACE_MAX_ELEMENTS (1u << 23)
size_t ed_fully_connected_inplace_s8_get_buffer_size(int32_t in_features);
ed_kernel_status_t ed_fully_connected_inplace_s8(const ed_fc_params_t *params, const ed_requant_t *requant,
                                                 int32_t in_features, int32_t out_features, const int8_t *input,
                                                 const uint8_t *stored, uint32_t transform, const int32_t *bias,
                                                 const uint32_t *fixes, uint32_t num_fixes, int8_t *output,
                                                 const ed_scratch_t *scratch);

/* Prepare / eval of the in-place kernel, as for ed_fully_connected_s8: prepare checks the configuration -- params,
 * requant, shapes, transform, the fixes (fixed once LOAD's detection pass has listed them), scratch -- with the
 * checked call's statuses in its order (one prepare for every variant: ed_kernels_check.c); eval trusts it and
 * writes the same bytes as ed_fully_connected_inplace_s8. */
ed_kernel_status_t ed_fully_connected_inplace_s8_prepare(const ed_fc_params_t *params, const ed_requant_t *requant,
                                                         int32_t in_features, int32_t out_features,
                                                         uint32_t transform, const uint32_t *fixes,
                                                         uint32_t num_fixes, const ed_scratch_t *scratch);
void ed_fully_connected_inplace_s8_eval(const ed_fc_params_t *params, const ed_requant_t *requant,
                                        int32_t in_features, int32_t out_features, const int8_t *input,
                                        const uint8_t *stored, uint32_t transform, const int32_t *bias,
                                        const uint32_t *fixes, uint32_t num_fixes, int8_t *output,
                                        const ed_scratch_t *scratch);

/*
 * 2-D convolution: input NHWC (input_dims), filter OHWI (filter_dims: n = out channels, c = input_dims->c),
 * bias (out channels) or NULL, output NHWC (output_dims: n = input n, c = filter n).
 */
size_t ed_conv2d_s8_get_buffer_size(const ed_dims_t *input_dims, const ed_dims_t *filter_dims);
ed_kernel_status_t ed_conv2d_s8(const ed_conv_params_t *params, const ed_requant_t *requant,
                                const ed_dims_t *input_dims, const int8_t *input,
                                const ed_dims_t *filter_dims, const void *filter, const int32_t *bias,
                                const ed_dims_t *output_dims, int8_t *output, const ed_scratch_t *scratch);

/* Packed conv filter (OHWI int8 in, as filter_dims says): size in bytes (0 for bad dims) and packing. */
size_t ed_conv2d_s8_weights_size(const ed_dims_t *filter_dims);
ed_kernel_status_t ed_conv2d_s8_pack_weights(const ed_dims_t *filter_dims, const int8_t *filter, void *dst,
                                             size_t dst_size);

/*
 * Depthwise 2-D convolution: filter 1HWO (filter_dims: n = 1, c = input c * depth_multiplier), bias (out channels)
 * or NULL, output NHWC with c = input c * depth_multiplier. Needs no scratch memory.
 */
ed_kernel_status_t ed_depthwise_conv2d_s8(const ed_dw_conv_params_t *params, const ed_requant_t *requant,
                                          const ed_dims_t *input_dims, const int8_t *input,
                                          const ed_dims_t *filter_dims, const int8_t *filter,
                                          const int32_t *bias, const ed_dims_t *output_dims, int8_t *output);

/* Max pooling over the cells of each window inside the image, then clamped. output c = input c, n = input n. */
ed_kernel_status_t ed_max_pool_s8(const ed_pool_params_t *params, const ed_dims_t *input_dims,
                                  const int8_t *input, const ed_dims_t *output_dims, int8_t *output);

/*
 * Average pooling: sum of the cells inside the image divided by their count, rounded half away from zero
 * (TFLite: acc > 0 ? (acc + n/2) / n : (acc - n/2) / n with truncating division), then clamped.
 * filter_h * filter_w must stay below 2^24.
 */
ed_kernel_status_t ed_avg_pool_s8(const ed_pool_params_t *params, const ed_dims_t *input_dims,
                                  const int8_t *input, const ed_dims_t *output_dims, int8_t *output);

/* Standalone relu/relu6 (and any requantizing clamp) over size elements; output may equal input. */
ed_kernel_status_t ed_clamp_s8(const ed_clamp_params_t *params, int32_t size, const int8_t *input,
                               int8_t *output);

/* Sigmoid and HardSwish over size elements (TFLite Micro's int8 reference kernels); output may equal input. */
ed_kernel_status_t ed_logistic_s8(const ed_logistic_params_t *params, int32_t size, const int8_t *input,
                                  int8_t *output);
ed_kernel_status_t ed_hard_swish_s8(const ed_hard_swish_params_t *params, int32_t size, const int8_t *input,
                                    int8_t *output);

/* Reshape is a view: the NHWC bytes of a tensor are its flattened (batch, H*W*C) bytes, nothing to run. */

#ifdef __cplusplus
}
#endif

#endif /* ED_KERNELS_H */
