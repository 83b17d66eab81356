/*
 * ed_detect.c: the decode + detect pass of one tensor (see ed_detect.h): picks the fastest of five strategies that
 * give identical values and counts (ed_detect_fast_kind), builds the lut strategy's table, and dispatches through a
 * table. One file per strategy:
 *
 *   ed_detect_generic.c   generic: any width, bit-gathered words, the reference path
 *   ed_detect_lut.c       lut: int8 weights of width <= 9 and m <= 8, one table look-up per word
 *   ed_detect_copy.c      copy, copy_range, copy_parity: twos / offset words on byte boundaries, copied a word at
 *                         a time and checked in the word loops of ed_detect_words.h (detect/<variant>/)
 *
 * The flip list is sorted, so each strategy walks it with one cursor alongside the words (found by binary search
 * at the tensor's start, ed_first_flip).
 */
#include "ed_detect_bits.h"

#include <string.h>

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

int ed_detect_reads_bounds(const ed_tensor_t *t)
{
    /* the generic loop; the copy loops' biases without int32 bounds (bias_checks). The lut and copy loops' int8
     * weights read plan_fast's rlo / rspan or rwords instead. */
    return t->range && !t->in_payload && (t->fast == ED_DETECT_GENERIC || (t->role == 1u && t->rwords == NULL));
}

void ed_detect_build_lut(const ed_tensor_t *t, uint16_t *lut)
{
    const uint32_t mask = ed_code_mask(t);
    uint32_t w;
    for (w = 0; w < ((uint32_t)1 << t->width); w++) {
        int bad;
        const int64_t level = ed_word_level(t, w, mask, &bad); /* m <= 8: -128 <= level <= 127 */
        lut[w] = bad ? (uint16_t)ED_DETECT_LUT_BAD : (uint16_t)(level + 128);
    }
}

static const ed_detect_fn strategies[] = {
    [ED_DETECT_GENERIC] = ed_detect_generic,
    [ED_DETECT_LUT] = ed_detect_lut,
    [ED_DETECT_COPY] = ed_detect_copy,
    [ED_DETECT_COPY_RANGE] = ed_detect_copy_checked,
    [ED_DETECT_COPY_PARITY] = ed_detect_copy_checked,
};

/* The ECC `zero` policy (host: storage/ecc/protected.py zero_blocks): words of t overlapping the data bits
 * [b k, (b + 1) k) of a failed block b read 0; returns how many (a word across two failed blocks counts once). */
static uint32_t zero_failed_blocks(const ed_model_t *md, const ed_tensor_t *t, void *out)
{
    const uint64_t k = md->ecc_k, off = t->bit_offset, end = off + (uint64_t)t->count * t->width;
    uint64_t b, next = 0; /* words [0, next) are done */
    uint32_t n = 0;
    for (b = off / k; t->count != 0u && b * k < end; b++) {
        uint64_t first, last, j;
        if (((md->ecc_failed[b >> 3] >> (b & 7u)) & 1u) == 0u) {
            continue;
        }
        first = b * k > off ? (b * k - off) / t->width : 0u;
        last = ((b + 1u) * k < end ? (b + 1u) * k - 1u - off : end - 1u - off) / t->width;
        first = first > next ? first : next;
        for (j = first; j <= last; j++) {
            if (t->role == 0u) {
                ((int8_t *)out)[j] = 0;
            } else {
                ((int32_t *)out)[j] = 0;
            }
        }
        if (last + 1u > first) {
            n += (uint32_t)(last + 1u - first);
        }
        next = last + 1u > next ? last + 1u : next;
    }
    return n;
}

/* A protected bias (in_payload): its clean words, repaired from the payload at LOAD (t->clean), through the generic
 * loop, with no flips, no detection (neither parity nor range: ed_detect_generic takes in_payload words as stored)
 * and no ECC blocks -- the host's clean values (RegionCodec.decode_values). Parity holds on the words pack wrote; a
 * payload re-sealed with a word whose parity does not hold decodes that word as the host does, nothing counted. */
static void decode_payload_tensor(const ed_model_t *md, const ed_tensor_t *t, void *out)
{
    ed_model_t view = *md;
    ed_tensor_t tv = *t;
    ed_zeroed_t none = {0, 0, 0};
    view.weights = t->clean;
    view.flips = NULL;
    view.num_flips = 0;
    tv.bit_offset = t->bit_offset % 8u;
    tv.range = 0;
    ed_detect_generic(&view, &tv, out, &none);
}

void ed_detect_tensor(const ed_model_t *md, const ed_tensor_t *t, void *out, ed_zeroed_t *zeroed)
{
    if (t->in_payload) {
        decode_payload_tensor(md, t, out);
        return;
    }
    strategies[t->fast < sizeof strategies / sizeof strategies[0] ? t->fast : ED_DETECT_GENERIC](md, t, out, zeroed);
    if (md->ecc_failed != NULL) {
        zeroed->ecc += zero_failed_blocks(md, t, out);
    }
}
