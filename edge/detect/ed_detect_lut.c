/*
 * ed_detect_lut.c: the lut strategy of ed_detect.h for int8 weights of width <= 9 and m <= 8 (every
 * representation with none / parity-lsb / parity-extra / range): one look-up in a 2^width table built by
 * ed_detect_build_lut from the generic word decoder gives the biased level or a parity sentinel; four words at a
 * time for width 8, tested against the channel's range in SIMD. Flip-free stretches run in a tight loop; the few
 * flipped words go through the same loop one at a time.
 */
#include <stddef.h>

#include "ed_detect_bits.h"
#include "ed_detect_words.h"

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

void ed_detect_lut(const ed_model_t *md, const ed_tensor_t *t, void *out_, ed_zeroed_t *zeroed)
{
    int8_t *const out = (int8_t *)out_;
    const uint32_t *flips = md->flips;
    const uint32_t nflips = md->num_flips;
    const uint32_t width = t->width, count = t->count, base = t->bit_offset;
    const uint32_t end = base + count * width; /* the loader checked it lies inside the region */
    uint32_t cursor = ed_first_flip(md, base), safe = count, j = 0;
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
            uint32_t word = (uint32_t)ed_gather(md->weights, pos, width);
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
