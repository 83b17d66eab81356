"""Integer-only -log2 and geometric gaps: the arithmetic the device repeats bit for bit.

A 64-bit draw r stands for u = r / 2^64 (r = 0 is read as r = 1), and the gap before the next candidate is

    G = floor(-log2(u) * K),   K = 1 / -log2(1 - p)      (inverse-CDF sampling: P(G >= k) = (1 - p)^k)

computed with unsigned integers only, every product a 32x32->64 multiply (cheap UMULL on a Cortex-M):

1. Normalise: lz = leading zeros of r; the top 32 bits of r << lz are a mantissa M in Q1.31, M / 2^31 in [1, 2).
   Then -log2(u) = (lz + 1) - log2(M / 2^31).
2. Fraction f = log2(M / 2^31) in Q0.32 by 32 rounds of repeated squaring: S = M*M (a Q2.62 value in [1, 4));
   if S >= 2^63 the next bit of f is 1 and M = S >> 32, else it is 0 and M = S >> 31.
3. Split -log2(u) = I + phi with an integer I and phi in Q0.32: I = lz + 1, phi = 0 when f = 0, else
   I = lz, phi = 2^32 - f.
4. With K in Q32.32 split as Kh (integer part, < 2^30) and Kl (fraction):
       frac = I*Kl + phi*Kh + ((phi*Kl) >> 32)     (< 2^63, no overflow)
       G    = I*Kh + (frac >> 32)                  (= floor((I + phi/2^32) * K) exactly)

Every truncation lowers f, so the computed -log2(u) is never below the true value and at most 1.6e-9 above it
(docs/CHANNEL.md derives the bound; tests check it): gaps are never shorter than exact inverse-CDF gaps and the
survival function P(G >= k) is within a factor 1 + 1.1e-9 of (1 - p)^k.
"""

from __future__ import annotations

import functools
import math

import numpy as np

_U64 = np.uint64
FRAC_BITS = 32  # bits of log2(M) computed by repeated squaring
K_LIMIT = 1 << 62  # Kq must stay below this (Kh < 2^30) so `frac` cannot overflow 64 bits


