/*
 * ed_platform (host port): the part of ed_platform.h the protocol engine and the model handlers need, for a build
 * of edge/src with the host gcc (tests/test_protocol_golden.py loads it as a shared library through ctypes).
 *
 * What it stands for: a board whose image region holds no image -- zero-filled, as QEMU's RAM-backed flash is
 * when no image is loaded -- so LOAD fails with BAD_MAGIC and EVAL, INFER and BENCH answer ERR_NO_IMAGE, exactly as
 * the firmware in QEMU and the Python fake device (eccless.device.fake) do. The model arena is a static buffer.
 * The image region is an ordinary exported array, so a test may copy an image into `_ed_image_base` first. Board
 * constants come from an ed_board.h generated for the board the host build stands for (eccless.device.boardgen).
 *
 * The linker script of a real board defines the region bounds as symbols; here the `_end` symbols are assembler
 * aliases one past the arrays, so `end - base` is the region size as on the board (two separate C objects would
 * make that subtraction undefined). Not built into any firmware: build.py compiles edge/port/<cpu family> only.
 */
#include <stddef.h>
#include <stdint.h>

#include "ed_board.h"
#include "ed_platform.h"

#ifndef ED_HOST_IMAGE_SIZE
#define ED_HOST_IMAGE_SIZE 65536 /* larger than the superblock copies, so an empty region is BAD_MAGIC */
#endif
#ifndef ED_HOST_ARENA_SIZE
#define ED_HOST_ARENA_SIZE 262144
#endif

#define ED_HOST_STR_(x) #x
#define ED_HOST_STR(x) ED_HOST_STR_(x)

uint8_t _ed_image_base[ED_HOST_IMAGE_SIZE] __attribute__((aligned(16)));
uint8_t _ed_arena_start[ED_HOST_ARENA_SIZE] __attribute__((aligned(16)));

__asm__(".globl _ed_image_end\n"
        ".set _ed_image_end, _ed_image_base + " ED_HOST_STR(ED_HOST_IMAGE_SIZE) "\n"
        ".globl _ed_arena_end\n"
        ".set _ed_arena_end, _ed_arena_start + " ED_HOST_STR(ED_HOST_ARENA_SIZE) "\n");

static uint64_t ed_host_ticks;

void ed_timer_init(void)
{
    ed_host_ticks = 0;
}

/* One tick per call: durations are deterministic, and never zero for a timed section. */
uint64_t ed_timer_ticks(void)
{
    return ++ed_host_ticks;
}

/* As the board's timer driver converts: instructions per tick from ed_board.h, 0 for a board that counts none. */
int ed_timer_counts_cycles(void)
{
    return 0;
}

uint64_t ed_timer_instructions(uint64_t ticks)
{
    return ED_INSTR_PER_TICK_NUM ? ticks * ED_INSTR_PER_TICK_NUM / ED_INSTR_PER_TICK_DEN : 0u;
}
