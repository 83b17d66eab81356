"""The shortened binary BCH code of the protected region: encoder and batched decoder (the device's spec).

Code: narrow-sense binary BCH over GF(2^11) correcting T = 50 bit errors, generator degree R = 528 (66 parity
bytes), shortened to at most K_MAX_BYTES = 189 data bytes, so a full codeword is 2040 bits = 255 bytes.

Bit numbering (the exponent of a bit in the codeword polynomial c(x)): parity bit e (0 <= e < R) is bit e % 8 of
parity byte e // 8; data bit i is exponent R + i and is bit i % 8 of data byte i // 8 (LSB first, as the channel
numbers bits). Encoding is systematic: parity(x) = x^R d(x) mod g(x). Exponents >= R + 8 * data_bytes are the
shortened (always zero) positions.

Decoding, per block: odd syndromes S_j = r(alpha^j), even ones S_2j = S_j^2; Berlekamp-Massey in Blahut's form
with the binary shortcut (the discrepancy at every even step is zero, so those steps only shift B); the block fails
when the register length L exceeds T, or when the Chien search over the block's own exponents [0, n) finds other
than L roots. Every step is vectorized over blocks; edge/src/ed_ecc.c runs the same steps one block at a time.
"""

from __future__ import annotations

import numpy as np

from . import gf

T = 50
GENERATOR = gf.bch_generator(T)
R = GENERATOR.bit_length() - 1  # 528: two of the 50 odd powers share a minimal polynomial with a smaller one
PARITY_BYTES = R // 8
K_MAX_BYTES = (gf.N - R) // 8
CODEWORD_BYTES = PARITY_BYTES + K_MAX_BYTES
NBITS_MAX = 8 * CODEWORD_BYTES
CHUNK = 1024  # blocks per vectorized pass: bounds the temporaries to a few tens of MB

if R != 528:
    raise AssertionError(f"BCH generator has degree {R}, expected 528 (66 whole parity bytes)")


