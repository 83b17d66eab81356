/*
 * ed_loader.c: superblock, protected blob and records of an image (docs/FORMAT.md), checked in the order of
 * host/eccless/image/load.py. Offsets come from the generated ed_image_format.h. Every size is computed in 64
 * bits before it is compared, so no check can overflow; nothing beyond a checked bound is ever read.
 */
#include <string.h>

#include "ed_bytes.h"
#include "ed_crc32.h"
#include "ed_decode.h"
#include "ed_ecc.h"
#include "ed_ecc_weights.h"
#include "ed_image_format.h"
#include "ed_loader.h"
#include "ed_payload.h"

#define FAIL(index, reason) ED_LOAD_FAIL(detail, index, reason)
#define SB_BITS (8u * ED_IMG_PROTECTED_OFFSET)
#define VALUE_LIMIT ((int64_t)1 << 40) /* beyond every level (|level| <= 2^32): clamps range bounds */

static ed_load_status_t arena_fail(const ed_model_t *md, uint32_t *detail)
{
    *detail = ed_arena_needed32(&md->arena);
    return ED_LOAD_ARENA;
}

/* The image's NUL-padded board field (ED_IMG_META_BOARD_LEN bytes) names `board`. */
static int board_matches(const uint8_t *field, const char *board)
{
    uint32_t i;
    for (i = 0; i < ED_IMG_META_BOARD_LEN; i++) {
        if (field[i] != (uint8_t)board[i]) {
            return 0;
        }
        if (board[i] == '\0') {
            return 1;
        }
    }
    return board[i] == '\0'; /* a name of exactly the field's length is stored without a NUL */
}

/* Out of line: its 11 copies of the superblock leave the stack before the blob's BCH blocks take it. */
#if defined(__GNUC__)
__attribute__((noinline))
#endif
static ed_load_status_t read_superblock(ed_model_t *md, const ed_load_args_t *a, uint8_t *head, uint32_t *detail)
{
    uint8_t copies[ED_IMG_PROTECTED_OFFSET];
    ed_protected_walk_t walk;
    unsigned i, bit, k;
    uint64_t meta_len, blob_len, woff, wlen, image_len;

    if (a->image_size < ED_IMG_PROTECTED_OFFSET) {
        return FAIL(0, ED_LOAD_ERR_TRUNCATED);
    }
    memcpy(copies, a->image, sizeof(copies));
    ed_protected_walk_init(&walk, a->flip_protected, SB_BITS);
    md->flips_protected = ed_protected_walk_apply(&walk, copies, 0, SB_BITS); /* ed_payload.c goes on from here */
    for (i = 0; i < ED_IMG_SUPERBLOCK_SIZE; i++) {
        uint8_t v = 0;
        for (bit = 0; bit < 8u; bit++) {
            unsigned ones = 0;
            for (k = 0; k < ED_IMG_SUPER_COPIES; k++) {
                ones += (copies[k * ED_IMG_SUPERBLOCK_SIZE + i] >> bit) & 1u;
            }
            v = (uint8_t)(v | ((ones > ED_IMG_SUPER_COPIES / 2u) << bit));
        }
        head[i] = v;
    }
    image_len = ed_get_u32(head + ED_IMG_SUPERBLOCK_IMAGE_LEN);
    meta_len = ed_get_u32(head + ED_IMG_SUPERBLOCK_META_LEN);
    blob_len = ed_get_u32(head + ED_IMG_SUPERBLOCK_META_BLOB_LEN);
    woff = ed_get_u32(head + ED_IMG_SUPERBLOCK_WEIGHTS_OFFSET);
    wlen = ed_get_u32(head + ED_IMG_SUPERBLOCK_WEIGHTS_LEN);
    if (ed_get_u32(head + ED_IMG_SUPERBLOCK_MAGIC) != ED_IMG_MAGIC) {
        return FAIL(0, ED_LOAD_ERR_BAD_MAGIC);
    }
    if (ed_get_u16(head + ED_IMG_SUPERBLOCK_VERSION) < ED_IMG_VERSION_MIN ||
        ed_get_u16(head + ED_IMG_SUPERBLOCK_VERSION) > ED_IMG_VERSION_MAX) {
        return FAIL(0, ED_LOAD_ERR_BAD_VERSION);
    }
    if (ed_crc32(head, ED_IMG_SUPERBLOCK_CRC32) != ed_get_u32(head + ED_IMG_SUPERBLOCK_CRC32)) {
        return FAIL(0, ED_LOAD_ERR_SUPER_CRC);
    }
    if (image_len > a->image_size) {
        return FAIL(0, ED_LOAD_ERR_IMAGE_LEN);
    }
    if (meta_len == 0u || meta_len > ED_IMG_MAX_META_BYTES) {
        return FAIL(0, ED_LOAD_ERR_META_LEN);
    }
    if (blob_len != ed_ecc_protected_size((size_t)meta_len)) {
        return FAIL(0, ED_LOAD_ERR_BLOB_LEN);
    }
    if (ED_IMG_PROTECTED_OFFSET + blob_len > woff) {
        return FAIL(0, ED_LOAD_ERR_OVERLAP);
    }
    if (woff + wlen > image_len) {
        return FAIL(0, ED_LOAD_ERR_WEIGHTS_END);
    }
    if (ed_ecc_weights_check(md, ed_get_u16(head + ED_IMG_SUPERBLOCK_VERSION),
                             ed_get_u16(head + ED_IMG_SUPERBLOCK_FLAGS), (uint32_t)wlen, detail) != ED_LOAD_OK) {
        return ED_LOAD_IMAGE;
    }
    md->version = ed_get_u16(head + ED_IMG_SUPERBLOCK_VERSION);
    md->image_len = (uint32_t)image_len;
    md->weights_offset = (uint32_t)woff;
    md->weights = a->image + woff;
    md->weights_len = (uint32_t)wlen;
    return ED_LOAD_OK;
}

