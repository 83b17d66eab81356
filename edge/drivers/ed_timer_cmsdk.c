/*
 * ed_timer_cmsdk: the Arm CMSDK APB timer as a free-running 64-bit tick counter. Registers: CTRL +0x00 (bit 0
 * enable, bit 3 interrupt enable), VALUE +0x04 (counts down), RELOAD +0x08, INTSTATUS/INTCLEAR +0x0C.
 *
 * The counter runs down from 0xFFFFFFFF and reloads. Its interrupt is enabled in the timer but never in the NVIC:
 * the wrap then only latches INTSTATUS, which ed_timer_ticks polls to count wraps. Under QEMU -icount shift=N each
 * tick is exactly 1e9 / (hz * 2^N) instructions, so tick counts are deterministic instruction counts.
 */
#include <stdint.h>

#include "ed_board.h"
#include "ed_cortex_m.h"
#include "ed_platform.h"
#include "ed_timer_wraps.h"

#define ED_TIMER_CTRL ED_REG(ED_TIMER_BASE + 0x00u)
#define ED_TIMER_VALUE ED_REG(ED_TIMER_BASE + 0x04u)
#define ED_TIMER_RELOAD ED_REG(ED_TIMER_BASE + 0x08u)
#define ED_TIMER_INTSTATUS ED_REG(ED_TIMER_BASE + 0x0Cu)

#define ED_TIMER_ENABLE (1u << 0)
#define ED_TIMER_IRQ_ENABLE (1u << 3)

static ed_timer_wraps_t ed_timer_wraps;

void ed_timer_init(void)
{
    ED_TIMER_CTRL = 0;
    ED_TIMER_RELOAD = 0xFFFFFFFFu; /* also loads VALUE */
    ED_TIMER_INTSTATUS = 1u;
    ed_timer_wraps.wraps = ed_timer_wraps.last = ed_timer_wraps.credit = 0;
    ED_TIMER_CTRL = ED_TIMER_ENABLE | ED_TIMER_IRQ_ENABLE;
}

uint64_t ed_timer_ticks(void)
{
    uint32_t value = ED_TIMER_VALUE;
    const int flagged = (ED_TIMER_INTSTATUS & 1u) != 0u;
    if (flagged) {
        ED_TIMER_INTSTATUS = 1u;
        value = ED_TIMER_VALUE; /* the wrap may have come after the first read */
    }
    return ed_timer_extend(&ed_timer_wraps, 0xFFFFFFFFu - value, flagged, 32u); /* it counts down */
}

uint64_t ed_timer_instructions(uint64_t ticks)
{
    return ED_INSTR_PER_TICK_NUM ? ticks * ED_INSTR_PER_TICK_NUM / ED_INSTR_PER_TICK_DEN : 0u;
}

int ed_timer_counts_cycles(void)
{
    return 0; /* ticks of a 25 MHz-style peripheral clock, not core cycles */
}
