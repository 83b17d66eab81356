/*
 * ed_model_state: the firmware's one model and its armed INJECT channels, shared by the LOAD, INJECT, EVAL,
 * INFER and BENCH handlers. Binds the library (eccless.h, ed_eccless.h) to the board: the image region and the arena
 * come from the linker script (optionally capped by ED_ARENA_LIMIT from the build), the clock from TIMER0.
 */
#ifndef ED_MODEL_STATE_H
#define ED_MODEL_STATE_H

#include <stdint.h>

#include "ed_dispatch.h"
#include "ed_eccless.h"
#include "ed_model.h"

/* The firmware's handle of the library (eccless.h: eccless_invoke, eccless_counts, ...). */
eccless_model_t *ed_state_handle(void);

/* The loader's model behind that handle; model->loaded tells whether the last LOAD succeeded. */
ed_model_t *ed_state_model(void);

/* Arm (region 1 weights, 2 protected) or, for region 0, disarm every region; returns the armed mask. */
uint8_t ed_state_inject(uint8_t region, const ed_channel_params_t *params);

/* Load the image in the board's image region with the armed channels; ED_STATUS_* with rsp->detail set. */
ed_status_t ed_state_load(uint32_t flags, ed_response_t *rsp);

/* An ED_STATUS_ERR_INTERNAL reply for a kernel error during inference. */
ed_status_t ed_state_kernel_error(ed_response_t *rsp, uint32_t detail);

#endif /* ED_MODEL_STATE_H */