/* The protected blob stays in flash: repaired block by block, read through its repairs (ed_payload.h). */
static ed_load_status_t read_blob(ed_model_t *md, const ed_load_args_t *a, const uint8_t *head, uint32_t *detail)
{
    md->payload = a->image + ED_IMG_PROTECTED_OFFSET;
    return ed_payload_repair(md, a->flip_protected, ed_get_u32(head + ED_IMG_SUPERBLOCK_META_LEN),
                             ed_get_u32(head + ED_IMG_SUPERBLOCK_META_BLOB_LEN), detail);
}

/* The Python loader's _array: 0 < offset, offset % item == 0, offset + count * item <= payload length. */
static int array_ok(const ed_model_t *md, uint32_t offset, uint64_t count, unsigned item)
{
    return offset > 0u && offset % item == 0u && (uint64_t)offset + count * item <= md->payload_len;
}

static int64_t le_i32(const uint8_t *p)
{
    return (int64_t)(int32_t)ed_get_u32(p);
}

static ed_load_status_t read_ops(ed_model_t *md, uint32_t *detail)
{
    uint8_t rec[ED_IMG_OP_SIZE];
    uint16_t i, c;
    for (i = 0; i < md->num_ops; i++) {
        ed_op_t *op = &md->ops[i];
        uint32_t arrays;
        ed_payload_read(md, ED_IMG_META_SIZE + (uint32_t)ED_IMG_OP_SIZE * i, rec, ED_IMG_OP_SIZE);
        arrays = ed_get_u32(rec + ED_IMG_OP_ARRAYS);
        op->kind = rec[ED_IMG_OP_KIND];
        op->channels = ed_get_u16(rec + ED_IMG_OP_CHANNELS);
        if (op->kind < ED_IMG_KIND_DENSE || op->kind > ED_IMG_KIND_HARDSWISH) {
            return FAIL(i, ED_LOAD_ERR_OP_KIND);
        }
        if (rec[ED_IMG_OP_ACT] > ED_IMG_ACT_RELU6) {
            return FAIL(i, ED_LOAD_ERR_OP_ACT);
        }
        if (rec[ED_IMG_OP_OUT_RANK] < 1u || rec[ED_IMG_OP_OUT_RANK] > 3u || op->channels > ED_IMG_MAX_CHANNELS) {
            return FAIL(i, ED_LOAD_ERR_OP_FIELDS);
        }
        op->weight = (int16_t)ed_get_u16(rec + ED_IMG_OP_WEIGHT);
        op->bias = (int16_t)ed_get_u16(rec + ED_IMG_OP_BIAS);
        op->act.input_zp = (int32_t)le_i32(rec + ED_IMG_OP_IN_ZP);
        op->act.output_zp = (int32_t)le_i32(rec + ED_IMG_OP_OUT_ZP);
        op->act.act_min = (int32_t)le_i32(rec + ED_IMG_OP_ACT_MIN);
        op->act.act_max = (int32_t)le_i32(rec + ED_IMG_OP_ACT_MAX);
        if (arrays != 0u) {
            if (!array_ok(md, arrays, op->channels, 8u) || !array_ok(md, arrays + 8u * op->channels, op->channels,
                                                                     4u) ||
                !array_ok(md, arrays + 12u * op->channels, op->channels, 4u)) {
                return FAIL(i, ED_LOAD_ERR_OP_ARRAYS);
            }
            op->multiplier = (int32_t *)ed_arena_alloc(&md->arena, 8u * op->channels + 8u, 4);
            if (op->multiplier == NULL) {
                return arena_fail(md, detail);
            }
            op->shift = op->multiplier + op->channels + 1u;
            for (c = 0; c < op->channels; c++) {
                op->multiplier[c] = (int32_t)ed_payload_u32(md, arrays + 8u * op->channels + 4u * c);
                op->shift[c] = (int32_t)ed_payload_u32(md, arrays + 12u * op->channels + 4u * c);
            }
        }
    }
    return ED_LOAD_OK;
}

