/*
 * ed_ecc_weights.c: the decode step of an ECC-coded weight region (ed_ecc_weights.h), bit-exact with the host's
 * EccLayout.correct: same syndromes, same corrections, same blocks left uncorrectable (used as read, or marked for
 * the `zero` policy).
 *
 * SEC-DED: the syndrome is the XOR of one table entry per data byte (the columns of its set bits, generated from
 * hamming.py) and the block's stored check bits; a nonzero syndrome names the single bit to flip, or none (two or
 * more errors: detected, the data stays as read). Sector BCH: the algorithm of image/ecc/bch.py over GF(2^13) with
 * generated constant-multiplication tables (storage/ecc/cexport.py).
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
    md->ecc_zero = 0;
    md->ecc_k = 0;
    md->weights_data_len = weights_len;
    if (version < ED_IMG_VERSION_ECC || (version >= ED_IMG_VERSION_TENSOR_FLAGS && id == 0u)) {
        return (id == 0u && (flags & ED_IMG_FLAG_ECC_ZERO) == 0u) ? ED_LOAD_OK : ED_LOAD_FAIL(detail, 0,
                                                                                            ED_LOAD_ERR_ECC_SCHEME);
    }
    s = find(id);
    if (s == NULL) { /* a host-only scheme */
        return ED_LOAD_FAIL(detail, 0, ED_LOAD_ERR_ECC_SCHEME);
    }
    blocks = 8u * (uint64_t)weights_len / (s->k + s->slot);
    bits = blocks * (s->k + s->slot);
    if (blocks == 0u || (bits + 7u) / 8u != weights_len) {
        return ED_LOAD_FAIL(detail, 0, ED_LOAD_ERR_ECC_LAYOUT);
    }
    md->ecc_scheme = (uint8_t)id;
    md->ecc_zero = (flags & ED_IMG_FLAG_ECC_ZERO) != 0u;
    md->ecc_k = s->k;
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

/* SEC-DED: the block's syndrome from flash with its flips folded in; the data bit to correct into *fix.
 * Returns corrections (0 or 1), -2 for a corrected check bit, or -1 for a detected, uncorrectable block. */
static int32_t secded_block(const ed_model_t *md, const ed_wecc_scheme_t *s, uint32_t b, const uint32_t *data_flips,
                            uint32_t nd, const uint32_t *check_flips, uint32_t nc, uint32_t *fix)
{
    const uint32_t kbytes = s->k / 8u, lo = b * s->k, check = 8u * md->weights_data_len + b * s->r;
    uint32_t synd = get_bits(md->weights, md->weights_len, check, s->r) ^
                    data_syndrome(s->bytes, md->weights + (size_t)b * kbytes, kbytes);
    uint32_t f;
    int32_t pos;
    for (f = 0; f < nd; f++) {
        synd ^= column(s, data_flips[f] - lo);
    }
    for (f = 0; f < nc; f++) {
        synd ^= 1u << (check_flips[f] - check);
    }
    if (synd == 0u) {
        return 0;
    }
    pos = s->position[synd];
    if (pos < 0) {
        return -1;
    }
    if ((uint32_t)pos >= s->k) { /* a check bit: nothing to repair in the data */
        return -2;
    }
    fix[0] = lo + (uint32_t)pos;
    return 1;
}

/* GF(2^13): a * b (bit-serial: used a few dozen times per failing sector only), the product by a constant (four
 * look-ups in its nibble-split table) and a byte's T_j value (two). */
static uint32_t gf_mul(uint32_t a, uint32_t b)
{
    uint32_t r = 0;
    while (b != 0u) {
        if (b & 1u) {
            r ^= a;
        }
        b >>= 1;
        a <<= 1;
        if (a & 0x2000u) {
            a ^= ED_WECC_GF_POLY;
        }
    }
    return r;
}

static uint32_t gf_inv(uint32_t a) /* a^(2^13 - 2) */
{
    uint32_t r = 1, e = 8190u;
    while (e != 0u) {
        if (e & 1u) {
            r = gf_mul(r, a);
        }
        a = gf_mul(a, a);
        e >>= 1;
    }
    return r;
}

static uint32_t gf_mulc(const uint16_t *split, uint32_t x)
{
    return (uint32_t)split[x & 15u] ^ split[16u + ((x >> 4) & 15u)] ^ split[32u + ((x >> 8) & 15u)] ^
           split[48u + (x >> 12)];
}

static uint32_t gf_byte(const uint16_t *bytes, uint32_t v)
{
    return (uint32_t)bytes[v & 15u] ^ bytes[16u + (v >> 4)];
}

#define BCH_W (2u * ED_WECC_BCH_T_MAX + 2u)

