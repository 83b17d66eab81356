/*
 * ed_detect.c: the decode + detect pass of one tensor (see ed_detect.h), in five variants that give identical
 * values and counts:
 *
 *   generic      any width: words gathered byte by byte from flash -- never a byte past the tensor's last bit --
 *                XORed with the flips inside them, parity, ed_decode_index, range in 64 bits. The reference path
 *                (LOAD flag no_lut forces it) and the one for the coded representations' biases.
 *   lut          int8 weights of width <= 9 and m <= 8 (every representation with none / parity-lsb /
 *                parity-extra / range): one look-up in a 2^width table built by ed_detect_build_lut from the
 *                generic word decoder gives the biased level or a parity sentinel; four words at a time for width
 *                8, tested against the channel's range in SIMD.
 *   copy         twos or offset without detection, byte-aligned int8 weights (width 8) or int32 biases (width 32):
 *                the stored word *is* the level (offset: top bit flipped), so the tensor is copied a word at a
 *                time and each flip is XORed into the copy afterwards.
 *   copy_range   the same words with the range rule: the copy and a test of four levels per word
 *   copy_parity  the same words with parity-lsb (+ range): the copy, then parity, halving and range in place
 *
 * The copy variants' word loops are ed_detect_words.c; they only report whether a run is clean, and a run that is
 * not goes through the counting C passes here. The flip list is sorted, so one cursor walks it alongside the words
 * (found by binary search at the tensor's start); lut runs flip-free stretches in a tight loop and sends the few
 * flipped words through the same loop one at a time.
 */
#include "ed_detect.h"

#include "ed_decode.h"
#include "ed_detect_words.h"

/* First flip at or after bit `pos`. */
static uint32_t first_flip(const ed_model_t *md, uint32_t pos)
{
    uint32_t lo = 0, hi = md->num_flips;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2u;
        if (md->flips[mid] < pos) {
            lo = mid + 1u;
        } else {
            hi = mid;
        }
    }
    return lo;
}

/* `width` (<= 33) bits at region bit `pos`, LSB first. */
static uint64_t gather(const uint8_t *region, uint32_t pos, unsigned width)
{
    const uint8_t *p = region + (pos >> 3);
    const unsigned shift = pos & 7u;
    const unsigned nbytes = (shift + width + 7u) >> 3;
    uint64_t v = 0;
    unsigned i;
    for (i = 0; i < nbytes; i++) {
        v |= (uint64_t)p[i] << (8u * i);
    }
    v >>= shift;
    return width >= 64u ? v : v & (((uint64_t)1 << width) - 1u);
}

static unsigned parity64(uint64_t v)
{
    uint32_t x = (uint32_t)v ^ (uint32_t)(v >> 32);
    x ^= x >> 16;
    x ^= x >> 8;
    x ^= x >> 4;
    return (0x6996u >> (x & 0xFu)) & 1u;
}

/* One stored word (flips applied) -> its level; *bad = 1 when the parity fails. RegionCodec.decode_words up to
 * the range check, shared by the generic loop and the table builder so both paths are one definition. */
static inline int64_t word_level(const ed_tensor_t *t, uint64_t word, uint32_t code_mask, int *bad)
{
    *bad = 0;
    if (t->parity == ED_PARITY_SHIFTED) {
        *bad = (int)parity64(word);
        word >>= 1;
    } else if (t->parity == ED_PARITY_BIT30) {
        *bad = (int)parity64(word);
        word &= ~((uint64_t)1 << 30);
    }
    return (int64_t)ed_decode_index(t, (uint32_t)word & code_mask) - ((int64_t)1 << (t->m - 1u));
}

static uint32_t code_mask_of(const ed_tensor_t *t)
{
    return t->m >= 32u ? 0xFFFFFFFFu : (((uint32_t)1 << t->m) - 1u);
}

unsigned ed_detect_fast_kind(const ed_tensor_t *t)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
    const int little = 0; /* copy lays the region's little-endian bias words out as int32 in place */
#else
    const int little = 1;
