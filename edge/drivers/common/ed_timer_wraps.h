/*
 * ed_timer_wraps.h: a hardware counter's value extended to 64 bits by counting its wraps, the same for every timer
 * driver. A driver reads the counter as ticks since its last wrap (`up`), and whether the hardware's wrap flag was
 * set (reading it clears it), and hands both here.
 *
 * The flag alone is not enough: a timer model may show the counter wrapped before its flag (QEMU computes CNT from
 * the virtual clock and raises the flag from a timer callback that runs later), so a read just after a wrap would
 * go back in time by a whole period -- a negative interval, 2^64 - small as an unsigned count. A value below the
 * last one is therefore a wrap too, and the flag that follows it is credited to that wrap rather than counted again.
 */
#ifndef ED_TIMER_WRAPS_H
#define ED_TIMER_WRAPS_H

#include <stdint.h>

typedef struct {
    uint32_t wraps;
    uint32_t last;
    uint32_t credit; /* a wrap counted from the value before its flag was seen */
} ed_timer_wraps_t;

static inline uint64_t ed_timer_extend(ed_timer_wraps_t *w, uint32_t up, int flagged, unsigned bits)
{
    if (flagged) {
        if (w->credit) {
            w->credit = 0;
        } else {
            w->wraps++;
        }
    } else if (up < w->last) {
        w->wraps++;
        w->credit = 1;
    }
    w->last = up;
    return ((uint64_t)w->wraps << bits) | up;
}

#endif /* ED_TIMER_WRAPS_H */
