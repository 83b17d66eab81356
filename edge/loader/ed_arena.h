/*
 * ed_arena: the loader's only memory, one caller-owned block handed out by bump allocation (no malloc). A request
 * that does not fit records how far the arena would have had to reach, so a refused LOAD can say how many bytes
 * the model needs.
 */
#ifndef ED_ARENA_H
#define ED_ARENA_H

#include <stddef.h>
#include <stdint.h>

/* Bump allocator over caller-owned memory, from the bottom; temporary blocks may also be taken from the top, each
 * below the one before (LOAD's repairs of the metadata, released once parsed so that the activations can reuse
 * their bytes). `peak` is the high-water mark of bottom + top; `needed` records the mark a failed request would
 * reach. */
typedef struct {
    uint8_t *base;
    size_t size;
    size_t used;
    size_t top;
    size_t peak;
    size_t needed;
} ed_arena_t;

void ed_arena_init(ed_arena_t *a, void *base, size_t size);
/* The bytes a refused request needed, as a load detail (saturated to 32 bits). */
static inline uint32_t ed_arena_needed32(const ed_arena_t *a)
{
    return a->needed > 0xFFFFFFFFu ? 0xFFFFFFFFu : (uint32_t)a->needed;
}

/* `bytes` aligned to `align` (a power of two) from the bottom, or NULL when they do not fit. */
void *ed_arena_alloc(ed_arena_t *a, size_t bytes, size_t align);

/* `bytes` aligned to `align` (a power of two, at most the base's alignment) from the top, just below the blocks
 * taken from there before (with no gap when `bytes` is a multiple of `align` and they were too), or NULL. */
void *ed_arena_alloc_top(ed_arena_t *a, size_t bytes, size_t align);

/* Gives every top block back: later bottom requests may take their bytes. */
void ed_arena_release_top(ed_arena_t *a);

/* The most the arena has held at once: what a caller must provide. */
static inline size_t ed_arena_peak(const ed_arena_t *a)
{
    return a->peak;
}

#endif /* ED_ARENA_H */