#endif
    /* twos or offset words on byte boundaries that are whole int8 weights or int32 biases: the code fills the
     * word but for parity-lsb's bit */
    const unsigned spare = t->parity == ED_PARITY_SHIFTED ? 1u : 0u;
    const int words = (t->bit_offset & 7u) == 0u && (t->repr == ED_REPR_TWOS || t->repr == ED_REPR_OFFSET) &&
                      t->m + spare == t->width &&
                      ((t->role == 0u && t->width == 8u) || (t->role == 1u && t->width == 32u && little));
    if (words && t->parity == ED_PARITY_NONE) {
        return t->range ? ED_DETECT_COPY_RANGE : ED_DETECT_COPY;
    }
    if (words && t->parity == ED_PARITY_SHIFTED) {
        return ED_DETECT_COPY_PARITY;
    }
    if (t->role != 0u || t->m > 8u || t->width > ED_DETECT_LUT_BITS) {
        return ED_DETECT_GENERIC;
    }
    return ED_DETECT_LUT;
}

void ed_detect_build_lut(const ed_tensor_t *t, uint16_t *lut)
{
    const uint32_t mask = code_mask_of(t);
    uint32_t w;
    for (w = 0; w < ((uint32_t)1 << t->width); w++) {
        int bad;
        const int64_t level = word_level(t, w, mask, &bad); /* m <= 8: -128 <= level <= 127 */
        lut[w] = bad ? (uint16_t)ED_DETECT_LUT_BAD : (uint16_t)(level + 128);
    }
}

static void detect_generic(const ed_model_t *md, const ed_tensor_t *t, void *out, ed_zeroed_t *zeroed)
{
    /* Locals for everything the loop reads: the int8 stores below may alias any memory, so fields read through
     * md or t would be reloaded on every word. */
    const ed_tensor_t tl = *t;
    const uint8_t *region = md->weights;
    const uint32_t *flips = md->flips;
    const uint32_t nflips = md->num_flips;
    const uint32_t width = tl.width;
    const uint32_t code_mask = code_mask_of(&tl);
    int8_t *out8 = (int8_t *)out;
    int32_t *out32 = (int32_t *)out;
    uint32_t cursor = first_flip(md, tl.bit_offset);
    uint32_t next = cursor < nflips ? flips[cursor] : 0xFFFFFFFFu;
    uint32_t pos = tl.bit_offset;
    uint32_t j, ch = 0, in_ch = 0, zp = 0, zr = 0;

    for (j = 0; j < tl.count; j++, pos += width) {
        uint64_t word;
        int64_t value;
        int bad;
        if ((pos & 7u) + width <= 32u) { /* the common case: the word sits in one 32-bit window */
            const uint8_t *p = region + (pos >> 3);
            const unsigned nbytes = ((pos & 7u) + width + 7u) >> 3;
            uint32_t v = p[0];
            if (nbytes > 1u) {
                v |= (uint32_t)p[1] << 8;
                if (nbytes > 2u) {
                    v |= (uint32_t)p[2] << 16;
                    if (nbytes > 3u) {
                        v |= (uint32_t)p[3] << 24;
                    }
                }
            }
            v >>= pos & 7u;
            word = width >= 32u ? v : v & (((uint32_t)1 << width) - 1u);
        } else {
            word = gather(region, pos, width);
        }
        if (next < pos + width) { /* flips inside this word; those in padding between tensors are skipped */
            while (next < pos) {
                next = ++cursor < nflips ? flips[cursor] : 0xFFFFFFFFu;
            }
            while (next < pos + width) {
                word ^= (uint64_t)1 << (next - pos);
                next = ++cursor < nflips ? flips[cursor] : 0xFFFFFFFFu;
            }
        }
        value = word_level(&tl, word, code_mask, &bad);
        if (tl.range) {
            /* channel of element j: (j / ch_div) % ch_mod, tracked incrementally */
            if (!bad && (value < tl.lo[ch] || value > tl.hi[ch])) {
                bad = 2;
            }
            if (++in_ch == tl.ch_div) {
                in_ch = 0;
                ch = ch + 1u == tl.ch_mod ? 0u : ch + 1u;
            }
        }
        if (bad) {
            value = 0;
            if (bad == 2) {
                zr++;
            } else {
                zp++;
            }
        }
        if (tl.role == 0u) {
            out8[j] = (int8_t)(uint8_t)((uint64_t)value & 0xFFu); /* numpy astype(int8) wraps */
        } else {
            out32[j] = (int32_t)(uint32_t)((uint64_t)value & 0xFFFFFFFFu);
        }
    }
    zeroed->parity += zp;
    zeroed->range += zr;
}

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
    for (cursor = first_flip(md, t->bit_offset + 8u * a); cursor < md->num_flips && md->flips[cursor] < end;
         cursor++) {
        const uint32_t rel = md->flips[cursor] - t->bit_offset;
        out[rel >> 3] = (uint8_t)(out[rel >> 3] ^ (1u << (rel & 7u)));
    }
}

