/*
 * ed_detect_words.c (armv6m): the word loops of ed_detect_words.h for cores without the DSP extension and
 * without unaligned access. The portable loops' four-byte __builtin_memcpy is a libc call per word on Armv6-M
 * (GCC does not inline it there): 20 instructions per parameter for a plain copy. Here the words are read and
 * written as aligned uint32_t through a may_alias type (the buffers are also read as int8), and the lane tests
 * are SIMD within a register, four lanes per word in a dozen ALU instructions:
 *
 *   d = v - lo per byte, without borrows between lanes: ((v | H) - (lo & ~H)) ^ ((v ^ ~lo) & H), H = 0x80 per lane;
 *   d > span (span the same in every lane): for span <= 127, d >= 128 or (d & 0x7F) + (127 - span) >= 128;
 *   for span >= 128, d >= 128 and (d & 0x7F) + (255 - span) >= 128 -- no lane sum carries past its byte.
 *
 * The copy is an LDM/STM loop (Thumb-1 assembly on Armv6-M).
 * Steps of four words as the specification's (ed_detect_words_portable.h), the last n % 4 words one by one.
 * Plain C: the host's tests run exactly this code.
 */
#include "ed_detect_words_portable.h"

typedef uint32_t ed_word_t __attribute__((may_alias));

#define ED_H 0x80808080u
#define ED_L 0x7F7F7F7Fu

/* The constants of one range test, made once per call: lo & 0x7F per lane, ~lo, 127 - (span mod 128) per lane,
 * and all ones unless span >= 128. */
typedef struct {
    uint32_t lo7, nlo, k4, narrow;
} ed_span_t;

static ed_span_t span_of(uint32_t lo4, uint32_t span4)
{
    ed_span_t s;
    s.lo7 = lo4 & ED_L;
    s.nlo = ~lo4;
    s.k4 = (0x7Fu - (span4 & 0x7Fu)) * 0x01010101u;
    s.narrow = (span4 & 0x80u) != 0u ? 0u : 0xFFFFFFFFu;
    return s;
}

/* Nonzero iff a lane of v lies outside [lo, lo + span] (as ed_lanes_out_of_range, which says by how much):
 * branch-free, t & d when span >= 128, t | d otherwise. */
static inline __attribute__((always_inline)) uint32_t out_of_range(uint32_t v, ed_span_t s)
{
    const uint32_t d = ((v | ED_H) - s.lo7) ^ ((v ^ s.nlo) & ED_H);
    const uint32_t t = (d & ED_L) + s.k4;
    return ((t & d) | ((t | d) & s.narrow)) & ED_H;
}

void ed_words_copy(uint32_t *dst, const uint32_t *src, uint32_t n, uint32_t x)
{
    const ed_word_t *s;
    ed_word_t *o;
#if defined(__ARM_ARCH_6M__) || defined(__ARM_ARCH_7M__)
    /* Armv6-M, and the Armv7-M cores without DSP that take this variant (M3). (GCC reads Thumb-1 inline assembly in
     * divided syntax: "eor" is the flag-setting EORS; for Armv7-M in unified syntax, the two-operand EOR, the
     * flags declared clobbered either way.) LDM/STM of four words (r4-r7 named: LDM lists registers in ascending
     * order; needs the frame pointer omitted, as -O2 does): 4 instructions per 16 bytes, 8 with the XOR */
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
                             : [s] "+&l"(src), [o] "+&l"(dst), [a] "=&l"(a), [b] "=&l"(b), [c] "=&l"(c), [d] "=&l"(d)
                             : [e] "r"(end)
                             : "cc", "memory");
        } else {
            __asm__ volatile("1:\n\t"
                             "ldmia  %[s]!, {%[a], %[b], %[c], %[d]}\n\t"
                             "eor    %[a], %[x]\n\t"
                             "eor    %[b], %[x]\n\t"
                             "eor    %[c], %[x]\n\t"
                             "eor    %[d], %[x]\n\t"
                             "cmp    %[s], %[e]\n\t"
                             "stmia  %[o]!, {%[a], %[b], %[c], %[d]}\n\t"
                             "bne    1b"
                             : [s] "+&l"(src), [o] "+&l"(dst), [a] "=&l"(a), [b] "=&l"(b), [c] "=&l"(c), [d] "=&l"(d)
                             : [e] "r"(end), [x] "l"(x)
                             : "cc", "memory");
        }
        n &= 3u;
    }
