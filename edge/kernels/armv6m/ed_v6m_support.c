/*
 * ed_v6m_support.c: packing, widening and the dot-product core of the Armv6-M kernel variant (ed_v6m_support.h
 * says why the lanes are exact). On a Cortex-M target the core is Thumb-1 assembly (17 instructions per 8
 * multiply-accumulates: 2 LDM, 4 MULS, adds, shifts and half a loop test; Armv6-M instructions, which every
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
/*
 * r0 = w, r1 = col, r2 = pairs, r3 = acc (kept on the stack). Per step the two-product sums A = S0 + S1 2^16
 * of rows (0, 1) and (2, 3): r8 / r10 sum A itself, r9 / r11 sum S1 = (A + 2^15) >> 16 (exact: S0 + 2^15 lies
 * in [0, 2^16)), and at the end the low rows' sums are sum A - (sum S1) 2^16. 17 instructions per 8
 * multiply-accumulates, the loop unrolled twice (an odd number of pairs enters at the second copy).
 */
__asm__(
    "    .text\n"
    "    .syntax unified\n"
    "    .thumb\n"
    "    .align 2\n"
    "    .global ed_v6m_dot4\n"
    "    .type ed_v6m_dot4, %function\n"
    "    .thumb_func\n"
    "ed_v6m_dot4:\n"
    "    push {r3, r4, r5, r6, r7, lr}\n"
    "    mov r4, r8\n"
    "    mov r5, r9\n"
    "    mov r6, r10\n"
    "    mov r7, r11\n"
    "    push {r4, r5, r6, r7}\n"
    "    movs r4, #128\n"
    "    lsls r4, r4, #8\n"
    "    mov ip, r4\n"                  /* 2^15 */
    "    movs r4, #0\n"
    "    mov r8, r4\n"
    "    mov r9, r4\n"
    "    mov r10, r4\n"
    "    mov r11, r4\n"
    "    lsls r3, r2, #31\n"            /* Z: an even number of pairs */
    "    lsls r2, r2, #4\n"
    "    adds r2, r0, r2\n"
    "    mov lr, r2\n"
    "    cmp r3, #0\n"
    "    bne 2f\n"
    "1:\n"
    "    ldm r0!, {r2, r3, r4, r5}\n"   /* W01(i), W23(i), W01(i+1), W23(i+1) */
    "    ldm r1!, {r6, r7}\n"           /* x(i), x(i+1) */
    "    muls r2, r6, r2\n"
    "    muls r4, r7, r4\n"
    "    adds r2, r2, r4\n"             /* rows 0, 1: A = S0 + S1 2^16 */
    "    muls r3, r6, r3\n"
    "    muls r5, r7, r5\n"
    "    adds r3, r3, r5\n"             /* rows 2, 3 */
    "    add r8, r2\n"                  /* sum of A */
    "    add r2, ip\n"                  /* A + 2^15: the low lane in [0, 2^16) */
    "    asrs r2, r2, #16\n"            /* S1 */
    "    add r9, r2\n"
    "    add r10, r3\n"
    "    add r3, ip\n"
    "    asrs r3, r3, #16\n"
    "    add r11, r3\n"
    "2:\n"
    "    ldm r0!, {r2, r3, r4, r5}\n"   /* W01(i), W23(i), W01(i+1), W23(i+1) */
    "    ldm r1!, {r6, r7}\n"           /* x(i), x(i+1) */
    "    muls r2, r6, r2\n"
    "    muls r4, r7, r4\n"
    "    adds r2, r2, r4\n"             /* rows 0, 1: A = S0 + S1 2^16 */
    "    muls r3, r6, r3\n"
    "    muls r5, r7, r5\n"
    "    adds r3, r3, r5\n"             /* rows 2, 3 */
    "    add r8, r2\n"                  /* sum of A */
    "    add r2, ip\n"                  /* A + 2^15: the low lane in [0, 2^16) */
    "    asrs r2, r2, #16\n"            /* S1 */
    "    add r9, r2\n"
    "    add r10, r3\n"
    "    add r3, ip\n"
    "    asrs r3, r3, #16\n"
    "    add r11, r3\n"
    "    cmp r0, lr\n"
    "    bne 1b\n"
    "    mov r4, r8\n"
    "    mov r5, r9\n"
    "    mov r6, r10\n"
    "    mov r7, r11\n"
    "    lsls r2, r5, #16\n"
    "    subs r4, r4, r2\n"
    "    lsls r2, r7, #16\n"
    "    subs r6, r6, r2\n"
    "    ldr r3, [sp, #16]\n"           /* acc, pushed first */
    "    stm r3!, {r4, r5, r6, r7}\n"
    "    pop {r4, r5, r6, r7}\n"
    "    mov r8, r4\n"
    "    mov r9, r5\n"
    "    mov r10, r6\n"
    "    mov r11, r7\n"
    "    pop {r3, r4, r5, r6, r7, pc}\n"
    "    .size ed_v6m_dot4, . - ed_v6m_dot4\n");
