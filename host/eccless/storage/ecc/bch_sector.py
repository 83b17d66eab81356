"""BCH over 512-byte sectors, as NAND controllers protect a page: t = 4 or 8 bit errors per sector over GF(2^13).

The algebra is the project's one BCH (image/ecc: the field tables, Berlekamp-Massey and the Chien search), here over
GF(2^13) (x^13 + x^4 + x^3 + x + 1) for a codeword of 4096 data bits + R = 13 t parity bits (shortened from 8191).
Exponents as in image/ecc/bch.py: parity bit e is exponent e, data bit i is exponent R + i (LSB first in each byte);
encoding is systematic, parity(x) = x^R d(x) mod g(x).

Layout in storage, the "OOB" placement of a NAND controller (Linux's default for software BCH): the sectors' data
lie in place, then each sector's ceil(R / 8) parity bytes (7 for t = 4, 13 for t = 8) in sector order; parity bit e
is bit e % 8 of the sector's parity byte e // 8, the high bits of a last partial byte are stored as 0 and never read.
A block fails (detected) when the locator's degree exceeds t or the Chien search over the codeword's own exponents
[0, R + 4096) finds other than that many roots; beyond t errors it may also decode to a wrong codeword.
"""

from __future__ import annotations

import numpy as np

from ...image.ecc import bch as region_bch
from ...image.ecc.gf import GF13
from .code import BlockCode

SECTOR_BITS = 512 * 8


def _bits(value: int, nbits: int) -> np.ndarray:
    return (value >> np.arange(nbits, dtype=object) & 1).astype(np.uint8)


class SectorBCH(BlockCode):
    field = GF13

    def __init__(self, name: str, t: int, k: int = SECTOR_BITS):
        self.name, self.t, self.k = name, t, k
        self.generator = GF13.bch_generator(t)
        self.r = R = self.generator.bit_length() - 1
        self.slot = 8 * -(-R // 8)
        if R + k > GF13.n:
            raise ValueError(f"BCH t={t}: {R + k} bits do not fit GF(2^13)")
        self.summary = (f"BCH over {k // 8}-byte sectors correcting {t} bit errors ({self.slot // 8} parity bytes "
                        f"per sector, {R} bits used)")
        self.nbits = R + k
        # exponent of every local position (-1: an unused check-field bit, no part of the code)
        local = np.arange(k + self.slot)
        self.exponent = np.where(local < k, R + local, np.where(local - k < R, local - k, -1))
        odd = np.arange(1, 2 * t, 2, dtype=np.int64)
        cols = GF13.EXP[(np.maximum(self.exponent, 0)[:, None] * odd[None, :]) % GF13.n]
        self.columns = np.where(self.exponent[:, None] >= 0, cols, 0).astype(np.int64)
        self.encoder = self._encoder_rows()
        self.neg_ik = ((-(np.arange(t + 1)[:, None] * np.arange(self.nbits)[None, :])) % GF13.n).astype(np.int32)
        # exponent -> local position
        self.local_of = np.empty(self.nbits, dtype=np.int64)
        valid = self.exponent >= 0
        self.local_of[self.exponent[valid]] = local[valid]

    def _encoder_rows(self) -> np.ndarray:
        """Row i: the parity bits of a lone data bit i, x^(R + i) mod g(x)."""
        R, low = self.r, self.generator ^ (1 << self.r)
        rows, rem = [], low
        for _ in range(self.k):
            rows.append(_bits(rem, R))
            rem <<= 1
            if rem >> R:
                rem ^= (1 << R) | low
        return np.array(rows, dtype=np.float32)

    def correct(self, synd: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        t, D = self.t, synd.shape[0]
        ok = np.ones(D, dtype=bool)
        dirty = np.flatnonzero(synd.any(axis=1))
        if dirty.size == 0:
            return ok, np.zeros((0, 2), np.int64)
        full = np.zeros((dirty.size, 2 * t + 1), dtype=np.int64)
        full[:, 1::2] = synd[dirty]
        for j in range(1, t + 1):  # S_2j = S_j^2 for every binary word
            full[:, 2 * j] = GF13.square(full[:, j])
        lam, length = region_bch.berlekamp_massey(full, t, GF13)
        fits = length <= t
        lam = np.where(fits[:, None], lam, np.eye(1, lam.shape[1], dtype=np.int64))[:, : t + 1]
        roots = region_bch.chien_roots(lam, np.where(fits, length, 0), np.full(dirty.size, self.nbits), t=t,
                                       field=GF13, neg_ik=self.neg_ik)
        good = fits & (roots.sum(axis=1) == length)
        ok[dirty] = good
        rows, exps = np.nonzero(roots & good[:, None])
        return ok, np.stack([dirty[rows], self.local_of[exps]], axis=1)
