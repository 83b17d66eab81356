/*
 * ed_fault: every unexpected exception ends here, prints one line and exits non-zero -- never a silent hang.
 *
 *   \0ED FAULT <name> pc=0x... lr=0x... sp=0x... cfsr=0x... hfsr=0x... mmfar=0x... bfar=0x...\r\n\0
 *
 * goes to the UART (between delimiters, so the host's frame reader sees it as one chunk and recognises the marker)
 * and to the semihosting console; then ed_exit(ED_EXIT_FAULT_BASE + exception number of the root cause).
 *
 * PRIMASK stays set (ed_idle.c), which masks the configurable faults too: MemManage, BusFault and UsageFault
 * escalate to HardFault with HFSR.FORCED. The report names the fault CFSR says it was ("HardFault(BusFault)") and
 * the exit code is that fault's (104 MemManage, 105 BusFault, 106 UsageFault; 103 a genuine HardFault).
 *
 * The entry stub is naked and switches to a private stack before any C runs: after a stack overflow the faulting
 * stack is unusable (the firmware puts its stack at the bottom of RAM, so an overflow faults instead of silently
 * overwriting .data). The stacked frame is only read when it lies inside RAM.
 */
#include <stdint.h>

#include "ed_board.h"
#include "ed_cortex_m.h"
#include "ed_platform.h"
#include "ed_protocol.h"

void ed_fault_entry(void) __attribute__((naked));
void ed_fault_report(const uint32_t *frame, uint32_t exc_return) __attribute__((noreturn, used));

uint32_t ed_fault_stack[256] __attribute__((aligned(8)));

void ed_fault_entry(void)
{
    /* Thumb-1 only (no IT blocks, no far branches), so the same entry runs on Armv6-M */
    __asm__ volatile(
        "movs r0, #4\n\t"
        "mov r1, lr\n\t"
        "tst r0, r1\n\t"
        "bne 1f\n\t"
        "mrs r0, msp\n\t"
        "b 2f\n"
        "1:\n\t"
        "mrs r0, psp\n"
        "2:\n\t"
        "ldr r2, =ed_fault_stack + 1024\n\t"
        "mov sp, r2\n\t"
        "ldr r3, =ed_fault_report\n\t"
        "bx r3\n\t");
}

static char *ed_fault_text(char *p, const char *s)
{
    while (*s) {
        *p++ = *s++;
    }
    return p;
}

static char *ed_fault_hex(char *p, const char *label, uint32_t v)
{
    static const char digits[] = "0123456789abcdef";
    int shift;
    p = ed_fault_text(p, label);
    p = ed_fault_text(p, "=0x");
    for (shift = 28; shift >= 0; shift -= 4) {
        *p++ = digits[(v >> shift) & 0xFu];
    }
    return p;
}

static const char *ed_fault_name(uint32_t exception)
{
    static const char *const names[16] = {"Thread", "Reset", "NMI", "HardFault", "MemManage", "BusFault",
                                          "UsageFault", "Reserved7", "Reserved8", "Reserved9", "Reserved10",
                                          "SVCall", "DebugMonitor", "Reserved13", "PendSV", "SysTick"};
    return exception < 16 ? names[exception] : "IRQ";
}

void ed_fault_report(const uint32_t *frame, uint32_t exc_return)
{
    char line[192];
    char *p = line;
    uint32_t ipsr;
    uintptr_t at = (uintptr_t)frame;
    const uint32_t cfsr = ED_ARMV7M_SYSTEM ? ED_SCB_CFSR : 0u; /* Armv6-M: every fault is a HardFault */
    uint32_t cause;
    /* the frame is garbage when stacking it failed (stack overflow into the guard) or it lies outside RAM */
    int readable = (at & 3u) == 0 && at >= ED_RAM_BASE && at + 32u <= (uintptr_t)ED_RAM_BASE + ED_RAM_SIZE &&
                   !(cfsr & (ED_CFSR_MSTKERR | ED_CFSR_STKERR));
    __asm__ volatile("mrs %0, ipsr" : "=r"(ipsr));
    ipsr &= 0x1FFu;
    cause = ipsr;
    if (ED_ARMV7M_SYSTEM && ipsr == 3u && (ED_SCB_HFSR & ED_HFSR_FORCED)) {
        cause = (cfsr & 0xFFu) ? 4u : (cfsr & 0xFF00u) ? 5u : (cfsr & 0xFFFF0000u) ? 6u : 3u;
    }
    *p++ = '\0'; /* ends whatever partial frame was on the line */
    p = ed_fault_text(p, ED_FAULT_MARKER " ");
    p = ed_fault_text(p, ed_fault_name(ipsr));
    if (cause != ipsr) {
        p = ed_fault_text(p, "(");
        p = ed_fault_text(p, ed_fault_name(cause));
        p = ed_fault_text(p, ")");
    }
    if (ipsr >= 16) {
        p = ed_fault_hex(p, "", ipsr - 16u);
    }
    p = ed_fault_hex(p, " pc", readable ? frame[6] : 0u);
    p = ed_fault_hex(p, " lr", readable ? frame[5] : 0u);
    p = ed_fault_hex(p, " sp", (uint32_t)at);
    p = ed_fault_hex(p, " exc_return", exc_return);
    p = ed_fault_hex(p, " cfsr", cfsr);
    p = ed_fault_hex(p, " hfsr", ED_ARMV7M_SYSTEM ? ED_SCB_HFSR : 0u);
    p = ed_fault_hex(p, " mmfar", ED_ARMV7M_SYSTEM ? ED_SCB_MMFAR : 0u);
    p = ed_fault_hex(p, " bfar", ED_ARMV7M_SYSTEM ? ED_SCB_BFAR : 0u);
    p = ed_fault_text(p, "\r\n");
    *p = '\0';
    ed_uart_init(); /* idempotent: the fault may come before main brought the UART up */
    ed_uart_write((const uint8_t *)line, (size_t)(p - line) + 1u);
    ed_console_write(line + 1);
    ed_exit(ED_EXIT_FAULT_BASE + (int)(cause < 16 ? cause : 16));
}
