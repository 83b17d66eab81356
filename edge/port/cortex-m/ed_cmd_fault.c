/*
 * FAULT (debug builds only): make the CPU fault on purpose, so tests can prove the fault path reports and exits.
 * Release builds answer ERR_DISABLED, so a random frame that happens to pass the CRC cannot crash the device.
 */
#include <stdint.h>

#include "ed_board.h"
#include "ed_dispatch.h"

#if ED_DEBUG_COMMANDS
/* The MPU stack guard (ed_startup.c) is the one address known to fault on every board with an MPU. */
extern uint32_t _ed_stack_bottom[];

static volatile uint32_t ed_fault_limit = 0xFFFFFFFFu; /* volatile: the compiler cannot prove the recursion ends */

static uint32_t ed_fault_recurse(uint32_t depth)
{
    volatile uint32_t pad[64];
    pad[depth % 64u] = depth;
    if (depth == ed_fault_limit) {
        return pad[0];
    }
    return ed_fault_recurse(depth + 1u) + pad[depth % 64u]; /* not a tail call: every level keeps its frame */
}
#endif

ed_status_t ed_cmd_fault(const ed_request_t *req, ed_response_t *rsp)
{
#if ED_DEBUG_COMMANDS
    volatile uint32_t one = 1, zero = 0; /* volatile: 1u / x would compile to a compare */
    switch (req->payload[ED_FAULT_REQ_KIND]) {
    case ED_FAULT_KIND_BAD_READ:
        rsp->detail = *(volatile uint32_t *)_ed_stack_bottom;
        break;
    case ED_FAULT_KIND_UNDEFINED:
        __asm__ volatile("udf #0");
        break;
    case ED_FAULT_KIND_DIVIDE:
        rsp->detail = one / zero;
        break;
    case ED_FAULT_KIND_STACK_OVERFLOW:
        rsp->detail = ed_fault_recurse(0);
        break;
    default:
        rsp->detail = req->payload[ED_FAULT_REQ_KIND];
        break;
    }
    return ED_STATUS_ERR_ARG; /* an unknown kind, or a fault that did not happen */
#else
    (void)req;
    (void)rsp;
    return ED_STATUS_ERR_DISABLED;
#endif
}
