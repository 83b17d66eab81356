"""SEC-DED Hamming codes as used beside NOR flash, SRAM and DRAM: Hsiao's odd-weight-column codes (72,64), (39,32).

Every data bit's column of the check matrix H = [P | I] is a distinct odd-weight r-bit value of weight >= 3 (weight 3
first in lexicographic order, then weight 5), check bit e's column is 1 << e. Hence a single error gives an
odd-weight syndrome equal to its column (corrected), any double error an even-weight nonzero syndrome (detected,
uncorrectable), and an odd-weight syndrome matching no column is detected too. Three or more errors may decode to a
wrong codeword (miscorrection): exactly what a real controller does, and what the sweep measures.

Layout in storage: data word b is region bits [b k, (b + 1) k) (the region itself, in place); its r check bits are
the check-field bits [b r, (b + 1) r) after the padded data (r = 8 for (72,64): one check byte per 8 data bytes,
as the ninth byte lane of a x72 DIMM; r = 7 for (39,32), packed back to back as SRAM ECC side bits).
"""

from __future__ import annotations

from itertools import combinations

import numpy as np

from .code import BlockCode


def hsiao_columns(k: int, r: int) -> list[int]:
    """The k data columns: odd-weight r-bit values of weight 3, 5, ..., each weight in lexicographic order."""
    cols = []
    for weight in range(3, r + 1, 2):
        for bits in combinations(range(r), weight):
            cols.append(sum(1 << b for b in bits))
            if len(cols) == k:
                return cols
    raise ValueError(f"no SEC-DED code with {k} data bits and {r} check bits")


class SecDed(BlockCode):
    def __init__(self, name: str, k: int, r: int):
        self.name, self.k, self.r, self.slot = name, k, r, r
        self.summary = f"SEC-DED Hamming ({k + r},{k}), Hsiao code: corrects 1, detects 2 bit errors per {k} bits"
        data = np.array(hsiao_columns(k, r), dtype=np.int64)
        self.data_columns = data
        self.columns = np.concatenate([data, 1 << np.arange(r, dtype=np.int64)])[:, None]
        self.encoder = ((data[:, None] >> np.arange(r)) & 1).astype(np.float32)
        # syndrome -> local position to flip, -1 where the syndrome names no single error
        table = np.full(1 << r, -1, dtype=np.int64)
        table[self.columns[:, 0]] = np.arange(k + r)
        self.table = table

    def correct(self, synd: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        s = synd[:, 0]
        pos = self.table[s]
        ok = (s == 0) | (pos >= 0)
        rows = np.flatnonzero((s != 0) & (pos >= 0))
        return ok, np.stack([rows, pos[rows]], axis=1)
