/*
 * ed_boot: the boot counter (ed_boot.h). What keeps it and what clears it:
 * - a warm reset keeps RAM, so the count goes up: the reset button (NRST), a watchdog, AIRCR.SYSRESETREQ (the
 *   debug RESET command; the fault path of a board without semihosting), a probe's `reset`;
 * - a power cycle loses RAM: the record fails its check and the count starts again at 1 (SRAM that powers up
 *   holding the magic and a matching check word by chance is a 1 in 2^64 event);
 * - another firmware build may link .noinit elsewhere or use that RAM: it finds no valid record and starts at 1.
 * QEMU keeps RAM over its own system reset (checked in tests/test_reset_detect.py), and a new QEMU process is a
 * power-on. The host also watches INFO's uptime, which catches a reset that happens to clear the record.
 */
#include "ed_boot.h"

#define ED_BOOT_MAGIC 0xB007C0DEu

typedef struct {
    uint32_t magic;
    uint32_t count;
    uint32_t check; /* count ^ ~magic: a torn or random record fails it */
} ed_boot_record_t;

/* section .noinit: the linker script (eccless.firmware.boardgen) places it NOLOAD outside .bss */
static volatile ed_boot_record_t ed_boot_record __attribute__((section(".noinit")));
static uint32_t ed_boot_now;

void ed_boot_count_up(void)
{
    uint32_t count = 0;
    if (ed_boot_record.magic == ED_BOOT_MAGIC && ed_boot_record.check == (ed_boot_record.count ^ ~ED_BOOT_MAGIC)) {
        count = ed_boot_record.count;
    }
    count++;
    ed_boot_record.magic = ED_BOOT_MAGIC;
    ed_boot_record.count = count;
    ed_boot_record.check = count ^ ~ED_BOOT_MAGIC;
    ed_boot_now = count;
}

uint32_t ed_boot_count(void)
{
    return ed_boot_now;
}
