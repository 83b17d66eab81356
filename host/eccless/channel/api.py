"""Function-level entry points for the common cases, on top of the model classes."""

from __future__ import annotations

import operator

import numpy as np

from ..errors import UsageError
from .bsc import BSC
from .constants import ChannelConstants
from .prng import stream_key
from .process import candidate_positions


def flip_bytes(buf, ber, seed: int, *, start: int = 0, stop: int | None = None, stream: int = 0):
    """Binary symmetric channel on bits [start, stop) of `buf`: (noisy uint8 copy, sorted flipped positions)."""
    return BSC(ber).flip(buf, seed, start=start, stop=stop, stream=stream)


def flip_positions(nbits: int, ber, seed: int, stream: int = 0) -> np.ndarray:
    """Sorted positions (int64) in [0, nbits) that a binary symmetric channel flips; no buffer needed."""
    try:
        nbits = operator.index(nbits)
    except TypeError:
        raise UsageError(f"nbits must be an integer, got {nbits!r}") from None
    if nbits < 0:
        raise UsageError(f"nbits {nbits} is negative")
    return candidate_positions(nbits, ChannelConstants.symmetric(ber), stream_key(seed, stream))
