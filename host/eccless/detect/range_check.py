"""Magnitude/range check: a decoded parameter outside the clean range of its channel, or NaN/Inf, is zeroed.

Zero storage in the weight region: the per-channel [lo, hi] are metadata (kept protected in an image).
"""

from __future__ import annotations

import numpy as np


def clean_ranges(values: np.ndarray, channel: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-channel min and max of the clean values (channel ids are 0..C-1)."""
    count = int(channel.max()) + 1 if channel.size else 0
    lo = np.full(count, np.inf)
    hi = np.full(count, -np.inf)
    v = values.astype(np.float64)
    np.minimum.at(lo, channel, v)
    np.maximum.at(hi, channel, v)
    return lo, hi


def out_of_range(values: np.ndarray, channel: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore"):  # flipped bits make signalling NaNs, which warn when cast
        v = values.astype(np.float64)
        return ~np.isfinite(v) | (v < lo[channel]) | (v > hi[channel])
