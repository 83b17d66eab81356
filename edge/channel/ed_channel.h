/*
 * ed_channel: the storage error channel on the device, bit-exact twin of host/eccless/channel.
 *
 * Bits of stored weights flip independently: a bit reading 1 flips with rate p10, a bit reading 0 with rate p01
 * (p10 == p01 is the binary symmetric channel). The host turns the rates into three integers
 * (eccless.channel.ChannelConstants); the device gets those, a 64-bit seed and a 32-bit stream number, and replays
 * the very flips the host computes. docs/CHANNEL.md specifies the process; in short, for a bit range [start, stop):
 *
 *   key      = mix64(mix64(seed + GAMMA) + (stream + 1) * GAMMA)            splitmix64, all mod 2^64
 *   draw(i)  = mix64(key + (i + 1) * GAMMA)
 *   G_j      = floor(-log2(draw(2j) / 2^64) * K)                            fixed point, integer arithmetic only
 *   c_0      = start + G_0,   c_j = c_{j-1} + 1 + G_j                       candidates while c_j < stop
 *   candidate j flips iff (draw(2j + 1) >> 32) < keep[clean bit at c_j]
 *
 * Bit q of a buffer is bit (q % 8) of byte (q / 8), LSB first. Cost: about 40 multiplies per candidate, nothing per
 * untouched bit. C99, no allocation, no libc beyond <stdint.h>/<stddef.h>, no floating point, no 128-bit integers.
 */
#ifndef ED_CHANNEL_H
#define ED_CHANNEL_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* k_q32 value meaning "rate 0": no candidates at all. */
#define ED_CHANNEL_K_NONE UINT64_MAX
/* Valid k_q32 are below this (K < 2^30, i.e. pmax >= 1e-9 on the host side), which keeps every sum in 64 bits. */
#define ED_CHANNEL_K_LIMIT ((uint64_t)1 << 62)
/* Thinning threshold that keeps every candidate (exceeds every 32-bit uniform). */
#define ED_CHANNEL_KEEP_ALL ((uint64_t)1 << 32)

/* The error model the candidates feed (host: eccless.channel.DEVICE_MODELS, the same numbers; the protocol's
 * INJECT_MODELS): i.i.d. flips thinned by keep_*; bursts of `length` bits starting at each candidate (host
 * channel/burst.py); stuck-at cells at the candidates, each stuck at bit 63 of its draw 2j + 1 and read wrong only
 * where the clean bit differs (host channel/stuck.py: the host sends the device seed and STUCK_STREAM + stream). */
#define ED_CHANNEL_MODEL_IID 0u
#define ED_CHANNEL_MODEL_BURST 1u
#define ED_CHANNEL_MODEL_STUCK 2u
#define ED_CHANNEL_BURST_MAX 65536u /* longest burst (host burst.MAX_LENGTH) */

typedef enum {
    ED_CHANNEL_OK = 0,
    ED_CHANNEL_END = 1,        /* iterator: no further candidate in the range */
    ED_CHANNEL_ERR_ARG = -1,   /* NULL pointer, k_q32 or a keep threshold out of range, missing read_bit */
    ED_CHANNEL_ERR_RANGE = -2, /* start > stop, or stop beyond the buffer */
    ED_CHANNEL_ERR_FULL = -3   /* positions[] too small: all flips were applied, *count is the total */
} ed_channel_status_t;

/* What the host sends: eccless.channel.ChannelConstants plus (seed, stream). */
typedef struct {
    uint64_t seed;
    uint32_t stream;
    uint64_t k_q32;     /* K = 1 / -log2(1 - pmax) in Q32.32; 0 means pmax = 1; ED_CHANNEL_K_NONE means pmax = 0 */
    uint64_t keep_1to0; /* round(p10 / pmax * 2^32), 0 .. ED_CHANNEL_KEEP_ALL: applies to bits reading 1 */
    uint64_t keep_0to1; /* round(p01 / pmax * 2^32), 0 .. ED_CHANNEL_KEEP_ALL: applies to bits reading 0 */
    uint32_t model;     /* ED_CHANNEL_MODEL_*: 0 (zero-initialised) is the i.i.d. channel */
    uint32_t length;    /* burst: bits per run, 1 .. ED_CHANNEL_BURST_MAX; ignored by the other models */
} ed_channel_params_t;

