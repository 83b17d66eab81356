/*
 * ed_fully_connected_inplace_s8.c (cortex_m4): fully connected on stored bytes read in place (ed_kernels.h). The
 * input is widened once into the column buffer (int16, input_zp subtracted, SMLAD pair order: (x0, x2), (x1, x3)),
 * then four rows at a time: each row's next four bytes are one unaligned LDR, the transform (EOR for offset codes,
 * SHADD8 with zero for parity-lsb's halving), SXTB16 and SXTB16 ROR 8 give the pairs (w0, w2), (w1, w3) that
 * SMLAD multiplies with the columns. Per group of four depth values and four rows, for plain twos words: 1 LDRD
 * column, 4 LDR, 8 SXTB16, 8 SMLAD and the loop = 23 instructions for 16 MACs; the transforms add one per row.
 * The corrections of the detection pass are added to each block's accumulators before requantization.
 */
#include "ed_cm4_requant.h"
#include "ed_cm4_support.h"
#include "ed_dsp.h"
#include "ed_inplace.h"

#if defined(__GNUC__)
#define ED_INLINE static inline __attribute__((always_inline))
#else
#define ED_INLINE static inline
#endif

/* The four bytes of a word turned into their levels' bytes (transform a constant after inlining). */
ED_INLINE uint32_t levels4(uint32_t w, uint32_t transform)
{
    if (transform & ED_INPLACE_XOR80) {
        w ^= 0x80808080u;
    }
    if (transform & ED_INPLACE_HALVE) {
#if defined(__ARM_FEATURE_DSP)
        __asm__("shadd8 %0, %1, %2" : "=r"(w) : "r"(w), "r"(0u));
#else
        w = ((w >> 1) & 0x7F7F7F7Fu) | (w & 0x80808080u);
#endif
    }
    return w;
}

/* The last n = 1..3 bytes of a row as a word (its other bytes 0): the columns' padding is 0, so they add 0. */
ED_INLINE uint32_t tail_word(const uint8_t *p, int32_t n)
{
    uint32_t v = p[0];
    if (n > 1) {
        v |= (uint32_t)p[1] << 8;
    }
    if (n > 2) {
        v |= (uint32_t)p[2] << 16;
    }
    return v;
}

ED_INLINE uint32_t mac4(uint32_t acc, uint32_t w, uint32_t x02, uint32_t x13, uint32_t transform)
{
    w = levels4(w, transform);
    acc = ed_smlad(ed_sxtb16(w), x02, acc);
    return ed_smlad(ed_sxtb16_ror8(w), x13, acc);
}

#if defined(__ARM_FEATURE_DSP) && defined(__GNUC__)
/* The levels of the words in registers W and V under transform K (0..3, ED_INPLACE_* bits): EOR for offset
 * codes, then SHADD8 with zero to halve (the zero in the temporary: all 14 allocatable registers are taken). */
#define ED_LEVELS_0(W, V) ""
#define ED_LEVELS_1(W, V) "eor " W ", " W ", #0x80808080\n\t" "eor " V ", " V ", #0x80808080\n\t"
#define ED_LEVELS_2(W, V) "movs %[t], #0\n\t" "shadd8 " W ", " W ", %[t]\n\t" "shadd8 " V ", " V ", %[t]\n\t"
#define ED_LEVELS_3(W, V) ED_LEVELS_1(W, V) ED_LEVELS_2(W, V)

/* Four rows, `groups` groups of four depth values: rows at p, p + in, p + 2 in, p + 3 in. Per group 1 LDRD, 4 LDR
 * (two post-indexed), 8 SXTB16, 8 SMLAD, 1 ADD, CMP, BNE -- plus the transforms -- for 16 MACs, every operand in a
 * register (14 live). GCC's own allocation of the C version spilled four accumulators per group. */
