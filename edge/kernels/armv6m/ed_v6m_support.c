/*
 * ed_v6m_support.c: packing, widening and the dot-product core of the Armv6-M kernel variant (ed_v6m_support.h
 * says why the lanes are exact). On a Cortex-M target the core is Thumb-1 assembly (20 instructions per 8
 * multiply-accumulates: 2 LDM, 4 MULS, 14 adds, shifts and the loop test; Armv6-M instructions, which every
 * M profile core runs); elsewhere (the host's golden tests) the same lane arithmetic in portable C.
 */
#include "ed_v6m_support.h"

#include "ed_fixedpoint.h"

size_t ed_v6m_packed_size(int32_t rows, int32_t depth)
{
    int64_t blocks, bytes;
    if (rows < 1 || depth < 1 || depth > INT32_MAX - 1) {
        return 0;
    }
    blocks = rows / ED_V6M_BLOCK + (rows % ED_V6M_BLOCK != 0); /* 32-bit division: no libgcc call */
    bytes = blocks * (16 + (int64_t)((depth + 1) / 2) * 16);
    return bytes > INT32_MAX ? 0u : (size_t)bytes;
}

int32_t ed_v6m_col_words(int32_t depth)
{
    return depth + (depth & 1);
}

static uint32_t neg_weight(const int8_t *w, int32_t rows, int32_t depth, int32_t r, int32_t i)
{
    return r < rows && i < depth ? (uint32_t)(-(int32_t)w[(size_t)r * (size_t)depth + (size_t)i]) : 0u;
}

void ed_v6m_pack(const int8_t *w, int32_t rows, int32_t depth, uint32_t *dst)
{
    int32_t r0, k, i, e;
    for (r0 = 0; r0 < rows; r0 += ED_V6M_BLOCK) {
        for (k = 0; k < ED_V6M_BLOCK; k++) {
            uint32_t sum = 0;
            for (i = 0; r0 + k < rows && i < depth; i++) {
                sum += (uint32_t)(int32_t)w[(size_t)(r0 + k) * (size_t)depth + (size_t)i];
            }
            *dst++ = sum;
        }
        for (i = 0; i < depth; i += 2) {
            for (e = 0; e < 2; e++) {
                /* -w_a + (-w_b) * 2^16 as a sum (mod 2^32), not two 16-bit fields: the low lane's sign borrows */
                *dst++ = neg_weight(w, rows, depth, r0, i + e) + (neg_weight(w, rows, depth, r0 + 1, i + e) << 16);
                *dst++ = neg_weight(w, rows, depth, r0 + 2, i + e) + (neg_weight(w, rows, depth, r0 + 3, i + e) << 16);
            }
        }
    }
}

void ed_v6m_widen(const int8_t *src, int32_t depth, int32_t *col)
{
    int32_t i;
    for (i = 0; i + 4 <= depth; i += 4) {
        col[i] = src[i];
        col[i + 1] = src[i + 1];
        col[i + 2] = src[i + 2];
        col[i + 3] = src[i + 3];
    }
    for (; i < depth; i++) {
        col[i] = src[i];
    }
    if (depth & 1) {
        col[depth] = 0;
    }
}

