/*
 * ed_fully_connected_inplace_s8.c (cortex_m4): fully connected on stored bytes read in place (ed_kernels.h). The
 * input is widened once into the column buffer (int16, input_zp subtracted, SMLAD pair order: (x0, x2), (x1, x3)),
 * then four rows at a time: each row's next four bytes are one unaligned LDR, the transform (EOR for offset codes,
 * SHADD8 with zero for parity-lsb's halving), SXTB16 and SXTB16 ROR 8 give the pairs (w0, w2), (w1, w3) that
 * SMLAD multiplies with the columns. Per group of four depth values and four rows, for plain twos words: 1 LDRD
 * column, 4 LDR, 8 SXTB16, 8 SMLAD and the loop = 23 instructions for 16 MACs; the transforms add one per row.
 * The corrections of the detection pass are added to each block's accumulators before requantization. Blocks
 * between corrections, with whole-word rows and a bias, go to one asm run (run_blocks) that keeps the block's
 * pointers on its stack; the others, and the 1..3 rows left over, to the C code around the same inline loop.
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

/* One call's constants, passed to the specialized loops by pointer. */
typedef struct {
    const uint8_t *stored;
    const uint32_t *cols, *fixes;
    const int32_t *bias, *mult, *shift;
    const int8_t *x;
    int8_t *output;
    int32_t in, out, input_zp, act_min, act_max;
    uint32_t num_fixes;
    uint32_t k[3]; /* output_zp, act_min and act_max in each byte (ed_cm4_out_4x1) */
} ed_inplace_layer_t;

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

/*
 * A run of whole 4-row blocks in one asm function: rows of a multiple of four bytes, a bias, no correction in the
 * run. The dot product loop is ED_DOT4_ASM's, in fixed registers; the block's pointers wait on the stack while it
 * runs, then the fully connected kernel's requantization of four outputs (block_out_4x1, ed_cm4_matmul.c: the
 * same instructions), the SSUB8/SEL clamp and one store: 43 instructions per block fewer than the C block loop,
 * which spilled its pointers around the inlined loop's 14 registers (dense 64->64: 7,526 instead of 8,215 per
 * call, bench_flash.py).
 */
typedef struct {
    const uint32_t *cols;  /* the widened input, SMLAD pair order */
    const uint8_t *p;      /* the run's first row */
    const int32_t *bias, *mult, *shift;
    int8_t *out;
    int32_t in;            /* bytes per row, a multiple of four: the loop reads them all */
    int32_t blocks;        /* > 0 */
    const uint32_t *k;     /* output_zp, act_min and act_max in each byte */
} ed_inplace_run_t;
typedef void (*ed_inplace_run_fn)(const ed_inplace_run_t *run);

#if defined(__ARM_FEATURE_DSP) && defined(__GNUC__)

/* registers in the loop: a0..a3 r0..r3, x02 r4, x13 r5, w r6, v r7, t r8, col r9, p0 r10, p2 r11, in r12, end lr */
#define ED_RUN_LEVELS_0 ""
#define ED_RUN_LEVELS_1 "eor r6, r6, #0x80808080\n\t" "eor r7, r7, #0x80808080\n\t"
#define ED_RUN_LEVELS_2 "movs r8, #0\n\t" "shadd8 r6, r6, r8\n\t" "shadd8 r7, r7, r8\n\t"
#define ED_RUN_LEVELS_3 ED_RUN_LEVELS_1 ED_RUN_LEVELS_2
#define ED_RUN_ROWS(P, A, B, K)                                                                                  \
    "ldr    r7, [" P ", r12]\n\t"                                                                                \
    "ldr    r6, [" P "], #4\n\t" ED_RUN_LEVELS_##K                                                               \
    "sxtb16 r8, r6\n\t"                                                                                          \
    "smlad  " A ", r8, r4, " A "\n\t"                                                                            \
    "sxtb16 r6, r6, ror #8\n\t"                                                                                  \
    "smlad  " A ", r6, r5, " A "\n\t"                                                                            \
    "sxtb16 r8, r7\n\t"                                                                                          \
    "smlad  " B ", r8, r4, " B "\n\t"                                                                            \
    "sxtb16 r7, r7, ror #8\n\t"                                                                                  \
    "smlad  " B ", r7, r5, " B "\n\t"
/* one output (block_out_4x1's step): m r4, right shift r5, left shift r6, lo r7, hi r8, mult r9, shift r10,
 * zp r12 */