#define ED_DOT4_ASM(K)                                                                                     \
    __asm__ volatile("1:\n\t"                                                                                    \
                     "ldrd   %[x02], %[x13], [%[col]], #8\n\t"                                                   \
                     "ldr    %[v], [%[p0], %[in]]\n\t"                                                           \
                     "ldr    %[w], [%[p0]], #4\n\t"                                                              \
                     ED_LEVELS_##K("%[w]", "%[v]")                                                               \
                     "sxtb16 %[t], %[w]\n\t"                                                                     \
                     "smlad  %[a0], %[t], %[x02], %[a0]\n\t"                                                     \
                     "sxtb16 %[w], %[w], ror #8\n\t"                                                             \
                     "smlad  %[a0], %[w], %[x13], %[a0]\n\t"                                                     \
                     "sxtb16 %[t], %[v]\n\t"                                                                     \
                     "smlad  %[a1], %[t], %[x02], %[a1]\n\t"                                                     \
                     "sxtb16 %[v], %[v], ror #8\n\t"                                                             \
                     "smlad  %[a1], %[v], %[x13], %[a1]\n\t"                                                     \
                     "ldr    %[v], [%[p2], %[in]]\n\t"                                                           \
                     "ldr    %[w], [%[p2]], #4\n\t"                                                              \
                     ED_LEVELS_##K("%[w]", "%[v]")                                                               \
                     "sxtb16 %[t], %[w]\n\t"                                                                     \
                     "smlad  %[a2], %[t], %[x02], %[a2]\n\t"                                                     \
                     "sxtb16 %[w], %[w], ror #8\n\t"                                                             \
                     "smlad  %[a2], %[w], %[x13], %[a2]\n\t"                                                     \
                     "sxtb16 %[t], %[v]\n\t"                                                                     \
                     "smlad  %[a3], %[t], %[x02], %[a3]\n\t"                                                     \
                     "sxtb16 %[v], %[v], ror #8\n\t"                                                             \
                     "smlad  %[a3], %[v], %[x13], %[a3]\n\t"                                                     \
                     "cmp    %[p0], %[end]\n\t"                                                                  \
                     "bne    1b"                                                                                 \
                     : [a0] "+r"(a0), [a1] "+r"(a1), [a2] "+r"(a2), [a3] "+r"(a3), [col] "+r"(col), [p0] "+r"(p0), \
                       [p2] "+r"(p2), [x02] "=&r"(x02), [x13] "=&r"(x13), [w] "=&r"(w), [v] "=&r"(v),          \
                       [t] "=&r"(t)                                                                            \
                     : [in] "r"(in), [end] "r"(end)                                              \
                     : "cc", "memory")
#endif

/* acc[0 .. rows) of `rows` (1..4) rows starting at p, stride `in`, against the column buffer. */
ED_INLINE void dot_rows(const uint8_t *p, int32_t in, int32_t rows, const uint32_t *col, uint32_t transform,
                        uint32_t *acc)
{
    const int32_t groups = in >> 2, tail = in & 3;
    uint32_t a0 = 0, a1 = 0, a2 = 0, a3 = 0;
    int32_t g, r;
    if (rows == 4 && groups > 0) {
#if defined(__ARM_FEATURE_DSP) && defined(__GNUC__)
        const uint8_t *p0 = p, *p2 = p + 2 * in, *end = p + 4 * groups;
        uint32_t x02, x13, w, v, t;
        if (transform == 0u) {
            ED_DOT4_ASM(0);
        } else if (transform == ED_INPLACE_XOR80) {
            ED_DOT4_ASM(1);
        } else if (transform == ED_INPLACE_HALVE) {
            ED_DOT4_ASM(2);
        } else {
            ED_DOT4_ASM(3);
        }
        p = p0; /* past the groups of row 0; rows 1..3 follow at the stride */
#else
        for (g = groups; g > 0; g--, col += 2, p += 4) {
            a0 = mac4(a0, ed_read_u32(p), col[0], col[1], transform);
            a1 = mac4(a1, ed_read_u32(p + in), col[0], col[1], transform);
            a2 = mac4(a2, ed_read_u32(p + 2 * in), col[0], col[1], transform);
            a3 = mac4(a3, ed_read_u32(p + 3 * in), col[0], col[1], transform);
        }
#endif
        if (tail) {
            a0 = mac4(a0, tail_word(p, tail), col[0], col[1], transform);
            a1 = mac4(a1, tail_word(p + in, tail), col[0], col[1], transform);
            a2 = mac4(a2, tail_word(p + 2 * in, tail), col[0], col[1], transform);
            a3 = mac4(a3, tail_word(p + 3 * in, tail), col[0], col[1], transform);
        }
        acc[0] = a0, acc[1] = a1, acc[2] = a2, acc[3] = a3;
        return;
    }
    for (r = 0; r < rows; r++, p += in) {
        const uint32_t *c = col;
        const uint8_t *q = p;
        a0 = 0;
        for (g = groups; g > 0; g--, c += 2, q += 4) {
            a0 = mac4(a0, ed_read_u32(q), c[0], c[1], transform);
        }
        if (tail) {
            a0 = mac4(a0, tail_word(q, tail), c[0], c[1], transform);
        }
        acc[r] = a0;
    }
}

