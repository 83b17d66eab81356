/* GENERATED from host/eccless/image/records.py by eccless.firmware.codegen. Do not edit. */
#ifndef ED_IMAGE_FORMAT_H
#define ED_IMAGE_FORMAT_H

#define ED_IMG_MAGIC 0x4C434345u /* 'ECCL' little-endian */
#define ED_IMG_VERSION 2u
#define ED_IMG_VERSION_MIN 2u
#define ED_IMG_VERSION_MAX 4u
#define ED_IMG_SUPER_COPIES 11u
#define ED_IMG_PROTECTED_OFFSET 352u
#define ED_IMG_MAX_OPS 256u
#define ED_IMG_MAX_TENSORS 512u
#define ED_IMG_MAX_CHANNELS 4096u
#define ED_IMG_MAX_META_BYTES 4194304u
#define ED_IMG_FLAG_TESTSET 1u
#define ED_IMG_VERSION_ECC 3u
#define ED_IMG_VERSION_TENSOR_FLAGS 4u
#define ED_IMG_TENSOR_PROTECTED 1u
#define ED_IMG_FLAG_ECC_SHIFT 8u
#define ED_IMG_FLAG_ECC_MASK 0x0F00u
#define ED_IMG_FLAG_ECC_ZERO 0x1000u

#define ED_IMG_FORMAT_FLOAT32 0u
#define ED_IMG_FORMAT_INT8 1u
#define ED_IMG_FORMAT_UNIFORM 2u

#define ED_IMG_KIND_DENSE 1u
#define ED_IMG_KIND_CONV2D 2u
#define ED_IMG_KIND_DWCONV2D 3u
#define ED_IMG_KIND_MAXPOOL 4u
#define ED_IMG_KIND_AVGPOOL 5u
#define ED_IMG_KIND_RESHAPE 6u
#define ED_IMG_KIND_RELU 7u
#define ED_IMG_KIND_RELU6 8u
#define ED_IMG_KIND_SIGMOID 9u
#define ED_IMG_KIND_HARDSWISH 10u

#define ED_IMG_ACT_NONE 0u
#define ED_IMG_ACT_RELU 1u
#define ED_IMG_ACT_RELU6 2u

#define ED_IMG_ROLE_WEIGHT 0u
#define ED_IMG_ROLE_BIAS 1u

#define ED_IMG_ECC_BCH512T4 3u
#define ED_IMG_ECC_BCH512T8 4u
#define ED_IMG_ECC_SECDED39 2u
#define ED_IMG_ECC_SECDED72 1u

/* why a loader refuses an image: (record index << 8) | reason */
#define ED_LOAD_ERR_TRUNCATED 1u /* image region smaller than the superblock */
#define ED_LOAD_ERR_BAD_MAGIC 2u /* not an eccless image (bad magic after the majority vote) */
#define ED_LOAD_ERR_BAD_VERSION 3u /* unknown image format version */
#define ED_LOAD_ERR_SUPER_CRC 4u /* superblock beyond repair (CRC mismatch after majority vote) */
#define ED_LOAD_ERR_IMAGE_LEN 5u /* image length in the header exceeds the board's image region */
#define ED_LOAD_ERR_META_LEN 6u /* corrupted metadata length */
#define ED_LOAD_ERR_BLOB_LEN 7u /* corrupted header: protected blob size does not match the metadata length */
#define ED_LOAD_ERR_OVERLAP 8u /* corrupted header: regions overlap */
#define ED_LOAD_ERR_WEIGHTS_END 9u /* corrupted header: weights beyond the end */
#define ED_LOAD_ERR_ECC_UNCORRECTABLE 10u /* protected region beyond repair: more than 50 bit errors in a block */
#define ED_LOAD_ERR_ECC_CRC 11u /* protected region beyond repair: CRC-32 mismatch after correction */
#define ED_LOAD_ERR_META_TRUNC 12u /* truncated metadata: records beyond the payload */
#define ED_LOAD_ERR_FORMAT 13u /* corrupted metadata: unknown number format */
#define ED_LOAD_ERR_RULE 14u /* corrupted metadata: unknown detection rule */
#define ED_LOAD_ERR_COUNTS 15u /* corrupted metadata: too many ops or tensors */
#define ED_LOAD_ERR_INPUT 16u /* corrupted metadata: input rank or shape */
#define ED_LOAD_ERR_OP_KIND 17u /* corrupted metadata: unknown op kind in opN */
#define ED_LOAD_ERR_OP_ACT 18u /* corrupted metadata: unknown activation in opN */
#define ED_LOAD_ERR_OP_FIELDS 19u /* corrupted metadata in opN (rank, channels, stride or window) */
#define ED_LOAD_ERR_OP_ARRAYS 20u /* corrupted metadata: opN per-channel arrays outside the payload */
#define ED_LOAD_ERR_TENSOR_RECORD 21u /* corrupted tensor record N (role, op, rank or order) */
#define ED_LOAD_ERR_TENSOR_SHAPE 22u /* corrupted tensor record N: shape does not match its word count or its op */
#define ED_LOAD_ERR_TENSOR_WIDTH 23u /* corrupted tensor record N: word width does not fit the index bits and rule */
#define ED_LOAD_ERR_TENSOR_BOUNDS 24u /* corrupted tensor record N: words beyond the weight region */
#define ED_LOAD_ERR_REPR_UNKNOWN 25u /* corrupted tensor record N: unknown representation id */
#define ED_LOAD_ERR_REPR_PARAMS 26u /* corrupted tensor record N: representation table invalid */
#define ED_LOAD_ERR_RANGES 27u /* corrupted tensor record N: range-check channels or arrays */
#define ED_LOAD_ERR_PAIRING 28u /* corrupted metadata: opN lacks its weight or bias */
#define ED_LOAD_ERR_SHAPES 29u /* inconsistent shapes at opN */
#define ED_LOAD_ERR_TESTSET 30u /* corrupted metadata: test set region outside the image */
#define ED_LOAD_ERR_TESTSET_CRC 31u /* test set region CRC mismatch */
#define ED_LOAD_ERR_QUANT 32u /* opN: quantization parameters out of range (zero point, clamp or shift) */
#define ED_LOAD_ERR_CLASSES 33u /* corrupted metadata: the last op's outputs differ from num_classes */
#define ED_LOAD_ERR_BOARD 34u /* image packed for another board (META.board differs from the firmware's board) */
#define ED_LOAD_ERR_ECC_SCHEME 35u /* weight-region ECC scheme unknown, or not implemented by this loader */
#define ED_LOAD_ERR_ECC_LAYOUT 36u /* corrupted header: weight region length is no whole number of ECC blocks */

