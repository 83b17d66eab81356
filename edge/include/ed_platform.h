/*
 * ed_platform: what the portable firmware needs from a board. Implemented by the port (edge/port/<cpu family>/)
 * and the drivers the board file names (edge/drivers/ed_<device>_<kind>.c); the build picks them from
 * boards/<board>.toml, so no code tests a board's name. Board constants (addresses, rates, capabilities) come from
 * the generated ed_board.h in the build directory.
 */
#ifndef ED_PLATFORM_H
#define ED_PLATFORM_H

#include <stddef.h>
#include <stdint.h>

/* UART, blocking; the receiver sleeps (ed_idle) until a byte arrives */
void ed_uart_init(void);
void ed_uart_putc(uint8_t c);
void ed_uart_write(const uint8_t *data, size_t n);
uint8_t ed_uart_getc(void);

/*
 * Timer: a free-running tick count since ed_timer_init, extended to 64 bits. The extension polls the timer's wrap
 * flag, so call ed_timer_ticks at least once per 2^32 ticks (172 s of virtual time at 25 MHz, about 1.7e11
 * instructions under -icount shift=0): once per sample or per layer is plenty.
 */
void ed_timer_init(void);
uint64_t ed_timer_ticks(void);
/* Instructions executed in `ticks` when the board counts them (QEMU -icount), else 0. */
uint64_t ed_timer_instructions(uint64_t ticks);
/* 1 when ticks are CPU cycles from a running cycle counter (ed_timer_dwt), else 0. */
int ed_timer_counts_cycles(void);

/*
 * Idle: ed_idle_arm(); if (!condition) ed_idle_wait(); -- sleeps until any peripheral interrupt goes pending
 * (interrupts stay masked: no handler runs). ed_idle_init is called once at reset.
 */
void ed_idle_init(void);
void ed_idle_arm(void);
void ed_idle_wait(void);

/* Ends the program: the exit code reaches the host through semihosting; boards without it reset instead. */
void ed_exit(int code) __attribute__((noreturn));
/* Writes a NUL-terminated line to the semihosting console (QEMU's stdout); no-op without semihosting. */
void ed_console_write(const char *text);

/* Exit codes: 0 normal, ED_EXIT_FAULT_BASE + exception number after a fault (103 HardFault ... 106 UsageFault). */
#define ED_EXIT_FAULT_BASE 100

/* Memory the linker script lays out from the board file. */
extern uint8_t _ed_image_base[];  /* the model image region (read-only for the firmware, ECC off) */
extern uint8_t _ed_image_end[];
extern uint8_t _ed_arena_start[]; /* free RAM after the firmware's data: the loader's arena */
extern uint8_t _ed_arena_end[];

/* Built in by the build (ed_build_id.c): a hash of the sources, flags and board it was built from. */
extern const uint32_t ed_build_id;

#endif /* ED_PLATFORM_H */
