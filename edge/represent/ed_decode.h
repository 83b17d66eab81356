/*
 * ed_decode: stored codeword -> level index for every representation an image may use, twins of
 * host/eccless/represent/. Each representation is one file, edge/represent/ed_repr_<name>.c defining
 * ed_decode_<name>; the ids, prototypes and the list come from the generated ed_represent_ids.h, and
 * ed_represent.c turns the list into the table ed_decode_index calls through. Adding a representation adds its
 * Python module, its registry line and its C file: nothing here changes.
 *
 * The generic decode path costs one indirect call per word. The fast paths of edge/detect never take it: twos and
 * offset words are copied and tested as words, and for m <= 16 the loader fills a 2^m-entry table once per LOAD
 * (ed_detect_build_lut) from these decoders. The Hamming-weight order's int32 biases (m = 31/32) use its
 * enumerative decoder. docs/FIRMWARE.md has the measured costs.
 */
#ifndef ED_DECODE_H
#define ED_DECODE_H

#include <stdint.h>

#include "ed_model.h"
#include "ed_represent_ids.h"

#define ED_LUT_BITS 16u

typedef uint32_t (*ed_decode_fn)(const ed_tensor_t *t, uint32_t code);

/* Indexed by representation id; 0 (raw float32 words) has no decoder: the loader refuses it before decoding. */
extern const ed_decode_fn ed_decoders[ED_REPR_MAX + 1u];

/* C(a, b) for 0 <= a <= 32, 0 <= b <= 33 (0 for b > a); every value fits 32 bits. */
uint32_t ed_binomial(unsigned a, unsigned b);

/* starts[w] = sum_{k < w} C(m, k), for w = 0 .. m + 1 (m + 2 entries). */
void ed_hamming_starts(uint64_t *starts, unsigned m);

/* Index of an m-bit Hamming-weight-order codeword (enumerative decoding, O(m)). */
uint32_t ed_hamming_decode(uint32_t code, unsigned m, const uint64_t *starts);

/* lut[code] = index for every m-bit code (m <= 16), using `starts` of m. */
void ed_hamming_lut(uint16_t *lut, unsigned m, const uint64_t *starts);

/* The index of the m-bit code `code` (already masked to m bits) in tensor t's representation (1..ED_REPR_MAX,
 * checked by the loader). */
static inline uint32_t ed_decode_index(const ed_tensor_t *t, uint32_t code)
{
    return ed_decoders[t->repr](t, code);
}

#endif /* ED_DECODE_H */
