/*
 * ed_flash: running a model with its weights left in flash (ED_MODEL_WEIGHTS_FLASH) -- RAM independent of the
 * model's size. Twin of the host's plan (host/eccless/image/limits.py: flash_arena) and spec in docs/FIRMWARE.md.
 *
 *   fully connected layers whose stored words are whole bytes (twos or offset codes, with or without parity-lsb):
 *     LOAD decodes + detects the words a tile at a time (flips included) and keeps only the corrections: each
 *     weight whose detected level differs from what its stored byte reads as. Each inference reads the bytes in
 *     place (ed_fully_connected_inplace_s8) and adds the corrections: the detected levels, bit for bit.
 *   every other weighted layer (any representation and rule): each inference decodes + detects `tile_rows` output
 *     channels at a time into a small buffer, packs them for the kernel and runs the kernel on them.
 *
 * Detection counts are those of LOAD's pass, as with weights in RAM: a stored word is judged once per LOAD (the
 * tiles decoded per inference repeat the same verdicts on the same bits). A flip that reaches the medium after
 * LOAD is seen by the tiled layers at once and by the in-place ones at the next LOAD.
 */
#ifndef ED_FLASH_H
#define ED_FLASH_H

#include <stdint.h>

#include "ed_detect.h"
#include "ed_model.h"

#ifndef ED_FLASH_TILE_BYTES
#define ED_FLASH_TILE_BYTES 4096u /* a tile's decoded bytes + packed form + conv output, when a channel fits */
#endif
#ifndef ED_FLASH_SCAN_BYTES
#define ED_FLASH_SCAN_BYTES 512u /* LOAD's pass over an in-place layer: decoded bytes of a few rows, at least one */
#endif

/* 1 when op's weights w are read in place from flash (fully connected, whole-byte twos or offset words): LOAD's
 * scan and DIGEST are then the only decoders of w, a tile at a time. */
int ed_flash_reads_in_place(const ed_op_t *op, const ed_tensor_t *w);

/* Chooses each weighted op's way (in place or tiles, and the tile) and takes the biases, tile buffers and
 * corrections' room from the arena; *scratch: the kernels' scratch bytes it needs. */
ed_load_status_t ed_flash_plan(ed_model_t *md, uint32_t *scratch);

/* LOAD's pass over the k-th weighted op's weights: detection counts into *z; with keep, the in-place layer's
 * corrections go to the arena (ED_LOAD_ARENA when they do not fit). */
ed_load_status_t ed_flash_scan(ed_model_t *md, uint16_t k, ed_zeroed_t *z, int keep);

/* Weights 'auto' when the model did not fit with every layer decoded into RAM: after LOAD's pass from flash, the
 * layers whose decoded weights fit what the arena has left are decoded into RAM after all, the most MACs per
 * weight first (convolutions before fully connected layers) -- near RAM speed where it matters, RAM only where it
 * is free. Returns how many layers were moved to RAM. */
uint16_t ed_flash_promote(ed_model_t *md);

/* One weighted op whose weights stayed in flash (ed_infer.c). */
ed_kernel_status_t ed_flash_run(ed_model_t *md, const ed_op_t *op, const int8_t *in, int8_t *out);

/* CRC-32 of the k-th weighted op's int8 weights as the kernels use them (DIGEST); counts into *z. */
uint32_t ed_flash_weights_crc(ed_model_t *md, uint16_t k, ed_zeroed_t *z);

#endif /* ED_FLASH_H */
