/*
 * ed_timer_systick: the core's SysTick (every Cortex-M in practice, Armv6-M included): a 24-bit down counter at the
 * core clock (CLKSOURCE = 1), reload 0xFFFFFF; the 64-bit tick count is the wraps (COUNTFLAG, which reading the
 * control register clears) above the elapsed count. Polled, as the other drivers' wrap flags are, so a stretch of
 * more than 2^24 core cycles between two readings loses a wrap: measurements of long runs belong to a 32-bit
 * timer where the board has one.
 */
#include <stdint.h>

#include "ed_board.h"
#include "ed_cortex_m.h"
#include "ed_platform.h"
#include "ed_timer_wraps.h"

#define ED_SYST_CSR ED_REG(0xE000E010u)
#define ED_SYST_RVR ED_REG(0xE000E014u)
#define ED_SYST_CVR ED_REG(0xE000E018u)

#define ED_SYST_ENABLE (1u << 0)
#define ED_SYST_CORE_CLOCK (1u << 2)
#define ED_SYST_COUNTFLAG (1u << 16)
#define ED_SYST_MAX 0x00FFFFFFu

static ed_timer_wraps_t ed_timer_wraps;

void ed_timer_init(void)
{
    ED_SYST_CSR = 0;
    ED_SYST_RVR = ED_SYST_MAX;
    ED_SYST_CVR = 0; /* any write clears the counter and COUNTFLAG */
    ed_timer_wraps.wraps = ed_timer_wraps.last = ed_timer_wraps.credit = 0;
    ED_SYST_CSR = ED_SYST_ENABLE | ED_SYST_CORE_CLOCK;
}

uint64_t ed_timer_ticks(void)
{
    uint32_t value = ED_SYST_CVR;
    const int flagged = (ED_SYST_CSR & ED_SYST_COUNTFLAG) != 0u; /* reading CSR clears it */
    if (flagged) {
        value = ED_SYST_CVR; /* the wrap may have come after the first read */
    }
    return ed_timer_extend(&ed_timer_wraps, ED_SYST_MAX - value, flagged, 24u); /* it counts down */
}

uint64_t ed_timer_instructions(uint64_t ticks)
{
    return ED_INSTR_PER_TICK_NUM ? ticks * ED_INSTR_PER_TICK_NUM / ED_INSTR_PER_TICK_DEN : 0u;
}

int ed_timer_counts_cycles(void)
{
    return 0;
}
