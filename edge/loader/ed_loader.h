/*
 * ed_loader: the steps of ed_model_load (internal to the model loader; ed_model.h is the public API).
 *
 *   ed_loader_parse   superblock (majority + CRC), protected blob (INJECT flips, BCH repair block by block:
 *                     ed_payload.c), META, OP and TENSOR records, shapes, quantization ranges, test set
 *                                                                                      -- ed_loader.c, _graph.c
 *   ed_loader_plan    INJECT flips of the weight region (ed_inject.c), decode tables, range bounds (then the
 *                     metadata's repairs are released), weight buffers from the arena; the sizes of the activation
 *                     and scratch buffers                                              -- ed_loader_graph.c
 *   (the decode + detect pass, ed_decode_pass.c)
 *   ed_loader_take_activations  the activation and scratch buffers                    -- ed_loader_graph.c
 */
#ifndef ED_LOADER_H
#define ED_LOADER_H

#include <stdint.h>

#include "ed_model.h"

#define ED_LOAD_FAIL(detail_ptr, index, reason) (*(detail_ptr) = ((uint32_t)(index) << 8) | (reason), ED_LOAD_IMAGE)

ed_load_status_t ed_loader_parse(ed_model_t *md, const ed_load_args_t *args, uint32_t *detail);
ed_load_status_t ed_loader_plan(ed_model_t *md, const ed_load_args_t *args, uint32_t *detail);
ed_load_status_t ed_loader_take_activations(ed_model_t *md, uint32_t *detail);

/* Shapes of every op from the input shape, checked against the records (graph.output_shape). */
ed_load_status_t ed_loader_shapes(ed_model_t *md, const uint8_t *input_shape, uint8_t input_rank, uint32_t *detail);
/* Channel c's range bounds of tensor t (t->range), read from the payload: during LOAD, and after it while a tensor
 * has tile_bounds (ed_loader_plan then keeps the metadata's repairs). NaN bounds never fire (INT64_MIN /
 * INT64_MAX); others are clamped to +-2^40. */
void ed_loader_bounds(const ed_model_t *md, const ed_tensor_t *t, uint32_t c, int64_t *lo, int64_t *hi);
/* The int8 bounds of t's channels [first, first + v->ch_mod) as copy_range, copy_parity and the lut loop read them,
 * into buf (8 bytes per channel), pointed at by v (t itself, or a tile of it): v->rwords -- lo and span in every
 * byte lane -- when v is a copy loop's whose channels are runs of 4k values and none rejects everything, else
 * v->rlo and v->rspan (int32). */
void ed_loader_level_bounds(const ed_model_t *md, const ed_tensor_t *t, uint32_t first, ed_tensor_t *v,
                            uint32_t *buf);

/* Zero points, clamps and shifts inside what the kernels accept. */
ed_load_status_t ed_loader_quant(ed_model_t *md, uint32_t *detail);

/* Op index of the k-th weighted op. */
static inline uint16_t ed_loader_weighted_op(const ed_model_t *md, uint16_t k)
{
    return md->weighted[k];
}

#endif /* ED_LOADER_H */
