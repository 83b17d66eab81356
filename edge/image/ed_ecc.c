/*
 * ed_ecc.c: BCH decoder of the protected region, one block at a time; twin of host/eccless/image/ecc/bch.py
 * (syndromes, Berlekamp-Massey in Blahut's form with the binary shortcut, Chien search) and region.py (layout,
 * CRC check). The steps and decisions are the host's; only the order of work differs (the host vectorizes over
 * blocks). Whenever the register length L stays <= T the error locator is unique, so both sides find the same one.
 *
 * Syndromes come from the remainder rem(x) = r(x) mod g(x) rather than from r(x): g(alpha^j) = 0 for j <= 2T, so
 * rem(alpha^j) = r(alpha^j). The remainder is cheap (a nibble table, like a CRC), is zero exactly for a clean block,
 * and has at most 528 bits to sum instead of 2040.
 */
#include "ed_ecc.h"
#include "ed_crc32.h"

#define ED_ECC_R (8 * ED_ECC_PARITY_BYTES)         /* parity bits: exponents 0 .. R-1 */
#define ED_ECC_NSYN (2 * ED_ECC_T)                 /* syndromes S_1 .. S_2T */
#define ED_ECC_POLY (2 * ED_ECC_T + 2)             /* coefficients kept of Lambda and B (degrees 0 .. 2T+1) */

static uint16_t gf_mul(uint16_t a, uint16_t b)
{
    uint32_t s;

    if (a == 0U || b == 0U) {
        return 0U;
    }
    s = (uint32_t)ed_ecc_gf_log[a] + ed_ecc_gf_log[b];
    if (s >= ED_ECC_GF_N) {
        s -= ED_ECC_GF_N;
    }
    return ed_ecc_gf_exp[s];
}

static uint16_t gf_inv(uint16_t a)
{
    /* a != 0: alpha^(N - log a); log a == 0 gives exp[N], which is exp[0]. */
    uint32_t s = ED_ECC_GF_N - (uint32_t)ed_ecc_gf_log[a];
    return ed_ecc_gf_exp[s == ED_ECC_GF_N ? 0U : s];
}

/* Adds the codeword bits of one byte (exponents base .. base+7) into the odd syndromes S_1, S_3, ..., S_{2T-1}. */
static void add_byte(uint16_t *odd, uint8_t byte, uint32_t base)
{
    uint32_t bit;

    for (bit = 0; bit < 8U; bit++) {
        uint32_t e, idx, step;
        int j;

        if (((byte >> bit) & 1U) == 0U) {
            continue;
        }
        e = base + bit; /* < 2040 < N */
        idx = e;        /* e * 1 */
        step = 2U * e;  /* e * (j + 2) - e * j */
        if (step >= ED_ECC_GF_N) {
            step -= ED_ECC_GF_N;
        }
        for (j = 0; j < ED_ECC_T; j++) {
            odd[j] ^= ed_ecc_gf_exp[idx];
            idx += step;
            if (idx >= ED_ECC_GF_N) {
                idx -= ED_ECC_GF_N;
            }
        }
    }
}

/* Berlekamp-Massey: fills lam (degree <= L) and returns L, or -1 once L exceeds T (L never decreases).
 * At odd step r, deg lam <= L <= r - 1 and deg(x B) <= r, so coefficients above r + 2 are zero and skipped. */
static int berlekamp_massey(const uint16_t *syn, uint16_t *lam)
{
    uint16_t bpoly[ED_ECC_POLY];
    uint16_t next[ED_ECC_POLY];
    int length = 0;
    int r, d;

    for (d = 0; d < ED_ECC_POLY; d++) {
        lam[d] = 0U;
        bpoly[d] = 0U;
    }
    lam[0] = 1U;
    bpoly[0] = 1U;
    for (r = 1; r < ED_ECC_NSYN; r += 2) {
        int top = r + 2; /* <= 2T + 1 = ED_ECC_POLY - 1 */
        uint16_t delta = 0U;

        for (d = 0; d <= length; d++) {
            delta ^= gf_mul(lam[d], syn[r - d]);
        }
        for (d = top; d > 0; d--) { /* bpoly <- x * bpoly */
            bpoly[d] = bpoly[d - 1];
        }
        bpoly[0] = 0U;
        if (delta != 0U) {
            for (d = 0; d <= top; d++) {
                next[d] = lam[d] ^ gf_mul(delta, bpoly[d]);
            }
            if (2 * length <= r - 1) {
                uint16_t dinv = gf_inv(delta);
                for (d = 0; d <= top; d++) {
                    bpoly[d] = gf_mul(dinv, lam[d]);
                }
                length = r - length;
                if (length > ED_ECC_T) {
                    return -1;
                }
            }
            for (d = 0; d <= top; d++) {
                lam[d] = next[d];
            }
        }
        /* Step r + 1 has a zero discrepancy for a binary code: B <- x B. */
        for (d = top; d > 0; d--) {
            bpoly[d] = bpoly[d - 1];
        }
        bpoly[0] = 0U;
    }
    return length;
}

