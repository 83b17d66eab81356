/*
 * ed_timer_stm32: a 32-bit general-purpose timer of STM32 parts (TIM2 or TIM5: CR1 +0x00, SR +0x10, EGR +0x14,
 * CNT +0x24, PSC +0x28, ARR +0x2C), counting up at the board file's `hz` with no prescaler; the 64-bit tick count
 * is the wraps (the update flag, polled as the CMSDK driver polls its interrupt flag) above CNT. Its bus clock is
 * one of the board's init writes (ED_BOARD_INIT).
 */
#include <stdint.h>

#include "ed_board.h"
#include "ed_cortex_m.h"
#include "ed_platform.h"
#include "ed_timer_wraps.h"

#define ED_TIM_CR1 ED_REG(ED_TIMER_BASE + 0x00u)
#define ED_TIM_SR ED_REG(ED_TIMER_BASE + 0x10u)
#define ED_TIM_EGR ED_REG(ED_TIMER_BASE + 0x14u)
#define ED_TIM_CNT ED_REG(ED_TIMER_BASE + 0x24u)
#define ED_TIM_PSC ED_REG(ED_TIMER_BASE + 0x28u)
#define ED_TIM_ARR ED_REG(ED_TIMER_BASE + 0x2Cu)

#define ED_TIM_CEN (1u << 0)
#define ED_TIM_UIF (1u << 0)
#define ED_TIM_UG (1u << 0)

static ed_timer_wraps_t ed_timer_wraps;

void ed_timer_init(void)
{
    ED_TIM_CR1 = 0;
    ED_TIM_PSC = 0;
    ED_TIM_ARR = 0xFFFFFFFFu;
    ED_TIM_EGR = ED_TIM_UG; /* load PSC and ARR, CNT = 0 */
    ED_TIM_SR = 0;
    ed_timer_wraps.wraps = ed_timer_wraps.last = ed_timer_wraps.credit = 0;
    ED_TIM_CR1 = ED_TIM_CEN;
}

uint64_t ed_timer_ticks(void)
{
    uint32_t value = ED_TIM_CNT;
    const int flagged = (ED_TIM_SR & ED_TIM_UIF) != 0u;
    if (flagged) {
        ED_TIM_SR = 0;      /* rc_w0 */
        value = ED_TIM_CNT; /* the wrap may have come after the first read */
    }
    return ed_timer_extend(&ed_timer_wraps, value, flagged, 32u);
}

uint64_t ed_timer_instructions(uint64_t ticks)
{
    return ED_INSTR_PER_TICK_NUM ? ticks * ED_INSTR_PER_TICK_NUM / ED_INSTR_PER_TICK_DEN : 0u;
}

int ed_timer_counts_cycles(void)
{
    return 0; /* a bus-clocked timer, not core cycles */
}
