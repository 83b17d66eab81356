/*
 * ed_model: the on-device model loader -- twin of the host loader host/eccless/image/load.py and of
 * RegionCodec.decode_words (host/eccless/storage/stored.py). Spec of the image: docs/FORMAT.md; of the loader and
 * its measurements: docs/FIRMWARE.md.
 *
 *   image in flash (read only, ECC off)
 *     superblock x 11 ---- bitwise majority + CRC-32 ----------------------------------.
 *     protected blob ----- BCH-repaired block by block, only the repairs kept (ed_payload) --+--> ops, tensors
 *     weight region ------ read in place; INJECT's flips applied word by word ---------+--> decode -> detect ->
 *     test set ----------- read in place (CRC-checked once per LOAD)                        int8 / int32 values
 *
 * Every length, offset and count read from the image is checked against its region or a fixed limit before it
 * is used, in the order the host loader checks them, so a damaged or hostile image yields a status and a detail
 * -- never an out-of-bounds access, a fault or an endless loop. Memory is one caller-owned arena (bump
 * allocation, no malloc); a model that does not fit gives ED_LOAD_ARENA with the number of bytes it needed.
 *
 * The loader is portable C99 (no board headers): the firmware calls it from ed_model_state.c with the image
 * region and arena of the linker script; tests build it for the host.
 */
#ifndef ED_MODEL_H
#define ED_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "ed_arena.h"
#include "ed_channel.h"
#include "ed_kernels.h"
#include "ed_rules.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    ED_LOAD_OK = 0,
    ED_LOAD_IMAGE = 1,       /* image rejected; detail (record index << 8) | ED_LOAD_ERR_* (ed_protocol.h) */
    ED_LOAD_UNSUPPORTED = 2, /* a valid image this firmware cannot run; detail: its number format */
    ED_LOAD_ARENA = 3,       /* the model does not fit the arena; detail: bytes needed (at least) */
    ED_LOAD_ARG = 4          /* unknown flags; detail: the flags */
} ed_load_status_t;

/* ed_model_load flags (ED_LOAD_FLAG_* of the protocol). */
#define ED_MODEL_ON_THE_FLY 1u /* keep no decoded weights: decode each layer's words before running it */
#define ED_MODEL_NO_LUT 2u     /* no tables: the generic decode loop for every tensor, hamming codes decoded
                                * arithmetically even for m <= 16 (the reference path, for measurements and tests) */
#define ED_MODEL_WEIGHTS_FLASH 4u /* run from flash: no copy of the weights in RAM; fully connected layers of byte
                                  * words read them in place (corrections from the LOAD pass), others decode a tile
                                  * of output channels at a time (ed_flash.h) */
#define ED_MODEL_WEIGHTS_AUTO 8u  /* weights in RAM when the model fits the arena that way, else from flash */
#define ED_MODEL_FLAGS_KNOWN 15u

/* How a stored word of one tensor becomes a value. */
typedef struct ed_tensor {
    uint8_t role;    /* 0 weight (int8), 1 bias (int32) */
    uint8_t repr;    /* representation stable id (eccless.represent) */
    uint8_t m;       /* index bits */
    uint8_t width;   /* stored bits per word */
    uint8_t parity;  /* ED_PARITY_*: where the parity bit sits */
    uint8_t range;   /* 1: range-check the value against lo/hi of its channel */
    uint8_t fast;    /* ED_DETECT_*: which decode + detect loop (ed_detect.h) */
    uint8_t in_payload; /* 1: a protected bias (TENSOR_PROTECTED): words in the payload, read clean (clean) */
    uint16_t op;     /* index among the weighted ops */
    uint8_t ndim;
    uint8_t tile_bounds; /* read in place from flash with a range rule: no per-channel bounds are kept; each tile
                          * the LOAD pass (and DIGEST) decodes builds its own from the payload (ed_flash.c) */
    uint16_t shape[4];
    uint32_t count;
    uint32_t bit_offset; /* first bit in the weight region (in_payload: in the payload) */
    uint32_t ch_div;     /* range channel of element e: (e / ch_div) % ch_mod */
    uint32_t ch_mod;
    const uint8_t *table;   /* optimized: codeword -> index, u32 little-endian, repaired from the payload (arena) */
    const uint8_t *clean;   /* in_payload: the bytes of its words, repaired from the payload (arena); the first
                             * word starts at bit bit_offset % 8 */
    const uint16_t *lut;    /* codeword -> index lookup table (hamming, m <= 16), or NULL */
    const uint64_t *starts; /* hamming without LUT: first index of each weight class, m + 2 entries */
    uint32_t ranges;        /* range rules: payload offset of the float64 bounds (LOAD: ed_loader_bounds) */
    const int64_t *lo;      /* range rules, per channel, for the loops that read them (ed_detect_reads_bounds), else
                             * NULL: values below lo or above hi are zeroed */
    const int64_t *hi;
    const uint16_t *wlut;   /* lut variant: stored word -> level + 128 or parity sentinel (ed_detect_build_lut) */
    const int32_t *rlo;     /* lut variant with range, per channel: level kept iff (unsigned)(level - rlo) <= rspan */
    const uint32_t *rspan;
    const uint32_t *rwords; /* copy variants, per channel, lo and span = hi - lo as two words, or NULL. Weights
                             * (runs of whole channels of 4k values, lo <= hi): int8 level bounds in every byte
                             * lane (ed_detect_words.h); biases: int32 bounds (ed_loader_graph.c) */
    uint32_t packed_size;   /* weights: bytes of the kernel's packed form (ed_model_pack); biases: 4 * count */
    void *values;           /* weights packed for the kernels, biases int32; NULL when decoding on the fly */
    /* weights run from flash (ED_MODEL_WEIGHTS_FLASH) */
    uint8_t inplace;        /* 1: read in place by ed_fully_connected_inplace_s8, 0: decoded tile by tile */
    uint8_t transform;      /* inplace: ED_INPLACE_* */
    uint16_t tile_rows;     /* output channels per tile (decoding at LOAD, and per inference when not inplace) */
    const uint32_t *fixes;  /* inplace: the LOAD pass's corrections, sorted (ed_kernels.h) */
    uint32_t num_fixes;
} ed_tensor_t;

