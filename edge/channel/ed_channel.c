/*
 * ed_channel.c: the storage error channel, bit-exact twin of host/eccless/channel (spec: docs/CHANNEL.md).
 *
 * Integer arithmetic only. Every multiply of the gap computation is 32x32->64 (one UMULL on a Cortex-M); the
 * splitmix64 mix uses 64x64->64 multiplies, which the compiler expands inline into three 32-bit multiplies.
 */
#include "ed_channel.h"

#define ED_CHANNEL_GAMMA UINT64_C(0x9E3779B97F4A7C15)
#define ED_CHANNEL_MIX_M1 UINT64_C(0xBF58476D1CE4E5B9)
#define ED_CHANNEL_MIX_M2 UINT64_C(0x94D049BB133111EB)
#define ED_CHANNEL_FRAC_BITS 32

uint64_t ed_channel_mix64(uint64_t z)
{
    z = (z ^ (z >> 30)) * ED_CHANNEL_MIX_M1;
    z = (z ^ (z >> 27)) * ED_CHANNEL_MIX_M2;
    return z ^ (z >> 31);
}

uint64_t ed_channel_key(uint64_t seed, uint32_t stream)
{
    uint64_t k0 = ed_channel_mix64(seed + ED_CHANNEL_GAMMA);
    return ed_channel_mix64(k0 + ((uint64_t)stream + 1u) * ED_CHANNEL_GAMMA);
}

uint64_t ed_channel_draw(uint64_t key, uint64_t counter)
{
    return ed_channel_mix64(key + (counter + 1u) * ED_CHANNEL_GAMMA);
}

void ed_channel_neg_log2(uint64_t r, uint32_t *ipart, uint32_t *phi)
{
    uint64_t t = (r == 0u) ? 1u : r;
    uint32_t lz = 0u;
    uint32_t m;
    uint32_t f = 0u;
    int i;

    /* Normalise by binary search on the leading zeros: the same six steps as the host, no clz needed. */
    if ((t >> 32) == 0u) { t <<= 32; lz += 32u; }
    if ((t >> 48) == 0u) { t <<= 16; lz += 16u; }
    if ((t >> 56) == 0u) { t <<= 8; lz += 8u; }
    if ((t >> 60) == 0u) { t <<= 4; lz += 4u; }
    if ((t >> 62) == 0u) { t <<= 2; lz += 2u; }
    if ((t >> 63) == 0u) { t <<= 1; lz += 1u; }
    m = (uint32_t)(t >> 32); /* Q1.31 mantissa in [1, 2) */

    /* f = log2(m) in Q0.32 by repeated squaring: m^2 in [1, 4); a result >= 2 yields a 1 bit and is halved. */
    for (i = 0; i < ED_CHANNEL_FRAC_BITS; ++i) {
        uint64_t s = (uint64_t)m * m;
        f <<= 1;
        if ((s >> 63) != 0u) {
            f |= 1u;
            m = (uint32_t)(s >> 32);
        } else {
            m = (uint32_t)(s >> 31);
        }
    }

    /* -log2(r / 2^64) = (lz + 1) - f / 2^32, rewritten as an integer part plus a Q0.32 fraction. */
    if (f == 0u) {
        *ipart = lz + 1u;
        *phi = 0u;
    } else {
        *ipart = lz;
        *phi = (uint32_t)(0u - f); /* 2^32 - f */
    }
}

uint64_t ed_channel_gap(uint64_t r, uint64_t k_q32)
{
    uint32_t ipart;
    uint32_t phi;
    uint32_t kh = (uint32_t)(k_q32 >> 32);
    uint32_t kl = (uint32_t)k_q32;
    uint64_t frac;

    ed_channel_neg_log2(r, &ipart, &phi);
    /* floor((ipart + phi / 2^32) * (kh + kl / 2^32)), exact; kh < 2^30 keeps frac below 2^63. */
    frac = (uint64_t)ipart * kl + (uint64_t)phi * kh + (((uint64_t)phi * kl) >> 32);
    return (uint64_t)ipart * kh + (frac >> 32);
}

ed_channel_status_t ed_channel_iter_init(ed_channel_iter_t *it, const ed_channel_params_t *params, uint64_t start,
                                         uint64_t stop)
{
    if (it == NULL || params == NULL) {
        return ED_CHANNEL_ERR_ARG;
    }
    if ((params->k_q32 >= ED_CHANNEL_K_LIMIT && params->k_q32 != ED_CHANNEL_K_NONE) ||
        params->keep_1to0 > ED_CHANNEL_KEEP_ALL || params->keep_0to1 > ED_CHANNEL_KEEP_ALL ||
        params->model > ED_CHANNEL_MODEL_STUCK ||
        (params->model == ED_CHANNEL_MODEL_BURST &&
         (params->length == 0u || params->length > ED_CHANNEL_BURST_MAX))) {
        return ED_CHANNEL_ERR_ARG;
    }
    if (start > stop) {
        return ED_CHANNEL_ERR_RANGE;
    }
    it->key = ed_channel_key(params->seed, params->stream);
    it->k_q32 = params->k_q32;
    it->keep_1to0 = params->keep_1to0;
    it->keep_0to1 = params->keep_0to1;
    it->base = start;
    it->stop = stop;
    it->index = 0u;
    it->last = 0u;
    it->done = (params->k_q32 == ED_CHANNEL_K_NONE) || (start == stop);
    it->model = params->model;
    it->length = params->length;
    it->run_pos = it->run_end = start;
    return ED_CHANNEL_OK;
}

