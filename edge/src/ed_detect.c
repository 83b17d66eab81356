/*
 * ed_detect.c: the decode + detect pass of one tensor (see ed_detect.h). Words are gathered byte by byte from
 * flash -- never a byte past the tensor's last bit -- and XORed with the flips that fall inside them; the flip
 * list is sorted, so one cursor walks it alongside the words (found by binary search at the tensor's start).
 */
#include "ed_detect.h"

#include "ed_decode.h"

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

void ed_detect_tensor(const ed_model_t *md, const ed_tensor_t *t, void *out, ed_zeroed_t *zeroed)
{
    /* Locals for everything the loop reads: the int8 stores below may alias any memory, so fields read through
     * md or t would be reloaded on every word. */
    const ed_tensor_t tl = *t;
    const uint8_t *region = md->weights;
    const uint32_t *flips = md->flips;
    const uint32_t nflips = md->num_flips;
    const uint32_t width = tl.width;
    const uint32_t code_mask = tl.m >= 32u ? 0xFFFFFFFFu : (((uint32_t)1 << tl.m) - 1u);
    const int64_t half = (int64_t)1 << (tl.m - 1u);
    int8_t *out8 = (int8_t *)out;
    int32_t *out32 = (int32_t *)out;
    uint32_t cursor = first_flip(md, tl.bit_offset);
    uint32_t next = cursor < nflips ? flips[cursor] : 0xFFFFFFFFu;
    uint32_t pos = tl.bit_offset;
    uint32_t j, ch = 0, in_ch = 0, zp = 0, zr = 0;

    for (j = 0; j < tl.count; j++, pos += width) {
        uint64_t word;
        uint32_t code;
        int64_t value;
        int bad = 0;
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
        if (tl.parity == ED_PARITY_LSB) {
            bad = (int)parity64(word);
            word >>= 1;
        } else if (tl.parity == ED_PARITY_EXP) {
            bad = (int)parity64(word);
            word &= ~((uint64_t)1 << 30);
        }
        code = (uint32_t)word & code_mask;
        value = (int64_t)ed_decode_index(&tl, code) - half;
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