/* ceil (lower bounds) or floor (upper bounds) of an IEEE-754 double given by its bits, clamped to +-2^40; NaN
 * gives `nan` (a NaN bound never fires: v < NaN and v > NaN are false). Integer code, no soft-float. */
static int64_t f64_bound(uint64_t bits, int upper, int64_t nan)
{
    const unsigned sign = (unsigned)(bits >> 63);
    const int e = (int)((bits >> 52) & 0x7FFu) - 1023;
    const uint64_t mant = bits & (((uint64_t)1 << 52) - 1u);
    uint64_t full, ip;
    int frac;
    if (e == 1024) {
        return mant != 0u ? nan : (sign ? -VALUE_LIMIT : VALUE_LIMIT);
    }
    if (e >= 40) {
        return sign ? -VALUE_LIMIT : VALUE_LIMIT;
    }
    if (e == -1023 && mant == 0u) {
        return 0;
    }
    full = mant | ((uint64_t)1 << 52);
    if (e < 0) {
        ip = 0;
        frac = 1;
    } else {
        ip = full >> (52 - e);
        frac = (full & ((((uint64_t)1) << (52 - e)) - 1u)) != 0u;
    }
    if (!frac) {
        return sign ? -(int64_t)ip : (int64_t)ip;
    }
    if (upper) { /* floor */
        return sign ? -(int64_t)ip - 1 : (int64_t)ip;
    }
    return sign ? -(int64_t)ip : (int64_t)ip + 1; /* ceil */
}

/* Checks the tensor's range arrays (two float64 per channel) and notes where they are: plan_fast reads them from
 * the payload (ed_loader_bounds) and keeps in RAM only what the decode loops read. */