/* superblock: Where everything is; stored SUPER_COPIES times, read by bitwise majority. */
#define ED_IMG_SUPERBLOCK_SIZE 32u
#define ED_IMG_SUPERBLOCK_MAGIC 0u /* 4s   b'ECCL' */
#define ED_IMG_SUPERBLOCK_MAGIC_LEN 4u
#define ED_IMG_SUPERBLOCK_VERSION 4u /* H    format version (KNOWN_VERSIONS) */
#define ED_IMG_SUPERBLOCK_FLAGS 6u /* H    bit 0: a test set region is present; bits 8-11: weight-region ECC scheme (0: none); bit 12: zero the parameters of ECC blocks found uncorrectable */
#define ED_IMG_SUPERBLOCK_META_LEN 8u /* I    bytes of protected payload (before ECC) */
#define ED_IMG_SUPERBLOCK_META_BLOB_LEN 12u /* I    bytes of the ECC-protected blob at PROTECTED_OFFSET */
#define ED_IMG_SUPERBLOCK_WEIGHTS_OFFSET 16u /* I    byte offset of the weight region (page-aligned) */
#define ED_IMG_SUPERBLOCK_WEIGHTS_LEN 20u /* I    bytes in the weight region */
#define ED_IMG_SUPERBLOCK_IMAGE_LEN 24u /* I    total image bytes */
#define ED_IMG_SUPERBLOCK_CRC32 28u /* I    CRC-32 of the 28 bytes before this field */

/* meta: Model header: the first record of the protected payload. */
#define ED_IMG_META_SIZE 96u
#define ED_IMG_META_NAME 0u /* 24s  model name, NUL-padded UTF-8 */
#define ED_IMG_META_NAME_LEN 24u
#define ED_IMG_META_FORMAT 24u /* B    number format: 0 float32, 1 int8, 2 uniform */
#define ED_IMG_META_N 25u /* B    bits per parameter of the format (32, 8, or uniform n) */
#define ED_IMG_META_RULE 26u /* B    detection rule: parity placement id (bits 0-3, 0 = none) | 0x10 range check */
#define ED_IMG_META_INPUT_RANK 27u /* B    1 (vector) or 3 (H, W, C) */
#define ED_IMG_META_INPUT_SHAPE 28u /* 3H   per-sample input shape, unused dims 1 */
#define ED_IMG_META_NUM_CLASSES 34u /* H    outputs of the last op */
#define ED_IMG_META_NUM_OPS 36u /* H    OP records that follow */
#define ED_IMG_META_NUM_TENSORS 38u /* H    TENSOR records after the ops */
#define ED_IMG_META_IN_SCALE 40u /* d    int8: input quantization scale */
#define ED_IMG_META_IN_ZP 48u /* i    int8: input zero point */
#define ED_IMG_META_WEIGHTS_CRC32 52u /* I    CRC-32 of the clean weight region (tells corrupted from clean; never used to repair) */
#define ED_IMG_META_TESTSET_OFFSET 56u /* I    byte offset of the test set region (0: none) */
#define ED_IMG_META_TESTSET_COUNT 60u /* I    samples in the test set region */
#define ED_IMG_META_TESTSET_CRC32 64u /* I    CRC-32 of the test set region */
#define ED_IMG_META_PAGE 68u /* I    alignment of the sections (the board's flash page) */
#define ED_IMG_META_BOARD 72u /* 24s  board the image was laid out for, NUL-padded */
#define ED_IMG_META_BOARD_LEN 24u

