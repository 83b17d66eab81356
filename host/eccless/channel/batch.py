"""The flip process for many streams at once: one call draws the positions of a whole batch of seeds.

A sweep runs hundreds of trials on one small region, and per trial only a few hundred candidates are drawn, so the
cost of calling process.candidate_positions() once per seed is numpy's fixed cost per operation (about 30 of them),
not the arithmetic. Here the draws of all streams sit in one (streams x candidates) block and every step runs once
per block. The arrays are exactly those of the one-stream functions (tests compare them); a stream whose block
row runs out before the range ends is simply redone by the one-stream walk.
"""

from __future__ import annotations

import math

import numpy as np

from . import process
from .buffers import read_bits
from .constants import ChannelConstants
from .fixedlog import gap_steps, no_candidate_below
from .prng import GAMMA, MASK64, check_seed, check_stream, draw_rows, draws_at, mix64_inplace

_U64 = np.uint64
BLOCK_DRAWS = 1 << 16  # draws per block: bounds each temporary to 512 KiB whatever the batch and region size


def stream_keys(seeds, stream: int = 0) -> np.ndarray:
    """prng.stream_key(seed, stream) for every seed, as a uint64 array (seeds checked the same way)."""
    values = [check_seed(s) for s in seeds]
    stream = check_stream(stream)
    z = np.array(values, dtype=_U64)
    z += _U64(GAMMA)  # wraps mod 2^64 like the Python-int definition
    mix64_inplace(z)
    z += _U64((stream + 1) * GAMMA & MASK64)
    return mix64_inplace(z)


def candidate_positions_many(nbits: int, constants: ChannelConstants, keys: np.ndarray) -> list[np.ndarray]:
    """[process.candidate_positions(nbits, constants, key) for key in keys], with one numpy pass per block."""
    keys = np.asarray(keys, dtype=_U64)
    k_q32 = constants.k_q32
    if constants.silent or nbits <= 0 or k_q32 == 0 or keys.size == 0:
        return [process.candidate_positions(nbits, constants, key) for key in keys.tolist()]
    mean = nbits * constants.candidate_rate
    if mean < process.SPARSE_MEAN:
        return _sparse_many(nbits, k_q32, keys)
    # Here draws, not calls, are the cost, so rows are shorter than the one-stream walk's batches: mean + 3 sigma
    # + 4 leaves about one stream in a thousand with candidates past its row, and that stream is walked again.
    count = min(nbits, int(mean + 3.0 * math.sqrt(mean) + 4))
    rows = max(1, BLOCK_DRAWS // count)
    out = []
    for lo in range(0, keys.size, rows):
        block = keys[lo : lo + rows]
        ends = gap_steps(draw_rows(block, count, 0), k_q32)  # gap + 1 per candidate, row by stream
        ends[:, 0] -= 1
        np.add.accumulate(ends, axis=1, out=ends)  # candidate positions, strictly increasing along a row
        past = np.greater_equal(ends, nbits)
        inside = past.argmax(axis=1).tolist()  # the first candidate past the range (0 when there is none)
        full = np.logical_not(past[:, -1]).tolist()
        for key, row, n, redo in zip(block.tolist(), ends, inside, full):
            # A full row may have more candidates past its end: that stream takes the one-stream walk.
            out.append(process.candidate_positions(nbits, constants, key) if redo else row[:n])
    return out


def _sparse_many(nbits: int, k_q32: int, keys: np.ndarray) -> list[np.ndarray]:
    """Few expected candidates per stream: most streams' first gap already leaves the range, which one comparison
    of the first draw with fixedlog.no_candidate_below() proves; only the other streams walk in Python."""
    bound = no_candidate_below(nbits, k_q32)
    if bound > MASK64:
        return [_EMPTY.view() for _ in range(keys.size)]
    inside = (draw_rows(keys, 1, 0)[:, 0] >= _U64(bound)).tolist()
    return [process._sparse_candidates(nbits, k_q32, key) if hit else _EMPTY.view()
            for key, hit in zip(keys.tolist(), inside)]


_EMPTY = np.zeros(0, dtype=np.int64)  # views of it are cheaper than new empty arrays (and, empty, share nothing)


def thin_many(data: np.ndarray, found: list[np.ndarray], constants: ChannelConstants,
              keys: np.ndarray) -> list[np.ndarray]:
    """Each stream's candidates (absolute positions in flat uint8 `data`) kept by process.keep_mask(), all
    streams' thinning uniforms drawn in one pass."""
    counts = np.array([f.size for f in found], dtype=np.int64)
    total = int(counts.sum())
    if total == 0:
        return found
    starts = np.cumsum(counts) - counts
    j = np.arange(total, dtype=np.int64) - np.repeat(starts, counts)  # candidate index within its stream
    v = draws_at(np.repeat(np.asarray(keys, dtype=_U64), counts), j, 1) >> _U64(32)
    candidates = np.concatenate(found)
    keep = v < process.keep_thresholds(read_bits(data, candidates), constants)
    return [f[keep[s : s + c]] for f, s, c in zip(found, starts.tolist(), counts.tolist())]
