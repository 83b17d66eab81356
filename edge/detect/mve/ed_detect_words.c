/*
 * ed_detect_words.c (mve): see ed_detect_words.h. Each function runs its 16-byte steps in one asm loop (LDM
 * names its registers in ascending order: hence the explicit r4-r7, which needs the frame pointer omitted, as the
 * firmware's -O2 does: r7 is Thumb's frame pointer) and the last n % 4 words -- or all of them without the DSP
 * extension -- in the portable loop that defines it (ed_detect_words_portable.h); the test loops take their last
 * words one by one in asm too.
 * A step costs 4 instructions (copy), 15 (range test), 16 (copy and range test), 26 (parity and halving) or 38
 * (parity, halving and range test); docs/FIRMWARE.md has the per-weight figures. The in-place tests stop at the
 * first failing step, so a rejection costs the caller one step of its counting pass, not a run.
 */
#include "ed_detect_words_portable.h"

#if defined(__ARM_FEATURE_DSP) && defined(__GNUC__)
#define ED_WORDS_SIMD 1
#else
#define ED_WORDS_SIMD 0
#endif

void ed_words_copy(uint32_t *dst, const uint32_t *src, uint32_t n, uint32_t x)
{
#if ED_WORDS_SIMD
    if (n >= 4u) {
        register uint32_t a __asm__("r4");
        register uint32_t b __asm__("r5");
        register uint32_t c __asm__("r6");
        register uint32_t d __asm__("r7");
        const uint32_t *end = src + (n & ~3u);
        if (x == 0u) {
            __asm__ volatile("1:\n\t"
                             "ldmia  %[s]!, {%[a], %[b], %[c], %[d]}\n\t"
                             "cmp    %[s], %[e]\n\t"
                             "stmia  %[o]!, {%[a], %[b], %[c], %[d]}\n\t"
                             "bne    1b"
                             : [s] "+&r"(src), [o] "+&r"(dst), [a] "=&r"(a), [b] "=&r"(b), [c] "=&r"(c), [d] "=&r"(d)
                             : [e] "r"(end)
                             : "cc", "memory");
        } else {
            __asm__ volatile("1:\n\t"
                             "ldmia  %[s]!, {%[a], %[b], %[c], %[d]}\n\t"
                             "eor    %[a], %[a], %[x]\n\t"
                             "eor    %[b], %[b], %[x]\n\t"
                             "eor    %[c], %[c], %[x]\n\t"
                             "eor    %[d], %[d], %[x]\n\t"
                             "cmp    %[s], %[e]\n\t"
                             "stmia  %[o]!, {%[a], %[b], %[c], %[d]}\n\t"
                             "bne    1b"
                             : [s] "+&r"(src), [o] "+&r"(dst), [a] "=&r"(a), [b] "=&r"(b), [c] "=&r"(c), [d] "=&r"(d)
                             : [e] "r"(end), [x] "r"(x)
                             : "cc", "memory");
        }
        n &= 3u;
    }
#endif
    ed_words_copy_portable(dst, src, n, x);
}

uint32_t ed_words_in_range(const uint32_t *v, uint32_t n, uint32_t lo4, uint32_t span4)
{
#if ED_WORDS_SIMD
    const uint32_t *const start = v;
    if (n > 0u) {
        register uint32_t a __asm__("r4");
        register uint32_t b __asm__("r5");
        register uint32_t c __asm__("r6");
        register uint32_t d __asm__("r7");
        const uint32_t *const end4 = v + (n & ~3u), *const end = v + n;
        /* 16 bytes per step while they last, then word by word; a failing step leaves v at its first word */
        __asm__ volatile("cmp    %[v], %[e4]\n\t"
                         "beq    2f\n"
                         "1:\n\t"
                         "ldmia  %[v]!, {%[a], %[b], %[c], %[d]}\n\t"
                         "usub8  %[a], %[a], %[lo]\n\t"
                         "usub8  %[b], %[b], %[lo]\n\t"
                         "usub8  %[c], %[c], %[lo]\n\t"
                         "usub8  %[d], %[d], %[lo]\n\t"
                         "uqsub8 %[a], %[a], %[span]\n\t"
                         "uqsub8 %[b], %[b], %[span]\n\t"
                         "uqsub8 %[c], %[c], %[span]\n\t"
                         "uqsub8 %[d], %[d], %[span]\n\t"
                         "orr    %[a], %[a], %[b]\n\t"
                         "orr    %[c], %[c], %[d]\n\t"
                         "orrs   %[a], %[a], %[c]\n\t"
                         "bne    5f\n\t"
                         "cmp    %[v], %[e4]\n\t"
                         "bne    1b\n"
                         "2:\n\t"
                         "cmp    %[v], %[e]\n\t"
                         "beq    4f\n"
                         "3:\n\t"
                         "ldr    %[a], [%[v]], #4\n\t"
                         "usub8  %[a], %[a], %[lo]\n\t"
                         "uqsub8 %[a], %[a], %[span]\n\t"
                         "cbnz   %[a], 6f\n\t"
                         "cmp    %[v], %[e]\n\t"
                         "bne    3b\n\t"
                         "b      4f\n"
                         "5:\n\t"
                         "sub    %[v], %[v], #16\n\t"
                         "b      4f\n"
                         "6:\n\t"
                         "sub    %[v], %[v], #4\n"
                         "4:"
                         : [v] "+&r"(v), [a] "=&r"(a), [b] "=&r"(b), [c] "=&r"(c), [d] "=&r"(d)
                         : [e4] "r"(end4), [e] "r"(end), [lo] "r"(lo4), [span] "r"(span4)
                         : "cc", "memory");
        return (uint32_t)(v - start);
    }
#endif
    return ed_words_in_range_portable(v, n, lo4, span4);
}