static ed_load_status_t read_ranges(ed_model_t *md, ed_tensor_t *t, const uint8_t *rec, uint16_t i,
                                    uint32_t *detail)
{
    const uint32_t off = ed_get_u32(rec + ED_IMG_TENSOR_RANGES);
    const uint16_t c = ed_get_u16(rec + ED_IMG_TENSOR_RANGE_CHANNELS);
    if (c != t->ch_mod || !array_ok(md, off, c, 8u) || !array_ok(md, off + 8u * c, c, 8u)) {
        return FAIL(i, ED_LOAD_ERR_RANGES);
    }
    t->ranges = off;
    return ED_LOAD_OK;
}

void ed_loader_bounds(const ed_model_t *md, const ed_tensor_t *t, uint32_t c, int64_t *lo, int64_t *hi)
{
    *lo = f64_bound(ed_payload_u64(md, t->ranges + 8u * c), 0, INT64_MIN);
    *hi = f64_bound(ed_payload_u64(md, t->ranges + 8u * (t->ch_mod + c)), 1, INT64_MAX);
}

/* An optimized code's table: 2^m entries, a permutation of 0 .. 2^m - 1 (TableRepresentation's checks). */
static ed_load_status_t check_table(ed_model_t *md, const ed_tensor_t *t, uint32_t len, uint16_t i,
                                    uint32_t *detail)
{
    const size_t mark = md->arena.used;
    uint32_t k, size;
    uint8_t *seen;
    if (t->m > ED_LUT_BITS || len != ((uint32_t)1 << t->m)) {
        return FAIL(i, ED_LOAD_ERR_REPR_PARAMS);
    }
    size = len;
    seen = (uint8_t *)ed_arena_alloc(&md->arena, (size + 7u) / 8u, 4);
    if (seen == NULL) {
        return arena_fail(md, detail);
    }
    memset(seen, 0, (size + 7u) / 8u);
    for (k = 0; k < size; k++) {
        const uint32_t v = ed_get_u32(t->table + 4u * k);
        if (v >= size || (seen[v >> 3] >> (v & 7u)) & 1u) {
            md->arena.used = mark;
            return FAIL(i, ED_LOAD_ERR_REPR_PARAMS);
        }
        seen[v >> 3] = (uint8_t)(seen[v >> 3] | (1u << (v & 7u)));
    }
    md->arena.used = mark; /* the bitmap was temporary */
    return ED_LOAD_OK;
}

/* Payload bytes [off, off + len) (checked to lie inside it) repaired into the arena, for what is read as an array. */
static ed_load_status_t copy_payload(ed_model_t *md, uint32_t off, uint32_t len, const uint8_t **out,
                                     uint32_t *detail)
{
    uint8_t *buf = (uint8_t *)ed_arena_alloc(&md->arena, len, 4);
    if (buf == NULL) {
        return arena_fail(md, detail);
    }
    ed_payload_read(md, off, buf, len);
    *out = buf;
    return ED_LOAD_OK;
}