/* Chien search over exponents 0 .. nbits-1: stores the roots of lam (alpha^-i) in roots[], returns their count. */
static int chien(const uint16_t *lam, int length, uint32_t nbits, uint16_t *roots)
{
    uint16_t reg[ED_ECC_T];  /* log of lam_k * alpha^(-i k), for the nonzero lam_k (k >= 1) only */
    uint16_t step[ED_ECC_T]; /* N - k: multiplying by alpha^-k adds it to the log */
    uint32_t i;
    int k, terms = 0, count = 0;

    for (k = 1; k <= length; k++) {
        if (lam[k] != 0U) {
            reg[terms] = ed_ecc_gf_log[lam[k]];
            step[terms] = (uint16_t)(ED_ECC_GF_N - k);
            terms++;
        }
    }
    for (i = 0; i < nbits; i++) {
        uint16_t sum = lam[0];
        for (k = 0; k < terms; k++) {
            uint32_t v = reg[k];
            sum ^= ed_ecc_gf_exp[v];
            v += step[k];
            reg[k] = (uint16_t)(v >= ED_ECC_GF_N ? v - ED_ECC_GF_N : v);
        }
        if (sum == 0U) {
            roots[count++] = (uint16_t)i;
            if (count == length) {
                break; /* a polynomial of degree <= L has no further roots */
            }
        }
    }
    return count;
}

/* rem = r(x) mod g(x) for the block: the encoder's LFSR over the received data, plus the received parity. */
static void mod_generator(const uint8_t *payload, uint32_t len, const uint8_t *parity, uint32_t *rem)
{
    uint32_t c;
    int w, half;

    for (w = 0; w < ED_ECC_REM_WORDS; w++) {
        rem[w] = 0U;
    }
    /* Highest exponents first: last byte, high nibble first. Step: rem <- x^4 rem + x^R u(x) mod g(x). */
    for (c = len; c-- > 0U;) {
        for (half = 1; half >= 0; half--) {
            uint32_t u = ((uint32_t)payload[c] >> (4 * half)) & 0x0FU;
            const uint32_t *row;
            u ^= (rem[ED_ECC_REM_WORDS - 1] >> 12) & 0x0FU; /* coefficients 524 .. 527 leave the register */
            row = ed_ecc_rem_nibble[u];
            for (w = ED_ECC_REM_WORDS - 1; w > 0; w--) {
                rem[w] = ((rem[w] << 4) | (rem[w - 1] >> 28)) ^ row[w];
            }
            rem[0] = (rem[0] << 4) ^ row[0];
            rem[ED_ECC_REM_WORDS - 1] &= 0xFFFFU; /* the top word holds coefficients 512 .. 527 only */
        }
    }
    for (c = 0; c < ED_ECC_PARITY_BYTES; c++) {
        rem[c >> 2] ^= (uint32_t)parity[c] << (8U * (c & 3U));
    }
}

