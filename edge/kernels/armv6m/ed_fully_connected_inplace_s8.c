/*
 * ed_fully_connected_inplace_s8.c (armv6m): fully connected on stored bytes read in place (ed_kernels.h), for
 * cores without the DSP extension. The input is widened once into an int32 column with input_zp subtracted (and
 * its sum kept); then four rows at a time, every stored byte is one LDRSB (twos) or LDRB (offset codes: the
 * level is the byte - 128, so the dot product runs on the unsigned byte and subtracts 128 * the column's sum
 * once per row), one MULS and one ADD into a high-register accumulator -- 15 instructions per 4
 * multiply-accumulates with the loop unrolled twice; parity-lsb's halving adds an ASRS / LSRS per byte (offset:
 * (byte >> 1) - 64). Rows left over after the blocks of four, and the detection pass's corrections, go through
 * plain C. Same results as the reference variant, bit for bit.
 */
#include "ed_inplace.h"
#include "ed_v6m_support.h"

/* acc[0..3] = sum over i < in of L(row r at i) * col[i] for rows r = 0..3 at row0 + r * in, where L is the
 * stored byte read signed (twos) or unsigned (offset), then halved for parity-lsb; in >= 1. */
typedef void ed_v6m_inplace_dot4_t(const uint8_t *row0, int32_t in, const int32_t *col, uint32_t *acc);
ed_v6m_inplace_dot4_t ed_v6m_inplace_dot4_twos, ed_v6m_inplace_dot4_offset, ed_v6m_inplace_dot4_twos_halve,
    ed_v6m_inplace_dot4_offset_halve;

#if defined(__thumb__) && defined(__ARM_ARCH_PROFILE) && __ARM_ARCH_PROFILE == 'M'
/*
 * r0 = row 0, r4..r6 = rows 1..3, r7 = i, ip = in, r1 = the column (LDM), r2 = x, r3 = the product, r8..r11 the
 * four sums; acc (r3 on entry) is kept on the stack. An odd `in` enters at the second copy of the body.
 */
#define ED_V6M_ROW(LOAD, HALVE, ROW, ACC) "    " LOAD " r3, [" ROW ", r7]\n" HALVE "    muls r3, r2, r3\n    add " ACC ", r3\n"
#define ED_V6M_COLUMN(LOAD, HALVE)                                                                             \
    "    ldm r1!, {r2}\n" ED_V6M_ROW(LOAD, HALVE, "r0", "r8") ED_V6M_ROW(LOAD, HALVE, "r4", "r9")                \
        ED_V6M_ROW(LOAD, HALVE, "r5", "r10") ED_V6M_ROW(LOAD, HALVE, "r6", "r11") "    adds r7, r7, #1\n"
#define ED_V6M_INPLACE_DOT4(NAME, LOAD, HALVE)                                                                 \
    __asm__("    .text\n"                                                                                      \
            "    .syntax unified\n"                                                                            \
            "    .thumb\n"                                                                                     \
            "    .align 2\n"                                                                                   \
            "    .global " NAME "\n"                                                                           \
            "    .type " NAME ", %function\n"                                                                  \
            "    .thumb_func\n" NAME ":\n"                                                                     \
            "    push {r3, r4, r5, r6, r7, lr}\n"                                                              \
            "    mov r4, r8\n"                                                                                 \
            "    mov r5, r9\n"                                                                                 \
            "    mov r6, r10\n"                                                                                \
            "    mov r7, r11\n"                                                                                \
            "    push {r4, r5, r6, r7}\n"                                                                      \
            "    mov ip, r1\n"                                                                                 \
            "    adds r4, r0, r1\n"                                                                            \
            "    adds r5, r4, r1\n"                                                                            \
            "    adds r6, r5, r1\n"                                                                            \
            "    movs r7, #0\n"                                                                                \
            "    mov r8, r7\n"                                                                                 \
            "    mov r9, r7\n"                                                                                 \
            "    mov r10, r7\n"                                                                                \
            "    mov r11, r7\n"                                                                                \
            "    lsls r3, r1, #31\n" /* Z: an even number of inputs */                                         \
            "    mov r1, r2\n"                                                                                 \
            "    cmp r3, #0\n"                                                                                 \
            "    bne 2f\n"                                                                                     \
            "1:\n" ED_V6M_COLUMN(LOAD, HALVE) "2:\n" ED_V6M_COLUMN(LOAD, HALVE) "    cmp r7, ip\n"             \
            "    bne 1b\n"                                                                                     \
            "    ldr r3, [sp, #16]\n" /* acc, pushed first */                                                  \
            "    mov r4, r8\n"                                                                                 \
            "    mov r5, r9\n"                                                                                 \
            "    mov r6, r10\n"                                                                                \
            "    mov r7, r11\n"                                                                                \
            "    stm r3!, {r4, r5, r6, r7}\n"                                                                  \
            "    pop {r4, r5, r6, r7}\n"                                                                       \
            "    mov r8, r4\n"                                                                                 \
            "    mov r9, r5\n"                                                                                 \
            "    mov r10, r6\n"                                                                                \
            "    mov r11, r7\n"                                                                                \
            "    pop {r3, r4, r5, r6, r7, pc}\n"                                                               \
            "    .size " NAME ", . - " NAME "\n")