/* Sector BCH, the steps of image/ecc/bch.py on one block: syndromes of the received sector (flash + its flips) by
 * Horner over bytes, Berlekamp-Massey in the same binary form, the Chien search over the codeword's exponents.
 * Corrections of data bits into fix[] (ascending); returns their count, -2 when only check bits were wrong, or -1
 * for a detected failure. */
__attribute__((noinline)) /* its frame (~0.4 KB) only on the BCH path: the 4 KB stacks of the small boards */
static int32_t bch_block(const ed_model_t *md, const ed_wecc_scheme_t *s, uint32_t b, const uint32_t *data_flips,
                         uint32_t nd, const uint32_t *check_flips, uint32_t nc, uint32_t *fix, uint8_t *buf)
{
    const uint32_t kbytes = s->k / 8u, pbytes = s->slot / 8u, t = s->t, R = s->r, nbits = s->r + s->k;
    const uint32_t lo = b * s->k, check = 8u * md->weights_data_len + b * s->slot;
    uint32_t S[2u * ED_WECC_BCH_T_MAX + 1u], lam[BCH_W], B[BCH_W], xb[BCH_W], nl[BCH_W];
    uint32_t *const term = xb; /* free once Berlekamp-Massey is done */
    uint32_t f, jj, d, r, L = 0, i, roots = 0, nfix = 0, any = 0;

    memcpy(buf, md->weights + (size_t)b * kbytes, kbytes);
    memcpy(buf + kbytes, md->weights + md->weights_data_len + (size_t)b * pbytes, pbytes);
    for (f = 0; f < nd; f++) {
        const uint32_t q = data_flips[f] - lo;
        buf[q >> 3] = (uint8_t)(buf[q >> 3] ^ (1u << (q & 7u)));
    }
    for (f = 0; f < nc; f++) {
        const uint32_t q = check_flips[f] - check;
        buf[kbytes + (q >> 3)] = (uint8_t)(buf[kbytes + (q >> 3)] ^ (1u << (q & 7u)));
    }
    for (jj = 0; jj < t; jj++) { /* S_j, j = 2 jj + 1: data part alpha^(R j) sum_i d_i alpha^(i j), then parity */
        const uint16_t *bytes = ed_wecc_bch_byte + jj * 32u, *mul8 = ed_wecc_bch_mul8 + jj * ED_WECC_SPLIT;
        uint32_t sd = 0, sp = 0;
        for (i = kbytes; i-- > 0u;) {
            sd = gf_mulc(mul8, sd) ^ gf_byte(bytes, buf[i]);
        }
        for (i = pbytes; i-- > 0u;) {
            const uint32_t used = R - 8u * i, mask = used >= 8u ? 0xFFu : (1u << used) - 1u;
            sp = gf_mulc(mul8, sp) ^ gf_byte(bytes, buf[kbytes + i] & mask);
        }
        S[2u * jj + 1u] = gf_mulc(s->alpha_r + jj * ED_WECC_SPLIT, sd) ^ sp;
        any |= S[2u * jj + 1u];
    }
    if (any == 0u) {
        return 0;
    }
    for (jj = 1; jj <= t; jj++) { /* S_2j = S_j^2 */
        S[2u * jj] = gf_mul(S[jj], S[jj]);
    }
    for (d = 0; d < BCH_W; d++) {
        lam[d] = B[d] = 0u;
    }
    lam[0] = B[0] = 1u;
    for (r = 1; r < 2u * t; r += 2u) {
        uint32_t delta = 0;
        int grow;
        for (d = 0; d < r; d++) {
            delta ^= gf_mul(lam[d], S[r - d]);
        }
        xb[0] = 0u;
        for (d = 1; d < BCH_W; d++) {
            xb[d] = B[d - 1u];
        }
        grow = delta != 0u && 2u * L <= r - 1u;
        for (d = 0; d < BCH_W; d++) {
            nl[d] = delta != 0u ? lam[d] ^ gf_mul(delta, xb[d]) : lam[d];
        }
        if (grow) {
            const uint32_t inv = gf_inv(delta);
            for (d = 0; d < BCH_W; d++) {
                B[d] = gf_mul(inv, lam[d]);
            }
            L = r - L;
        } else {
            for (d = 0; d < BCH_W; d++) {
                B[d] = xb[d];
            }
        }
        for (d = 0; d < BCH_W; d++) {
            lam[d] = nl[d];
        }
        for (d = BCH_W - 1u; d > 0u; d--) { /* the even step: B <- x B */
            B[d] = B[d - 1u];
        }
        B[0] = 0u;
    }
    if (L > t) {
        return -1;
    }
    for (d = 0; d <= L; d++) {
        term[d] = lam[d];
    }
    for (i = 0; i < nbits; i++) { /* lam(alpha^-i) = sum_d lam_d alpha^(-i d), terms updated by alpha^-d */
        uint32_t sum = 0;
        for (d = 0; d <= L; d++) {
            sum ^= term[d];
        }
        if (sum == 0u) {
            roots++;
            if (i >= R && nfix < ED_WECC_BCH_T_MAX) {
                fix[nfix++] = lo + (i - R);
            }
        }
        for (d = 1; d <= L; d++) {
            term[d] = gf_mulc(ed_wecc_bch_chien + (d - 1u) * ED_WECC_SPLIT, term[d]);
        }
    }
    if (roots != L) {
        return -1;
    }
    return nfix > 0u ? (int32_t)nfix : -2; /* -2: only check bits were wrong */
}

