/*
 * ed_uart_stm32: the USART of STM32F1/F2/F4 parts (RM0390 for the F446: SR +0x00, DR +0x04, BRR +0x08, CR1
 * +0x0C), polled for transmit; receive sleeps in WFI until RXNE raises the USART's interrupt (RXNEIE; the NVIC line
 * is enabled by ed_idle_init with every other). BRR = round(clock_hz / baud) with 16x oversampling, from the board
 * file. Clocks and pins are the board's init writes (ED_BOARD_INIT), applied before this runs.
 */
#include <stdint.h>

#include "ed_board.h"
#include "ed_cortex_m.h"
#include "ed_platform.h"

#define ED_USART_SR ED_REG(ED_UART_BASE + 0x00u)
#define ED_USART_DR ED_REG(ED_UART_BASE + 0x04u)
#define ED_USART_BRR ED_REG(ED_UART_BASE + 0x08u)
#define ED_USART_CR1 ED_REG(ED_UART_BASE + 0x0Cu)

#define ED_USART_SR_RXNE (1u << 5)
#define ED_USART_SR_TXE (1u << 7)
#define ED_USART_CR1_ENABLE ((1u << 13) | (1u << 5) | (1u << 3) | (1u << 2)) /* UE, RXNEIE, TE, RE */

void ed_uart_init(void)
{
    ED_USART_CR1 = 0;
    ED_USART_BRR = (ED_UART_CLOCK_HZ + ED_UART_BAUD / 2u) / ED_UART_BAUD;
    ED_USART_CR1 = ED_USART_CR1_ENABLE;
}

void ed_uart_putc(uint8_t c)
{
    while (!(ED_USART_SR & ED_USART_SR_TXE)) {
    }
    ED_USART_DR = c;
}

uint8_t ed_uart_getc(void)
{
    for (;;) {
        ed_idle_arm();
        if (ED_USART_SR & ED_USART_SR_RXNE) {
            break;
        }
        ed_idle_wait();
        (void)ed_timer_ticks(); /* a timer wrap may have woken us: count it (and clear its flag) */
    }
    return (uint8_t)ED_USART_DR; /* reading DR after SR clears RXNE and an overrun */
}