ED_V6M_INPLACE_DOT4("ed_v6m_inplace_dot4_twos", "ldrsb", "");
ED_V6M_INPLACE_DOT4("ed_v6m_inplace_dot4_offset", "ldrb", "");
ED_V6M_INPLACE_DOT4("ed_v6m_inplace_dot4_twos_halve", "ldrsb", "    asrs r3, r3, #1\n");
ED_V6M_INPLACE_DOT4("ed_v6m_inplace_dot4_offset_halve", "ldrb", "    lsrs r3, r3, #1\n");
#else
/* The same sums in C (the host build of the golden tests). */
static void dot4(const uint8_t *row0, int32_t in, const int32_t *col, uint32_t *acc, int is_signed, int halve)
{
    int32_t r, i;
    for (r = 0; r < 4; r++) {
        const uint8_t *p = row0 + (size_t)r * (size_t)in;
        uint32_t a = 0;
        for (i = 0; i < in; i++) {
            int32_t v = is_signed ? (int32_t)(p[i] & 0x7Fu) - (int32_t)(p[i] & 0x80u) : (int32_t)p[i];
            v = halve ? (v < 0 ? ~(~v >> 1) : v >> 1) : v;
            a += (uint32_t)v * (uint32_t)col[i];
        }
        acc[r] = a;
    }
}

void ed_v6m_inplace_dot4_twos(const uint8_t *row0, int32_t in, const int32_t *col, uint32_t *acc)
{
    dot4(row0, in, col, acc, 1, 0);
}

void ed_v6m_inplace_dot4_offset(const uint8_t *row0, int32_t in, const int32_t *col, uint32_t *acc)
{
    dot4(row0, in, col, acc, 0, 0);
}

void ed_v6m_inplace_dot4_twos_halve(const uint8_t *row0, int32_t in, const int32_t *col, uint32_t *acc)
{
    dot4(row0, in, col, acc, 1, 1);
}

void ed_v6m_inplace_dot4_offset_halve(const uint8_t *row0, int32_t in, const int32_t *col, uint32_t *acc)
{
    dot4(row0, in, col, acc, 0, 1);
}
#endif

size_t ed_fully_connected_inplace_s8_get_buffer_size(int32_t in_features)
{
    return in_features < 1 || in_features > INT32_MAX / 4 ? 0u : 4u * (size_t)in_features;
}

void ed_fully_connected_inplace_s8_eval(const ed_fc_params_t *params, const ed_requant_t *requant,
                                        int32_t in_features, int32_t out_features, const int8_t *input,
                                        const uint8_t *stored, uint32_t transform, const int32_t *bias,
                                        const uint32_t *fixes, uint32_t num_fixes, int8_t *output,
                                        const ed_scratch_t *scratch)
{
    static ed_v6m_inplace_dot4_t *const dots[4] = {ed_v6m_inplace_dot4_twos, ed_v6m_inplace_dot4_offset,
                                                   ed_v6m_inplace_dot4_twos_halve,
                                                   ed_v6m_inplace_dot4_offset_halve};
    const int32_t zp = params->act.input_zp, blocks = out_features / 4;
    ed_v6m_out_t q;
    uint32_t cursor = 0, sum = 0, offset, acc[4];
    int32_t *col;
    int32_t i, b, k, r;

    col = (int32_t *)scratch->buf;
    for (i = 0; i < in_features; i++) {
        col[i] = (int32_t)input[i] - zp;
        sum += (uint32_t)col[i];
    }
    /* offset codes: the level is (byte - 128), halved (byte >> 1) - 64, and the loops sum the unsigned part */
    offset = (transform & ED_INPLACE_XOR80) == 0u ? 0u : (transform & ED_INPLACE_HALVE) != 0u ? 64u * sum : 128u * sum;
    /* what ed_v6m_requantize reads: bias and input_zp are already in the accumulators */
    q.bias = NULL;
    q.multiplier = requant->multiplier;
    q.shift = requant->shift;
    q.input_zp = 0;
    q.output_zp = params->act.output_zp;
    q.act_min = params->act.act_min;
    q.act_max = params->act.act_max;
    for (b = 0; b < blocks; b++) {
        dots[transform](stored + (size_t)(4 * b) * (size_t)in_features, in_features, col, acc);
        for (k = 0; k < 4; k++) {
            acc[k] -= offset;
        }
        ed_inplace_apply(fixes, num_fixes, &cursor, 4 * b, 4, in_features, input, zp, acc);
        for (k = 0; k < 4; k++) {
            r = 4 * b + k;
            output[r] = ed_v6m_requantize(acc[k] + (bias != NULL ? (uint32_t)bias[r] : 0u), q.multiplier[r],
                                          q.shift[r], &q);
        }
    }
    for (r = 4 * blocks; r < out_features; r++) {
        const uint8_t *w = stored + (size_t)r * (size_t)in_features;
        acc[0] = 0;
        for (i = 0; i < in_features; i++) {
            acc[0] += (uint32_t)(ed_inplace_level(w[i], transform) * col[i]);
        }
        ed_inplace_apply(fixes, num_fixes, &cursor, r, 1, in_features, input, zp, acc);
        output[r] = ed_v6m_requantize(acc[0] + (bias != NULL ? (uint32_t)bias[r] : 0u), q.multiplier[r],
                                      q.shift[r], &q);
    }
}

/* The checked entry point: its data pointers, then prepare (edge/kernels/common), then eval. */
ed_kernel_status_t ed_fully_connected_inplace_s8(const ed_fc_params_t *params, const ed_requant_t *requant,
                                                 int32_t in_features, int32_t out_features, const int8_t *input,
                                                 const uint8_t *stored, uint32_t transform, const int32_t *bias,
                                                 const uint32_t *fixes, uint32_t num_fixes, int8_t *output,
                                                 const ed_scratch_t *scratch)
{
    return ed_inplace_checked(params, requant, in_features, out_features, input, stored, transform, bias, fixes,
                              num_fixes, output, scratch);
}
