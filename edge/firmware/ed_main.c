/* The firmware's main loop: count the boot, bring up the UART and timer, then serve the protocol forever. */
#include "ed_boot.h"
#include "ed_platform.h"
#include "ed_server.h"

int main(void);

static ed_server_t ed_server; /* in .bss: ~8 KB of frame buffers, no heap */

int main(void)
{
    ed_boot_count_up();
    ed_uart_init();
    ed_timer_init();
    ed_server_init(&ed_server, ed_uart_write);
    for (;;) {
        ed_server_byte(&ed_server, ed_uart_getc());
    }
}
