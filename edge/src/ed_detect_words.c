/*
 * ed_detect_words.c: see ed_detect_words.h. Each function runs its 16-byte steps in one asm loop (LDM names its
 * registers in ascending order: hence the explicit r4-r7) and the last n % 4 words -- or all of them without the
 * DSP extension -- in the C loop that defines it; the test loops take their last words one by one in asm too.
 * A step costs 4 instructions (copy), 15 (range test), 16 (copy and range test), 24 (parity and halving) or 36
 * (parity, halving and range test); docs/FIRMWARE.md has the per-weight figures.
 */
#include "ed_detect_words.h"

#include <stddef.h>

#if defined(__ARM_FEATURE_DSP) && defined(__GNUC__)
#define ED_WORDS_SIMD 1
#else
#define ED_WORDS_SIMD 0
#endif

/* The lanes' C definitions: (a - b) mod 256, max(a - b, 0) unsigned, and parity folded into bit 0. */
static uint32_t lanes_sub(uint32_t a, uint32_t b)
{
    uint32_t r = 0, i;
    for (i = 0; i < 32u; i += 8u) {
        r |= ((((a >> i) & 0xFFu) - ((b >> i) & 0xFFu)) & 0xFFu) << i;
    }
    return r;
}

static uint32_t lanes_sat_sub(uint32_t a, uint32_t b)
{
    uint32_t r = 0, i;
    for (i = 0; i < 32u; i += 8u) {
        const uint32_t x = (a >> i) & 0xFFu, y = (b >> i) & 0xFFu;
        r |= (x > y ? x - y : 0u) << i;
    }
    return r;
}

static uint32_t lanes_parity(uint32_t v)
{
    v ^= v >> 4; /* every lane's bit 0 only ever takes bits of its own lane */
    v ^= v >> 2;
    v ^= v >> 1;
    return v;
}

static uint32_t lanes_halve(uint32_t v)
{
    uint32_t r = 0, i;
    for (i = 0; i < 32u; i += 8u) {
        r |= (uint32_t)(uint8_t)(int8_t)((int8_t)(uint8_t)(v >> i) >> 1) << i;
    }
    return r;
}

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
    for (; n > 0u; n--, src++, dst++) { /* word copies through memcpy: the buffers are also read as int8 */
        uint32_t w;
        __builtin_memcpy(&w, src, 4);
        w ^= x;
        __builtin_memcpy(dst, &w, 4);
    }
}

uint32_t ed_words_out_of_range(const uint32_t *v, uint32_t n, uint32_t lo4, uint32_t span4)
{
    uint32_t acc = 0;
#if ED_WORDS_SIMD
    if (n > 0u) {
        register uint32_t a __asm__("r4");
        register uint32_t b __asm__("r5");
        register uint32_t c __asm__("r6");
        register uint32_t d __asm__("r7");
        const uint32_t *const end4 = v + (n & ~3u), *const end = v + n;
        /* 16 bytes per step while they last, then word by word */
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
                         "orr    %[acc], %[acc], %[a]\n\t"
                         "orr    %[acc], %[acc], %[c]\n\t"
                         "cmp    %[v], %[e4]\n\t"
                         "bne    1b\n"
                         "2:\n\t"
                         "cmp    %[v], %[e]\n\t"
                         "beq    4f\n"
                         "3:\n\t"
                         "ldr    %[a], [%[v]], #4\n\t"
                         "usub8  %[a], %[a], %[lo]\n\t"
                         "uqsub8 %[a], %[a], %[span]\n\t"
                         "orr    %[acc], %[acc], %[a]\n\t"
                         "cmp    %[v], %[e]\n\t"
                         "bne    3b\n"
                         "4:"
                         : [v] "+&r"(v), [acc] "+&r"(acc), [a] "=&r"(a), [b] "=&r"(b), [c] "=&r"(c), [d] "=&r"(d)
                         : [e4] "r"(end4), [e] "r"(end), [lo] "r"(lo4), [span] "r"(span4)
                         : "cc", "memory");
        n = 0;
    }
