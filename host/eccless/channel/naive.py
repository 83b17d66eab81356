"""The deliberately naive injector, kept only as the benchmark baseline and as a distributional cross-check.

It draws one numpy uniform per bit of the range and flips the bits whose uniform falls below their rate. Same
distribution as the channel (independent flips, p10 for bits reading 1, p01 for bits reading 0), different positions
for the same seed, cost proportional to the number of bits rather than the number of flips. Never use it where the
device must replay the flips: numpy's Generator has no C twin.
"""

from __future__ import annotations

import numpy as np

from .buffers import as_bytes, bit_range, xor_positions
from .constants import check_ber
from .prng import check_seed

CHUNK_BITS = 1 << 22  # bounds the temporary float64 array to 32 MB whatever the buffer size


def naive_positions(data: np.ndarray, p10: float, p01: float, seed: int, start: int, stop: int) -> np.ndarray:
    """Sorted flipped positions (int64) in bits [start, stop) of flat uint8 `data`, one uniform per bit."""
    rng = np.random.default_rng(check_seed(seed))
    found = []
    for lo in range(start, stop, CHUNK_BITS):
        hi = min(stop, lo + CHUNK_BITS)
        u = rng.random(hi - lo)
        if p10 == p01:
            hits = u < p10
        else:
            bits = np.unpackbits(data[lo >> 3 : (hi + 7) >> 3], bitorder="little")[lo & 7 :][: hi - lo]
            hits = u < np.where(bits.astype(bool), p10, p01)
        found.append(np.flatnonzero(hits) + lo)
    return np.concatenate(found).astype(np.int64) if found else np.zeros(0, dtype=np.int64)


def naive_flip_bytes(buf, ber, seed: int, *, start: int = 0, stop: int | None = None, p01=None):
    """(noisy copy, positions) with one uniform per bit; `ber` is the 1->0 rate and p01 defaults to `ber` (BSC)."""
    p10 = check_ber(ber)
    p01 = p10 if p01 is None else check_ber(p01, "p01")
    data = as_bytes(buf)
    start, stop = bit_range(data.size * 8, start, stop)
    positions = naive_positions(data, p10, p01, seed, start, stop)
    noisy = xor_positions(data, positions)
    return (noisy.reshape(buf.shape) if isinstance(buf, np.ndarray) else noisy), positions
