/*
 * ed_startup: the vector table and the reset handler of a Cortex-M (ARMv7-M) firmware.
 *
 * Reset: enable the FPU first (any later code may use it), copy .data from its load address in the code region,
 * zero .bss, point VTOR at our table (the code region need not start at 0), turn on the separate fault handlers
 * and divide-by-zero trapping, guard the
 * stack with the MPU, set up wake-on-interrupt idling (ed_idle.c), then run main and exit with its code. Every exception but reset goes to the fault
 * reporter (ed_fault.c): an unexpected interrupt is as much a bug as a bus fault, and neither may hang silently.
 */
#include <stdint.h>
#include <string.h>

#include "ed_board.h"
#include "ed_cortex_m.h"
#include "ed_platform.h"

extern uint32_t _ed_stack_bottom[];
extern uint32_t _ed_stack_top[];
extern uint32_t _ed_data_start[];
extern uint32_t _ed_data_end[];
extern uint32_t _ed_data_load[];
extern uint32_t _ed_bss_start[];
extern uint32_t _ed_bss_end[];

int main(void);
void ed_reset_handler(void) __attribute__((noreturn));
void ed_fault_entry(void); /* ed_fault.c */

typedef union {
    void (*handler)(void);
    void *stack;
} ed_vector_t;

#define ED_SYSTEM_VECTORS 16

#define ED_FAULT_VECTOR {.handler = ed_fault_entry}

/* ED_IRQ_VECTORS (ed_board.h) repeats its argument once per interrupt line of the board. */
const ed_vector_t ed_vectors[ED_SYSTEM_VECTORS + ED_IRQ_COUNT] __attribute__((section(".vectors"), used)) = {
    {.stack = _ed_stack_top}, {.handler = ed_reset_handler},
    ED_FAULT_VECTOR, ED_FAULT_VECTOR, ED_FAULT_VECTOR, ED_FAULT_VECTOR, ED_FAULT_VECTOR, ED_FAULT_VECTOR,
    ED_FAULT_VECTOR, ED_FAULT_VECTOR, ED_FAULT_VECTOR, ED_FAULT_VECTOR, ED_FAULT_VECTOR, ED_FAULT_VECTOR,
    ED_FAULT_VECTOR, ED_FAULT_VECTOR, ED_IRQ_VECTORS(ED_FAULT_VECTOR)};

/*
 * The lowest ED_STACK_GUARD bytes of the stack become a no-access MPU region, so an overflow faults at once instead
 * of running off into whatever lies below RAM (on MPS2 in QEMU: a reserved region that silently ignores writes).
 * Cores without an MPU (MPU_TYPE.DREGION == 0) go without the guard.
 */
static void ed_stack_guard(void)
{
    if (!ED_ARMV7M_SYSTEM || ((ED_MPU_TYPE >> 8) & 0xFFu) == 0) {
        return;
    }
    ED_MPU_RNR = 0;
#if defined(__ARM_ARCH_8M_MAIN__) || defined(__ARM_ARCH_8_1M_MAIN__)
    /* PMSAv8 has no privileged no-access: read-only and execute-never, so the pushes of an overflow fault */
    ED_MPU_RBAR = (uint32_t)(uintptr_t)_ed_stack_bottom | ED_MPU_RBAR_V8_RO_XN;
    ED_MPU_RASR = (((uint32_t)(uintptr_t)_ed_stack_bottom + ED_STACK_GUARD - 1u) & ~31u) | 1u; /* RLAR: limit, EN */
#else
    ED_MPU_RBAR = (uint32_t)(uintptr_t)_ed_stack_bottom;
    ED_MPU_RASR = ED_MPU_RASR_GUARD;
#endif
    ED_MPU_CTRL = ED_MPU_CTRL_ENABLE;
}

/*
 * The board file's steps (clock enables, pin functions, a peripheral taken out of reset), before any driver touches
 * its peripheral: op 0 a read-modify-write, op 1 a wait until (register & mask) == value, e.g. an oscillator
 * reporting stable. A wait that never ends is a dead board either way; the fault path needs the UART it sets up.
 */
static void ed_board_init(void)
{
#if ED_BOARD_INIT_COUNT > 0
    static const uint32_t steps[][4] = ED_BOARD_INIT;
    uint32_t i;
    for (i = 0; i < ED_BOARD_INIT_COUNT; i++) {
        if (steps[i][3]) {
            while ((ED_REG(steps[i][0]) & steps[i][1]) != steps[i][2]) {
            }
        } else {
            ED_REG(steps[i][0]) = (ED_REG(steps[i][0]) & ~steps[i][1]) | (steps[i][2] & steps[i][1]);
        }
    }
    ed_barrier();
#endif
}

void ed_reset_handler(void)
{
    uint32_t *src = _ed_data_load;
    uint32_t *dst = _ed_data_start;
    ed_board_init();
    if (ED_HAS_FPU) {
        ED_SCB_CPACR |= ED_CPACR_CP10_CP11;
        ed_barrier();
    }
    while (dst < _ed_data_end) {
        *dst++ = *src++;
    }
    for (dst = _ed_bss_start; dst < _ed_bss_end; dst++) {
        *dst = 0;
    }
    if (ED_ARMV7M_SYSTEM) { /* Armv6-M boots from the table at its code region's start and traps nothing more */
        ED_SCB_VTOR = (uint32_t)(uintptr_t)ed_vectors;
        ED_SCB_SHCSR |= ED_SHCSR_FAULTS_ENABLE;
        ED_SCB_CCR |= ED_CCR_DIV_0_TRP;
    }
    ed_stack_guard();
    ed_idle_init();
    ed_barrier();
    ed_exit(main());
}