def normalise(r: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(lz, M): leading-zero count of r (r = 0 read as 1) and the Q1.31 mantissa, both uint64 arrays."""
    t = np.asarray(r, dtype=_U64)
    t = np.where(t == 0, _U64(1), t)
    lz = np.zeros(t.shape, dtype=_U64)
    # Binary search on the leading zeros, the same six steps the C code takes (no clz instruction needed).
    for shift in (32, 16, 8, 4, 2, 1):
        amount = ((t >> _U64(64 - shift)) == 0).astype(_U64) * _U64(shift)  # shift or 0
        t <<= amount
        lz += amount
    return lz, t >> _U64(32)


def log2_fraction(m: np.ndarray) -> np.ndarray:
    """f = log2(M / 2^31) in Q0.32 for Q1.31 mantissas M in [2^31, 2^32), by repeated squaring (uint64 arrays)."""
    m = np.array(m, dtype=_U64)  # a private copy: the loop works in place to spare allocations
    f = np.zeros(m.shape, dtype=_U64)
    s, bit = np.empty_like(m), np.empty_like(m)
    for _ in range(FRAC_BITS):
        np.multiply(m, m, out=s)  # < 2^64: a 32x32->64 product
        np.right_shift(s, _U64(63), out=bit)
        np.left_shift(f, _U64(1), out=f)
        np.bitwise_or(f, bit, out=f)
        np.add(bit, _U64(31), out=bit)
        np.right_shift(s, bit, out=m)  # S >> 32 when the bit is 1, S >> 31 when it is 0
    return f


def neg_log2(r: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """-log2(r / 2^64) as (I, phi): integer part and Q0.32 fraction, uint64 arrays; value = I + phi / 2^32."""
    lz, m = normalise(r)
    f = log2_fraction(m)
    exact = f == 0
    ipart = np.where(exact, lz + _U64(1), lz)
    phi = np.where(exact, _U64(0), _U64(1 << 32) - f)
    return ipart, phi


def gaps(r: np.ndarray, k_q32: int) -> np.ndarray:
    """Geometric gaps floor(-log2(r / 2^64) * K) for K given in Q32.32 (0 <= k_q32 < 2^62), uint64 array."""
    if not 0 <= k_q32 < K_LIMIT:
        raise ValueError(f"k_q32 {k_q32} outside [0, 2^62)")
    ipart, phi = neg_log2(r)
    kh, kl = _U64(k_q32 >> 32), _U64(k_q32 & 0xFFFFFFFF)
    frac = ipart * kl + phi * kh + ((phi * kl) >> _U64(32))
    return ipart * kh + (frac >> _U64(32))


def gap_int(r: int, k_q32: int) -> int:
    """gaps() for one draw, in Python ints: the same integer steps, without numpy's per-call overhead (the sparse
    case draws one or two candidates per region, where that overhead was most of a trial)."""
    t = r or 1
    lz = 0
    for shift in (32, 16, 8, 4, 2, 1):
        if (t >> (64 - shift)) == 0:
            t = (t << shift) & 0xFFFFFFFFFFFFFFFF
            lz += shift
    m, f = t >> 32, 0
    for _ in range(FRAC_BITS):
        s = m * m
        bit = s >> 63
        f = (f << 1) | bit
        m = s >> (31 + bit)
    ipart, phi = (lz + 1, 0) if f == 0 else (lz, (1 << 32) - f)
    kh, kl = k_q32 >> 32, k_q32 & 0xFFFFFFFF
    frac = (ipart * kl + phi * kh + ((phi * kl) >> 32)) & 0xFFFFFFFFFFFFFFFF
    return (ipart * kh + (frac >> 32)) & 0xFFFFFFFFFFFFFFFF


# ---- a fast route to the same integers -------------------------------------------------------------------------
# The integer -log2 is at most 1.6e-9 above the true value and the gap is exactly floor(L_int * K). A float64
# estimate X = -log2(u) * K is within ~1e-15 relative of the true product, so floor(X) is the integer answer
# whenever X is farther than MARGIN(K, X) from an integer; only the few draws that land closer are recomputed with
# the integer route. The results are identical to gap_int() / gaps(); tests compare them on millions of draws.


def _margin(k: float, x):
    return 8e-9 * k + 1e-9 + 1e-13 * (x + k)


def gap_int_fast(r: int, k_q32: int) -> int:
    """gap_int() through a float estimate, falling back to the integer route near an integer boundary."""
    k, margin = float_route(k_q32)
    x = (64.0 - math.log2(r or 1)) * k
    fl = math.floor(x)
    if margin < x - fl < 1.0 - margin:
        return fl
    return gap_int(r, k_q32)


# ---- the hot path: gap + 1 per draw, as int64, in as few numpy calls as a batch of a few hundred draws allows ---
# The integer gap is exactly G = floor(A) with A = V * Kq / 2^64, V = 2^32 I + phi (expand gap_int's two lines), and
# A lies in [v, v + 1.6e-9 K] for the real v = -log2(u) * K. gap_steps() computes, per draw, the float
#     y = -K/ln2 * ln(r) + (64K + 1 + m),   m = _margin(K, 66K) + 1e-12 K  (>= 8e-9 K + 1e-9)
# whose error against v + 1 + m is below 1e-13 K + 1e-15 (a few ulps of ln(r) <= 44.4 scaled by K/ln2, the
# constants' roundings, two roundings of numbers below 64K + 2). When frac(y) >= 2m, v lies at least m - 1e-12 K
# (> 1.6e-9 K) inside the cell (floor(y) - 1, floor(y)), so A does too and floor(y) = G + 1. Draws with
# frac(y) < 2m (about 2m of them) take the integer route. y - floor(y) is exact in float64, and every value stays
# below 2^37, far under 2^52, so float -> int64 reads the mantissa bits of y + 2^52 (an add and a subtract instead
# of a checked cast). Where m >= 1/2 (rates below ~1e-8) every draw takes the integer route: slow, never wrong.

FEW_EXACT = 32  # up to this many near-boundary draws take gap_int() in Python ints instead of gaps() in numpy
_ONE = np.array(1.0)
_TWO52 = np.array(float(1 << 52))
_TWO52_BITS = np.array(0x4330000000000000, dtype=np.int64)  # the int64 view of the float 2^52


@functools.lru_cache(maxsize=1024)
def float_route(k_q32: int) -> tuple[float, float]:
    """(K as a float, a margin valid for every draw): _margin grows with x, and x = -log2(u) * K is at most 64K, so
    one bound serves a whole stream (a wider margin only sends a few more draws to the exact route)."""
    if not 0 <= k_q32 < K_LIMIT:
        raise ValueError(f"k_q32 {k_q32} outside [0, 2^62)")
    k = k_q32 / 4294967296.0
    return k, _margin(k, 66.0 * k)


@functools.lru_cache(maxsize=1024)
def _steps_plan(k_q32: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """gap_steps()'s constants as 0-d arrays: (-K/ln2, 64K + 1 + m, 2m)."""
    k, margin = float_route(k_q32)
    m = margin + 1e-12 * k
    return np.array(-k / math.log(2.0)), np.array(64.0 * k + 1.0 + m), np.array(2.0 * m)