/* ED_PARITY_* (the word layouts of parity placements) come from the generated ed_rules.h */

typedef struct {
    uint8_t kind; /* ED_IMG_KIND_* */
    int16_t weight, bias;        /* the record's tensor fields (only weight >= 0 is used: "weighted") */
    int16_t windex;              /* index among the weighted ops (its tensors: 2 windex, 2 windex + 1), or -1 */
    uint8_t in_rank, out_rank;
    ed_dims_t in, out;           /* per sample, n = 1; rank-1 shapes as (1, 1, 1, c) */
    uint32_t in_size, out_size;  /* elements */
    ed_window_t window;
    int32_t pool_h, pool_w;
    int32_t depth_multiplier;
    ed_act_t act;
    uint16_t channels;
    int32_t *multiplier, *shift; /* per channel (arena) */
    uint32_t zeroed_parity, zeroed_range;
} ed_op_t;

typedef struct {
    int loaded;
    uint32_t flags;
    uint16_t version;       /* the image format version (superblock) */
    uint8_t rule;
    uint16_t num_ops, num_tensors, num_weighted, num_classes;
    uint32_t input_size;
    uint32_t image_len;
    ed_op_t *ops;
    ed_tensor_t *tensors;
    uint16_t *weighted;     /* op index of each weighted op */
    const uint8_t *payload; /* the protected blob, in flash, read through its repairs (ed_payload.h); NULL after
                             * LOAD unless a tensor has tile_bounds */
    uint32_t payload_len;   /* metadata bytes (the blob's data, before its CRC and parity) */
    const uint32_t *repairs; /* LOAD: the payload bytes the BCH code repaired, (offset << 8) | bits, sorted (arena
                              * top) */
    uint32_t num_repairs;
    uint32_t weights_offset;
    const uint8_t *weights; /* the weight region, in flash (ECC-coded: its corrections join the flips) */
    uint32_t weights_len;
    uint32_t weights_data_len; /* bytes the tensors may occupy (ECC-coded: before the check bits) */
    uint8_t ecc_scheme;        /* the weight region's ECC scheme (ed_ecc_weights.h), 0: none */
    uint8_t ecc_zero;          /* the `zero` policy: parameters overlapping a failed block read 0 */
    uint32_t ecc_k;            /* data bits per block */
    uint32_t ecc_blocks_corrected, ecc_blocks_failed;
    const uint8_t *ecc_failed; /* `zero` policy: bitmap of the failed blocks (arena), else NULL */
    const uint32_t *flips;  /* sorted weight-region bit positions INJECT flips */
    uint32_t num_flips;
    const int8_t *test_x;   /* stored test set, in flash */
    const uint8_t *test_y;
    uint32_t test_count;
    int8_t *act[2];         /* ping-pong activation buffers */
    ed_scratch_t scratch;   /* kernel scratch */
    int8_t *wbuf;           /* decoded int8 weights of one layer, before packing */
    int32_t *bbuf;          /* on the fly: the biases and packed weights of the layer being run */
    void *pbuf;
    int8_t *obuf;           /* run from flash: a conv tile's output channels before they are interleaved */
    uint32_t *tbounds;      /* run from flash: the range bounds of the tile being decoded (tile_bounds tensors) */
    /* results of the load pass */
    uint32_t params, zeroed_parity, zeroed_range, ecc_corrected, flips_weights, flips_protected;
    uint32_t zeroed_ecc;    /* parameters the ECC `zero` policy zeroed */
    uint32_t fixes;         /* run from flash: corrections kept for the in-place layers */
    uint16_t resident;      /* weights 'auto' run from flash: layers decoded into RAM after all (ed_flash_promote) */
    size_t arena_used;
    /* what of arena_used is working memory rather than the model's tables, metadata, biases and weights: */
    uint32_t arena_activations; /* the two ping-pong activation buffers */
    uint32_t arena_tiles;       /* weight decode buffers: from flash the tiles, in RAM one layer's staging */
    uint32_t arena_scratch;     /* the kernels' scratch (*_get_buffer_size: widened inputs, conv images) */
    uint64_t decode_ticks;
    ed_arena_t arena;
} ed_model_t;

