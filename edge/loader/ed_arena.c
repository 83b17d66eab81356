/*
 * ed_arena.c: the bump allocator of ed_arena.h.
 */
#include "ed_arena.h"

void ed_arena_init(ed_arena_t *a, void *base, size_t size)
{
    a->base = (uint8_t *)base;
    a->size = size;
    a->used = 0;
    a->needed = 0;
}

void *ed_arena_alloc(ed_arena_t *a, size_t bytes, size_t align)
{
    size_t at = (a->used + (align - 1u)) & ~(align - 1u);
    if (at < a->used || bytes > a->size || at > a->size - bytes) {
        size_t want = at + bytes;
        a->needed = want < at ? (size_t)-1 : want; /* saturate on overflow */
        return NULL;
    }
    a->used = at + bytes;
    if (a->used > a->needed) {
        a->needed = a->used;
    }
    return a->base + at;
}