#endif
    s = src;
    o = dst;
    for (; n >= 4u; n -= 4u, s += 4, o += 4) {
        const uint32_t a = s[0], b = s[1], c = s[2], e = s[3];
        o[0] = a ^ x;
        o[1] = b ^ x;
        o[2] = c ^ x;
        o[3] = e ^ x;
    }
    for (; n > 0u; n--) {
        *o++ = *s++ ^ x;
    }
}

uint32_t ed_words_in_range(const uint32_t *v, uint32_t n, uint32_t lo4, uint32_t span4)
{
    const ed_span_t sp = span_of(lo4, span4);
    const ed_word_t *w = v;
    uint32_t done = 0;
    for (; n - done >= 4u; done += 4u) {
        if ((out_of_range(w[done], sp) | out_of_range(w[done + 1u], sp) | out_of_range(w[done + 2u], sp) |
             out_of_range(w[done + 3u], sp)) != 0u) {
            return done;
        }
    }
    for (; done < n; done++) {
        if (out_of_range(w[done], sp) != 0u) {
            return done;
        }
    }
    return n;
}

uint32_t ed_words_copy_ranges(uint32_t *dst, const uint32_t *src, uint32_t channels, uint32_t words,
                              const uint32_t *bounds)
{
    const ed_word_t *s = src;
    ed_word_t *o = dst;
    uint32_t bad = 0, c, i;
    for (c = 0; c < channels; c++, bounds += 2) {
        const ed_span_t sp = span_of(bounds[0], bounds[1]);
        for (i = 0; i < words; i++) {
            const uint32_t w = *s++;
            bad |= out_of_range(w, sp);
            *o++ = w;
        }
    }
    return bad;
}

/* One word's lanes halved as int8 (arithmetic shift right by one). */
static inline __attribute__((always_inline)) uint32_t halve(uint32_t w)
{
    return ((w >> 1) & ED_L) | (w & ED_H);
}

/* Nonzero when a lane of w fails the parity (want: 0x01 per lane for odd parity, else 0). */
static inline __attribute__((always_inline)) uint32_t parity_bad(uint32_t w, uint32_t want)
{
    w ^= w >> 4;
    w ^= w >> 2;
    w ^= w >> 1;
    return (w ^ want) & 0x01010101u;
}

/* How many of the k words at w pass: the parity and, halved, the range (stops at the first that fails). One word
 * at a time, so that the constants stay in Armv6-M's eight low registers. */
static inline __attribute__((always_inline)) uint32_t parity_pass(const ed_word_t *w, uint32_t k, uint32_t want,
                                                                  ed_span_t sp)
{
    uint32_t i;
    for (i = 0; i < k; i++) {
        if ((parity_bad(w[i], want) | out_of_range(halve(w[i]), sp)) != 0u) {
            break;
        }
    }
    return i;
}

uint32_t ed_words_parity_halve(uint32_t *v, uint32_t n, int odd, const uint32_t *bounds)
{
    const uint32_t want = odd ? 0x01010101u : 0u;
    /* without bounds: span 255 from 0, a test no lane fails */
    const ed_span_t sp = bounds != NULL ? span_of(bounds[0], bounds[1]) : span_of(0u, 0xFFFFFFFFu);
    ed_word_t *w = v;
    uint32_t done = 0;
    while (done < n) { /* four words per step while four remain, then one; a failing step left untouched */
        const uint32_t k = n - done >= 4u ? 4u : 1u;
        uint32_t i;
        if (parity_pass(w + done, k, want, sp) != k) {
            break;
        }
        for (i = 0; i < k; i++) {
            w[done + i] = halve(w[done + i]);
        }
        done += k;
    }
    return done;
}
