"""The flip process: candidate positions from geometric gaps, then optional thinning by the clean bit value.

For a bit range of n bits and a stream key, candidate j (j = 0, 1, ...) sits at relative position

    c_0 = G_0,   c_j = c_{j-1} + 1 + G_j,   G_j = gap(draw(key, 2j), K)      (fixedlog.gaps)

and the process stops at the first c_j >= n. Candidate j then flips iff v_j < keep[b], where
v_j = draw(key, 2j + 1) >> 32 and b is the clean bit at c_j (keep = KEEP_ALL for the symmetric channel).

The host does not know in advance how many gaps fit, so it draws them in batches sized from the expected count;
because draws are counter-based the batch size never changes the result, only the cost, which stays proportional
to the number of candidates. A batch is one pass of prng.strided_draws and fixedlog.gap_steps (each spends as few
numpy calls as it can: at a few hundred candidates per region, calls rather than arithmetic are the cost); below
SPARSE_MEAN expected candidates a Python-int walk replaces the batch. batch.py runs the same process for many
streams at once.
"""

from __future__ import annotations

import math

import numpy as np

from .constants import ChannelConstants
from .fixedlog import gap_int_fast, gap_steps
from .prng import GAMMA, mix64_int, strided_draws

_U64 = np.uint64


def candidate_positions(nbits: int, constants: ChannelConstants, key: int) -> np.ndarray:
    """Sorted relative positions (int64, all < nbits) of the candidates of one stream over an nbits range."""
    if constants.silent or nbits <= 0:
        return np.zeros(0, dtype=np.int64)
    k_q32 = constants.k_q32
    if k_q32 == 0:
        return np.arange(nbits, dtype=np.int64)  # K = 0: every gap is 0 whatever the draw, so skip the draws
    rate = constants.candidate_rate
    if nbits * rate < SPARSE_MEAN:
        return _sparse_candidates(nbits, k_q32, key)
    chunks = []
    base, first = 0, 0  # next free relative position, index of the next candidate
    while base < nbits:
        remaining = nbits - base
        mean = remaining * rate
        # Mean + 6 sigma + slack: one batch almost always suffices; never more candidates than bits left.
        count = min(remaining, int(mean + 6.0 * math.sqrt(mean) + 32))
        ends = gap_steps(strided_draws(key, first, count, 0), k_q32)  # gap + 1 per candidate, a fresh int64 array
        # Gaps are < 2^36 and their sum tracks `remaining`, so the running sum stays far from 2^63.
        ends[0] += base - 1
        np.add.accumulate(ends, out=ends)  # cumsum without np.cumsum's wrapper
        inside = int(ends.searchsorted(nbits))  # ends are strictly increasing
        if inside < count:
            if not chunks:
                return ends[:inside]  # the usual case: one batch, nothing to join
            chunks.append(ends[:inside])
            break
        chunks.append(ends)
        base, first = int(ends[-1]) + 1, first + count
    return np.concatenate(chunks)


SPARSE_MEAN = 4.0  # below this many expected candidates, walk them one by one in Python ints


def _sparse_candidates(nbits: int, k_q32: int, key: int) -> np.ndarray:
    """candidate_positions() one candidate at a time: identical positions, and it stops at the first gap that
    leaves the range (usually the first one) instead of computing a batch."""
    out, end, weyl = [], -1, key + GAMMA  # key + (2j + 1) * GAMMA: draw(key, 2j) for candidate j = 0
    while True:
        end += gap_int_fast(mix64_int(weyl), k_q32) + 1
        if end >= nbits:
            return np.array(out, dtype=np.int64)
        out.append(end)
        weyl += 2 * GAMMA


def thinning_uniforms(key: int, count: int) -> np.ndarray:
    """v_j = draw(key, 2j + 1) >> 32 for candidates j = 0 .. count - 1 (uint64 values below 2^32)."""
    v = strided_draws(key, 0, count, 1)
    np.right_shift(v, _U64(32), v)
    return v


def keep_thresholds(bits: np.ndarray, constants: ChannelConstants) -> np.ndarray:
    """keep[b] per candidate (uint64) for clean bit values `bits` (0/1): a candidate flips iff its v < keep[b]."""
    return np.where(bits.astype(bool), _U64(constants.keep_1to0), _U64(constants.keep_0to1))


def keep_mask(bits: np.ndarray, constants: ChannelConstants, key: int) -> np.ndarray:
    """Which candidates flip, given the clean bit value (0/1) at each candidate in order."""
    if not constants.thinned:
        return np.ones(len(bits), dtype=bool)
    # KEEP_ALL = 2^32 exceeds every 32-bit uniform, so "v < keep" needs no special case.
    return thinning_uniforms(key, len(bits)) < keep_thresholds(bits, constants)