int ed_ecc_decode_block(uint8_t *payload, uint32_t len, uint8_t *parity)
{
    uint32_t rem[ED_ECC_REM_WORDS];
    uint16_t syn[ED_ECC_NSYN + 1];
    uint16_t odd[ED_ECC_T];
    uint16_t lam[ED_ECC_POLY];
    uint16_t roots[ED_ECC_T];
    uint32_t c, any = 0U;
    int j, length, count;

    mod_generator(payload, len, parity, rem);
    for (c = 0; c < ED_ECC_REM_WORDS; c++) {
        any |= rem[c];
    }
    if (any == 0U) {
        return 0; /* a codeword: every syndrome is zero */
    }
    for (j = 0; j < ED_ECC_T; j++) {
        odd[j] = 0U;
    }
    for (c = 0; c < ED_ECC_PARITY_BYTES; c++) {
        uint8_t byte = (uint8_t)(rem[c >> 2] >> (8U * (c & 3U)));
        if (byte != 0U) {
            add_byte(odd, byte, 8U * c);
        }
    }
    syn[0] = 0U;
    for (j = 0; j < ED_ECC_T; j++) {
        syn[2 * j + 1] = odd[j];
    }
    for (j = 1; j <= ED_ECC_T; j++) {
        syn[2 * j] = gf_mul(syn[j], syn[j]); /* S_2j = S_j^2 for a binary word */
    }
    length = berlekamp_massey(syn, lam);
    if (length < 0) {
        return -1;
    }
    count = chien(lam, length, ED_ECC_R + 8U * len, roots);
    if (count != length) {
        return -1;
    }
    for (j = 0; j < count; j++) {
        uint32_t e = roots[j];
        if (e < ED_ECC_R) {
            parity[e >> 3] ^= (uint8_t)(1U << (e & 7U));
        } else {
            e -= ED_ECC_R;
            payload[e >> 3] ^= (uint8_t)(1U << (e & 7U));
        }
    }
    return count;
}

size_t ed_ecc_block_count(size_t data_len)
{
    if (data_len > (size_t)-1 - ED_ECC_CRC_BYTES - ED_ECC_BLOCK_PAYLOAD_MAX) {
        return 0U;
    }
    return (data_len + ED_ECC_CRC_BYTES + ED_ECC_BLOCK_PAYLOAD_MAX - 1U) / ED_ECC_BLOCK_PAYLOAD_MAX;
}

size_t ed_ecc_protected_size(size_t data_len)
{
    /* Parity is < 35 % of the payload, so half of SIZE_MAX is a safe bound that keeps every sum below. */
    if (data_len > ((size_t)-1) / 2U - 1024U) {
        return 0U;
    }
    return data_len + ED_ECC_CRC_BYTES + ED_ECC_PARITY_BYTES * ed_ecc_block_count(data_len);
}

void ed_ecc_block_span(size_t data_len, size_t b, size_t *start, size_t *len)
{
    const size_t payload_len = data_len + ED_ECC_CRC_BYTES, nblk = ed_ecc_block_count(data_len);
    const size_t q = payload_len / nblk, s = payload_len % nblk;
    *start = b * q + (b < s ? b : s);
    *len = q + (b < s ? 1U : 0U);
}

ed_ecc_status_t ed_ecc_recover(uint8_t *buf, size_t data_len, size_t buf_len, uint32_t *corrected)
{
    size_t size = ed_ecc_protected_size(data_len);
    size_t payload_len, nblk, b, start, len;
    uint32_t total = 0U, stored;
    int lost = 0;

    if (corrected != NULL) {
        *corrected = 0U;
    }
    if (buf == NULL || corrected == NULL || size == 0U || buf_len < size) {
        return ED_ECC_BAD_ARG;
    }
    payload_len = data_len + ED_ECC_CRC_BYTES;
    nblk = ed_ecc_block_count(data_len);
    for (b = 0; b < nblk; b++) {
        int fixed;
        ed_ecc_block_span(data_len, b, &start, &len);
        fixed = ed_ecc_decode_block(buf + start, (uint32_t)len, buf + payload_len + ED_ECC_PARITY_BYTES * b);
        if (fixed < 0) {
            lost = 1;
        } else {
            total += (uint32_t)fixed;
        }
    }
    *corrected = total;
    if (lost) {
        return ED_ECC_UNCORRECTABLE;
    }
    stored = (uint32_t)buf[data_len] | ((uint32_t)buf[data_len + 1U] << 8) | ((uint32_t)buf[data_len + 2U] << 16) |
             ((uint32_t)buf[data_len + 3U] << 24);
    return ed_crc32(buf, data_len) == stored ? ED_ECC_OK : ED_ECC_CRC_MISMATCH;
}
