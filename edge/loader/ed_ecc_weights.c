/*
 * ed_ecc_weights.c: the decode step of an ECC-coded weight region (ed_ecc_weights.h), bit-exact with the host's
 * EccLayout.correct: same syndromes, same corrections, same blocks left uncorrectable and used as read.
 *
 * Per block: the syndrome is the XOR of one table entry per data byte (the columns of its set bits, generated from
 * hamming.py) and the block's stored check bits; a nonzero syndrome names the single bit to flip, or none (two or
 * more errors: detected, the data stays as read).
 */
#include <string.h>

#include "ed_ecc_weights.h"
#include "ed_ecc_weights_tables.h"
#include "ed_image_format.h"
#include "ed_loader.h"

static const ed_wecc_scheme_t *find(uint32_t id)
{
    uint32_t i;
    for (i = 0; i < ED_WECC_NUM_SCHEMES; i++) {
        if (ed_wecc_schemes[i].id == id) {
            return &ed_wecc_schemes[i];
        }
    }
    return NULL;
}

ed_load_status_t ed_ecc_weights_check(ed_model_t *md, uint32_t version, uint32_t flags, uint32_t weights_len,
                                      uint32_t *detail)
{
    const uint32_t id = (flags & ED_IMG_FLAG_ECC_MASK) >> ED_IMG_FLAG_ECC_SHIFT;
    const ed_wecc_scheme_t *s;
    uint64_t blocks, bits;

    md->ecc_scheme = 0;
    md->weights_data_len = weights_len;
    if (version != ED_IMG_VERSION_ECC) {
        return (id == 0u && (flags & ED_IMG_FLAG_ECC_ZERO) == 0u) ? ED_LOAD_OK : ED_LOAD_FAIL(detail, 0,
                                                                                            ED_LOAD_ERR_ECC_SCHEME);
    }
    s = find(id);
    if (s == NULL || (flags & ED_IMG_FLAG_ECC_ZERO) != 0u) { /* host-only scheme, or the zero policy */
        return ED_LOAD_FAIL(detail, 0, ED_LOAD_ERR_ECC_SCHEME);
    }
    blocks = 8u * (uint64_t)weights_len / (s->k + s->r);
    bits = blocks * (s->k + s->r);
    if (blocks == 0u || (bits + 7u) / 8u != weights_len) {
        return ED_LOAD_FAIL(detail, 0, ED_LOAD_ERR_ECC_LAYOUT);
    }
    md->ecc_scheme = (uint8_t)id;
    md->weights_data_len = (uint32_t)(blocks * s->k / 8u);
    return ED_LOAD_OK;
}

/* r <= 8 bits of buf from bit `bit` (buf has a zero byte past its end). */
static uint32_t get_bits(const uint8_t *buf, uint32_t bit, uint32_t r)
{
    const uint32_t v = (uint32_t)buf[bit >> 3] | ((uint32_t)buf[(bit >> 3) + 1u] << 8);
    return (v >> (bit & 7u)) & ((1u << r) - 1u);
}

ed_load_status_t ed_ecc_weights_decode(ed_model_t *md, uint32_t *detail)
{
    const ed_wecc_scheme_t *s = find(md->ecc_scheme);
    const uint32_t data_len = md->weights_data_len, kbytes = s != NULL ? s->k / 8u : 0u;
    uint32_t b, blocks, i;
    uint8_t *copy;

    md->ecc_blocks_corrected = md->ecc_blocks_failed = 0;
    if (md->ecc_scheme == 0u || s == NULL) {
        return ED_LOAD_OK;
    }
    copy = (uint8_t *)ed_arena_alloc(&md->arena, (size_t)md->weights_len + 1u, 4);
    if (copy == NULL) {
        *detail = md->arena.needed > 0xFFFFFFFFu ? 0xFFFFFFFFu : (uint32_t)md->arena.needed;
        return ED_LOAD_ARENA;
    }
    memcpy(copy, md->weights, md->weights_len);
    copy[md->weights_len] = 0u;
    for (i = 0; i < md->num_flips; i++) {
        copy[md->flips[i] >> 3] = (uint8_t)(copy[md->flips[i] >> 3] ^ (1u << (md->flips[i] & 7u)));
    }
    blocks = data_len / kbytes;
    for (b = 0; b < blocks; b++) {
        const uint8_t *data = copy + (size_t)b * kbytes;
        uint32_t synd = get_bits(copy, 8u * data_len + b * s->r, s->r);
        int32_t pos;
        for (i = 0; i < kbytes; i++) {
            synd ^= s->bytes[i * 256u + data[i]];
        }
        if (synd == 0u) {
            continue;
        }
        pos = s->position[synd];
        if (pos < 0) {
            md->ecc_blocks_failed++;  /* detected, uncorrectable: the data stays as read */
            continue;
        }
        md->ecc_blocks_corrected++;
        if ((uint32_t)pos < s->k) {   /* a flipped check bit needs no repair: check bits are read once */
            copy[(size_t)b * kbytes + ((uint32_t)pos >> 3)] ^= (uint8_t)(1u << ((uint32_t)pos & 7u));
        }
    }
    md->weights = copy;
    md->weights_len = data_len;
    md->flips = NULL;
    md->num_flips = 0;
    return ED_LOAD_OK;
}
