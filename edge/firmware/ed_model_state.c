/* ed_model_state.c: see ed_model_state.h. */
#include "ed_model_state.h"

#include "ed_board.h"
#include "ed_platform.h"

#ifndef ED_ARENA_LIMIT
#define ED_ARENA_LIMIT 0u /* 0: all RAM after the firmware's data */
#endif

static ed_model_t ed_model;
static ed_channel_params_t ed_inject[2];
static uint8_t ed_armed;

ed_model_t *ed_state_model(void)
{
    return &ed_model;
}

uint8_t ed_state_inject(uint8_t region, const ed_channel_params_t *params)
{
    if (region == 0u) {
        ed_armed = 0;
    } else {
        ed_inject[region - 1u] = *params;
        ed_armed = (uint8_t)(ed_armed | (1u << (region - 1u)));
    }
    return ed_armed;
}

ed_status_t ed_state_load(uint32_t flags, ed_response_t *rsp)
{
    ed_load_args_t args;
    size_t arena = (size_t)(_ed_arena_end - _ed_arena_start);
    uint32_t detail = 0;
    ed_load_status_t st;

    if (ED_ARENA_LIMIT != 0u && arena > ED_ARENA_LIMIT) {
        arena = ED_ARENA_LIMIT;
    }
    args.image = _ed_image_base;
    args.image_size = (size_t)(_ed_image_end - _ed_image_base);
    args.arena = _ed_arena_start;
    args.arena_size = arena;
    args.flags = flags;
    args.flip_weights = (ed_armed & 1u) ? &ed_inject[0] : 0;
    args.flip_protected = (ed_armed & 2u) ? &ed_inject[1] : 0;
    args.clock = ed_timer_ticks;
    args.board = ED_BOARD_NAME;
    st = ed_model_load(&ed_model, &args, &detail);
    rsp->detail = detail;
    switch (st) {
    case ED_LOAD_OK:
        return ED_STATUS_OK;
    case ED_LOAD_IMAGE:
        return ED_STATUS_ERR_IMAGE;
    case ED_LOAD_UNSUPPORTED:
        return ED_STATUS_ERR_UNSUPPORTED;
    case ED_LOAD_ARENA:
        return ED_STATUS_ERR_ARENA;
    default:
        return ED_STATUS_ERR_ARG;
    }
}

ed_status_t ed_state_kernel_error(ed_response_t *rsp, uint32_t detail)
{
    rsp->detail = detail;
    return ED_STATUS_ERR_INTERNAL;
}
