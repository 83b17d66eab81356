/*
 * ed_ecc_weights: the weight region under an ECC baseline (host: storage/ecc/protected.py, EccLayout).
 *
 * Coded region: the data (the tensors' words) in place, zero padded to B blocks of k bits, then each block's r check
 * bits back to back, then zeros up to a whole byte. The device implements every scheme of the host (SEC-DED and
 * the sector BCH codes) with both policies for a detected-uncorrectable block: `asread` (its data as read) and
 * `zero` (superblock flag ED_IMG_FLAG_ECC_ZERO: the decode step keeps a bitmap of the failed blocks and
 * ed_detect_tensor zeroes every parameter whose stored word overlaps one, as storage/ecc/protected.py zero_blocks).
 */
#ifndef ED_ECC_WEIGHTS_H
#define ED_ECC_WEIGHTS_H

#include <stdint.h>

#include "ed_model.h"

/* Superblock check (after WEIGHTS_END, as image/load.py): the scheme in `flags` fits `version` and this loader
 * implements it, and `weights_len` bytes are a whole number of its blocks. Sets md->ecc_scheme (0: none),
 * md->ecc_zero, md->ecc_k and md->weights_data_len (the bytes the tensors may occupy). */
ed_load_status_t ed_ecc_weights_check(ed_model_t *md, uint32_t version, uint32_t flags, uint32_t weights_len,
                                      uint32_t *detail);

/* The decode step, after INJECT's flips are drawn and before the decode + detect pass: computes every block's
 * syndrome from the region in place with md->flips folded in, and replaces md->flips by the data-bit flips XOR the
 * decoder's corrections (a new sorted list in the arena), so the pass reads the corrected data; md->weights_len
 * becomes md->weights_data_len. With the `zero` policy md->ecc_failed marks the failed blocks. No ECC: nothing. */
ed_load_status_t ed_ecc_weights_decode(ed_model_t *md, uint32_t *detail);

#endif /* ED_ECC_WEIGHTS_H */
