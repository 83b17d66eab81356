/*
 * ed_detect_generic.c: the generic decode + detect loop (ed_detect.h): any width, words gathered byte by byte
 * from flash -- never a byte past the tensor's last bit -- XORed with the flips inside them, parity,
 * ed_decode_index, range in 64 bits. The reference path (LOAD flag no_lut forces it) and the one for the coded
 * representations' biases.
 */
#include "ed_detect_bits.h"

void ed_detect_generic(const ed_model_t *md, const ed_tensor_t *t, void *out, ed_zeroed_t *zeroed)
{
    /* Locals for everything the loop reads: the int8 stores below may alias any memory, so fields read through
     * md or t would be reloaded on every word. */
    const ed_tensor_t tl = *t;
    const uint8_t *region = md->weights;
    const uint32_t *flips = md->flips;
    const uint32_t nflips = md->num_flips;
    const uint32_t width = tl.width;
    const uint32_t code_mask = ed_code_mask(&tl);
    int8_t *out8 = (int8_t *)out;
    int32_t *out32 = (int32_t *)out;
    uint32_t cursor = ed_first_flip(md, tl.bit_offset);
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
            word = ed_gather(region, pos, width);
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
        value = ed_word_level(&tl, word, code_mask, &bad);
        if (tl.in_payload) { /* clean words of the BCH-repaired payload: taken as stored, parity unchecked */
            bad = 0;
        }
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
