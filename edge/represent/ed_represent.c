/*
 * ed_represent.c: the decoder table of ed_decode.h, built from the generated list of representations.
 */
#include "ed_decode.h"

#define ED_DECODER_ENTRY(id, name) [id] = ed_decode_##name,

const ed_decode_fn ed_decoders[ED_REPR_MAX + 1u] = {ED_REPR_LIST(ED_DECODER_ENTRY)};