#if defined(__thumb__) && defined(__ARM_ARCH_PROFILE) && __ARM_ARCH_PROFILE == 'M'
/* r0 = w, r1 = col, r2 = pairs, r3 = acc. Accumulators in r8-r11, the end of the weights in lr, acc in ip. */
__asm__(
    "    .text\n"
    "    .syntax unified\n"
    "    .thumb\n"
    "    .align 2\n"
    "    .global ed_v6m_dot4\n"
    "    .type ed_v6m_dot4, %function\n"
    "    .thumb_func\n"
    "ed_v6m_dot4:\n"
    "    push {r4, r5, r6, r7, lr}\n"
    "    mov r4, r8\n"
    "    mov r5, r9\n"
    "    mov r6, r10\n"
    "    mov r7, r11\n"
    "    push {r4, r5, r6, r7}\n"
    "    mov ip, r3\n"
    "    ldm r3!, {r4, r5, r6, r7}\n"
    "    mov r8, r4\n"
    "    mov r9, r5\n"
    "    mov r10, r6\n"
    "    mov r11, r7\n"
    "    lsls r2, r2, #4\n"
    "    adds r2, r0, r2\n"
    "    mov lr, r2\n"
    "1:\n"
    "    ldm r0!, {r2, r3, r4, r5}\n"   /* W01(i), W23(i), W01(i+1), W23(i+1) */
    "    ldm r1!, {r6, r7}\n"           /* x(i), x(i+1) */
    "    muls r2, r6, r2\n"
    "    muls r4, r7, r4\n"
    "    adds r2, r2, r4\n"             /* rows 0, 1: two products per lane */
    "    muls r3, r6, r3\n"
    "    muls r5, r7, r5\n"
    "    adds r3, r3, r5\n"             /* rows 2, 3 */
    "    sxth r4, r2\n"
    "    subs r2, r2, r4\n"
    "    asrs r2, r2, #16\n"
    "    add r8, r4\n"
    "    add r9, r2\n"
    "    sxth r5, r3\n"
    "    subs r3, r3, r5\n"
    "    asrs r3, r3, #16\n"
    "    add r10, r5\n"
    "    add r11, r3\n"
    "    cmp r0, lr\n"
    "    bne 1b\n"
    "    mov r3, ip\n"
    "    mov r4, r8\n"
    "    mov r5, r9\n"
    "    mov r6, r10\n"
    "    mov r7, r11\n"
    "    stm r3!, {r4, r5, r6, r7}\n"
    "    pop {r4, r5, r6, r7}\n"
    "    mov r8, r4\n"
    "    mov r9, r5\n"
    "    mov r10, r6\n"
    "    mov r11, r7\n"
    "    pop {r4, r5, r6, r7, pc}\n"
    "    .size ed_v6m_dot4, . - ed_v6m_dot4\n");
#else
/* The lanes of a after the sum of two products: the low one exact as an int16, the high one what remains. */
static void split_lanes(uint32_t a, uint32_t *lo, uint32_t *hi)
{
    const int32_t low = ed_s16(a);
    *lo += (uint32_t)low;
    *hi += (uint32_t)ed_asr32(ed_s32(a - (uint32_t)low), 16);
}

void ed_v6m_dot4(const uint32_t *w, const int32_t *col, int32_t pairs, int32_t *acc)
{
    uint32_t a[4];
    int32_t k;
    for (k = 0; k < 4; k++) {
        a[k] = (uint32_t)acc[k];
    }
    for (; pairs > 0; pairs--, w += 4, col += 2) {
        const uint32_t x0 = (uint32_t)col[0], x1 = (uint32_t)col[1];
        split_lanes(w[0] * x0 + w[2] * x1, &a[0], &a[1]);
        split_lanes(w[1] * x0 + w[3] * x1, &a[2], &a[3]);
    }
    for (k = 0; k < 4; k++) {
        acc[k] = ed_s32(a[k]);
    }
}
#endif

void ed_v6m_mat_vec(const uint32_t *packed, int32_t rows, int32_t depth, const int32_t *col,
                    const ed_v6m_out_t *q, int8_t *out)
{
    const int32_t pairs = (depth + 1) / 2;
    int32_t r0, k;
    for (r0 = 0; r0 < rows; r0 += ED_V6M_BLOCK, packed += 4 + 4 * pairs) {
        int32_t acc[ED_V6M_BLOCK] = {0, 0, 0, 0};
        ed_v6m_dot4(packed + 4, col, pairs, acc);
        for (k = 0; k < ED_V6M_BLOCK && r0 + k < rows; k++) {
            const int32_t r = r0 + k;
            /* sum w (x - zp) + bias = -(acc) - zp * sum w + bias, modulo 2^32 */
            const uint32_t total = (q->bias != NULL ? (uint32_t)q->bias[r] : 0u) - (uint32_t)acc[k] -
                                   (uint32_t)q->input_zp * packed[k];
            out[r] = ed_requantize(total, q->multiplier[r], q->shift[r], q->output_zp, q->act_min, q->act_max);
        }
    }
}
