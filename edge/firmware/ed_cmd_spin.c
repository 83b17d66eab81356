/*
 * SPIN (debug builds only): time a fixed busy loop with the timer. Under QEMU -icount the loop's instruction count
 * is a pure function of `iterations`, so tests use it to check the timer and the determinism of the counts.
 */
#include "ed_board.h"
#include "ed_bytes.h"
#include "ed_dispatch.h"
#include "ed_platform.h"

ed_status_t ed_cmd_spin(const ed_request_t *req, ed_response_t *rsp)
{
#if ED_DEBUG_COMMANDS
    uint32_t n = ed_get_u32(req->payload + ED_SPIN_REQ_ITERATIONS);
    volatile uint32_t sink = 0; /* volatile: the loop must not be folded away */
    uint64_t start, ticks;
    uint32_t i;
    start = ed_timer_ticks();
    for (i = 0; i < n; i++) {
        sink += i;
    }
    ticks = ed_timer_ticks() - start;
    ed_put_u64(rsp->payload + ED_SPIN_RSP_TICKS, ticks);
    ed_put_u64(rsp->payload + ED_SPIN_RSP_INSTRUCTIONS, ed_timer_instructions(ticks));
    rsp->len = ED_SPIN_RSP_SIZE;
    return ED_STATUS_OK;
#else
    (void)req;
    (void)rsp;
    return ED_STATUS_ERR_DISABLED;
#endif
}
