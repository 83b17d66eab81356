/*
 * ed_detect_copy.c: the copy strategies of ed_detect.h for twos or offset words on byte boundaries -- the stored
 * word *is* the level (offset: top bit flipped), so the tensor is copied a word at a time and each flip is XORed
 * into the copy afterwards (copy); then, for copy_range and copy_parity, the range rule and parity-lsb's check and
 * halving run over the copy in the word loops of ed_detect_words.h, and a run that is not clean goes through the
 * counting C passes here.
 */
#include <stddef.h>

#include "ed_detect_bits.h"
#include "ed_detect_words.h"

/* Bytes [a, b) of tensor t's copy (twos or offset, byte-aligned, flips included): the level is the stored word
 * (twos) or it with the top bit flipped (offset) -- 8-bit weights or 32-bit biases, little-endian like the region.
 * The map is XOR-linear, so the flips go into the copy afterwards. Word-aligned stretches (every tensor starts on a
 * 32-bit boundary of the region) go through ed_words_copy. */
static void copy_span(const ed_model_t *md, const ed_tensor_t *t, uint8_t *out, uint32_t a, uint32_t b)
{
    const uint8_t *src = md->weights + (t->bit_offset >> 3);
    const uint32_t x = t->repr != ED_REPR_OFFSET ? 0u : (t->width == 8u ? 0x80808080u : 0x80000000u);
    const uint32_t end = t->bit_offset + 8u * b;
    uint32_t i = a, cursor;
    if ((((uintptr_t)src | (uintptr_t)out) & 3u) == 0u) {
        for (; i < b && (i & 3u) != 0u; i++) {
            out[i] = (uint8_t)(src[i] ^ (uint8_t)(x >> (8u * (i & 3u))));
        }
        ed_words_copy((uint32_t *)(void *)(out + i), (const uint32_t *)(const void *)(src + i), (b - i) / 4u, x);
        i += (b - i) & ~3u;
    }
    for (; i < b; i++) {
        out[i] = (uint8_t)(src[i] ^ (uint8_t)(x >> (8u * (i & 3u))));
    }
    for (cursor = ed_first_flip(md, t->bit_offset + 8u * a); cursor < md->num_flips && md->flips[cursor] < end;
         cursor++) {
        const uint32_t rel = md->flips[cursor] - t->bit_offset;
        out[rel >> 3] = (uint8_t)(out[rel >> 3] ^ (1u << (rel & 7u)));
    }
}

void ed_detect_copy(const ed_model_t *md, const ed_tensor_t *t, void *out, ed_zeroed_t *zeroed)
{
    (void)zeroed;
    copy_span(md, t, (uint8_t *)out, 0, t->count * (t->width >> 3));
}

/* The range rule over n decoded int8 levels of one channel, in place: a level outside [lo, hi] (both int8, or
 * lo > hi: reject all) becomes 0 and is counted. The counting pass: the word loops (ed_detect_words.c) hand it
 * only their failing steps, the unaligned ends of a run and runs that keep nothing. */
static uint32_t range_pass(int8_t *v, uint32_t n, int32_t lo, int32_t hi)
{
    const uint32_t lo4 = (uint32_t)(uint8_t)lo * 0x01010101u, hi4 = (uint32_t)(uint8_t)hi * 0x01010101u;
    uint32_t rejected = 0, x, keep, i;
    for (; n >= 4u; n -= 4u, v += 4) {
        __builtin_memcpy(&x, v, 4); /* any alignment: Cortex-M3/M4/M7 LDR allows it */
        keep = ed_lanes_keep(x, lo4, hi4);
        if (keep != 0xFFFFFFFFu) {
            x &= keep;
            __builtin_memcpy(v, &x, 4);
            for (i = 0; i < 32u; i += 8u) {
                rejected += ((keep >> i) & 1u) ^ 1u;
            }
        }
    }
    for (; n > 0u; n--, v++) {
        if (*v < lo || *v > hi) {
            *v = 0;
            rejected++;
        }
    }
    return rejected;
}