#endif
    for (; n > 0u; n--, v++) {
        uint32_t w;
        __builtin_memcpy(&w, v, 4);
        acc |= lanes_sat_sub(lanes_sub(w, lo4), span4);
    }
    return acc;
}

uint32_t ed_words_copy_ranges(uint32_t *dst, const uint32_t *src, uint32_t channels, uint32_t words,
                              const uint32_t *bounds)
{
    uint32_t acc = 0, c, i;
#if ED_WORDS_SIMD
    if (words % 4u == 0u && words > 0u && channels > 0u) {
        /* channels of whole 16-byte steps: the channel loop in asm too (4 instructions a channel). Each step is
         * stored first and then tested in its registers, which keeps the loop within the core's registers. */
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
    for (c = 0; c < channels; c++, bounds += 2) {
        const uint32_t lo4 = bounds[0], span4 = bounds[1];
        i = words;
#if ED_WORDS_SIMD
        {
            register uint32_t a __asm__("r4");
            register uint32_t b __asm__("r5");
            register uint32_t d __asm__("r6");
            register uint32_t e __asm__("r7");
            const uint32_t *const end4 = src + (words & ~3u), *const end = src + words;
            uint32_t t;
            /* 16 bytes per step, then word by word: the copy and, per word, (v - lo) mod 256 saturated past span */
            __asm__ volatile("cmp    %[s], %[end4]\n\t"
                             "beq    2f\n"
                             "1:\n\t"
                             "ldmia  %[s]!, {%[a], %[b], %[d], %[e]}\n\t"
                             "usub8  %[t], %[a], %[lo]\n\t"
                             "uqsub8 %[t], %[t], %[span]\n\t"
                             "orr    %[acc], %[acc], %[t]\n\t"
                             "usub8  %[t], %[b], %[lo]\n\t"
                             "uqsub8 %[t], %[t], %[span]\n\t"
                             "orr    %[acc], %[acc], %[t]\n\t"
                             "usub8  %[t], %[d], %[lo]\n\t"
                             "uqsub8 %[t], %[t], %[span]\n\t"
                             "orr    %[acc], %[acc], %[t]\n\t"
                             "usub8  %[t], %[e], %[lo]\n\t"
                             "uqsub8 %[t], %[t], %[span]\n\t"
                             "orr    %[acc], %[acc], %[t]\n\t"
                             "cmp    %[s], %[end4]\n\t"
                             "stmia  %[o]!, {%[a], %[b], %[d], %[e]}\n\t"
                             "bne    1b\n"
                             "2:\n\t"
                             "cmp    %[s], %[end]\n\t"
                             "beq    4f\n"
                             "3:\n\t"
                             "ldr    %[a], [%[s]], #4\n\t"
                             "usub8  %[t], %[a], %[lo]\n\t"
                             "uqsub8 %[t], %[t], %[span]\n\t"
                             "orr    %[acc], %[acc], %[t]\n\t"
                             "cmp    %[s], %[end]\n\t"
                             "str    %[a], [%[o]], #4\n\t"
                             "bne    3b\n"
                             "4:"
                             : [s] "+&r"(src), [o] "+&r"(dst), [acc] "+&r"(acc), [t] "=&r"(t), [a] "=&r"(a),
                               [b] "=&r"(b), [d] "=&r"(d), [e] "=&r"(e)
                             : [end4] "r"(end4), [end] "r"(end), [lo] "r"(lo4), [span] "r"(span4)
                             : "cc", "memory");
            i = 0;
        }
#endif
        for (; i > 0u; i--, src++, dst++) {
            uint32_t w;
            __builtin_memcpy(&w, src, 4);
            acc |= lanes_sat_sub(lanes_sub(w, lo4), span4);
            __builtin_memcpy(dst, &w, 4);
        }
    }
    return acc;
}

#if ED_WORDS_SIMD
/* One word of the parity step: fold its lanes' parities into bit 0 of t, accumulate with `acc_op` (orr: a set
 * bit is an odd lane; orn: a clear bit is an even one), halve the lanes, then `range` (the range test of the
 * levels into racc, or nothing). */
#define ED_PARITY_WORD(r, acc_op, range)                                                                             \
    "eor    %[t], %[" r "], %[" r "], lsr #4\n\t"                                                                    \
    "eor    %[t], %[t], %[t], lsr #2\n\t"                                                                            \
    "eor    %[t], %[t], %[t], lsr #1\n\t" acc_op "    %[acc], %[acc], %[t]\n\t"                                      \
    "shadd8 %[" r "], %[" r "], %[z]\n\t" range(r)
#define ED_LEVEL_RANGE(r)                                                                                            \
    "usub8  %[t], %[" r "], %[lo]\n\t"                                                                               \
    "uqsub8 %[t], %[t], %[span]\n\t"                                                                                 \
    "orr    %[racc], %[racc], %[t]\n\t"
#define ED_NO_RANGE(r) ""

/* 16 bytes per step while they last, then word by word. */
#define ED_PARITY_LOOP(acc_op, range)                                                                                \
    __asm__ volatile("cmp    %[v], %[e4]\n\t"                                                                        \
                     "beq    2f\n"                                                                                   \
                     "1:\n\t"                                                                                        \
                     "ldmia  %[v], {%[a], %[b], %[c], %[d]}\n\t" ED_PARITY_WORD("a", acc_op, range)                   \
                         ED_PARITY_WORD("b", acc_op, range) ED_PARITY_WORD("c", acc_op, range)                        \
                             ED_PARITY_WORD("d", acc_op, range) "stmia  %[v]!, {%[a], %[b], %[c], %[d]}\n\t"          \
                     "cmp    %[v], %[e4]\n\t"                                                                        \
                     "bne    1b\n"                                                                                   \
                     "2:\n\t"                                                                                        \
                     "cmp    %[v], %[e]\n\t"                                                                         \
                     "beq    4f\n"                                                                                   \
                     "3:\n\t"                                                                                        \
                     "ldr    %[a], [%[v]]\n\t" ED_PARITY_WORD("a", acc_op, range)                                     \
                     "str    %[a], [%[v]], #4\n\t"                                                                   \
                     "cmp    %[v], %[e]\n\t"                                                                         \
                     "bne    3b\n"                                                                                   \
                     "4:"                                                                                            \
                     : [v] "+&r"(v), [acc] "+&r"(acc), [racc] "+&r"(racc), [t] "=&r"(t), [a] "=&r"(a),               \
                       [b] "=&r"(b), [c] "=&r"(c), [d] "=&r"(d)                                                      \
                     : [e4] "r"(end4), [e] "r"(end), [z] "r"(0u), [lo] "r"(lo4), [span] "r"(span4)                   \
                     : "cc", "memory")
#endif

uint32_t ed_words_parity_halve(uint32_t *v, uint32_t n, int odd, const uint32_t *bounds)
{
    const uint32_t lo4 = bounds != NULL ? bounds[0] : 0u, span4 = bounds != NULL ? bounds[1] : 0xFFFFFFFFu;
    uint32_t acc = 0, racc = 0, p;
#if ED_WORDS_SIMD
    if (n > 0u) {
        register uint32_t a __asm__("r4");
        register uint32_t b __asm__("r5");
        register uint32_t c __asm__("r6");
        register uint32_t d __asm__("r7");
        uint32_t t;
        uint32_t *const end4 = v + (n & ~3u), *const end = v + n;
        if (bounds == NULL) {
            if (odd) {
                ED_PARITY_LOOP("orn", ED_NO_RANGE);
            } else {
                ED_PARITY_LOOP("orr", ED_NO_RANGE);
            }
        } else if (odd) {
            ED_PARITY_LOOP("orn", ED_LEVEL_RANGE);
        } else {
            ED_PARITY_LOOP("orr", ED_LEVEL_RANGE);
        }
        n = 0;
    }
#endif
    for (; n > 0u; n--, v++) {
        uint32_t w;
        __builtin_memcpy(&w, v, 4);
        p = lanes_parity(w);
        acc |= odd ? ~p : p;
        w = lanes_halve(w);
        racc |= lanes_sat_sub(lanes_sub(w, lo4), span4);
        __builtin_memcpy(v, &w, 4);
    }
    return (acc & 0x01010101u) | racc;
}
