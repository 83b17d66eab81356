/*
 * ed_represent_ids.h: representation ids (TENSOR.repr) and their decoders.
 * GENERATED from host/eccless/represent/__init__.py by eccless.firmware.codegen -- do not edit:
 * change the Python registry, then run `python -m eccless.firmware.codegen --write`.
 */
#ifndef ED_REPRESENT_IDS_H
#define ED_REPRESENT_IDS_H

#include <stdint.h>

struct ed_tensor; /* ed_model.h */

#define ED_REPR_OFFSET 1u
#define ED_REPR_TWOS 2u
#define ED_REPR_SIGNMAG 3u
#define ED_REPR_GRAY 4u
#define ED_REPR_HAMMING 5u
#define ED_REPR_OPTIMIZED 6u
#define ED_REPR_ZIGZAG 7u
#define ED_REPR_MAX 7u

/* stored m-bit code -> level index, one function per representation (edge/represent/ed_repr_<name>.c) */
uint32_t ed_decode_offset(const struct ed_tensor *t, uint32_t code);
uint32_t ed_decode_twos(const struct ed_tensor *t, uint32_t code);
uint32_t ed_decode_signmag(const struct ed_tensor *t, uint32_t code);
uint32_t ed_decode_gray(const struct ed_tensor *t, uint32_t code);
uint32_t ed_decode_hamming(const struct ed_tensor *t, uint32_t code);
uint32_t ed_decode_optimized(const struct ed_tensor *t, uint32_t code);
uint32_t ed_decode_zigzag(const struct ed_tensor *t, uint32_t code);

/* X(id, name) for every representation */
#define ED_REPR_LIST(X) \
    X(1, offset) \
    X(2, twos) \
    X(3, signmag) \
    X(4, gray) \
    X(5, hamming) \
    X(6, optimized) \
    X(7, zigzag)

#endif /* ED_REPRESENT_IDS_H */
