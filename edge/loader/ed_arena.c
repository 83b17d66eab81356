/*
 * ed_arena.c: the bump allocator of ed_arena.h.
 */
#include "ed_arena.h"

void ed_arena_init(ed_arena_t *a, void *base, size_t size)
{
    a->base = (uint8_t *)base;
    a->size = size;
    a->used = 0;
    a->top = 0;
    a->peak = 0;
    a->needed = 0;
}

static size_t sat_add(size_t x, size_t y)
{
    return x + y < x ? (size_t)-1 : x + y;
}

/* After a granted request: the high-water marks. */
static void held(ed_arena_t *a)
{
    const size_t now = a->used + a->top;
    a->peak = now > a->peak ? now : a->peak;
    a->needed = now > a->needed ? now : a->needed;
}

void *ed_arena_alloc(ed_arena_t *a, size_t bytes, size_t align)
{
    const size_t limit = a->size - a->top;
    const size_t at = (a->used + (align - 1u)) & ~(align - 1u);
    if (at < a->used || bytes > limit || at > limit - bytes) {
        a->needed = sat_add(sat_add(at < a->used ? (size_t)-1 : at, bytes), a->top);
        return NULL;
    }
    a->used = at + bytes;
    held(a);
    return a->base + at;
}

void *ed_arena_alloc_top(ed_arena_t *a, size_t bytes, size_t align)
{
    const size_t below = a->size - a->top; /* the lowest byte of the blocks taken from the top so far */
    size_t start;
    if (bytes > below - a->used || (start = (below - bytes) & ~(align - 1u)) < a->used) {
        a->needed = sat_add(sat_add(a->used, a->top), bytes); /* at least: alignment may add a few */
        return NULL;
    }
    a->top = a->size - start;
    held(a);
    return a->base + start;
}

void ed_arena_release_top(ed_arena_t *a)
{
    a->top = 0;
}
