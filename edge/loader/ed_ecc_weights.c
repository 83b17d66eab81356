/*
 * ed_ecc_weights.c: the decode step of an ECC-coded weight region (ed_ecc_weights.h), bit-exact with the host's
 * EccLayout.correct: same syndromes, same corrections, same blocks left uncorrectable and used as read.
 *
 * Per block: the syndrome is the XOR of one table entry per data byte (the columns of its set bits, generated from
 * hamming.py) and the block's stored check bits; a nonzero syndrome names the single bit to flip, or none (two or
 * more errors: detected, the data stays as read).
 */
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

/* r <= 8 bits of the region from bit `bit`, never reading past its `len` bytes. */
static uint32_t get_bits(const uint8_t *buf, uint32_t len, uint32_t bit, uint32_t r)
{
    const uint32_t at = bit >> 3;
    const uint32_t v = (uint32_t)buf[at] | (at + 1u < len ? (uint32_t)buf[at + 1u] << 8 : 0u);
    return (v >> (bit & 7u)) & ((1u << r) - 1u);
}

/* XOR of the data bytes' table entries, four bytes per word read. */
static uint32_t data_syndrome(const uint8_t *table, const uint8_t *data, uint32_t kbytes)
{
    uint32_t synd = 0, i, w;
    for (i = 0; i < kbytes; i += 4u, table += 1024u) {
        __builtin_memcpy(&w, data + i, 4u); /* little-endian: byte i is bits 0-7; inline even freestanding */
        synd ^= (uint32_t)table[w & 0xFFu] ^ table[256u + ((w >> 8) & 0xFFu)] ^
                table[512u + ((w >> 16) & 0xFFu)] ^ table[768u + (w >> 24)];
    }
    return synd;
}

/* The syndrome of data bit j alone (the column of H): the byte table at (j / 8, 1 << j % 8). */
static uint32_t column(const ed_wecc_scheme_t *s, uint32_t j)
{
    return s->bytes[(j >> 3) * 256u + (1u << (j & 7u))];
}

ed_load_status_t ed_ecc_weights_decode(ed_model_t *md, uint32_t *detail)
{
    /* The region stays where it is (flash): the syndromes are read from it with INJECT's flips folded in, and
     * the decoder's corrections become flips themselves, so the decode + detect pass applies "flips XOR
     * corrections" to the data bits as it already applies flips. No copy of the region, no extra RAM but the list. */
    const ed_wecc_scheme_t *s = find(md->ecc_scheme);
    const uint32_t data_len = md->weights_data_len, data_bits = 8u * data_len;
    const uint32_t *in = md->flips;
    uint32_t n_in = md->num_flips, i = 0, j = 0, n = 0, b, blocks, kbytes;
    uint32_t *out;

    md->ecc_blocks_corrected = md->ecc_blocks_failed = 0;
    if (md->ecc_scheme == 0u || s == NULL) {
        return ED_LOAD_OK;
    }
    kbytes = s->k / 8u;
    blocks = data_len / kbytes;
    /* at most every data-bit flip plus one correction per block */
    while (j < n_in && in[j] < data_bits) {
        j++;
    }
    out = (uint32_t *)ed_arena_alloc(&md->arena, 4u * ((size_t)j + blocks), 4);
    if (out == NULL) {
        *detail = md->arena.needed > 0xFFFFFFFFu ? 0xFFFFFFFFu : (uint32_t)md->arena.needed;
        return ED_LOAD_ARENA;
    }
    for (b = 0; b < blocks; b++) {
        const uint32_t lo = b * s->k, hi = lo + s->k, check = data_bits + b * s->r;
        const uint32_t first = i;
        uint32_t synd = get_bits(md->weights, md->weights_len, check, s->r) ^
                        data_syndrome(s->bytes, md->weights + (size_t)b * kbytes, kbytes);
        int32_t pos = -1;
        for (; i < n_in && in[i] < hi; i++) {      /* this block's data flips */
            synd ^= column(s, in[i] - lo);
        }
        for (; j < n_in && in[j] < check + s->r; j++) { /* its check-bit flips */
            synd ^= 1u << (in[j] - check);
        }
        if (synd != 0u) {
            pos = s->position[synd];
            if (pos < 0) {
                md->ecc_blocks_failed++; /* detected, uncorrectable: the data stays as read */
            } else {
                md->ecc_blocks_corrected++;
            }
        }
        /* the block's flips, with the corrected data bit toggled in (removed when it was flipped) */
        if (pos >= 0 && (uint32_t)pos < s->k) {
            const uint32_t fix = lo + (uint32_t)pos;
            uint32_t f = first, done = 0;
            for (; f < i; f++) {
                if (!done && fix <= in[f]) {
                    done = 1;
                    if (fix == in[f]) {
                        continue;
                    }
                    out[n++] = fix;
                }
                out[n++] = in[f];
            }
            if (!done) {
                out[n++] = fix;
            }
        } else {
            uint32_t f;
            for (f = first; f < i; f++) {
                out[n++] = in[f];
            }
        }
    }
    md->flips = out;
    md->num_flips = n;
    md->weights_len = data_len;
    return ED_LOAD_OK;
}
