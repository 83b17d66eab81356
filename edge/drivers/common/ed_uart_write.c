/* ed_uart_write: n bytes through the board's UART driver, one ed_uart_putc each (every UART kind shares it). */
#include "ed_platform.h"

void ed_uart_write(const uint8_t *data, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++) {
        ed_uart_putc(data[i]);
    }
}
