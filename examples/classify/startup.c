/*
 * startup: the smallest bare-metal frame for the example on any Cortex-M (Armv6-M included): a vector table, .data
 * and .bss set up, main's result handed to the debugger through semihosting (QEMU runs it with
 * -semihosting-config enable=on). Not part of eccless: your firmware brings its own.
 */
#include <stdint.h>

extern uint32_t _stack_top[], _data_start[], _data_end[], _data_load[], _bss_start[], _bss_end[];
int main(void);
void example_reset(void) __attribute__((noreturn));
void example_fault(void);
void example_print(const char *text);

static int semihost(int op, const void *arg)
{
    register int r0 __asm__("r0") = op;
    register const void *r1 __asm__("r1") = arg;
    __asm__ volatile("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
    return r0;
}

void example_print(const char *text) { (void)semihost(0x04, text); } /* SYS_WRITE0 */

static __attribute__((noreturn)) void example_exit(int code)
{
    uint32_t block[2] = {0x20026u, (uint32_t)code}; /* ADP_Stopped_ApplicationExit, SYS_EXIT_EXTENDED */
    (void)semihost(0x20, block);
    for (;;) {
    }
}

void example_fault(void)
{
    example_print("classify: fault\n");
    example_exit(99);
}

__attribute__((section(".vectors"), used)) static void (*const vectors[16])(void) = {
    (void (*)(void))(uintptr_t)_stack_top, example_reset, example_fault, example_fault, example_fault,
    example_fault, example_fault, example_fault, example_fault, example_fault, example_fault,
    example_fault, example_fault, example_fault, example_fault, example_fault};

void example_reset(void)
{
    uint32_t *src = _data_load, *dst = _data_start;
    while (dst < _data_end) {
        *dst++ = *src++;
    }
    for (dst = _bss_start; dst < _bss_end; dst++) {
        *dst = 0;
    }
    example_exit(main());
}
