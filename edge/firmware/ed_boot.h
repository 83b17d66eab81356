/*
 * ed_boot: how many times this firmware has booted since the RAM last lost power, so the host can tell that a
 * board reset under it (INFO boot_count; uptime is the other half). The count lives in a .noinit RAM record that
 * the reset handler neither loads nor zeroes; a magic and a check word tell a surviving record from power-on noise.
 */
#ifndef ED_BOOT_H
#define ED_BOOT_H

#include <stdint.h>

/* Count this boot: once, from main, before anything can reset. */
void ed_boot_count_up(void);

/* Boots since the record was last found invalid (1 after a power-on boot), 0 before ed_boot_count_up. */
uint32_t ed_boot_count(void);

#endif /* ED_BOOT_H */
