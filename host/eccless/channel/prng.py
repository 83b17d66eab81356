"""The channel's counter-based PRNG: splitmix64 of (seed, stream, counter), vectorized in numpy.

Why counter-based: draw number i of a stream is a pure function of (seed, stream, i), so numpy computes any batch of
draws at once, and the C twin (edge/src/ed_channel.c) computes the same 64-bit words one at a time with nothing but
uint64 xor/shift/multiply. Definitions (all arithmetic mod 2^64, spelled out in docs/CHANNEL.md):

    mix64(z)         = splitmix64 finaliser: z ^= z >> 30; z *= M1; z ^= z >> 27; z *= M2; z ^= z >> 31
    key(seed, s)     = mix64(mix64(seed + GAMMA) + (s + 1) * GAMMA)
    draw(key, i)     = mix64(key + (i + 1) * GAMMA)          (the splitmix64 sequence started at state `key`)

The channel reads counter 2j for the gap before candidate j and 2j + 1 for candidate j's thinning uniform.
draws() is the plain definition; strided_draws(), draw_rows() and draws_at() are the hot paths for those two
sequences (one stream, many streams), built to spend as few numpy calls as possible on batches of a few hundred.
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


# ---- hot paths -------------------------------------------------------------------------------------------------
# A sweep trial draws a few hundred words, where numpy's fixed cost per call (~0.3 us) outweighs the arithmetic, so
# these count calls: 0-d uint64 arrays as operands (numpy takes them in about half the time of numpy scalars or
# Python ints), in-place ufuncs with one scratch array, and the counter term (i + 1) * GAMMA read from a table.

_S27, _S30, _S31 = (np.array(v, dtype=_U64) for v in (27, 30, 31))
_M1, _M2 = np.array(MIX_M1, dtype=_U64), np.array(MIX_M2, dtype=_U64)
WEYL_CACHE = 1 << 16  # candidates j below this take (2j + 1) * GAMMA and (2j + 2) * GAMMA from tables (1 MiB)


def _weyl(j: np.ndarray, odd: int) -> np.ndarray:
    """(2j + odd + 1) * GAMMA mod 2^64 for a uint64 array j: the counter term of draw(key, 2j + odd)."""
    return j * _U64(2 * GAMMA & MASK64) + _U64((odd + 1) * GAMMA & MASK64)


_WEYL = tuple(_weyl(np.arange(WEYL_CACHE, dtype=_U64), odd) for odd in (0, 1))


def mix64_inplace(z: np.ndarray) -> np.ndarray:
    """mix64() overwriting the uint64 array `z` and returning it: the same words, one scratch array instead of
    six temporaries."""
    t = np.empty_like(z)
    np.right_shift(z, _S30, t)
    np.bitwise_xor(z, t, z)
    np.multiply(z, _M1, z)
    np.right_shift(z, _S27, t)
    np.bitwise_xor(z, t, z)
    np.multiply(z, _M2, z)
    np.right_shift(z, _S31, t)
    np.bitwise_xor(z, t, z)
    return z


def strided_draws(key: int, first: int, count: int, odd: int) -> np.ndarray:
    """draw(key, 2j + odd) for j = first .. first + count - 1 (odd = 0: gap draws, 1: thinning draws), a fresh
    uint64 array; equal to draws(key, 2 * arange(first, first + count) + odd)."""
    stop = first + count
    weyl = _WEYL[odd][first:stop] if stop <= WEYL_CACHE else _weyl(np.arange(first, stop, dtype=_U64), odd)
    return mix64_inplace(np.add(weyl, np.array(key & MASK64, dtype=_U64)))


def draw_rows(keys: np.ndarray, count: int, odd: int) -> np.ndarray:
    """draw(keys[s], 2j + odd) for j = 0 .. count - 1, one row per key: a (len(keys), count) uint64 array."""
    weyl = _WEYL[odd][:count] if count <= WEYL_CACHE else _weyl(np.arange(count, dtype=_U64), odd)
    return mix64_inplace(np.add(weyl[None, :], np.asarray(keys, dtype=_U64)[:, None]))


def draws_at(keys: np.ndarray, j: np.ndarray, odd: int) -> np.ndarray:
    """draw(keys[i], 2 j[i] + odd) elementwise, for uint64 keys and int64 candidate indices j >= 0 of one shape."""
    weyl = _WEYL[odd][j] if j.size and int(j.max()) < WEYL_CACHE else _weyl(j.astype(_U64), odd)
    return mix64_inplace(np.add(weyl, keys))