uint32_t ed_words_copy_ranges(uint32_t *dst, const uint32_t *src, uint32_t channels, uint32_t words,
                              const uint32_t *bounds)
{
#if ED_WORDS_SIMD
    uint32_t acc = 0;
    if (words % 4u == 0u && words > 0u && channels > 0u) {
        /* the channel loop in asm too (4 instructions a channel). Each step is stored first and then tested in its
         * registers, which keeps the loop within the core's registers. */
        register uint32_t a __asm__("r4");
        register uint32_t b __asm__("r5");
        register uint32_t d __asm__("r6");
        register uint32_t e __asm__("r7");
        const uint32_t *const src_end = src + channels * words;
        const uint32_t bytes = 4u * words;
        uint32_t lo4, span4;
        const uint32_t *end;
        __asm__ volatile("1:\n\t"
                         "ldrd   %[lo], %[span], [%[bd]], #8\n\t"
                         "add    %[end], %[s], %[bytes]\n"
                         "2:\n\t"
                         "ldmia  %[s]!, {%[a], %[b], %[d], %[e]}\n\t"
                         "stmia  %[o]!, {%[a], %[b], %[d], %[e]}\n\t"
                         "usub8  %[a], %[a], %[lo]\n\t"
                         "usub8  %[b], %[b], %[lo]\n\t"
                         "usub8  %[d], %[d], %[lo]\n\t"
                         "usub8  %[e], %[e], %[lo]\n\t"
                         "uqsub8 %[a], %[a], %[span]\n\t"
                         "uqsub8 %[b], %[b], %[span]\n\t"
                         "uqsub8 %[d], %[d], %[span]\n\t"
                         "uqsub8 %[e], %[e], %[span]\n\t"
                         "orr    %[a], %[a], %[b]\n\t"
                         "orr    %[d], %[d], %[e]\n\t"
                         "orr    %[acc], %[acc], %[a]\n\t"
                         "orr    %[acc], %[acc], %[d]\n\t"
                         "cmp    %[s], %[end]\n\t"
                         "bne    2b\n\t"
                         "cmp    %[s], %[s_end]\n\t"
                         "bne    1b"
                         : [s] "+&r"(src), [o] "+&r"(dst), [bd] "+&r"(bounds), [acc] "+&r"(acc), [lo] "=&r"(lo4),
                           [span] "=&r"(span4), [end] "=&r"(end), [a] "=&r"(a), [b] "=&r"(b), [d] "=&r"(d),
                           [e] "=&r"(e)
                         : [s_end] "r"(src_end), [bytes] "r"(bytes)
                         : "cc", "memory");
        return acc;
    }
#endif
    return ed_words_copy_ranges_portable(dst, src, channels, words, bounds);
}

#if ED_WORDS_SIMD
/* The parity of each lane of word r folded into bit 0 of `dst` (the other bits are garbage). */
#define ED_PARITY_FOLD(dst, r)                                                                                       \
    "eor    %[" dst "], %[" r "], %[" r "], lsr #4\n\t"                                                              \
    "eor    %[" dst "], %[" dst "], %[" dst "], lsr #2\n\t"                                                          \
    "eor    %[" dst "], %[" dst "], %[" dst "], lsr #1\n\t"
/* Word r's levels tested against the range into t (nonzero: a rejection). */
#define ED_LEVEL_RANGE(r)                                                                                            \
    "usub8  %[u], %[" r "], %[lo]\n\t"                                                                               \
    "uqsub8 %[u], %[u], %[span]\n\t"                                                                                 \
    "orr    %[t], %[t], %[u]\n\t"