static ed_load_status_t read_tensors(ed_model_t *md, uint32_t *detail)
{
    const uint32_t first = ED_IMG_META_SIZE + (uint32_t)ED_IMG_OP_SIZE * md->num_ops;
    uint8_t rec[ED_IMG_TENSOR_SIZE];
    /* the rule byte (ed_rules.h, checked by ed_loader_parse): a placement id and the range flag */
    static const uint8_t layouts[ED_PLACEMENT_COUNT] = ED_PLACEMENT_LAYOUTS;
    static const uint8_t extra_bits[ED_PLACEMENT_COUNT] = ED_PLACEMENT_EXTRA_BITS;
    const unsigned placement = md->rule & ED_RULE_PLACEMENT_MASK;
    const unsigned parity = layouts[placement], extra = extra_bits[placement];
    const unsigned range = (md->rule & ED_RULE_RANGE) != 0u;
    uint16_t i, d;
    for (i = 0; i < md->num_tensors; i++) {
        ed_tensor_t *t = &md->tensors[i];
        uint8_t ndim;
        uint32_t params, params_len;
        uint16_t tflags;
        uint64_t prod = 1;
        uint16_t shape[4];
        const ed_op_t *op;
        ed_load_status_t st;
        ed_payload_read(md, first + (uint32_t)ED_IMG_TENSOR_SIZE * i, rec, ED_IMG_TENSOR_SIZE);
        ndim = rec[ED_IMG_TENSOR_NDIM];
        params = ed_get_u32(rec + ED_IMG_TENSOR_REPR_PARAMS);
        params_len = ed_get_u32(rec + ED_IMG_TENSOR_REPR_PARAMS_LEN);
        tflags = ed_get_u16(rec + ED_IMG_TENSOR_FLAGS);
        t->role = rec[ED_IMG_TENSOR_ROLE];
        t->repr = rec[ED_IMG_TENSOR_REPR];
        t->m = rec[ED_IMG_TENSOR_M];
        t->width = rec[ED_IMG_TENSOR_WIDTH];
        t->op = ed_get_u16(rec + ED_IMG_TENSOR_OP);
        t->count = ed_get_u32(rec + ED_IMG_TENSOR_COUNT);
        t->bit_offset = ed_get_u32(rec + ED_IMG_TENSOR_BIT_OFFSET);
        t->parity = (uint8_t)parity;
        t->ndim = ndim;
        t->range = (uint8_t)range;
        t->in_payload = (uint8_t)(tflags == ED_IMG_TENSOR_PROTECTED);
        /* stricter than the host: tensors come as (weight, bias) of weighted op 0, 1, ... as pack writes them;
         * version 4 may keep a bias in the payload (its only flag) */
        if (t->role > 1u || t->op >= md->num_weighted || ndim < 1u || ndim > 4u || t->op != i / 2u ||
            t->role != i % 2u ||
            (tflags != 0u && (!t->in_payload || t->role != 1u || md->version < ED_IMG_VERSION_TENSOR_FLAGS))) {
            return FAIL(i, ED_LOAD_ERR_TENSOR_RECORD);
        }
        for (d = 0; d < 4u; d++) {
            shape[d] = ed_get_u16(rec + ED_IMG_TENSOR_SHAPE + 2u * d);
            t->shape[d] = shape[d];
            if (d < ndim) {
                prod *= shape[d];
            }
        }
        op = &md->ops[md->weighted[t->op]];
        /* the layout the kernels take: dense (out, in), conv2d OHWI, dwconv2d 1HWO, bias (out) */
        if (prod != t->count || prod == 0u ||
            (t->role == 1u && ndim != 1u) ||
            (t->role == 0u && op->kind == ED_IMG_KIND_DENSE && ndim != 2u) ||
            (t->role == 0u && op->kind != ED_IMG_KIND_DENSE && ndim != 4u) ||
            (t->role == 0u && op->kind == ED_IMG_KIND_DWCONV2D && shape[0] != 1u)) {
            return FAIL(i, ED_LOAD_ERR_TENSOR_SHAPE);
        }
        if (t->m < 2u || t->m > 32u || t->width != t->m + extra) {
            return FAIL(i, ED_LOAD_ERR_TENSOR_WIDTH);
        }
        if ((uint64_t)t->bit_offset + (uint64_t)t->count * t->width >
            8u * (uint64_t)(t->in_payload ? md->payload_len : md->weights_data_len)) {
            return FAIL(i, ED_LOAD_ERR_TENSOR_BOUNDS);
        }
        if (t->repr == 0u || t->repr > ED_REPR_MAX) {
            return FAIL(i, ED_LOAD_ERR_REPR_UNKNOWN);
        }
        if (params_len != 0u && !array_ok(md, params, params_len, 4u)) {
            return FAIL(i, ED_LOAD_ERR_REPR_PARAMS);
        }
        if (t->repr == ED_REPR_OPTIMIZED) {
            st = copy_payload(md, params, 4u * params_len, &t->table, detail);
            if (st == ED_LOAD_OK) {
                st = check_table(md, t, params_len, i, detail);
            }
            if (st != ED_LOAD_OK) {
                return st;
            }
        } else if (params_len != 0u) {
            return FAIL(i, ED_LOAD_ERR_REPR_PARAMS);
        }
        if (t->in_payload) { /* its words' bytes, first bit at bit_offset % 8 (ed_detect.c decodes them) */
            const uint64_t end = ((uint64_t)t->bit_offset + (uint64_t)t->count * t->width + 7u) / 8u;
            st = copy_payload(md, t->bit_offset / 8u, (uint32_t)(end - t->bit_offset / 8u), &t->clean, detail);
            if (st != ED_LOAD_OK) {
                return st;
            }
        }
        /* range channel: weights by output channel (axis 0; dwconv2d axis 3), biases as one group */
        if (t->role == 1u) {
            t->ch_div = t->count;
            t->ch_mod = 1;
        } else if (op->kind == ED_IMG_KIND_DWCONV2D) {
            t->ch_div = 1;
            t->ch_mod = shape[3];
        } else {
            t->ch_div = t->count / shape[0];
            t->ch_mod = shape[0];
        }
        if (range) {
            st = read_ranges(md, t, rec, i, detail);
            if (st != ED_LOAD_OK) {
                return st;
            }
        }
    }
    if (md->num_tensors != 2u * md->num_weighted) {
        return FAIL(md->weighted[md->num_tensors / 2u], ED_LOAD_ERR_PAIRING);
    }
    return ED_LOAD_OK;
}