ed_load_status_t ed_ecc_weights_decode(ed_model_t *md, uint32_t *detail)
{
    /* The region stays where it is (flash): the syndromes are read from it with INJECT's flips folded in, and
     * the decoder's corrections become flips themselves, so the decode + detect pass applies "flips XOR
     * corrections" to the data bits as it already applies flips. No copy of the region, no extra RAM but the list
     * (and one sector on the stack for BCH). */
    const ed_wecc_scheme_t *s = find(md->ecc_scheme);
    const uint32_t data_len = md->weights_data_len, data_bits = 8u * data_len;
    const uint32_t *in = md->flips;
    uint32_t n_in = md->num_flips, i = 0, j = 0, n = 0, b, blocks, fixmax;
    uint32_t *out;
    uint8_t *buf = NULL, *failed = NULL;

    md->ecc_blocks_corrected = md->ecc_blocks_failed = 0;
    md->ecc_failed = NULL;
    if (md->ecc_scheme == 0u || s == NULL) {
        return ED_LOAD_OK;
    }
    blocks = data_bits / s->k;
    fixmax = s->t != 0u ? s->t : 1u;
    while (j < n_in && in[j] < data_bits) {
        j++;
    }
    /* at most every data-bit flip plus the corrections of every block */
    out = (uint32_t *)ed_arena_alloc(&md->arena, 4u * ((size_t)j + (size_t)blocks * fixmax), 4);
    if (s->t != 0u) { /* one received sector (data + parity bytes) at a time, in the arena */
        buf = (uint8_t *)ed_arena_alloc(&md->arena, (size_t)(s->k + s->slot) / 8u, 4);
    }
    if (md->ecc_zero) { /* one bit per block */
        failed = (uint8_t *)ed_arena_alloc(&md->arena, (blocks + 7u) / 8u, 1);
    }
    if (out == NULL || (s->t != 0u && buf == NULL) || (md->ecc_zero && failed == NULL)) {
        *detail = ed_arena_needed32(&md->arena);
        return ED_LOAD_ARENA;
    }
    if (failed != NULL) {
        memset(failed, 0, (blocks + 7u) / 8u);
    }
    for (b = 0; b < blocks; b++) {
        const uint32_t hi = (b + 1u) * s->k, check_end = data_bits + (b + 1u) * s->slot;
        const uint32_t first = i, jfirst = j;
        uint32_t fix[ED_WECC_BCH_T_MAX], f, g = 0;
        int32_t nfix;
        while (i < n_in && in[i] < hi) { /* this block's data flips */
            i++;
        }
        while (j < n_in && in[j] < check_end) { /* its check-field flips */
            j++;
        }
        nfix = s->t != 0u ? bch_block(md, s, b, in + first, i - first, in + jfirst, j - jfirst, fix, buf)
                          : secded_block(md, s, b, in + first, i - first, in + jfirst, j - jfirst, fix);
        if (nfix == -2) { /* corrected, in the check bits only */
            md->ecc_blocks_corrected++;
            nfix = 0;
        } else if (nfix < 0) {
            md->ecc_blocks_failed++; /* detected, uncorrectable: the data stays as read (`zero`: marked) */
            if (failed != NULL) {
                failed[b >> 3] = (uint8_t)(failed[b >> 3] | (1u << (b & 7u)));
            }
            nfix = 0;
        } else if (nfix > 0) {
            md->ecc_blocks_corrected++;
        }
        /* the block's flips XOR its corrections, both ascending */
        for (f = first; f < i || g < (uint32_t)nfix;) {
            if (g < (uint32_t)nfix && (f >= i || fix[g] < in[f])) {
                out[n++] = fix[g++];
            } else if (g < (uint32_t)nfix && fix[g] == in[f]) {
                f++;
                g++;
            } else {
                out[n++] = in[f++];
            }
        }
    }
    md->flips = out;
    md->num_flips = n;
    md->ecc_failed = md->ecc_blocks_failed != 0u ? failed : NULL;
    md->weights_len = data_len;
    return ED_LOAD_OK;
}