/* parity-lsb (and the range rule when `ranged`) over n copied words of one range channel, in place. A word whose
 * 8 bits have odd parity becomes 0, counted in *zp, and is not range-checked (as the generic loop); any other
 * word's level is the word shifted right by one as an int8 (twos: the 7-bit code sign-extended; offset: the copy
 * already flipped the top bit, which makes it twos -- and flips the parity, hence `odd`), and a level outside
 * [lo, hi] becomes 0, counted in *zr. Four lanes per step: each byte's parity folds into its bit 0 with three
 * shifted XORs, SHADD8 halves, SSUB8/SEL checks the range. */
static void parity_pass(int8_t *v, uint32_t n, uint32_t odd, int ranged, int32_t lo, int32_t hi, uint32_t *zp,
                        uint32_t *zr)
{
    const uint32_t expect = odd ? 0x01010101u : 0u;
    const uint32_t lo4 = (uint32_t)(uint8_t)lo * 0x01010101u, hi4 = (uint32_t)(uint8_t)hi * 0x01010101u;
    uint32_t x, p, bad, keep, i;
    for (; n >= 4u; n -= 4u, v += 4) {
        __builtin_memcpy(&x, v, 4);
        p = x ^ (x >> 4);
        p ^= p >> 2;
        p ^= p >> 1;
        bad = (p & 0x01010101u) ^ expect; /* bit 0 of each lane whose parity fails */
        x = ed_lanes_halve(x);
        keep = ranged ? ed_lanes_keep(x, lo4, hi4) : 0xFFFFFFFFu;
        if (__builtin_expect((bad | ~keep) != 0u, 0)) {
            bad *= 0xFFu; /* 0xFF per failing lane */
            keep &= ~bad;
            for (i = 0; i < 32u; i += 8u) {
                *zp += (bad >> i) & 1u;
                *zr += ((keep | bad) >> i & 1u) ^ 1u;
            }
            x &= keep;
        }
        __builtin_memcpy(v, &x, 4);
    }
    for (; n > 0u; n--, v++) {
        const uint32_t w = (uint8_t)*v;
        const int8_t level = (int8_t)((int8_t)w >> 1);
        if (((0x6996u >> ((w ^ (w >> 4)) & 0xFu)) & 1u) != (odd ? 1u : 0u)) {
            *v = 0;
            (*zp)++;
        } else if (ranged && (level < lo || level > hi)) {
            *v = 0;
            (*zr)++;
        } else {
            *v = level;
        }
    }
}

/* The range rule over n aligned words of levels at w, in place, lo <= hi: the clean steps pass through
 * ed_words_in_range, each failing step (up to four words) through range_pass, which zeroes and counts. */
static uint32_t range_words(uint32_t *w, uint32_t n, int32_t lo, int32_t hi)
{
    const uint32_t lo4 = (uint32_t)(uint8_t)lo * 0x01010101u, span4 = (uint32_t)(hi - lo) * 0x01010101u;
    uint32_t rejected = 0, k;
    while (n > 0u) {
        k = ed_words_in_range(w, n, lo4, span4);
        w += k;
        n -= k;
        if (n > 0u) { /* a rejection among the next (at most) four words */
            k = n < 4u ? n : 4u;
            rejected += range_pass((int8_t *)(void *)w, 4u * k, lo, hi);
            w += k;
            n -= k;
        }
    }
    return rejected;
}

/* parity-lsb (and the range rule when `ranged`, lo <= hi) over n aligned words of copied words at w, in place:
 * the clean steps pass through ed_words_parity_halve, each failing one (left untouched, up to four words) through
 * parity_pass, which zeroes and counts. */
static void parity_words(uint32_t *w, uint32_t n, uint32_t odd, int ranged, int32_t lo, int32_t hi, ed_zeroed_t *z)
{
    uint32_t bounds[2], k;
    bounds[0] = (uint32_t)(uint8_t)lo * 0x01010101u;
    bounds[1] = (uint32_t)(hi - lo) * 0x01010101u;
    while (n > 0u) {
        k = ed_words_parity_halve(w, n, (int)odd, ranged ? bounds : NULL);
        w += k;
        n -= k;
        if (n > 0u) {
            k = n < 4u ? n : 4u;
            parity_pass((int8_t *)(void *)w, 4u * k, odd, ranged, lo, hi, &z->parity, &z->range);
            w += k;
            n -= k;
        }
    }
}

