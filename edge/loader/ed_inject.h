/*
 * ed_inject: the weight region's bit flips for on-device injection (INJECT), the same positions the host channel
 * draws for the same seed and stream.
 */
#ifndef ED_INJECT_H
#define ED_INJECT_H

#include <stdint.h>

#include "ed_model.h"

/* Walks the channel over the weight region (absolute image bits from 8 * weights_offset) and keeps the positions
 * that flip, relative to the region, in md->flips (arena); ch NULL: no flips. */
ed_load_status_t ed_inject_flips(ed_model_t *md, const ed_channel_params_t *ch, uint32_t weights_offset,
                                 uint32_t *detail);

#endif /* ED_INJECT_H */
