/* ed_model_state.c: see ed_model_state.h. */
#include "ed_model_state.h"

#include "ed_board.h"
#include "ed_platform.h"

#ifndef ED_ARENA_LIMIT
#define ED_ARENA_LIMIT 0u /* 0: all RAM after the firmware's data */
#endif

static eccless_model_t ed_handle; /* the library's handle (ed_eccless.h), kept here rather than in the arena */
static ed_channel_params_t ed_inject[2];
static uint8_t ed_armed;

eccless_model_t *ed_state_handle(void)
{
    return &ed_handle;
}

ed_model_t *ed_state_model(void)
{
    return ed_eccless_model(&ed_handle);
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
    eccless_status_t st;

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
    st = ed_eccless_load_args(&ed_handle, &args, &detail); /* the library's load, as eccless_load's */
    rsp->detail = detail;
    switch (st) {
    case ECCLESS_OK:
        return ED_STATUS_OK;
    case ECCLESS_ERR_IMAGE:
        return ED_STATUS_ERR_IMAGE;
    case ECCLESS_ERR_UNSUPPORTED:
        return ED_STATUS_ERR_UNSUPPORTED;
    case ECCLESS_ERR_ARENA:
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