/* Walks the candidates of one bit range in increasing order; the caller owns it (e.g. on the stack). */
typedef struct {
    uint64_t key;
    uint64_t k_q32;
    uint64_t keep_1to0;
    uint64_t keep_0to1;
    uint64_t base;  /* first bit position the next candidate may take */
    uint64_t stop;  /* end of the range (exclusive) */
    uint64_t index; /* number of the next candidate (j) */
    uint64_t last;  /* number of the candidate returned last, for ed_channel_iter_flips */
    int done;
    uint32_t model;   /* ED_CHANNEL_MODEL_* */
    uint32_t length;  /* burst length */
    uint64_t run_pos; /* burst: next bit of the current run */
    uint64_t run_end; /* burst: end of the current run (exclusive, at most stop) */
} ed_channel_iter_t;

/* Reads the clean bit (0 or 1) at a position, e.g. from flash; ctx is passed through. */
typedef int (*ed_channel_read_bit_fn)(void *ctx, uint64_t pos);
/* Receives each flipped position in increasing order; a status other than ED_CHANNEL_OK stops the walk. */
typedef ed_channel_status_t (*ed_channel_visit_fn)(void *ctx, uint64_t pos);

/* splitmix64's finaliser (exposed for the golden tests). */
uint64_t ed_channel_mix64(uint64_t z);
/* key(seed, stream) and draw(key, counter) as above. */
uint64_t ed_channel_key(uint64_t seed, uint32_t stream);
uint64_t ed_channel_draw(uint64_t key, uint64_t counter);
/* -log2(r / 2^64) as *ipart + *phi / 2^32 (r = 0 is read as 1); never below the true value, at most 1.6e-9 above. */
void ed_channel_neg_log2(uint64_t r, uint32_t *ipart, uint32_t *phi);
/* floor(-log2(r / 2^64) * K) for K = k_q32 / 2^32, k_q32 < ED_CHANNEL_K_LIMIT. */
uint64_t ed_channel_gap(uint64_t r, uint64_t k_q32);

/* Start walking the candidates in bits [start, stop). A burst's run is cut at stop, like the host's. */
ed_channel_status_t ed_channel_iter_init(ed_channel_iter_t *it, const ed_channel_params_t *params, uint64_t start,
                                         uint64_t stop);
/* Next candidate position into *pos (ED_CHANNEL_OK) or ED_CHANNEL_END, strictly increasing. With keep_1to0 ==
 * keep_0to1 == ED_CHANNEL_KEEP_ALL (symmetric channel) and for bursts (every bit of the union of the runs) every
 * candidate flips; otherwise ask ed_channel_iter_flips. */
ed_channel_status_t ed_channel_iter_next(ed_channel_iter_t *it, uint64_t *pos);
/* 1 if the candidate returned last flips given its clean bit value (0 or 1), else 0 (a stuck cell: 1 iff the
 * clean bit differs from the value it is stuck at). */
int ed_channel_iter_flips(const ed_channel_iter_t *it, unsigned clean_bit);

/* Flip bits [start, stop) of buf in place. Writes up to `capacity` flipped positions to `positions` (may be NULL)
 * and the total number of flips to *count (may be NULL). */
ed_channel_status_t ed_channel_flip_buffer(const ed_channel_params_t *params, uint8_t *buf, size_t nbytes,
                                           uint64_t start, uint64_t stop, uint64_t *positions, size_t capacity,
                                           size_t *count);

/* Visit every flipped position in bits [start, stop) without a buffer in RAM: read_bit supplies clean bits (may
 * be NULL when keep_1to0 == keep_0to1 and the model is not stuck-at, i.e. the bit value cannot matter). */
ed_channel_status_t ed_channel_foreach(const ed_channel_params_t *params, uint64_t start, uint64_t stop,
                                       ed_channel_read_bit_fn read_bit, ed_channel_visit_fn visit, void *ctx);

#ifdef __cplusplus
}
#endif

#endif /* ED_CHANNEL_H */
