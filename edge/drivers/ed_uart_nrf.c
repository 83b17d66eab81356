/*
 * ed_uart_nrf: Nordic's UART (the nRF51's, and the nRF52840's legacy UART0 beside its UARTE: same block, same
 * offsets; nRF52840 Product Specification 6.33 and nrfx's nrf52840.h): tasks STARTRX +0x000, STARTTX +0x008; events
 * RXDRDY +0x108, TXDRDY +0x11C, ERROR +0x124; INTENSET +0x304 (RXDRDY bit 2); ERRORSRC +0x480; ENABLE +0x500 (4 = the
 * UART, 8 would be the UARTE); RXD +0x518, TXD +0x51C, BAUDRATE +0x524, CONFIG +0x56C (0: no parity, no flow
 * control). Pin selection (PSEL.TXD +0x50C, PSEL.RXD +0x514) differs between the nRF51 (a pin number) and the nRF52
 * (pin, port, connect bit), so it is the board file's init steps, as are the clocks. BAUDRATE is baud * 2^32 / 16 MHz
 * rounded to 4096, which gives Nordic's table (115200 -> 0x01D7E000). Receive sleeps in WFI until RXDRDY raises the
 * UART's interrupt; the event is cleared before RXD is read, as the specification asks.
 */
#include <stdint.h>

#include "ed_board.h"
#include "ed_cortex_m.h"
#include "ed_platform.h"

#define ED_NRF_TASKS_STARTRX ED_REG(ED_UART_BASE + 0x000u)
#define ED_NRF_TASKS_STARTTX ED_REG(ED_UART_BASE + 0x008u)
#define ED_NRF_EVENTS_RXDRDY ED_REG(ED_UART_BASE + 0x108u)
#define ED_NRF_EVENTS_TXDRDY ED_REG(ED_UART_BASE + 0x11Cu)
#define ED_NRF_EVENTS_ERROR ED_REG(ED_UART_BASE + 0x124u)
#define ED_NRF_INTENSET ED_REG(ED_UART_BASE + 0x304u)
#define ED_NRF_ERRORSRC ED_REG(ED_UART_BASE + 0x480u)
#define ED_NRF_ENABLE ED_REG(ED_UART_BASE + 0x500u)
#define ED_NRF_RXD ED_REG(ED_UART_BASE + 0x518u)
#define ED_NRF_TXD ED_REG(ED_UART_BASE + 0x51Cu)
#define ED_NRF_BAUDRATE ED_REG(ED_UART_BASE + 0x524u)
#define ED_NRF_CONFIG ED_REG(ED_UART_BASE + 0x56Cu)

#define ED_NRF_ENABLE_UART 4u
#define ED_NRF_INT_RXDRDY (1u << 2)
#define ED_NRF_BAUD_REG ((uint32_t)((((uint64_t)ED_UART_BAUD << 32) / 16000000u + 0x800u) & ~(uint64_t)0xFFFu))

void ed_uart_init(void)
{
    /* enabled before the rest is written: QEMU's model drops every write to a disabled UART, the silicon takes them
     * either way (only PSEL must be written while disabled: the board's init steps, before this runs) */
    ED_NRF_ENABLE = 0;
    ED_NRF_ENABLE = ED_NRF_ENABLE_UART;
    ED_NRF_CONFIG = 0;
    ED_NRF_BAUDRATE = ED_NRF_BAUD_REG;
    ED_NRF_ERRORSRC = ED_NRF_ERRORSRC; /* write-one-to-clear whatever a previous run left */
    ED_NRF_EVENTS_RXDRDY = 0;
    ED_NRF_EVENTS_TXDRDY = 0;
    ED_NRF_EVENTS_ERROR = 0;
    ED_NRF_INTENSET = ED_NRF_INT_RXDRDY;
    ED_NRF_TASKS_STARTTX = 1;
    ED_NRF_TASKS_STARTRX = 1;
}

void ed_uart_putc(uint8_t c)
{
    ED_NRF_EVENTS_TXDRDY = 0;
    ED_NRF_TXD = c;
    while (!ED_NRF_EVENTS_TXDRDY) {
    }
}

uint8_t ed_uart_getc(void)
{
    for (;;) {
        ed_idle_arm();
        if (ED_NRF_EVENTS_RXDRDY) {
            break;
        }
        ed_idle_wait();
        (void)ed_timer_ticks(); /* a timer wrap may have woken us: count it */
    }
    ED_NRF_EVENTS_RXDRDY = 0;
    return (uint8_t)ED_NRF_RXD;
}