static ed_load_status_t read_testset(ed_model_t *md, const ed_load_args_t *a, const uint8_t *head,
                                     const uint8_t *meta, uint32_t *detail)
{
    const uint64_t off = ed_get_u32(meta + ED_IMG_META_TESTSET_OFFSET);
    const uint64_t count = ed_get_u32(meta + ED_IMG_META_TESTSET_COUNT);
    const uint64_t size = count * ((uint64_t)md->input_size + 1u);
    if (!(ed_get_u16(head + ED_IMG_SUPERBLOCK_FLAGS) & ED_IMG_FLAG_TESTSET)) {
        return ED_LOAD_OK;
    }
    if (count == 0u || off < (uint64_t)md->weights_offset + md->weights_len || off + size > md->image_len) {
        return FAIL(0, ED_LOAD_ERR_TESTSET);
    }
    if (ed_crc32(a->image + off, (size_t)size) != ed_get_u32(meta + ED_IMG_META_TESTSET_CRC32)) {
        return FAIL(0, ED_LOAD_ERR_TESTSET_CRC);
    }
    md->test_x = (const int8_t *)(a->image + off);
    md->test_y = a->image + off + count * md->input_size;
    md->test_count = (uint32_t)count;
    return ED_LOAD_OK;
}

ed_load_status_t ed_loader_parse(ed_model_t *md, const ed_load_args_t *a, uint32_t *detail)
{
    uint8_t head[ED_IMG_SUPERBLOCK_SIZE], meta[ED_IMG_META_SIZE];
    ed_load_status_t st;
    uint16_t i, k;

    st = read_superblock(md, a, head, detail);
    if (st == ED_LOAD_OK) {
        st = read_blob(md, a, head, detail);
    }
    if (st != ED_LOAD_OK) {
        return st;
    }
    if (md->payload_len < ED_IMG_META_SIZE) {
        return FAIL(0, ED_LOAD_ERR_META_TRUNC);
    }
    ed_payload_read(md, 0, meta, ED_IMG_META_SIZE);
    if (meta[ED_IMG_META_FORMAT] > ED_IMG_FORMAT_UNIFORM) {
        return FAIL(0, ED_LOAD_ERR_FORMAT);
    }
    if ((meta[ED_IMG_META_RULE] & ~ED_RULE_KNOWN_BITS) != 0u ||
        (meta[ED_IMG_META_RULE] & ED_RULE_PLACEMENT_MASK) >= ED_PLACEMENT_COUNT) {
        return FAIL(0, ED_LOAD_ERR_RULE);
    }
    if (a->board != NULL && !board_matches(meta + ED_IMG_META_BOARD, a->board)) {
        return FAIL(0, ED_LOAD_ERR_BOARD);
    }
    if (meta[ED_IMG_META_FORMAT] != ED_IMG_FORMAT_INT8) {
        *detail = meta[ED_IMG_META_FORMAT];
        return ED_LOAD_UNSUPPORTED;
    }
    md->rule = meta[ED_IMG_META_RULE];
    md->num_ops = ed_get_u16(meta + ED_IMG_META_NUM_OPS);
    md->num_tensors = ed_get_u16(meta + ED_IMG_META_NUM_TENSORS);
    md->num_classes = ed_get_u16(meta + ED_IMG_META_NUM_CLASSES);
    if (md->num_ops > ED_IMG_MAX_OPS || md->num_tensors > ED_IMG_MAX_TENSORS || md->num_ops == 0u) {
        return FAIL(0, ED_LOAD_ERR_COUNTS);
    }
    if (meta[ED_IMG_META_INPUT_RANK] != 1u && meta[ED_IMG_META_INPUT_RANK] != 3u) {
        return FAIL(0, ED_LOAD_ERR_INPUT);
    }
    if ((uint64_t)ED_IMG_META_SIZE + (uint64_t)ED_IMG_OP_SIZE * md->num_ops +
            (uint64_t)ED_IMG_TENSOR_SIZE * md->num_tensors > md->payload_len) {
        return FAIL(0, ED_LOAD_ERR_META_TRUNC);
    }
    md->ops = (ed_op_t *)ed_arena_alloc(&md->arena, sizeof(ed_op_t) * md->num_ops, 8);
    md->tensors = (ed_tensor_t *)ed_arena_alloc(&md->arena, sizeof(ed_tensor_t) * md->num_tensors, 8);
    md->weighted = (uint16_t *)ed_arena_alloc(&md->arena, 2u * md->num_ops, 2);
    if (md->ops == NULL || md->tensors == NULL || md->weighted == NULL) {
        return arena_fail(md, detail);
    }
    memset(md->ops, 0, sizeof(ed_op_t) * md->num_ops);
    memset(md->tensors, 0, sizeof(ed_tensor_t) * md->num_tensors);
    st = read_ops(md, detail);
    if (st != ED_LOAD_OK) {
        return st;
    }
    /* weighted ops: the records' weight field says which (the host loader's rule) */
    for (i = 0, k = 0; i < md->num_ops; i++) {
        const int conv = md->ops[i].kind == ED_IMG_KIND_DENSE || md->ops[i].kind == ED_IMG_KIND_CONV2D ||
                         md->ops[i].kind == ED_IMG_KIND_DWCONV2D;
        if ((md->ops[i].weight >= 0) != conv) {
            return FAIL(i, conv ? ED_LOAD_ERR_PAIRING : ED_LOAD_ERR_OP_FIELDS);
        }
        /* weighted op k owns tensor records 2k (weight) and 2k + 1 (bias), as the host loader requires */
        if (conv && (md->ops[i].weight != (int16_t)(2u * k) || md->ops[i].bias != (int16_t)(2u * k + 1u))) {
            return FAIL(i, ED_LOAD_ERR_PAIRING);
        }
        md->ops[i].windex = conv ? (int16_t)k : -1;
        if (conv) {
            md->weighted[k++] = i;
        }
    }
    md->num_weighted = k;
    st = read_tensors(md, detail);
    if (st == ED_LOAD_OK) {
        st = ed_loader_shapes(md, meta + ED_IMG_META_INPUT_SHAPE, meta[ED_IMG_META_INPUT_RANK], detail);
    }
    if (st == ED_LOAD_OK) {
        st = ed_loader_quant(md, detail);
    }
    if (st == ED_LOAD_OK) {
        st = read_testset(md, a, head, meta, detail);
    }
    return st;
}
