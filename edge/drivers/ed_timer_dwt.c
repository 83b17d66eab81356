/*
 * ed_timer_dwt: the core's cycle counter (DWT->CYCCNT, Armv7-M/v8-M Mainline) as the 64-bit tick count, so BENCH,
 * EVAL, INFER and LOAD report CPU cycles on a real board (board file: [timer] kind = "dwt", base = 0xE0001000,
 * hz = the core clock). Registers: DEMCR 0xE000EDFC bit 24 TRCENA powers the DWT; DWT_CTRL +0x00 bit 0 CYCCNTENA;
 * DWT_CYCCNT +0x04 counts up and wraps at 2^32.
 *
 * Not every core or emulator has the counter (Cortex-M0/M0+ have no DWT cycle counter, QEMU reads the DWT as zero):
 * ed_timer_init checks that it advances, and when it does not, ticks stay 0 and INFO does not claim cycles.
 */
#include <stdint.h>

#include "ed_board.h"
#include "ed_cortex_m.h"
#include "ed_platform.h"

#define ED_DEMCR ED_REG(0xE000EDFCu)
#define ED_DEMCR_TRCENA (1u << 24)
#define ED_DWT_CTRL ED_REG(ED_TIMER_BASE + 0x00u)
#define ED_DWT_CYCCNT ED_REG(ED_TIMER_BASE + 0x04u)
#define ED_DWT_CYCCNTENA (1u << 0)

static uint32_t ed_cycles_last, ed_cycles_high;
static int ed_cycles_running;

void ed_timer_init(void)
{
    volatile uint32_t spin;
    uint32_t first;
    ED_DEMCR |= ED_DEMCR_TRCENA;
    ED_DWT_CYCCNT = 0u;
    ED_DWT_CTRL |= ED_DWT_CYCCNTENA;
    first = ED_DWT_CYCCNT;
    for (spin = 0; spin < 64u; spin++) {
    }
    ed_cycles_running = ED_DWT_CYCCNT != first;
    ed_cycles_last = ed_cycles_running ? ED_DWT_CYCCNT : 0u;
    ed_cycles_high = 0;
}

/* The 32-bit counter extended by counting wraps: called at least once per 2^32 cycles (e.g. 25 s at 168 MHz),
 * which the firmware's once-per-sample reads ensure. */
uint64_t ed_timer_ticks(void)
{
    uint32_t now;
    if (!ed_cycles_running) {
        return 0u;
    }
    now = ED_DWT_CYCCNT;
    if (now < ed_cycles_last) {
        ed_cycles_high++;
    }
    ed_cycles_last = now;
    return ((uint64_t)ed_cycles_high << 32) | now;
}

uint64_t ed_timer_instructions(uint64_t ticks)
{
    (void)ticks; /* cycles are not instructions */
    return 0u;
}

int ed_timer_counts_cycles(void)
{
    return ed_cycles_running;
}