static void detect_copy(const ed_model_t *md, const ed_tensor_t *t, uint8_t *out)
{
    copy_span(md, t, out, 0, t->count * (t->width >> 3));
}

/* Lanes of v (four int8) inside [lo, hi]: 0xFF per kept lane, 0x00 per rejected one. SSUB8 sets a GE flag per
 * byte lane where a >= b and SEL picks per lane by them; one asm block keeps the flags in order. */
static inline uint32_t keep_lanes(uint32_t v, uint32_t lo4, uint32_t hi4)
{
#if defined(__ARM_FEATURE_DSP) && defined(__GNUC__)
    uint32_t keep, t;
    __asm__("ssub8  %[t], %[v], %[lo]\n\t"
            "sel    %[k], %[ones], %[zero]\n\t"
            "ssub8  %[t], %[hi], %[v]\n\t"
            "sel    %[k], %[k], %[zero]"
            : [k] "=&r"(keep), [t] "=&r"(t)
            : [v] "r"(v), [lo] "r"(lo4), [hi] "r"(hi4), [ones] "r"(0xFFFFFFFFu), [zero] "r"(0u)
            : "cc");
    return keep;
#else
    uint32_t keep = 0, i;
    for (i = 0; i < 32u; i += 8u) {
        const int32_t x = (int8_t)(v >> i), lo = (int8_t)(lo4 >> i), hi = (int8_t)(hi4 >> i);
        keep |= (x >= lo && x <= hi ? 0xFFu : 0u) << i;
    }
    return keep;
#endif
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
        keep = keep_lanes(x, lo4, hi4);
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
        keep = ranged ? keep_lanes(x, lo4, hi4) : 0xFFFFFFFFu;
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
static void detect_copy_checked(const ed_model_t *md, const ed_tensor_t *t, void *out, ed_zeroed_t *zeroed)
{
    const int parity = t->fast == ED_DETECT_COPY_PARITY;
    const uint32_t odd = t->repr == ED_REPR_OFFSET; /* parity_pass: the copy flipped the top bit of offset */
    const uint8_t *src = md->weights + t->bit_offset / 8u;
    const uint32_t cursor = first_flip(md, t->bit_offset);
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
        detect_copy(md, t, (uint8_t *)out);
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
            if (k < nw) { /* a rejection: the rest of the channel, counting */
                const int32_t lo = t->rlo[c], hi = lo + (int32_t)t->rspan[c];
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
        /* lo in [-128, 128], hi = lo + span <= 127; lo = 128 rejects everything */
        const int32_t lo = t->rlo[c] > 127 ? 127 : t->rlo[c], hi = t->rlo[c] > 127 ? -128 : lo + (int32_t)t->rspan[c];
        n = t->count - e < t->ch_div ? t->count - e : t->ch_div;
        if (parity) {
            parity_run((int8_t *)out + e, n, odd, 1, lo, hi, zeroed);
        } else {
            zeroed->range += range_run((int8_t *)out + e, n, lo, hi);
        }
        c = c + 1u == t->ch_mod ? 0u : c + 1u;
    }
}

typedef struct {
    const uint16_t *lut; /* ed_detect_build_lut's table of the tensor */
    const int32_t *lo;   /* per range channel, or NULL: every level is in range */
    const uint32_t *span;
    uint32_t ch, in_ch, ch_div, ch_mod;
    uint32_t zp, zr;
    unsigned width;
} lut_run_t;

/* A table entry outside [blo, blo + span] (biased bounds; the parity sentinel always is) becomes level 0 and is
 * counted here, out of the loops' way (rare: one word in hundreds at the bit error rates that matter). */
static int8_t reject(lut_run_t *s, uint32_t v)
{
    if (v == ED_DETECT_LUT_BAD) {
        s->zp++;
    } else {
        s->zr++;
    }
    return 0;
}

/* The level of a kept table entry (level + 128). */
static int8_t unbias(uint32_t v)
{
    return (int8_t)(uint8_t)(v ^ 0x80u);
}

/* n4 groups of four byte-aligned int8 words of one range channel: each group's four table entries are gathered
 * into two halfword pairs -- a parity sentinel shows in their high bytes -- and then into one word of biased
 * levels, tested against the range four lanes at a time. Returns 0 iff every word was kept; otherwise the caller
 * decodes the run again one word at a time, which counts. */
static uint32_t lut_bytes4(const uint16_t *lut, const uint8_t *src, int8_t *dst, uint32_t n4, uint32_t lo4,
                           uint32_t span4)
{
    uint32_t flags = 0, range = 0, i;
    for (i = 0; i < n4; i++, src += 4, dst += 4) {
        const uint32_t h02 = lut[src[0]] | (uint32_t)lut[src[2]] << 16;
        const uint32_t h13 = lut[src[1]] | (uint32_t)lut[src[3]] << 16;
        const uint32_t word = h02 | h13 << 8; /* lanes 0..3 when no entry is the sentinel */
        const uint32_t levels = word ^ 0x80808080u;
        flags |= h02 | h13;
        range |= ed_lanes_out_of_range(word, lo4, span4);
        __builtin_memcpy(dst, &levels, 4);
    }
    return (flags & 0xFF00FF00u) | range;
}

/* The two inner loops: k flip-free words of one range channel with level bounds lo .. lo + span, bytes or a 16-bit
 * window at bit `pos`. An entry v is kept when (unsigned)(v - (lo + 128)) <= span, one compare that also rejects
 * the parity sentinel (far above every bound). */
static void lut_bytes(lut_run_t *s, const uint8_t *src, int8_t *dst, uint32_t k, int32_t lo, uint32_t span)
{
    const uint16_t *lut = s->lut;
    const uint32_t blo = (uint32_t)(lo + 128); /* 0 .. 256; 256 keeps nothing */
    uint32_t i;
    if (k >= 4u && blo <= 255u &&
        lut_bytes4(lut, src, dst, k / 4u, blo * 0x01010101u, span * 0x01010101u) == 0u) {
        src += k & ~3u;
        dst += k & ~3u;
        k &= 3u;
    }
    for (i = 0; i < k; i++) {
        const uint32_t v = lut[src[i]];
        dst[i] = __builtin_expect(v - blo <= span, 1) ? unbias(v) : reject(s, v);
    }
}

static void lut_window(lut_run_t *s, const uint8_t *src, uint32_t pos, int8_t *dst, uint32_t k, int32_t lo,
                       uint32_t span)
{
    const uint16_t *lut = s->lut;
    const unsigned width = s->width;
    const uint32_t wmask = ((uint32_t)1 << width) - 1u, blo = (uint32_t)(lo + 128);
    uint32_t i;
    for (i = 0; i < k; i++, pos += width) {
        const uint8_t *p = src + (pos >> 3);
        const uint32_t v = lut[(((uint32_t)p[0] | ((uint32_t)p[1] << 8)) >> (pos & 7u)) & wmask];
        dst[i] = __builtin_expect(v - blo <= span, 1) ? unbias(v) : reject(s, v);
    }
}

/* n flip-free words from bit `pos` of src into dst, one range channel run at a time, through lut_bytes (width 8
 * on a byte boundary) or lut_window (a 16-bit window, which the caller keeps inside src). */
static void lut_words(lut_run_t *s, const uint8_t *src, uint32_t pos, int8_t *dst, uint32_t n)
{
    const int bytes = s->width == 8u && (pos & 7u) == 0u;
    while (n > 0u) {
        uint32_t k = n, span = ED_DETECT_FULL_SPAN;
        int32_t lo = -128;
        if (s->lo != NULL) {
            k = s->ch_div - s->in_ch < n ? s->ch_div - s->in_ch : n;
            lo = s->lo[s->ch];
            span = s->span[s->ch];
        }
        if (bytes) {
            lut_bytes(s, src + (pos >> 3), dst, k, lo, span);
        } else {
            lut_window(s, src, pos, dst, k, lo, span);
        }
        pos += k * s->width;
        if (s->lo != NULL) {
            s->in_ch += k;
            if (s->in_ch == s->ch_div) {
                s->in_ch = 0;
                s->ch = s->ch + 1u == s->ch_mod ? 0u : s->ch + 1u;
            }
        }
        dst += k;
        n -= k;
    }
}

static void detect_lut(const ed_model_t *md, const ed_tensor_t *t, int8_t *out, ed_zeroed_t *zeroed)
{
    const uint32_t *flips = md->flips;
    const uint32_t nflips = md->num_flips;
    const uint32_t width = t->width, count = t->count, base = t->bit_offset;
    const uint32_t end = base + count * width; /* the loader checked it lies inside the region */
    uint32_t cursor = first_flip(md, base), safe = count, j = 0;
    lut_run_t s;

    s.lut = t->wlut, s.lo = t->range ? t->rlo : NULL, s.span = t->rspan, s.width = width;
    s.ch = 0, s.in_ch = 0, s.ch_div = t->ch_div, s.ch_mod = t->ch_mod, s.zp = 0, s.zr = 0;
    if (!(width == 8u && (base & 7u) == 0u)) {
        /* the 16-bit window reads the byte after a word's first: only words starting before the region's last
         * byte run in place; the one or two after go through the copy below */
        const uint64_t last = 8u * (uint64_t)(md->weights_len > 0u ? md->weights_len - 1u : 0u);
        const uint64_t n = last > base ? (last - base + width - 1u) / width : 0u;
        safe = n < count ? (uint32_t)n : count;
    }
    while (j < count) {
        uint32_t stop = cursor < nflips && flips[cursor] < end ? (flips[cursor] - base) / width : count;
        stop = stop < safe ? stop : safe;
        if (stop > j) {
            lut_words(&s, md->weights, base + j * width, out + j, stop - j);
            j = stop;
        } else { /* a word with flips (or at the region's end): applied to a copy, then the same loop */
            const uint32_t pos = base + j * width;
            uint32_t word = (uint32_t)gather(md->weights, pos, width);
            uint8_t tmp[2];
            while (cursor < nflips && flips[cursor] < pos + width) {
                word ^= (uint32_t)1 << (flips[cursor] - pos);
                cursor++;
            }
            tmp[0] = (uint8_t)word;
            tmp[1] = (uint8_t)(word >> 8);
            lut_words(&s, tmp, 0, out + j, 1);
            j++;
        }
    }
    zeroed->parity += s.zp;
    zeroed->range += s.zr;
}

void ed_detect_tensor(const ed_model_t *md, const ed_tensor_t *t, void *out, ed_zeroed_t *zeroed)
{
    if (t->fast == ED_DETECT_COPY) {
        detect_copy(md, t, (uint8_t *)out);
    } else if (t->fast == ED_DETECT_COPY_RANGE || t->fast == ED_DETECT_COPY_PARITY) {
        detect_copy_checked(md, t, out, zeroed);
    } else if (t->fast == ED_DETECT_LUT) {
        detect_lut(md, t, (int8_t *)out, zeroed);
    } else {
        detect_generic(md, t, out, zeroed);
    }
}
