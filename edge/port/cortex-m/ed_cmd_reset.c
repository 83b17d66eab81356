/*
 * RESET (debug builds only): a warm reset at once, through AIRCR.SYSRESETREQ, without a reply: what a watchdog or
 * the reset button does to a board mid-run, on demand, so tests prove the host notices (INFO boot_count, uptime).
 * Release builds answer ERR_DISABLED.
 */
#include "ed_board.h"
#include "ed_dispatch.h"

#if ED_DEBUG_COMMANDS
#include "ed_cortex_m.h"
#endif

ed_status_t ed_cmd_reset(const ed_request_t *req, ed_response_t *rsp)
{
    (void)req;
    (void)rsp;
#if ED_DEBUG_COMMANDS
    ED_SCB_AIRCR = ED_AIRCR_SYSRESETREQ;
    ed_barrier();
    for (;;) {
    }
#else
    return ED_STATUS_ERR_DISABLED;
#endif
}
