/*
 * ed_payload.c: the metadata repaired block by block, read through its repairs (ed_payload.h).
 */
#include "ed_payload.h"

#include <string.h>

#include "ed_bytes.h"
#include "ed_crc32.h"
#include "ed_ecc.h"
#include "ed_image_format.h"
#include "ed_loader.h"

#define SB_BITS (8u * (uint64_t)ED_IMG_PROTECTED_OFFSET)

void ed_protected_walk_init(ed_protected_walk_t *w, const ed_channel_params_t *ch, uint64_t stop)
{
    w->pending = 0;
    w->live = ch != NULL && ed_channel_iter_init(&w->it, ch, 0, stop) == ED_CHANNEL_OK;
}

uint32_t ed_protected_walk_apply(ed_protected_walk_t *w, uint8_t *buf, uint64_t from, uint64_t to)
{
    uint32_t n = 0;
    while (w->live) {
        if (!w->pending) {
            if (ed_channel_iter_next(&w->it, &w->pos) != ED_CHANNEL_OK) {
                w->live = 0;
                break;
            }
            w->pending = 1;
        }
        if (w->pos >= to) {
            break;
        }
        w->pending = 0;
        if (w->pos >= from) {
            uint8_t *byte = &buf[(size_t)((w->pos - from) >> 3)];
            const uint8_t mask = (uint8_t)(1u << (w->pos & 7u));
            if (ed_channel_iter_flips(&w->it, (*byte & mask) != 0u)) {
                *byte = (uint8_t)(*byte ^ mask);
                n++;
            }
        }
    }
    return n;
}

/* The repairs of one decoded block (payload bytes [start, start + len) now in `fixed`), in descending order, from
 * the arena's top just below the previous block's (whole words: no gap between them); *low: the lowest repair so
 * far, *n: how many. */
static ed_load_status_t keep_repairs(ed_model_t *md, const uint8_t *fixed, uint32_t start, uint32_t len,
                                     uint32_t **low, uint32_t *n)
{
    uint32_t i, k = 0, *out;
    for (i = 0; i < len; i++) {
        k += fixed[i] != md->payload[start + i];
    }
    if (k == 0u) {
        return ED_LOAD_OK;
    }
    out = (uint32_t *)ed_arena_alloc_top(&md->arena, 4u * k, 4);
    if (out == NULL) {
        return ED_LOAD_ARENA;
    }
    for (i = len; i-- > 0u;) {
        const uint8_t diff = (uint8_t)(fixed[i] ^ md->payload[start + i]);
        if (diff != 0u) {
            *out++ = ((start + i) << 8) | diff;
        }
    }
    *low = out - k;
    *n += k;
    return ED_LOAD_OK;
}

ed_load_status_t ed_payload_repair(ed_model_t *md, const ed_channel_params_t *ch, uint32_t meta_len,
                                   uint32_t blob_len, uint32_t *detail)
{
    const uint32_t payload_len = meta_len + ED_ECC_CRC_BYTES;
    const size_t nblk = ed_ecc_block_count(meta_len);
    uint8_t data[ED_ECC_BLOCK_PAYLOAD_MAX], parity[ED_ECC_PARITY_BYTES];
    uint32_t *low = NULL, n = 0, i, crc = 0, corrected = 0;
    ed_protected_walk_t payload_walk, parity_walk;
    size_t b, start, len;
    uint32_t flipped;
    int lost = 0;

    md->repairs = NULL;
    md->num_repairs = 0;
    md->payload_len = meta_len;
    ed_protected_walk_init(&payload_walk, ch, SB_BITS + 8u * (uint64_t)payload_len);
    ed_protected_walk_init(&parity_walk, ch, SB_BITS + 8u * (uint64_t)blob_len);
    for (b = 0; b < nblk; b++) {
        const uint64_t pbit = SB_BITS + 8u * ((uint64_t)payload_len + (uint64_t)ED_ECC_PARITY_BYTES * b);
        int fixed;
        ed_ecc_block_span(meta_len, b, &start, &len);
        memcpy(data, md->payload + start, len);
        memcpy(parity, md->payload + payload_len + ED_ECC_PARITY_BYTES * b, ED_ECC_PARITY_BYTES);
        flipped = ed_protected_walk_apply(&payload_walk, data, SB_BITS + 8u * (uint64_t)start,
                             SB_BITS + 8u * (uint64_t)(start + len));
        md->flips_protected += flipped + ed_protected_walk_apply(&parity_walk, parity, pbit,
                                                                 pbit + 8u * ED_ECC_PARITY_BYTES);
        fixed = ed_ecc_decode_block(data, (uint32_t)len, parity);
        if (fixed < 0) {
            lost = 1; /* the other blocks are still decoded: their repairs count, as the host's recover counts them */
            continue;
        }
        corrected += (uint32_t)fixed;
        if (flipped == 0u && fixed == 0) {
            continue; /* the block's payload bytes read as flash holds them: nothing to keep */
        }
        if (!lost && keep_repairs(md, data, (uint32_t)start, (uint32_t)len, &low, &n) != ED_LOAD_OK) {
            *detail = ed_arena_needed32(&md->arena);
            return ED_LOAD_ARENA;
        }
    }
    md->ecc_corrected = corrected;
    if (lost) {
        return ED_LOAD_FAIL(detail, 0, ED_LOAD_ERR_ECC_UNCORRECTABLE);
    }
    /* the blocks' repairs lie from low upward, the last block's lowest: ascending order is the reverse */
    for (i = 0; i < n / 2u; i++) {
        const uint32_t t = low[i];
        low[i] = low[n - 1u - i];
        low[n - 1u - i] = t;
    }
    md->repairs = low;
    md->num_repairs = n;
    for (start = 0; start < meta_len; start += len) {
        len = meta_len - start < sizeof(data) ? meta_len - start : sizeof(data);
        ed_payload_read(md, (uint32_t)start, data, (uint32_t)len);
        crc = ed_crc32_update(crc, data, len);
    }
    if (crc != ed_payload_u32(md, meta_len)) {
        return ED_LOAD_FAIL(detail, 0, ED_LOAD_ERR_ECC_CRC);
    }
    return ED_LOAD_OK;
}

void ed_payload_read(const ed_model_t *md, uint32_t off, void *dst, uint32_t len)
{
    uint8_t *out = (uint8_t *)dst;
    uint32_t lo = 0, hi = md->num_repairs;
    memcpy(out, md->payload + off, len);
    while (lo < hi) { /* the first repair at or after off */
        const uint32_t mid = lo + (hi - lo) / 2u;
        if ((md->repairs[mid] >> 8) < off) {
            lo = mid + 1u;
        } else {
            hi = mid;
        }
    }
    for (; lo < md->num_repairs && (md->repairs[lo] >> 8) - off < len; lo++) {
        out[(md->repairs[lo] >> 8) - off] ^= (uint8_t)md->repairs[lo];
    }
}

uint16_t ed_payload_u16(const ed_model_t *md, uint32_t off)
{
    uint8_t b[2];
    ed_payload_read(md, off, b, 2u);
    return ed_get_u16(b);
}

uint32_t ed_payload_u32(const ed_model_t *md, uint32_t off)
{
    uint8_t b[4];
    ed_payload_read(md, off, b, 4u);
    return ed_get_u32(b);
}

uint64_t ed_payload_u64(const ed_model_t *md, uint32_t off)
{
    uint8_t b[8];
    ed_payload_read(md, off, b, 8u);
    return ed_get_u64(b);
}