/* Bytes before the first word boundary at v, at most n. */
static uint32_t unaligned_head(const int8_t *v, uint32_t n)
{
    const uint32_t head = (uint32_t)(-(uintptr_t)v & 3u);
    return head < n ? head : n;
}

/* One range channel's run of n int8 levels at v, in place: a level outside [lo, hi] becomes 0 and is counted.
 * The word-aligned middle goes through range_words, the unaligned ends through range_pass. */
static uint32_t range_run(int8_t *v, uint32_t n, int32_t lo, int32_t hi)
{
    const uint32_t head = unaligned_head(v, n), words = (n - head) / 4u;
    int8_t *mid = v + head;
    uint32_t rejected = range_pass(v, head, lo, hi);
    if (words > 0u) {
        rejected += lo > hi ? range_pass(mid, 4u * words, lo, hi)
                            : range_words((uint32_t *)(void *)mid, words, lo, hi);
    }
    return rejected + range_pass(mid + 4u * words, n - head - 4u * words, lo, hi);
}

/* parity-lsb (and the range rule when `ranged`) over n copied words at v: as parity_pass, the word-aligned middle
 * through parity_words. */
static void parity_run(int8_t *v, uint32_t n, uint32_t odd, int ranged, int32_t lo, int32_t hi, ed_zeroed_t *z)
{
    const uint32_t head = unaligned_head(v, n), words = (n - head) / 4u, tail = n - head - 4u * words;
    if (head > 0u) {
        parity_pass(v, head, odd, ranged, lo, hi, &z->parity, &z->range);
    }
    if (words > 0u && lo > hi) { /* the range rejects everything */
        parity_pass(v + head, 4u * words, odd, ranged, lo, hi, &z->parity, &z->range);
    } else if (words > 0u) {
        parity_words((uint32_t *)(void *)(v + head), words, odd, ranged, lo, hi, z);
    }
    if (tail > 0u) {
        parity_pass(v + head + 4u * words, tail, odd, ranged, lo, hi, &z->parity, &z->range);
    }
}

/* Bit 0 of v's parity. */
static uint32_t parity32(uint32_t v)
{
    v ^= v >> 16;
    v ^= v >> 8;
    v ^= v >> 4;
    return (0x6996u >> (v & 0xFu)) & 1u;
}

/* int32 biases after the copy: parity-lsb when `parity` (the level is the word shifted right by one, as int32:
 * twos directly, offset after the copy's top-bit flip, which flips the parity too), then each channel's int64
 * range bounds. */
static void bias_checks(const ed_tensor_t *t, int32_t *b, int parity, ed_zeroed_t *z)
{
    /* locals: the int32 stores below may alias t's uint32 fields */
    const uint32_t odd = parity && t->repr == ED_REPR_OFFSET, count = t->count, ch_div = t->ch_div;
    const uint32_t ch_mod = t->ch_mod, *const bounds = t->rwords;
    const int range = t->range;
    uint32_t i, c = 0, in_ch = 0, zp = 0, zr = 0;
    if (!parity && bounds != NULL) { /* the range rule alone, with int32 bounds: a tight loop per channel run */
        for (i = 0; i < count; c = c + 1u == ch_mod ? 0u : c + 1u) {
            const uint32_t lo = bounds[2u * c], span = bounds[2u * c + 1u];
            const uint32_t stop = count - i < ch_div ? count : i + ch_div;
            for (; i < stop; i++) {
                if ((uint32_t)b[i] - lo > span) {
                    b[i] = 0;
                    zr++;
                }
            }
        }
        z->range += zr;
        return;
    }
    for (i = 0; i < count; i++) {
        const int bad = parity && parity32((uint32_t)b[i]) != odd; /* then not range-checked, as the generic loop */
        if (parity && !bad) {
            b[i] = (int32_t)((uint32_t)b[i] & 0xFFFFFFFEu) / 2; /* even: the division is the arithmetic shift */
        }
        if (bad) {
            b[i] = 0;
            zp++;
        } else if (range && (bounds != NULL ? (uint32_t)b[i] - bounds[2u * c] > bounds[2u * c + 1u]
                                            : b[i] < t->lo[c] || b[i] > t->hi[c])) {
            b[i] = 0;
            zr++;
        }
        if (++in_ch == ch_div) {
            in_ch = 0;
            c = c + 1u == ch_mod ? 0u : c + 1u;
        }
    }
    z->parity += zp;
    z->range += zr;
}