#define ED_RUN_RQ(A)                                                                                             \
    "ldr    r4, [r9], #4\n\t"                                                                                    \
    "ldr    r5, [r10], #4\n\t" ED_CM4_RQ_SPLIT_ASM("r5", "r6")                                                   \
    ED_CM4_RQ_ASM(A, "r4", "r6", "r5", "r7", "r8", "r12") "ssat   " A ", #8, " A "\n\t"
/* the run struct is copied to [sp, #0 .. #32] (cols, p, bias, mult, shift, out, in, blocks, k) */
#define ED_RUN_BODY(K)                                                                                           \
    __asm__ volatile("push   {r4-r11, lr}\n\t"                                                                   \
                     "sub    sp, sp, #36\n\t"                                                                    \
                     "ldmia  r0, {r1-r9}\n\t"                                                                    \
                     "stmia  sp, {r1-r9}\n"                                                                      \
                     "1:\n\t"                                                                                    \
                     "ldr    r12, [sp, #8]\n\t"                                                                  \
                     "ldmia  r12!, {r0-r3}\n\t"                                                                  \
                     "str    r12, [sp, #8]\n\t"                                                                  \
                     "ldrd   r9, r10, [sp, #0]\n\t"                                                             \
                     "ldr    r12, [sp, #24]\n\t"                                                                \
                     "add    r11, r10, r12, lsl #1\n\t"                                                         \
                     "add    lr, r10, r12\n\t"                                                                  \
                     "add    r8, r10, r12, lsl #2\n\t"                                                          \
                     "str    r8, [sp, #4]\n" /* the next block's rows */                                        \
                     "2:\n\t"                                                                                    \
                     "ldrd   r4, r5, [r9], #8\n\t"                                                               \
                     ED_RUN_ROWS("r10", "r0", "r1", K)                                                           \
                     ED_RUN_ROWS("r11", "r2", "r3", K)                                                           \
                     "cmp    r10, lr\n\t"                                                                        \
                     "bne    2b\n\t"                                                                             \
                     "ldrd   r9, r10, [sp, #12]\n\t"                                                             \
                     "ldr    r11, [sp, #32]\n\t"                                                                 \
                     "ldr    r12, [r11]\n\t"                                                                     \
                     ED_RUN_RQ("r0") ED_RUN_RQ("r1") ED_RUN_RQ("r2") ED_RUN_RQ("r3")                             \
                     "strd   r9, r10, [sp, #12]\n\t"                                                             \
                     ED_CM4_PACK4_ASM("r0", "r0", "r1", "r2", "r3")                                              \
                     "ldrd   r7, r8, [r11, #4]\n\t"                                                              \
                     ED_CM4_CLAMP4_ASM("r0", "r7", "r8", "r4")                                                   \
                     "ldr    r1, [sp, #20]\n\t"                                                                  \
                     "str    r0, [r1], #4\n\t"                                                                   \
                     "str    r1, [sp, #20]\n\t"                                                                  \
                     "ldr    r1, [sp, #28]\n\t"                                                                  \
                     "subs   r1, r1, #1\n\t"                                                                     \
                     "str    r1, [sp, #28]\n\t"                                                                  \
                     "bne    1b\n\t"                                                                             \
                     "add    sp, sp, #36\n\t"                                                                    \
                     "pop    {r4-r11, pc}")
#define ED_RUN_FN(NAME, K)                                                                                       \
    static __attribute__((naked, noinline)) void NAME(const ed_inplace_run_t *run __attribute__((unused)))       \
    {                                                                                                            \
        ED_RUN_BODY(K);                                                                                          \
    }
ED_RUN_FN(run_twos, 0)
ED_RUN_FN(run_offset, 1)
ED_RUN_FN(run_twos_halve, 2)
ED_RUN_FN(run_offset_halve, 3)

#endif

/* Blocks [b, b + n) of the layer by the asm run of its transform. */
static void run_blocks(const ed_inplace_layer_t *L, ed_inplace_run_fn fn, int32_t b, int32_t n)
{
    ed_inplace_run_t run;
    run.p = L->stored + 4 * L->in * b, run.cols = L->cols, run.bias = L->bias + 4 * b, run.mult = L->mult + 4 * b;
    run.shift = L->shift + 4 * b, run.out = L->output + 4 * b, run.in = L->in, run.blocks = n, run.k = L->k;
    fn(&run);
}

