/*
 * ed_uart_pl011: Arm's PrimeCell UART (PL011), the console of the RP2040 and of Stellaris/LM3S parts: DR +0x00,
 * FR +0x18 (TXFF bit 5, RXFE bit 4), IBRD +0x24, FBRD +0x28, LCR_H +0x2C, CR +0x30, IMSC +0x38, ICR +0x44.
 * 8N1 with FIFOs; the divisor is clock_hz / (16 baud) in 16.6 fixed point, from the board file. Receive sleeps in
 * WFI until the RX interrupt (IMSC.RXIM, and the receive timeout RTIM for a byte left alone in the FIFO).
 */
#include <stdint.h>

#include "ed_board.h"
#include "ed_cortex_m.h"
#include "ed_platform.h"

#define ED_PL011_DR ED_REG(ED_UART_BASE + 0x00u)
#define ED_PL011_FR ED_REG(ED_UART_BASE + 0x18u)
#define ED_PL011_IBRD ED_REG(ED_UART_BASE + 0x24u)
#define ED_PL011_FBRD ED_REG(ED_UART_BASE + 0x28u)
#define ED_PL011_LCR_H ED_REG(ED_UART_BASE + 0x2Cu)
#define ED_PL011_CR ED_REG(ED_UART_BASE + 0x30u)
#define ED_PL011_IMSC ED_REG(ED_UART_BASE + 0x38u)
#define ED_PL011_ICR ED_REG(ED_UART_BASE + 0x44u)

#define ED_PL011_FR_RXFE (1u << 4)
#define ED_PL011_FR_TXFF (1u << 5)
#define ED_PL011_LCR_8N1_FIFO ((3u << 5) | (1u << 4))        /* WLEN 8 bits, FEN */
#define ED_PL011_CR_ENABLE ((1u << 9) | (1u << 8) | (1u << 0)) /* RXE, TXE, UARTEN */
#define ED_PL011_INT_RX ((1u << 4) | (1u << 6))                /* RXIM, RTIM */

void ed_uart_init(void)
{
    /* divisor * 64 = 4 clock / baud, rounded: IBRD the integer part, FBRD the 6 fraction bits */
    const uint32_t div64 = (4u * ED_UART_CLOCK_HZ + ED_UART_BAUD / 2u) / ED_UART_BAUD;
    ED_PL011_CR = 0;
    ED_PL011_IBRD = div64 >> 6;
    ED_PL011_FBRD = div64 & 0x3Fu;
    ED_PL011_LCR_H = ED_PL011_LCR_8N1_FIFO; /* also latches the divisor */
    ED_PL011_IMSC = ED_PL011_INT_RX;
    ED_PL011_CR = ED_PL011_CR_ENABLE;
}

void ed_uart_putc(uint8_t c)
{
    while (ED_PL011_FR & ED_PL011_FR_TXFF) {
    }
    ED_PL011_DR = c;
}

uint8_t ed_uart_getc(void)
{
    for (;;) {
        ed_idle_arm();
        if (!(ED_PL011_FR & ED_PL011_FR_RXFE)) {
            break;
        }
        ed_idle_wait();
        (void)ed_timer_ticks(); /* a timer wrap may have woken us: count it */
    }
    ED_PL011_ICR = ED_PL011_INT_RX;
    return (uint8_t)ED_PL011_DR;
}