/* copy_range and copy_parity: the plain copy (flips included), then parity-lsb (copy_parity) and the range rule:
 * int8 weights one range channel run of ch_div values at a time with plan_fast's clamped bounds, int32 biases
 * one by one. */
void ed_detect_copy_checked(const ed_model_t *md, const ed_tensor_t *t, void *out, ed_zeroed_t *zeroed)
{
    const int parity = t->fast == ED_DETECT_COPY_PARITY;
    const uint32_t odd = t->repr == ED_REPR_OFFSET; /* parity_pass: the copy flipped the top bit of offset */
    const uint8_t *src = md->weights + t->bit_offset / 8u;
    const uint32_t cursor = ed_first_flip(md, t->bit_offset);
    uint32_t e, c = 0, n;
    if (!parity && t->role == 0u && t->repr == ED_REPR_TWOS && t->rwords != NULL && t->ch_div % 16u == 0u &&
        (((uintptr_t)src | (uintptr_t)out) & 3u) == 0u &&
        (cursor >= md->num_flips || md->flips[cursor] >= t->bit_offset + 8u * t->count)) {
        /* flip-free twos channels of whole 16-byte steps: copy and test in one pass; a rejection is done below */
        if (ed_words_copy_ranges((uint32_t *)out, (const uint32_t *)(const void *)src, t->ch_mod, t->ch_div / 4u,
                                 t->rwords) == 0u) {
            return;
        }
    } else {
        copy_span(md, t, (uint8_t *)out, 0, t->count * (t->width >> 3));
    }
    if (t->role != 0u) {
        bias_checks(t, (int32_t *)out, parity, zeroed);
        return;
    }
    if (!t->range) { /* parity alone: one run */
        parity_run((int8_t *)out, t->count, odd, 0, -128, 127, zeroed);
        return;
    }
    if (t->rwords != NULL && ((uintptr_t)out & 3u) == 0u) { /* whole aligned channels of 4k values, lo <= hi */
        const uint32_t nw = t->ch_div / 4u;
        for (e = 0; c < t->ch_mod; c++, e += t->ch_div) {
            uint32_t *w = (uint32_t *)(void *)((uint8_t *)out + e);
            const uint32_t *bounds = t->rwords + 2u * c;
            const uint32_t k = parity ? ed_words_parity_halve(w, nw, (int)odd, bounds)
                                      : ed_words_in_range(w, nw, bounds[0], bounds[1]);
            if (k < nw) { /* a rejection: the rest of the channel, counting (lo and span in every byte lane) */
                const int32_t lo = (int8_t)(uint8_t)bounds[0], hi = lo + (int32_t)(bounds[1] & 0xFFu);
                if (parity) {
                    parity_words(w + k, nw - k, odd, 1, lo, hi, zeroed);
                } else {
                    zeroed->range += range_words(w + k, nw - k, lo, hi);
                }
            }
        }
        return;
    }
    for (e = 0; e < t->count; e += n) {
        /* lo in [-128, 128], hi = lo + span <= 127; lo = 128 rejects everything. With words (an unaligned out):
         * lo <= 127 and the span in their byte lanes */
        const int32_t rlo = t->rwords != NULL ? (int8_t)(uint8_t)t->rwords[2u * c] : t->rlo[c];
        const int32_t span = t->rwords != NULL ? (int32_t)(t->rwords[2u * c + 1u] & 0xFFu) : (int32_t)t->rspan[c];
        const int32_t lo = rlo > 127 ? 127 : rlo, hi = rlo > 127 ? -128 : lo + span;
        n = t->count - e < t->ch_div ? t->count - e : t->ch_div;
        if (parity) {
            parity_run((int8_t *)out + e, n, odd, 1, lo, hi, zeroed);
        } else {
            zeroed->range += range_run((int8_t *)out + e, n, lo, hi);
        }
        c = c + 1u == t->ch_mod ? 0u : c + 1u;
    }
}