/* The next candidate of the geometric walk. */
static ed_channel_status_t next_candidate(ed_channel_iter_t *it, uint64_t *pos)
{
    uint64_t gap;

    if (it->done) {
        return ED_CHANNEL_END;
    }
    gap = ed_channel_gap(ed_channel_draw(it->key, 2u * it->index), it->k_q32);
    /* base < stop holds here, so stop - base cannot wrap; comparing the gap avoids overflowing base + gap. */
    if (gap >= it->stop - it->base) {
        it->done = 1;
        return ED_CHANNEL_END;
    }
    *pos = it->base + gap;
    it->last = it->index;
    it->index += 1u;
    it->base = *pos + 1u;
    it->done = (it->base == it->stop);
    return ED_CHANNEL_OK;
}

ed_channel_status_t ed_channel_iter_next(ed_channel_iter_t *it, uint64_t *pos)
{
    uint64_t c;
    ed_channel_status_t st;

    if (it == NULL || pos == NULL) {
        return ED_CHANNEL_ERR_ARG;
    }
    if (it->model != ED_CHANNEL_MODEL_BURST) {
        return next_candidate(it, pos);
    }
    /* Burst: the union of the runs [c, min(c + length, stop)), in order; a run that starts inside the previous
     * one continues from its end (starts increase, so the union is the previous run's end onwards). */
    while (it->run_pos >= it->run_end) {
        st = next_candidate(it, &c);
        if (st != ED_CHANNEL_OK) {
            return st;
        }
        it->run_pos = c > it->run_end ? c : it->run_end;
        it->run_end = it->stop - c > it->length ? c + it->length : it->stop;
    }
    *pos = it->run_pos++;
    return ED_CHANNEL_OK;
}

int ed_channel_iter_flips(const ed_channel_iter_t *it, unsigned clean_bit)
{
    uint64_t keep = clean_bit ? it->keep_1to0 : it->keep_0to1;
    uint64_t v;

    if (it->model == ED_CHANNEL_MODEL_BURST) {
        return 1;
    }
    if (it->model == ED_CHANNEL_MODEL_STUCK) { /* stuck at bit 63 of the candidate's draw 2j + 1 */
        return (unsigned)(ed_channel_draw(it->key, 2u * it->last + 1u) >> 63) != (clean_bit & 1u);
    }
    if (keep >= ED_CHANNEL_KEEP_ALL) {
        return 1; /* skip the draw: every 32-bit uniform is below 2^32 */
    }
    v = ed_channel_draw(it->key, 2u * it->last + 1u) >> 32;
    return v < keep;
}

ed_channel_status_t ed_channel_flip_buffer(const ed_channel_params_t *params, uint8_t *buf, size_t nbytes,
                                           uint64_t start, uint64_t stop, uint64_t *positions, size_t capacity,
                                           size_t *count)
{
    ed_channel_iter_t it;
    ed_channel_status_t status;
    uint64_t pos;
    size_t found = 0u;

    if (buf == NULL && nbytes != 0u) {
        return ED_CHANNEL_ERR_ARG;
    }
    if (stop > (uint64_t)nbytes * 8u) {
        return ED_CHANNEL_ERR_RANGE;
    }
    status = ed_channel_iter_init(&it, params, start, stop);
    if (status != ED_CHANNEL_OK) {
        return status;
    }
    /* Candidates strictly increase, so each clean bit is read before any flip could touch it. */
    while (ed_channel_iter_next(&it, &pos) == ED_CHANNEL_OK) {
        uint8_t mask = (uint8_t)(1u << (unsigned)(pos & 7u));
        uint8_t *byte = &buf[(size_t)(pos >> 3)];
        if (ed_channel_iter_flips(&it, (*byte & mask) != 0u)) {
            *byte = (uint8_t)(*byte ^ mask);
            if (positions != NULL && found < capacity) {
                positions[found] = pos;
            }
            ++found;
        }
    }
    if (count != NULL) {
        *count = found;
    }
    return (positions != NULL && found > capacity) ? ED_CHANNEL_ERR_FULL : ED_CHANNEL_OK;
}

ed_channel_status_t ed_channel_foreach(const ed_channel_params_t *params, uint64_t start, uint64_t stop,
                                       ed_channel_read_bit_fn read_bit, ed_channel_visit_fn visit, void *ctx)
{
    ed_channel_iter_t it;
    ed_channel_status_t status;
    uint64_t pos;

    if (params == NULL || visit == NULL ||
        (read_bit == NULL && (params->keep_1to0 != params->keep_0to1 || params->model == ED_CHANNEL_MODEL_STUCK))) {
        return ED_CHANNEL_ERR_ARG;
    }
    status = ed_channel_iter_init(&it, params, start, stop);
    if (status != ED_CHANNEL_OK) {
        return status;
    }
    while (ed_channel_iter_next(&it, &pos) == ED_CHANNEL_OK) {
        unsigned bit = (read_bit != NULL) ? (unsigned)(read_bit(ctx, pos) != 0) : 0u;
        if (ed_channel_iter_flips(&it, bit)) {
            status = visit(ctx, pos);
            if (status != ED_CHANNEL_OK) {
                return status;
            }
        }
    }
    return ED_CHANNEL_OK;
}
