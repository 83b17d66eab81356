/*
 * ed_payload: the image's protected metadata (docs/FORMAT.md), repaired without a copy of it in RAM.
 *
 * The blob -- payload, its CRC-32 and the BCH parity of ed_ecc.h -- stays in flash. LOAD decodes it one BCH block
 * at a time in a buffer on the stack (INJECT's flips of the protected region applied as the block is read) and
 * keeps only the repairs: for each payload byte that reads wrong in flash, (offset << 8) | the bits to flip, sorted,
 * in blocks from the arena's top that LOAD releases once it has parsed and decoded (ed_model.c). Every read of the
 * metadata goes through ed_payload_read: the flash bytes with the repairs applied, which are the bytes the host's
 * eccless.image.ecc.recover returns. RAM: 4 bytes per byte repaired, where a copy took the whole blob.
 */
#ifndef ED_PAYLOAD_H
#define ED_PAYLOAD_H

#include <stdint.h>

#include "ed_channel.h"
#include "ed_model.h"

/* One walk of INJECT's channel over the protected region from bit 0 (as `eccless corrupt --region protected`
 * walks it: superblock copies, payload, parity), handing out its flips one window of bits after another; a
 * candidate past the current window waits for the next. */
typedef struct {
    ed_channel_iter_t it;
    uint64_t pos;
    int pending; /* pos holds a candidate not yet used */
    int live;    /* 0: no channel, or the walk has ended */
} ed_protected_walk_t;

/* A walk of `ch` (or of nothing, when NULL or invalid) over image bits [0, stop). */
void ed_protected_walk_init(ed_protected_walk_t *w, const ed_channel_params_t *ch, uint64_t stop);

/* The walk's flips in image bits [from, to) (from a multiple of 8) applied to buf, which holds image bytes from
 * from / 8 on; candidates before `from` are passed over. Returns the flips applied. */
uint32_t ed_protected_walk_apply(ed_protected_walk_t *w, uint8_t *buf, uint64_t from, uint64_t to);

/* Decodes the blob at md->payload (meta_len payload bytes, blob_len in all, checked against each other) block by
 * block and keeps its repairs; INJECT's flips `ch` (or NULL) are counted into md->flips_protected, the bits the code
 * corrected into md->ecc_corrected. ED_LOAD_IMAGE with the ED_LOAD_ERR_ECC_* reason when a block is beyond repair
 * or the CRC-32 disagrees; ED_LOAD_ARENA when the repairs do not fit. */
ed_load_status_t ed_payload_repair(ed_model_t *md, const ed_channel_params_t *ch, uint32_t meta_len,
                                   uint32_t blob_len, uint32_t *detail);

/* The repaired payload bytes [off, off + len), which the caller has checked lie inside it. */
void ed_payload_read(const ed_model_t *md, uint32_t off, void *dst, uint32_t len);

uint16_t ed_payload_u16(const ed_model_t *md, uint32_t off);
uint32_t ed_payload_u32(const ed_model_t *md, uint32_t off);
uint64_t ed_payload_u64(const ed_model_t *md, uint32_t off);

#endif /* ED_PAYLOAD_H */
