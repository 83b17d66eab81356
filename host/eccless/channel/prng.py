"""The channel's counter-based PRNG: splitmix64 of (seed, stream, counter), vectorized in numpy.

Why counter-based: draw number i of a stream is a pure function of (seed, stream, i), so numpy computes any batch of
draws at once, and the C twin (edge/src/ed_channel.c) computes the same 64-bit words one at a time with nothing but
uint64 xor/shift/multiply. Definitions (all arithmetic mod 2^64, spelled out in docs/CHANNEL.md):

    mix64(z)         = splitmix64 finaliser: z ^= z >> 30; z *= M1; z ^= z >> 27; z *= M2; z ^= z >> 31
    key(seed, s)     = mix64(mix64(seed + GAMMA) + (s + 1) * GAMMA)
    draw(key, i)     = mix64(key + (i + 1) * GAMMA)          (the splitmix64 sequence started at state `key`)

The channel reads counter 2j for the gap before candidate j and 2j + 1 for candidate j's thinning uniform.
"""

from __future__ import annotations

import operator

import numpy as np

from ..errors import UsageError

MASK64 = (1 << 64) - 1
GAMMA = 0x9E3779B97F4A7C15  # the golden-ratio increment of splitmix64
MIX_M1 = 0xBF58476D1CE4E5B9
MIX_M2 = 0x94D049BB133111EB
MAX_STREAM = (1 << 32) - 1  # the device keeps the stream in a uint32

_U64 = np.uint64


def mix64_int(z: int) -> int:
    """splitmix64's finaliser on one Python int (used for keys, where numpy scalars would warn on wrap-around)."""
    z &= MASK64
    z = ((z ^ (z >> 30)) * MIX_M1) & MASK64
    z = ((z ^ (z >> 27)) * MIX_M2) & MASK64
    return z ^ (z >> 31)


def mix64(z: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser, elementwise on a uint64 array (numpy array arithmetic wraps mod 2^64 silently)."""
    z = np.asarray(z, dtype=_U64)
    z = (z ^ (z >> _U64(30))) * _U64(MIX_M1)
    z = (z ^ (z >> _U64(27))) * _U64(MIX_M2)
    return z ^ (z >> _U64(31))


def check_seed(seed) -> int:
    """The seed as an int in [0, 2^64), or UsageError."""
    try:
        value = operator.index(seed)
    except TypeError:
        raise UsageError(f"seed must be an integer, got {seed!r}") from None
    if not 0 <= value <= MASK64:
        raise UsageError(f"seed {value} outside [0, 2^64)")
    return value


def check_stream(stream) -> int:
    """The stream number as an int in [0, 2^32), or UsageError."""
    try:
        value = operator.index(stream)
    except TypeError:
        raise UsageError(f"stream must be an integer, got {stream!r}") from None
    if not 0 <= value <= MAX_STREAM:
        raise UsageError(f"stream {value} outside [0, 2^32)")
    return value


def stream_key(seed: int, stream: int = 0) -> int:
    """The 64-bit key of one (seed, stream) pair; distinct streams of a seed give unrelated sequences."""
    seed, stream = check_seed(seed), check_stream(stream)
    return mix64_int(mix64_int(seed + GAMMA) + (stream + 1) * GAMMA)


def draws(key: int, counters: np.ndarray) -> np.ndarray:
    """64-bit words draw(key, i) for every counter i in `counters` (uint64 array in, uint64 array out)."""
    counters = np.asarray(counters, dtype=_U64)
    return mix64(_U64(key & MASK64) + (counters + _U64(1)) * _U64(GAMMA))


def draw_int(key: int, counter: int) -> int:
    """draws() for one counter, in Python ints."""
    return mix64_int(key + (counter + 1) * GAMMA)