/* One row's dot product with the column buffer (the 1..3 rows after the last block of four). */
ED_INLINE uint32_t dot_row(const uint8_t *p, int32_t groups, int32_t tail, const uint32_t *col, uint32_t transform)
{
    uint32_t a = 0;
    for (; groups > 0; groups--, col += 2, p += 4) {
        a = mac4(a, ed_read_u32(p), col[0], col[1], transform);
    }
    return tail ? mac4(a, tail_word(p, tail), col[0], col[1], transform) : a;
}

/* The corrections of rows [row, row + rows) into acc (out of line: most blocks have none). */
static void fix_rows(const ed_inplace_layer_t *L, uint32_t *cursor, int32_t row, int32_t rows, uint32_t *acc)
{
    ed_inplace_apply(L->fixes, L->num_fixes, cursor, row, rows, L->in, L->x, L->input_zp, acc);
}

/* Block b (rows 4b .. 4b + 3) for one transform (a constant after inlining): the accumulators start at the bias,
 * the dot products, the row tails, the corrections where the sorted list has some, and the fully connected
 * kernel's fused requantization and clamp of four outputs. */
ED_INLINE void block(const ed_inplace_layer_t *L, uint32_t transform, int32_t b, uint32_t *cursor)
{
    const int32_t in = L->in, groups = in >> 2, tail = in & 3;
    const int32_t *bias = L->bias, *mult = L->mult + 4 * b, *shift = L->shift + 4 * b;
    const uint32_t *col = L->cols;
    const uint8_t *p = L->stored + 4 * in * b;
    uint32_t a0, a1, a2, a3, acc[4];
    a0 = bias != NULL ? (uint32_t)bias[4 * b] : 0u;
    a1 = bias != NULL ? (uint32_t)bias[4 * b + 1] : 0u;
    a2 = bias != NULL ? (uint32_t)bias[4 * b + 2] : 0u;
    a3 = bias != NULL ? (uint32_t)bias[4 * b + 3] : 0u;
#if defined(__ARM_FEATURE_DSP) && defined(__GNUC__)
    if (groups > 0) {
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
    }
#else
    {
        int32_t g;
        const uint8_t *q = p;
        for (g = groups; g > 0; g--, col += 2, q += 4) {
            a0 = mac4(a0, ed_read_u32(q), col[0], col[1], transform);
            a1 = mac4(a1, ed_read_u32(q + in), col[0], col[1], transform);
            a2 = mac4(a2, ed_read_u32(q + 2 * in), col[0], col[1], transform);
            a3 = mac4(a3, ed_read_u32(q + 3 * in), col[0], col[1], transform);
        }
    }
#endif
    if (tail) {
        const uint8_t *q = p + 4 * groups;
        a0 = mac4(a0, tail_word(q, tail), col[0], col[1], transform);
        a1 = mac4(a1, tail_word(q + in, tail), col[0], col[1], transform);
        a2 = mac4(a2, tail_word(q + 2 * in, tail), col[0], col[1], transform);
        a3 = mac4(a3, tail_word(q + 3 * in, tail), col[0], col[1], transform);
    }
    if (*cursor < L->num_fixes && ed_inplace_fix_element(L->fixes[*cursor]) < (uint32_t)(4 * b + 4) * (uint32_t)in) {
        acc[0] = a0, acc[1] = a1, acc[2] = a2, acc[3] = a3;
        fix_rows(L, cursor, 4 * b, 4, acc);
        a0 = acc[0], a1 = acc[1], a2 = acc[2], a3 = acc[3];
    }
    ed_write_u32(L->output + 4 * b, ed_cm4_out_4x1(a0, a1, a2, a3, &mult, &shift, L->k));
}

/* The whole layer: its blocks of four rows -- where the rows are whole words and there is a bias, the stretches
 * of blocks without a correction by the asm run (run_blocks), every other block by block() -- then the rows left
 * over. */
