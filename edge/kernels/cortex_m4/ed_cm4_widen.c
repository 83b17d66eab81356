/*
 * ed_cm4_widen.c: the cortex_m4 column buffers (internal; layout in ed_cm4_support.h): a fully connected input
 * row widened to int16 in SMLAD pair order, a conv input image widened in natural order.
 */
#include <stdint.h>

#include "ed_cm4_support.h"
#include "ed_dsp.h"

size_t ed_cm4_cols_size(int32_t depth, int32_t ncols)
{
    return depth < 1 || ncols < 1 ? 0u : (size_t)((depth + 3) / 4) * 8u * (size_t)ncols;
}

#if defined(__ARM_FEATURE_DSP) && defined(__GNUC__)
/* n steps of 16 inputs from a word-aligned src: one LDM of four words, eight SXTAB16, one STM of the eight column
 * words, SUBS + BNE: 12 instructions per 16 inputs, where the word loop below takes 21 (four LDR, four STRD). The
 * STM stores in register order, so the results go to r4-r11 in column order, x2 and x3 widening into the registers
 * x0 and x1 came in once those are consumed. */
static inline void widen16_aligned(const int8_t **psrc, uint32_t **pcol, int32_t n, uint32_t offset2)
{
    register uint32_t o0 __asm__("r4");
    register uint32_t o1 __asm__("r5");
    register uint32_t o2 __asm__("r6");
    register uint32_t o3 __asm__("r7");
    register uint32_t x0 __asm__("r8");
    register uint32_t x1 __asm__("r9");
    register uint32_t x2 __asm__("r10");
    register uint32_t x3 __asm__("r11");
    const int8_t *src = *psrc;
    uint32_t *col = *pcol;

    __asm__ volatile("1:\n\t"
                     "ldmia   %[src]!, {%[x0], %[x1], %[x2], %[x3]}\n\t"
                     "sxtab16 %[o0], %[off], %[x0]\n\t"
                     "sxtab16 %[o1], %[off], %[x0], ror #8\n\t"
                     "sxtab16 %[o2], %[off], %[x1]\n\t"
                     "sxtab16 %[o3], %[off], %[x1], ror #8\n\t"
                     "sxtab16 %[x0], %[off], %[x2]\n\t"
                     "sxtab16 %[x1], %[off], %[x2], ror #8\n\t"
                     "sxtab16 %[x2], %[off], %[x3]\n\t"
                     "sxtab16 %[x3], %[off], %[x3], ror #8\n\t"
                     "stmia   %[col]!, {%[o0], %[o1], %[o2], %[o3], %[x0], %[x1], %[x2], %[x3]}\n\t"
                     "subs    %[n], %[n], #1\n\t"
                     "bne     1b"
                     : [src] "+r"(src), [col] "+r"(col), [n] "+r"(n), [o0] "=&r"(o0), [o1] "=&r"(o1),
                       [o2] "=&r"(o2), [o3] "=&r"(o3), [x0] "=&r"(x0), [x1] "=&r"(x1), [x2] "=&r"(x2),
                       [x3] "=&r"(x3)
                     : [off] "r"(offset2)
                     : "cc", "memory");
    *psrc = src;
    *pcol = col;
}
#endif

void ed_cm4_widen(const int8_t *src, int32_t depth, int32_t input_zp, uint32_t *col)
{
    const uint32_t off16 = (uint32_t)(-input_zp) & 0xFFFFu;
    const uint32_t offset2 = off16 | (off16 << 16);
    uint32_t x, y;
    int32_t g = depth >> 4, i;

#if defined(__ARM_FEATURE_DSP) && defined(__GNUC__)
    if (g > 0 && ((uintptr_t)src & 3u) == 0u) { /* activation buffers are word-aligned: the usual case */
        widen16_aligned(&src, &col, g, offset2);
        g = 0;
    }
#endif
    for (; g > 0; g--) { /* four groups per step: 21 instructions per 16 inputs (any alignment) */
        x = ed_read_u32(src);
        y = ed_read_u32(src + 4);
        col[0] = ed_sxtab16(offset2, x);
        col[1] = ed_sxtab16_ror8(offset2, x);
        col[2] = ed_sxtab16(offset2, y);
        col[3] = ed_sxtab16_ror8(offset2, y);
        x = ed_read_u32(src + 8);
        y = ed_read_u32(src + 12);
        src += 16;
        col[4] = ed_sxtab16(offset2, x);
        col[5] = ed_sxtab16_ror8(offset2, x);
        col[6] = ed_sxtab16(offset2, y);
        col[7] = ed_sxtab16_ror8(offset2, y);
        col += 8;
    }
    if ((depth & 8) != 0) {
        x = ed_read_u32(src);
        y = ed_read_u32(src + 4);
        src += 8;
        col[0] = ed_sxtab16(offset2, x);
        col[1] = ed_sxtab16_ror8(offset2, x);
        col[2] = ed_sxtab16(offset2, y);
        col[3] = ed_sxtab16_ror8(offset2, y);
        col += 4;
    }
    if ((depth & 4) != 0) {
        x = ed_read_u32(src);
        src += 4;
        col[0] = ed_sxtab16(offset2, x);
        col[1] = ed_sxtab16_ror8(offset2, x);
        col += 2;
    }
    if ((depth & 3) != 0) {
        /* Pad the last group with input_zp itself, which widens to exactly 0; read no byte past depth. */
        x = ((uint32_t)input_zp & 0xFFu) * 0x01010101u;
        for (i = 0; i < (depth & 3); i++) {
            x = (x & ~(0xFFu << (8 * i))) | ((uint32_t)(uint8_t)src[i] << (8 * i));
        }
        col[0] = ed_sxtab16(offset2, x);
        col[1] = ed_sxtab16_ror8(offset2, x);
    }
}

void ed_cm4_widen_image(const int8_t *src, int32_t n, int32_t zp, int16_t *dst)
{
    const uint32_t off16 = (uint32_t)(-zp) & 0xFFFFu, offset2 = off16 | (off16 << 16);
    uint32_t x, a, b;
    int32_t i;

    for (i = n >> 2; i > 0; i--) {
        x = ed_read_u32(src);
        src += 4;
        a = ed_sxtab16(offset2, x);      /* (x0, x2) */
        b = ed_sxtab16_ror8(offset2, x); /* (x1, x3) */
        ed_write_u32(dst, ed_pack_lo(a, b));
        ed_write_u32(dst + 2, ed_pack_hi(a, b));
        dst += 4;
    }
    for (i = 0; i < (n & 3); i++) {
        dst[i] = (int16_t)(src[i] - zp);
    }
}