#else
/* One two-product sum a = S0 + S1 2^16 of a row pair: *sum_a += a, *s1 += S1 = (a + 2^15) >> 16. */
static void add_lanes(uint32_t a, uint32_t *sum_a, uint32_t *s1)
{
    *sum_a += a;
    *s1 += (uint32_t)ed_asr32(ed_s32(a + 0x8000u), 16);
}

void ed_v6m_dot4(const uint32_t *w, const int32_t *col, int32_t pairs, int32_t *acc)
{
    uint32_t a[4] = {0, 0, 0, 0};
    for (; pairs > 0; pairs--, w += 4, col += 2) {
        const uint32_t x0 = (uint32_t)col[0], x1 = (uint32_t)col[1];
        add_lanes(w[0] * x0 + w[2] * x1, &a[0], &a[1]);
        add_lanes(w[1] * x0 + w[3] * x1, &a[2], &a[3]);
    }
    acc[0] = ed_s32(a[0] - (a[1] << 16));
    acc[1] = ed_s32(a[1]);
    acc[2] = ed_s32(a[2] - (a[3] << 16));
    acc[3] = ed_s32(a[3]);
}
#endif

/*
 * SaturatingRoundingDoublingHighMul without a 64-bit multiply (Armv6-M has none: gcc would call __aeabi_lmul):
 * the signed 64-bit product from four 16 x 16 products, a = ah 2^16 + al with ah signed and al unsigned, every
 * partial sum an exact int32 (|ah bl| + 2^16 < 2^31), then bits 31..62 of product + 2^30, as ed_srdhm.
 */
static int32_t srdhm(int32_t a, int32_t b)
{
    const int32_t ah = ed_asr32(a, 16), bh = ed_asr32(b, 16);
    const uint32_t al = (uint32_t)a & 0xFFFFu, bl = (uint32_t)b & 0xFFFFu;
    const uint32_t ll = al * bl;
    const int32_t t1 = (int32_t)(ll >> 16) + ah * (int32_t)bl;
    const int32_t t2 = (int32_t)((uint32_t)t1 & 0xFFFFu) + (int32_t)al * bh;
    uint32_t hi = (uint32_t)(ah * bh + ed_asr32(t1, 16) + ed_asr32(t2, 16));
    const uint32_t lo = ((uint32_t)t2 << 16 | (ll & 0xFFFFu)) + 0x40000000u;

    if (a == INT32_MIN && b == INT32_MIN) {
        return INT32_MAX;
    }
    hi += lo < 0x40000000u; /* the carry of + 2^30 */
    return ed_s32(hi << 1 | lo >> 31);
}

/* ed_requantize with srdhm: MBQM (double rounding), + output_zp, clamp. */
static int8_t requantize(uint32_t acc, int32_t multiplier, int32_t shift, const ed_v6m_out_t *q)
{
    const int32_t left = shift > 0 ? shift : 0;
    int32_t y = ed_rdbpot(srdhm(ed_s32(acc << left), multiplier), shift > 0 ? 0 : -shift);
    y = ed_s32((uint32_t)y + (uint32_t)q->output_zp);
    y = y < q->act_min ? q->act_min : y;
    y = y > q->act_max ? q->act_max : y;
    return (int8_t)y;
}

int8_t ed_v6m_requantize(uint32_t acc, int32_t multiplier, int32_t shift, const ed_v6m_out_t *q)
{
    return requantize(acc, multiplier, shift, q);
}

void ed_v6m_mat_vec(const uint32_t *packed, int32_t rows, int32_t depth, const int32_t *col,
                    const ed_v6m_out_t *q, int8_t *out)
{
    const int32_t pairs = (depth + 1) / 2;
    int32_t r0, k;
    for (r0 = 0; r0 < rows; r0 += ED_V6M_BLOCK, packed += 4 + 4 * pairs) {
        int32_t acc[ED_V6M_BLOCK];
        ed_v6m_dot4(packed + 4, col, pairs, acc);
        for (k = 0; k < ED_V6M_BLOCK && r0 + k < rows; k++) {
            const int32_t r = r0 + k;
            /* sum w (x - zp) + bias = -(acc) - zp * sum w + bias, modulo 2^32 */
            const uint32_t total = (q->bias != NULL ? (uint32_t)q->bias[r] : 0u) - (uint32_t)acc[k] -
                                   (uint32_t)q->input_zp * packed[k];
            out[r] = requantize(total, q->multiplier[r], q->shift[r], q);
        }
    }
}