/* The whole layer for one transform (a constant after inlining: four specialized copies of the loops). */
ED_INLINE void layer(const ed_fc_params_t *params, const ed_requant_t *rq, int32_t in, int32_t out,
                     const int8_t *input, const uint8_t *stored, uint32_t transform, const int32_t *bias,
                     const uint32_t *fixes, uint32_t num_fixes, int8_t *output, const uint32_t *cols)
{
    const ed_act_t *act = &params->act;
    uint32_t cursor = 0, acc[4];
    int32_t o, r;
    for (o = 0; o < out; o += 4) {
        const int32_t rows = out - o < 4 ? out - o : 4;
        dot_rows(stored + o * in, in, rows, cols, transform, acc);
        ed_inplace_apply(fixes, num_fixes, &cursor, o, rows, in, input, act->input_zp, acc);
        for (r = 0; r < rows; r++) {
            const uint32_t a = acc[r] + (bias != NULL ? (uint32_t)bias[o + r] : 0u);
            output[o + r] = ed_cm4_rq_out(a, ed_cm4_rq_channel(rq->multiplier[o + r], rq->shift[o + r]),
                                          act->output_zp, act->act_min, act->act_max);
        }
    }
}

#if defined(__GNUC__)
#define ED_LAYER_FN static __attribute__((noinline))
#else
#define ED_LAYER_FN static
#endif
#define ED_LAYER(name, transform)                                                                                 \
    ED_LAYER_FN void name(const ed_fc_params_t *params, const ed_requant_t *rq, int32_t in, int32_t out,          \
                          const int8_t *input, const uint8_t *stored, const int32_t *bias, const uint32_t *fixes, \
                          uint32_t num_fixes, int8_t *output, const uint32_t *cols)                               \
    {                                                                                                             \
        layer(params, rq, in, out, input, stored, (transform), bias, fixes, num_fixes, output, cols);             \
    }
ED_LAYER(layer_twos, 0u)
ED_LAYER(layer_offset, ED_INPLACE_XOR80)
ED_LAYER(layer_twos_halve, ED_INPLACE_HALVE)
ED_LAYER(layer_offset_halve, ED_INPLACE_XOR80 | ED_INPLACE_HALVE)

size_t ed_fully_connected_inplace_s8_get_buffer_size(int32_t in_features)
{
    return ed_cm4_cols_size(in_features, 1);
}

ed_kernel_status_t ed_fully_connected_inplace_s8(const ed_fc_params_t *params, const ed_requant_t *requant,
                                                 int32_t in_features, int32_t out_features, const int8_t *input,
                                                 const uint8_t *stored, uint32_t transform, const int32_t *bias,
                                                 const uint32_t *fixes, uint32_t num_fixes, int8_t *output,
                                                 const ed_scratch_t *scratch)
{
    ed_kernel_status_t status = ed_kc_inplace(params, requant, in_features, out_features, input, stored,
                                              transform, fixes, num_fixes, output);
    uint32_t *cols;
    if (status == ED_OK) {
        status = ed_kc_scratch(scratch, ed_fully_connected_inplace_s8_get_buffer_size(in_features));
    }
    if (status != ED_OK) {
        return status;
    }
    cols = (uint32_t *)scratch->buf;
    ed_cm4_widen(input, in_features, params->act.input_zp, cols);
    switch (transform) {
    case 0u:
        layer_twos(params, requant, in_features, out_features, input, stored, bias, fixes, num_fixes, output, cols);
        break;
    case ED_INPLACE_XOR80:
        layer_offset(params, requant, in_features, out_features, input, stored, bias, fixes, num_fixes, output,
                     cols);
        break;
    case ED_INPLACE_HALVE:
        layer_twos_halve(params, requant, in_features, out_features, input, stored, bias, fixes, num_fixes, output,
                         cols);
        break;
    default:
        layer_offset_halve(params, requant, in_features, out_features, input, stored, bias, fixes, num_fixes,
                           output, cols);
        break;
    }
    return ED_OK;
}