#define ED_NO_RANGE(r) ""

/* 16 bytes per step while they last, then word by word. A step's four parities gather in t with `acc_op` (orr:
 * a set bit 0 is an odd lane; and: a clear one is an even lane), `expect` turns bit 0 of every failing lane on,
 * the lanes are halved and `range` adds the range test. A failing step branches out before its store, so v stops
 * at the first word of an untouched step. */
#define ED_PARITY_LOOP(acc_op, expect, range)                                                                        \
    __asm__ volatile("cmp    %[v], %[e4]\n\t"                                                                        \
                     "beq    2f\n"                                                                                   \
                     "1:\n\t"                                                                                        \
                     "ldmia  %[v], {%[a], %[b], %[c], %[d]}\n\t" ED_PARITY_FOLD("t", "a") ED_PARITY_FOLD("u", "b")    \
                     acc_op "    %[t], %[t], %[u]\n\t" ED_PARITY_FOLD("u", "c")                                       \
                     acc_op "    %[t], %[t], %[u]\n\t" ED_PARITY_FOLD("u", "d")                                       \
                     acc_op "    %[t], %[t], %[u]\n\t"                                                                \
                     "and    %[t], %[t], #0x01010101\n\t" expect                                                     \
                     "shadd8 %[a], %[a], %[z]\n\t"                                                                   \
                     "shadd8 %[b], %[b], %[z]\n\t"                                                                   \
                     "shadd8 %[c], %[c], %[z]\n\t"                                                                   \
                     "shadd8 %[d], %[d], %[z]\n\t" range("a") range("b") range("c") range("d")                        \
                     "cmp    %[t], #0\n\t"                                                                           \
                     "bne    4f\n\t"                                                                                 \
                     "stmia  %[v]!, {%[a], %[b], %[c], %[d]}\n\t"                                                    \
                     "cmp    %[v], %[e4]\n\t"                                                                        \
                     "bne    1b\n"                                                                                   \
                     "2:\n\t"                                                                                        \
                     "cmp    %[v], %[e]\n\t"                                                                         \
                     "beq    4f\n"                                                                                   \
                     "3:\n\t"                                                                                        \
                     "ldr    %[a], [%[v]]\n\t" ED_PARITY_FOLD("t", "a")                                               \
                     "and    %[t], %[t], #0x01010101\n\t" expect                                                     \
                     "shadd8 %[a], %[a], %[z]\n\t" range("a")                                                         \
                     "cmp    %[t], #0\n\t"                                                                           \
                     "bne    4f\n\t"                                                                                 \
                     "str    %[a], [%[v]], #4\n\t"                                                                   \
                     "cmp    %[v], %[e]\n\t"                                                                         \
                     "bne    3b\n"                                                                                   \
                     "4:"                                                                                            \
                     : [v] "+&r"(v), [t] "=&r"(t), [u] "=&r"(u), [a] "=&r"(a), [b] "=&r"(b), [c] "=&r"(c),           \
                       [d] "=&r"(d)                                                                                  \
                     : [e4] "r"(end4), [e] "r"(end), [z] "r"(0u), [lo] "r"(lo4), [span] "r"(span4)                   \
                     : "cc", "memory")
#define ED_ODD "eor    %[t], %[t], #0x01010101\n\t"
#endif

uint32_t ed_words_parity_halve(uint32_t *v, uint32_t n, int odd, const uint32_t *bounds)
{
#if ED_WORDS_SIMD
    uint32_t *const start = v;
    if (n > 0u) {
        register uint32_t a __asm__("r4");
        register uint32_t b __asm__("r5");
        register uint32_t c __asm__("r6");
        register uint32_t d __asm__("r7");
        const uint32_t lo4 = bounds != NULL ? bounds[0] : 0u, span4 = bounds != NULL ? bounds[1] : 0u;
        uint32_t t, u;
        uint32_t *const end4 = v + (n & ~3u), *const end = v + n;
        if (bounds == NULL) {
            if (odd) {
                ED_PARITY_LOOP("and", ED_ODD, ED_NO_RANGE);
            } else {
                ED_PARITY_LOOP("orr", "", ED_NO_RANGE);
            }
        } else if (odd) {
            ED_PARITY_LOOP("and", ED_ODD, ED_LEVEL_RANGE);
        } else {
            ED_PARITY_LOOP("orr", "", ED_LEVEL_RANGE);
        }
        return (uint32_t)(v - start);
    }
#endif
    return ed_words_parity_halve_portable(v, n, odd, bounds);
}