def _bits_of(value: int, nbits: int) -> np.ndarray:
    raw = np.frombuffer(value.to_bytes((nbits + 7) // 8, "little"), dtype=np.uint8)
    return np.unpackbits(raw, bitorder="little")[:nbits]


def _encoder_matrix() -> np.ndarray:
    """Row i: the parity bits of a lone data bit i, i.e. x^(R + i) mod g(x)."""
    rows, rem, low = [], GENERATOR ^ (1 << R), GENERATOR ^ (1 << R)
    for _ in range(8 * K_MAX_BYTES):
        rows.append(_bits_of(rem, R))
        rem <<= 1
        if rem >> R:
            rem ^= (1 << R) | low
    # float32 so the product runs in BLAS; the sums (<= 1512) are exact.
    return np.array(rows, dtype=np.float32)


def _syndrome_matrix() -> np.ndarray:
    """Row e, columns 11*jj .. 11*jj+10: the bits of alpha^(e * (2*jj + 1)), the weight of exponent e in S_j."""
    e = np.arange(NBITS_MAX, dtype=np.int64)[:, None]
    j = np.arange(1, 2 * T, 2, dtype=np.int64)[None, :]
    powers = gf.EXP[(e * j) % gf.N]
    bits = (powers[:, :, None] >> np.arange(gf.M)) & 1
    return bits.reshape(NBITS_MAX, T * gf.M).astype(np.float32)


ENCODER = _encoder_matrix()
SYNDROME = _syndrome_matrix()
# Chien search: NEG_IK[k, i] = -(i * k) mod N, the log of alpha^(-i k).
NEG_IK = (-(np.arange(T + 1)[:, None] * np.arange(NBITS_MAX)[None, :])) % gf.N
_PACK = 1 << np.arange(gf.M)
_NEG_IK32 = NEG_IK.astype(np.int32)  # narrow types halve the memory traffic of the Chien search
_EXPZ16 = gf.EXPZ.astype(np.uint16)


def parity_bytes(data_blocks: np.ndarray) -> np.ndarray:
    """(B, K_MAX_BYTES) uint8 data (zero padded) -> (B, PARITY_BYTES) uint8 systematic parity."""
    bits = np.unpackbits(data_blocks, axis=1, bitorder="little").astype(np.float32)
    parity = (bits @ ENCODER).astype(np.int64) & 1
    return np.packbits(parity.astype(np.uint8), axis=1, bitorder="little")


def syndromes(codewords: np.ndarray) -> np.ndarray:
    """(B, CODEWORD_BYTES) uint8 -> (B, 2T + 1) int64 syndromes; column j holds S_j (column 0 unused, zero)."""
    bits = np.unpackbits(codewords, axis=1, bitorder="little").astype(np.float32)
    odd = (bits @ SYNDROME).astype(np.int64) & 1
    synd = np.zeros((codewords.shape[0], 2 * T + 1), dtype=np.int64)
    synd[:, 1::2] = odd.reshape(-1, T, gf.M) @ _PACK
    for j in range(1, T + 1):  # S_2j = S_j^2 holds for every binary received word
        synd[:, 2 * j] = gf.square(synd[:, j])
    return synd


def berlekamp_massey(synd: np.ndarray, t: int = T, field: gf.Field = gf.GF11) -> tuple[np.ndarray, np.ndarray]:
    """Error locators (B, 2t + 2) (coefficient d in column d) and register lengths L (B,) for syndromes (B, 2t+1)
    of a binary BCH code over `field` designed for t errors (by default this module's code; storage/ecc/ reuses it
    for the sector codes over GF(2^13))."""
    nblk, width = synd.shape[0], 2 * t + 2
    lam = np.zeros((nblk, width), dtype=np.int64)
    lam[:, 0] = 1
    bpoly = lam.copy()
    length = np.zeros(nblk, dtype=np.int64)
    for r in range(1, 2 * t, 2):
        # Discrepancy: sum_{d=0}^{L} lam_d S_{r-d}; lam_d = 0 above L <= r - 1, so d in [0, r) covers it.
        delta = np.bitwise_xor.reduce(field.mul(lam[:, :r], synd[:, r:0:-1]), axis=1)
        xb = np.zeros_like(bpoly)
        xb[:, 1:] = bpoly[:, :-1]
        nonzero = delta != 0
        grow = nonzero & (2 * length <= r - 1)
        new_lam = lam ^ field.mul(delta[:, None], xb)
        bpoly = np.where(grow[:, None], field.mul(field.inv(delta)[:, None], lam), xb)
        lam = np.where(nonzero[:, None], new_lam, lam)
        length = np.where(grow, r - length, length)
        # Step r + 1 has a zero discrepancy (binary code): B <- x B.
        bpoly[:, 1:] = bpoly[:, :-1].copy()
        bpoly[:, 0] = 0
    return lam, length


def chien_roots(lam: np.ndarray, length: np.ndarray, nbits: np.ndarray, *, t: int = T, field: gf.Field = gf.GF11,
                neg_ik: np.ndarray | None = None) -> np.ndarray:
    """(B, W) bool: exponent i is a root position (lam(alpha^-i) = 0) inside the block's nbits, W = NBITS_MAX.

    lam (B, >= t + 1) must have degree <= length <= t in every row. Another code passes its t, field and
    neg_ik[k, i] = -(i k) mod N (k <= t, i < its W) (storage/ecc/bch_sector.py).
    """
    if neg_ik is None:
        neg_ik, expz16 = _NEG_IK32, _EXPZ16
    else:
        expz16 = field.EXPZ.astype(np.uint16)
    # Sorted by length, the rows with a coefficient k form a suffix: each pass touches only those rows.
    order = np.argsort(length, kind="stable")
    lens = length[order]
    logs = field.LOGZ[lam[order, : t + 1]].astype(np.int32)
    width = neg_ik.shape[1]
    acc = np.zeros((lam.shape[0], width), dtype=np.uint16)
    for k in range(int(lens[-1]) + 1 if lens.size else 0):
        first = int(np.searchsorted(lens, k))
        acc[first:] ^= expz16[logs[first:, k, None] + neg_ik[k][None, :]]
    roots = np.empty_like(acc, dtype=bool)
    roots[order] = (acc == 0) & (np.arange(width)[None, :] < nbits[order, None])
    return roots


def decode(codewords: np.ndarray, nbits: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Decode blocks (B, CODEWORD_BYTES) uint8 of nbits (B,) bits each.

    Returns (ok (B,) bool, corrected (B,) int64, fixes) where fixes is an int64 array of (block, exponent) rows: the
    bits to flip, listed only for blocks that decode (ok). Blocks whose syndromes are all zero are ok with 0 fixes.
    """
    nblk = codewords.shape[0]
    ok = np.ones(nblk, dtype=bool)
    corrected = np.zeros(nblk, dtype=np.int64)
    fixes = [np.zeros((0, 2), dtype=np.int64)]
    for lo in range(0, nblk, CHUNK):
        hi = min(lo + CHUNK, nblk)
        synd = syndromes(codewords[lo:hi])
        dirty = np.flatnonzero(synd.any(axis=1))
        if dirty.size == 0:
            continue
        lam, length = berlekamp_massey(synd[dirty])
        fits = length <= T
        # Blocks already lost (L > T) search with the locator 1, which has no roots.
        lam = np.where(fits[:, None], lam, np.eye(1, lam.shape[1], dtype=np.int64))[:, : T + 1]
        roots = chien_roots(lam, np.where(fits, length, 0), nbits[lo:hi][dirty])
        good = fits & (roots.sum(axis=1) == length)
        blocks = lo + dirty
        ok[blocks] = good
        corrected[blocks] = np.where(good, length, 0)
        rows, exps = np.nonzero(roots & good[:, None])
        fixes.append(np.stack([blocks[rows], exps], axis=1))
    return ok, corrected, np.concatenate(fixes)
