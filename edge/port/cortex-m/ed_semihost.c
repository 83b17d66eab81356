/*
 * ed_semihost: the two semihosting calls the firmware needs, SYS_EXIT_EXTENDED (any exit code reaches the host:
 * plain SYS_EXIT only tells 0 from 1) and SYS_WRITE0. Only used when the board file lists the `semihosting`
 * capability: on a core without a debugger a `bkpt 0xab` locks up, so such boards reset instead of exiting.
 */
#include <stdint.h>

#include "ed_board.h"
#include "ed_cortex_m.h"
#include "ed_platform.h"

#define ED_SYS_WRITE0 0x04
#define ED_SYS_EXIT_EXTENDED 0x20
#define ED_ADP_STOPPED_APPLICATION_EXIT 0x20026u

static int ed_semihost_call(int op, const void *arg)
{
    register int r0 __asm__("r0") = op;
    register const void *r1 __asm__("r1") = arg;
    __asm__ volatile("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
    return r0;
}

void ed_exit(int code)
{
    if (ED_HAS_SEMIHOSTING) {
        uint32_t block[2];
        block[0] = ED_ADP_STOPPED_APPLICATION_EXIT;
        block[1] = (uint32_t)code;
        (void)ed_semihost_call(ED_SYS_EXIT_EXTENDED, block);
    } else {
        ED_SCB_AIRCR = ED_AIRCR_SYSRESETREQ;
        ed_barrier();
    }
    for (;;) {
    }
}

void ed_console_write(const char *text)
{
    if (ED_HAS_SEMIHOSTING) {
        (void)ed_semihost_call(ED_SYS_WRITE0, text);
    }
}