typedef uint64_t (*ed_clock_fn)(void);

typedef struct {
    const uint8_t *image;      /* the image region as raw bits */
    size_t image_size;
    void *arena;               /* at least 8-byte aligned */
    size_t arena_size;
    uint32_t flags;            /* ED_MODEL_* */
    const ed_channel_params_t *flip_weights;   /* channel for the weight region (stream as given), or NULL */
    const ed_channel_params_t *flip_protected; /* channel for superblock + protected blob, or NULL */
    ed_clock_fn clock;         /* times the decode pass; may be NULL */
    const char *board;         /* the board this code runs on: an image packed for another is refused; NULL: any */
} ed_load_args_t;

/* Parse, repair, decode and detect; on success model->loaded = 1. *detail explains a failure. */
ed_load_status_t ed_model_load(ed_model_t *model, const ed_load_args_t *args, uint32_t *detail);

/* The decode + detect pass over every tensor (into its buffer, or just counted when decoding on the fly), each
 * layer's weights then packed for the kernels -- from flash, the in-place layers' corrections kept instead;
 * refreshes the zeroed counters. Called by ed_model_load; ED_LOAD_ARENA when the corrections do not fit. */
ed_load_status_t ed_model_decode(ed_model_t *model, uint32_t *detail);

/* The same pass without the packing (the decoded weights go to the staging buffer only): BENCH's decode kind.
 * The packed weights already in place stay valid, as the same image decodes to the same values. */
void ed_model_decode_detect(ed_model_t *model);

/* One inference on `input` (input_size int8). *logits points at the last op's output. Returns 0, or a kernel
 * error with *detail = (op << 8) | -status. */
int ed_model_infer(ed_model_t *model, const int8_t *input, const int8_t **logits, uint32_t *detail);

/* LOAD's last step (ed_model_load calls it): the kernels' own argument checks, run once, on every op that inference
 * calls a trusted (unchecked) kernel entry point for. ED_LOAD_IMAGE with (op << 8) | ED_LOAD_ERR_QUANT or _SHAPES
 * like the loader's own checks. */
ed_load_status_t ed_model_prepare(ed_model_t *model, uint32_t *detail);

/* The arguments inference passes to a dense op's trusted fully connected kernel (ed_fully_connected_s8_eval; input,
 * output and scratch aside), for BENCH kernel. */
typedef struct {
    ed_fc_params_t params;
    ed_requant_t requant;
    int32_t in_features, out_features;
    const void *weights;
    const int32_t *bias;
} ed_dense_call_t;

/* 0 with *call filled for op `index` when it is a dense op whose weights LOAD decoded into RAM; 1 for a dense op
 * run from flash (its kernel is ed_flash_run: the in-place kernel over the op's tiles); -1 otherwise (not dense,
 * or decoded on the fly). */
int ed_model_dense_call(const ed_model_t *model, uint32_t index, ed_dense_call_t *call);

/* Runs op `index` alone from `input` into the op's output buffer (BENCH); same returns as ed_model_infer. */
int ed_model_run_op(ed_model_t *model, uint32_t index, const int8_t *input, const int8_t **output,
                    uint32_t *detail);

/* Index of the first largest of n int8 values (numpy argmax). */
uint16_t ed_argmax_s8(const int8_t *x, uint32_t n);

#ifdef __cplusplus
}
#endif

#endif /* ED_MODEL_H */
