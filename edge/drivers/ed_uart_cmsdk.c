/*
 * ed_uart_cmsdk: the Arm CMSDK APB UART (MPS2 boards, QEMU's cmsdk-apb-uart). Registers: DATA +0x00, STATE +0x04
 * (bit 0 TX full, bit 1 RX full, bit 3 RX overrun), CTRL +0x08 (bit 0 TX enable, bit 1 RX enable, bit 3 RX
 * interrupt enable), INTSTATUS/INTCLEAR +0x0C (bit 1 RX), BAUDDIV +0x10 (>= 16).
 *
 * The RX interrupt is enabled in the UART only to wake the core from ed_idle_wait; it is cleared after every byte
 * so the next byte is a fresh pending edge.
 */
#include <stdint.h>

#include "ed_board.h"
#include "ed_cortex_m.h"
#include "ed_platform.h"

#define ED_UART_DATA ED_REG(ED_UART_BASE + 0x00u)
#define ED_UART_STATE ED_REG(ED_UART_BASE + 0x04u)
#define ED_UART_CTRL ED_REG(ED_UART_BASE + 0x08u)
#define ED_UART_INTCLEAR ED_REG(ED_UART_BASE + 0x0Cu)
#define ED_UART_BAUDDIV ED_REG(ED_UART_BASE + 0x10u)

#define ED_UART_TX_FULL (1u << 0)
#define ED_UART_RX_FULL (1u << 1)
#define ED_UART_RX_OVERRUN (1u << 3)
#define ED_UART_CTRL_ENABLE ((1u << 0) | (1u << 1) | (1u << 3)) /* TX, RX, RX interrupt */
#define ED_UART_INT_RX (1u << 1)

void ed_uart_init(void)
{
    ED_UART_BAUDDIV = ED_UART_BAUDDIV_VALUE;
    ED_UART_CTRL = ED_UART_CTRL_ENABLE;
}

void ed_uart_putc(uint8_t c)
{
    while (ED_UART_STATE & ED_UART_TX_FULL) {
    }
    ED_UART_DATA = c;
}

uint8_t ed_uart_getc(void)
{
    uint8_t c;
    for (;;) {
        ed_idle_arm();
        if (ED_UART_STATE & ED_UART_RX_FULL) {
            break;
        }
        ed_idle_wait();
        (void)ed_timer_ticks(); /* a timer wrap may have woken us: count it (and clear its flag) */
    }
    c = (uint8_t)ED_UART_DATA;
    ED_UART_STATE = ED_UART_RX_OVERRUN; /* write-one-to-clear; a lost byte shows up as a bad frame anyway */
    ED_UART_INTCLEAR = ED_UART_INT_RX;
    return c;
}
