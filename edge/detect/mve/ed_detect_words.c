/*
 * ed_detect_words.c (mve): the word loops of ed_detect_words.h with Helium, 16 lanes (four words) per step as
 * the specification's steps (ed_detect_words_portable.h): one vector load, the lane arithmetic, a compare into
 * the predicate register, and a store where the loop writes; the last n % 4 words run the portable loop. A step
 * costs about 4 instructions (copy), 6 (range test), 7 (copy and range test) and 13-16 (parity and halving, with
 * the range test), against 4 / 15 / 16 / 26-38 for the cortex_m4 loops. Without MVE (a host build) every word
 * runs the portable loop.
 */
#include "ed_detect_words_portable.h"

#if defined(__ARM_FEATURE_MVE) && (__ARM_FEATURE_MVE & 1)
#include <arm_mve.h>
#define ED_WORDS_MVE 1
#else
#define ED_WORDS_MVE 0
#endif

void ed_words_copy(uint32_t *dst, const uint32_t *src, uint32_t n, uint32_t x)
{
#if ED_WORDS_MVE
    const uint32x4_t xv = vdupq_n_u32(x);
    for (; n >= 4u; n -= 4u, src += 4, dst += 4) {
        vstrwq_u32(dst, veorq_u32(vldrwq_u32(src), xv));
    }
#endif
    ed_words_copy_portable(dst, src, n, x);
}

uint32_t ed_words_in_range(const uint32_t *v, uint32_t n, uint32_t lo4, uint32_t span4)
{
    uint32_t done = 0;
#if ED_WORDS_MVE
    const uint8x16_t lo = vreinterpretq_u8_u32(vdupq_n_u32(lo4)), span = vreinterpretq_u8_u32(vdupq_n_u32(span4));
    for (; n - done >= 4u; done += 4u) {
        const uint8x16_t d = vsubq_u8(vldrbq_u8((const uint8_t *)(v + done)), lo);
        if (vcmphiq_u8(d, span) != 0) {
            return done;
        }
    }
#endif
    return done + ed_words_in_range_portable(v + done, n - done, lo4, span4);
}

uint32_t ed_words_copy_ranges(uint32_t *dst, const uint32_t *src, uint32_t channels, uint32_t words,
                              const uint32_t *bounds)
{
#if ED_WORDS_MVE
    if (words % 4u == 0u) {
        mve_pred16_t bad = 0;
        uint32_t c, i;
        for (c = 0; c < channels; c++, bounds += 2) {
            const uint8x16_t lo = vreinterpretq_u8_u32(vdupq_n_u32(bounds[0]));
            const uint8x16_t span = vreinterpretq_u8_u32(vdupq_n_u32(bounds[1]));
            for (i = 0; i < words; i += 4u, src += 4, dst += 4) {
                const uint8x16_t w = vldrbq_u8((const uint8_t *)src);
                bad |= vcmphiq_u8(vsubq_u8(w, lo), span);
                vstrbq_u8((uint8_t *)dst, w);
            }
        }
        return bad;
    }
#endif
    return ed_words_copy_ranges_portable(dst, src, channels, words, bounds);
}

uint32_t ed_words_parity_halve(uint32_t *v, uint32_t n, int odd, const uint32_t *bounds)
{
    uint32_t done = 0;
#if ED_WORDS_MVE
    const uint8x16_t one = vdupq_n_u8(1), want = vdupq_n_u8(odd ? 1u : 0u);
    const uint8x16_t lo = vreinterpretq_u8_u32(vdupq_n_u32(bounds != NULL ? bounds[0] : 0u));
    const uint8x16_t span = vreinterpretq_u8_u32(vdupq_n_u32(bounds != NULL ? bounds[1] : 0xFFFFFFFFu));
    for (; n - done >= 4u; done += 4u) {
        uint8_t *p = (uint8_t *)(v + done);
        const uint8x16_t w = vldrbq_u8(p);
        uint8x16_t f = veorq_u8(w, vshrq_n_u8(w, 4));
        int8x16_t h;
        f = veorq_u8(f, vshrq_n_u8(f, 2));
        f = vandq_u8(veorq_u8(f, vshrq_n_u8(f, 1)), one);   /* each lane's parity */
        h = vshrq_n_s8(vreinterpretq_s8_u8(w), 1);           /* the level: the lane halved as an int8 */
        if ((vcmpneq_u8(f, want) | vcmphiq_u8(vsubq_u8(vreinterpretq_u8_s8(h), lo), span)) != 0) {
            break;
        }
        vstrbq_s8((int8_t *)p, h);
    }
    if (n - done >= 4u) {
        return done; /* the failing step, untouched */
    }
#endif
    return done + ed_words_parity_halve_portable(v + done, n - done, odd, bounds);
}