ED_INLINE void layer(const ed_inplace_layer_t *L, uint32_t transform,
                     void (*one)(const ed_inplace_layer_t *, int32_t, uint32_t *), ed_inplace_run_fn run)
{
    const int32_t in = L->in, blocks = L->out >> 2;
    const int32_t *bias = L->bias;
    const int runs = run != NULL && (in & 3) == 0 && in >= 4 && bias != NULL;
    const uint8_t *p = L->stored + 4 * in * blocks;
    int8_t *out = L->output;
    uint32_t cursor = 0, acc[1];
    int32_t b = 0, r;
    while (b < blocks) {
        if (runs) { /* up to the block of the next correction */
            const uint32_t next = cursor < L->num_fixes ? ed_inplace_fix_element(L->fixes[cursor]) / (4u * (uint32_t)in)
                                                        : (uint32_t)blocks;
            const int32_t stop = next < (uint32_t)blocks ? (int32_t)next : blocks;
            if (stop > b) {
                run_blocks(L, run, b, stop - b);
                b = stop;
                continue;
            }
        }
        one(L, b++, &cursor);
    }
    for (r = 4 * blocks; r < L->out; r++, p += in) {
        acc[0] = (bias != NULL ? (uint32_t)bias[r] : 0u) + dot_row(p, in >> 2, in & 3, L->cols, transform);
        fix_rows(L, &cursor, r, 1, acc);
        out[r] = ed_cm4_rq_out(acc[0], ed_cm4_rq_channel(L->mult[r], L->shift[r]), (int32_t)L->k[0], L->act_min,
                               L->act_max);
    }
}

#if defined(__GNUC__)
#define ED_LAYER_FN static __attribute__((noinline))
#else
#define ED_LAYER_FN static
#endif
#define ED_BLOCK_FN(NAME, K)                                                                                     \
    ED_LAYER_FN void NAME(const ed_inplace_layer_t *L, int32_t b, uint32_t *cursor)                              \
    {                                                                                                            \
        block(L, K, b, cursor);                                                                                  \
    }
ED_BLOCK_FN(block_twos, 0u)
ED_BLOCK_FN(block_offset, ED_INPLACE_XOR80)
ED_BLOCK_FN(block_twos_halve, ED_INPLACE_HALVE)
ED_BLOCK_FN(block_offset_halve, ED_INPLACE_XOR80 | ED_INPLACE_HALVE)
#if !(defined(__ARM_FEATURE_DSP) && defined(__GNUC__))
#define run_twos NULL
#define run_offset NULL
#define run_twos_halve NULL
#define run_offset_halve NULL
#endif
ED_LAYER_FN void layer_twos(const ed_inplace_layer_t *L)
{
    layer(L, 0u, block_twos, run_twos);
}
ED_LAYER_FN void layer_offset(const ed_inplace_layer_t *L)
{
    layer(L, ED_INPLACE_XOR80, block_offset, run_offset);
}
ED_LAYER_FN void layer_twos_halve(const ed_inplace_layer_t *L)
{
    layer(L, ED_INPLACE_HALVE, block_twos_halve, run_twos_halve);
}
ED_LAYER_FN void layer_offset_halve(const ed_inplace_layer_t *L)
{
    layer(L, ED_INPLACE_XOR80 | ED_INPLACE_HALVE, block_offset_halve, run_offset_halve);
}

size_t ed_fully_connected_inplace_s8_get_buffer_size(int32_t in_features)
{
    return ed_cm4_cols_size(in_features, 1);
}

void ed_fully_connected_inplace_s8_eval(const ed_fc_params_t *params, const ed_requant_t *requant,
                                        int32_t in_features, int32_t out_features, const int8_t *input,
                                        const uint8_t *stored, uint32_t transform, const int32_t *bias,
                                        const uint32_t *fixes, uint32_t num_fixes, int8_t *output,
                                        const ed_scratch_t *scratch)
{
    ed_inplace_layer_t L;
    L.stored = stored;
    L.cols = (const uint32_t *)scratch->buf;
    L.fixes = fixes;
    L.num_fixes = num_fixes;
    L.bias = bias;
    L.mult = requant->multiplier;
    L.shift = requant->shift;
    L.x = input;
    L.output = output;
    L.in = in_features;
    L.out = out_features;
    L.input_zp = params->act.input_zp;
    L.act_min = params->act.act_min;
    L.act_max = params->act.act_max;
    L.k[0] = (uint32_t)params->act.output_zp;
    L.k[1] = ((uint32_t)params->act.act_min & 0xFFu) * 0x01010101u;
    L.k[2] = ((uint32_t)params->act.act_max & 0xFFu) * 0x01010101u;
    ed_cm4_widen(input, in_features, params->act.input_zp, (uint32_t *)scratch->buf);
    switch (transform) {
    case 0u:
        layer_twos(&L);
        break;
    case ED_INPLACE_XOR80:
        layer_offset(&L);
        break;
    case ED_INPLACE_HALVE:
        layer_twos_halve(&L);
        break;
    default:
        layer_offset_halve(&L);
        break;
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
