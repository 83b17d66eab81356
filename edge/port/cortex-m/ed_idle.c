/*
 * ed_idle: sleep until a peripheral raises an interrupt, without interrupt handlers and without knowing which
 * interrupt line a peripheral uses (board files do not list them).
 *
 * Every NVIC line is enabled but PRIMASK masks them all: a line going pending then wakes WFI, and no handler ever
 * runs (an interrupt can only reach ed_fault_entry, loudly, if some code clears PRIMASK). Pending bits latch, so the
 * caller clears them with ed_idle_arm *before* checking its condition and only then calls ed_idle_wait: an event
 * after the check pends again and makes WFI return at once. Under QEMU a halted core costs no host CPU and lets
 * UART input through immediately; a polling loop burns a host core and can delay input by up to a second.
 */
#include <stdint.h>

#include "ed_board.h"
#include "ed_cortex_m.h"
#include "ed_platform.h"

#define ED_NVIC_ICTR ED_REG(0xE000E004u)

/* Banks of 32 lines the NVIC implements, limited to those the vector table covers (ED_IRQ_COUNT). */
static uint32_t ed_idle_banks(void)
{
    uint32_t banks = (ED_NVIC_ICTR & 0xFu) + 1u;
    return banks < ED_IRQ_COUNT / 32u ? banks : ED_IRQ_COUNT / 32u;
}

void ed_idle_init(void)
{
    uint32_t i;
    __asm__ volatile("cpsid i" ::: "memory");
    for (i = 0; i < ed_idle_banks(); i++) {
        ED_NVIC_ICPR(i) = 0xFFFFFFFFu;
        ED_NVIC_ISER(i) = 0xFFFFFFFFu;
    }
}

void ed_idle_arm(void)
{
    uint32_t i;
    for (i = 0; i < ed_idle_banks(); i++) {
        ED_NVIC_ICPR(i) = 0xFFFFFFFFu;
    }
    ed_barrier();
}

void ed_idle_wait(void) { __asm__ volatile("wfi" ::: "memory"); }