/* op: One op of the sequential graph. */
#define ED_IMG_OP_SIZE 60u
#define ED_IMG_OP_KIND 0u /* B    KINDS */
#define ED_IMG_OP_ACT 1u /* B    fused activation: 0 none, 1 relu, 2 relu6 */
#define ED_IMG_OP_STRIDE 2u /* 2B   stride (h, w) */
#define ED_IMG_OP_POOL 4u /* 2B   pooling window (h, w) */
#define ED_IMG_OP_PADS 6u /* 4B   padding top, bottom, left, right */
#define ED_IMG_OP_OUT_SHAPE 10u /* 3H   per-sample output shape (unused dims 1) */
#define ED_IMG_OP_OUT_RANK 16u /* B    rank of out_shape */
#define ED_IMG_OP_RESERVED 17u /* B    0 */
#define ED_IMG_OP_WEIGHT 18u /* h    TENSOR index of the weight (-1: none) */
#define ED_IMG_OP_BIAS 20u /* h    TENSOR index of the bias (-1: none) */
#define ED_IMG_OP_CHANNELS 22u /* H    output channels (length of the per-channel arrays) */
#define ED_IMG_OP_IN_SCALE 24u /* d    int8: input scale */
#define ED_IMG_OP_OUT_SCALE 32u /* d    int8: output scale */
#define ED_IMG_OP_IN_ZP 40u /* i    int8: input zero point */
#define ED_IMG_OP_OUT_ZP 44u /* i    int8: output zero point */
#define ED_IMG_OP_ACT_MIN 48u /* i    int8: output clamp low */
#define ED_IMG_OP_ACT_MAX 52u /* i    int8: output clamp high */
#define ED_IMG_OP_ARRAYS 56u /* I    payload offset of w_scale f64[channels], out_mult i32[channels], out_shift i32[channels] */

/* tensor: One parameter tensor's words in the weight region. */
#define ED_IMG_TENSOR_SIZE 56u
#define ED_IMG_TENSOR_ROLE 0u /* B    0 weight, 1 bias */
#define ED_IMG_TENSOR_REPR 1u /* B    representation stable id (0: IEEE-754 float32 bit pattern) */
#define ED_IMG_TENSOR_M 2u /* B    index bits */
#define ED_IMG_TENSOR_WIDTH 3u /* B    stored bits per word (m, or m + 1 with a parity bit) */
#define ED_IMG_TENSOR_OP 4u /* H    OP index */
#define ED_IMG_TENSOR_NDIM 6u /* B    rank of shape */
#define ED_IMG_TENSOR_SPARE 7u /* B    index bits given up to a parity bit (parity-lsb) */
#define ED_IMG_TENSOR_SHAPE 8u /* 4H   shape, unused dims 1 */
#define ED_IMG_TENSOR_COUNT 16u /* I    words */
#define ED_IMG_TENSOR_BIT_OFFSET 20u /* I    first bit in the weight region (TENSOR_PROTECTED: in the protected payload) */
#define ED_IMG_TENSOR_VALUE_LO 24u /* d    uniform: value of index 0's bin start */
#define ED_IMG_TENSOR_VALUE_STEP 32u /* d    uniform: bin width */
#define ED_IMG_TENSOR_RANGES 40u /* I    payload offset of range lo f64[channels], hi f64[channels] (range rules), else 0 */
#define ED_IMG_TENSOR_RANGE_CHANNELS 44u /* H    channels of the range check */
#define ED_IMG_TENSOR_FLAGS 46u /* H    version 4: bit 0 (TENSOR_PROTECTED, biases only) the words sit in the protected payload, bit_offset counting payload bits; else 0 */
#define ED_IMG_TENSOR_REPR_PARAMS 48u /* I    payload offset of the representation's params (u32 each), else 0 */
#define ED_IMG_TENSOR_REPR_PARAMS_LEN 52u /* I    number of u32 params */

#endif /* ED_IMAGE_FORMAT_H */