def gap_steps(r: np.ndarray, k_q32: int) -> np.ndarray:
    """gaps(r, k_q32) + 1 as an int64 array (the distance from one candidate to the next), for a uint64 array r."""
    scale, offset, width = _steps_plan(k_q32)
    y = r.astype(np.float64)
    np.fmax(y, _ONE, y)  # r = 0 reads as 1, as in the integer route (fmax: np.maximum is slower here)
    np.log(y, y)
    np.multiply(y, scale, y)
    np.add(y, offset, y)
    steps = np.floor(y)
    np.subtract(y, steps, y)
    unsure = np.less(y, width)
    n_unsure = np.count_nonzero(unsure)
    if n_unsure:
        near = r[unsure]
        # gaps() costs ~200 numpy calls whatever its length; a few draws go faster through gap_int() one by one.
        exact = gaps(near, k_q32) if n_unsure > FEW_EXACT else [gap_int(v, k_q32) for v in near.tolist()]
        steps[unsure] = np.add(exact, 1.0)  # exact integers below 2^37 in float64
    np.add(steps, _TWO52, steps)
    out = steps.view(np.int64)
    np.subtract(out, _TWO52_BITS, out)
    return out


@functools.lru_cache(maxsize=1024)
def no_candidate_below(nbits: int, k_q32: int) -> int:
    """A bound B: every draw r < B has gap_int(r) >= nbits, so a stream whose first draw is below B has no
    candidate in an nbits range (a one-comparison test that spares most streams a logarithm at low rates).

    gap_int never grows with r: the squaring loop compares mantissas bit by bit, so f is non-decreasing in M and
    -log2 = I + phi/2^32 is non-increasing in r, and G = floor((2^32 I + phi) * Kq / 2^64) is monotone in that
    value. Checking gap_int(B - 1) >= nbits therefore proves the bound for every smaller r. B is put just below
    2^(64 - nbits/K), where the gap crosses nbits, so nearly every stream at or above B does have a candidate."""
    k = k_q32 / 4294967296.0
    exponent = 64.0 - nbits / k if k else -1.0
    bound = min(int(2.0**exponent * (1.0 - 1e-6)), 1 << 64) if exponent > 0.0 else 0
    while bound and gap_int(bound - 1, k_q32) < nbits:  # never expected: the estimate is 1e-6 below the crossing
        bound //= 2
    return bound
