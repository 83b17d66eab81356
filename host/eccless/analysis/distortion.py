"""How far one bit flip moves a stored weight, for each representation: exhaustive, not sampled.

For a code on n bits, every index i (weighted by a pmf over indices, uniform by default) and every one of the n
single-bit flips of its codeword is decoded, and |value(decoded) - value(i)| is summarized as
    mean = E_{i ~ pmf, bit uniform} |dw|,   rms = sqrt(E dw^2),   max = max over reachable i (pmf > 0) and bits.
This is the table of PAPER.md (Finding 3) and the objective the `optimized` code minimizes (rms^2 in level units).

Helpers build the pmfs used in reports: a Gaussian or Laplacian quantized over [-r sigma, r sigma), and the index
histogram of real weights quantized uniformly over their own [min, max].
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable

import numpy as np

from ..errors import DataError, UsageError
from ..represent import Representation, build
from ..represent.base import check_pmf

MAX_ANALYSIS_BITS = 20  # exhaustive: 2^n indices x n flips


def single_flip_distortion(rep: Representation, pmf=None, values=None) -> dict[str, float]:
    """max / mean / rms of |value(decode(encode(i) ^ 2^b)) - value(i)| over every index i and bit b.

    pmf: probability of each index (uniform if None). values: real value of each index (default: the index, so
    the answer is in quantization steps)."""
    n, size = rep.n, 1 << rep.n
    if n > MAX_ANALYSIS_BITS:
        raise UsageError(f"exhaustive flip analysis is limited to n <= {MAX_ANALYSIS_BITS}, got n={n}")
    p = np.full(size, 1.0 / size) if pmf is None else check_pmf(pmf, n)
    if values is None:
        v = np.arange(size, dtype=np.float64)
    else:
        v = np.asarray(values, dtype=np.float64)
        if v.shape != (size,) or not np.all(np.isfinite(v)):
            raise UsageError(f"values must be {size} finite numbers for n={n}, got shape {v.shape}")
    index = np.arange(size, dtype=np.uint64)
    words = rep.encode(index)
    abs_sum = np.zeros(size)
    sq_sum = np.zeros(size)
    worst = np.zeros(size)
    for b in range(n):  # one bit at a time keeps memory at O(2^n)
        d = np.abs(v[rep.decode(words ^ np.uint64(1 << b)).astype(np.intp)] - v)
        abs_sum += d
        sq_sum += d * d
        np.maximum(worst, d, out=worst)
    reachable = p > 0
    return {
        "max": float(worst[reachable].max()),
        "mean": float(p @ abs_sum / n),
        "rms": float(math.sqrt(p @ sq_sum / n)),
    }


def distortion_table(
    names: Iterable[str],
    ns: Iterable[int],
    pmf_for_n: Callable[[int], np.ndarray] | None = None,
    values_for_n: Callable[[int], np.ndarray] | None = None,
) -> list[dict]:
    """Rows {representation, n, max, mean, rms[, note]} for every (n, name). pmf_for_n(n) gives the index pmf
    (uniform if None; data-derived codes are designed for it); values_for_n(n) the level values (default: steps).
    A code that refuses some n (e.g. `optimized` above its search limit) gets NaNs and a note instead of a crash."""
    names = list(names)
    rows = []
    for n in ns:
        pmf = pmf_for_n(n) if pmf_for_n else np.full(1 << n, 1.0 / (1 << n))
        values = values_for_n(n) if values_for_n else None
        for name in names:
            try:
                rep = build(name, n, pmf=pmf)
            except UsageError as exc:
                rows.append(
                    {
                        "representation": name,
                        "n": n,
                        "max": math.nan,
                        "mean": math.nan,
                        "rms": math.nan,
                        "note": str(exc),
                    }
                )
                continue
            rows.append({"representation": name, "n": n, **single_flip_distortion(rep, pmf, values)})
    return rows


def level_values(n: int, lo: float = -4.0, hi: float = 4.0) -> np.ndarray:
    """Centres of the 2^n uniform bins over [lo, hi): the real value of each index."""
    step = (hi - lo) / (1 << n)
    return lo + (np.arange(1 << n) + 0.5) * step


def _binned_pmf(n: int, sigma_range: float, cdf: Callable[[float], float]) -> np.ndarray:
    if not sigma_range > 0:
        raise UsageError(f"sigma_range must be positive, got {sigma_range}")
    edges = np.linspace(-sigma_range, sigma_range, (1 << n) + 1)
    c = np.array([cdf(x) for x in edges])
    c[0], c[-1] = 0.0, 1.0  # a clipping quantizer puts the tails into the end bins
    return np.diff(c)


def gaussian_pmf(n: int, sigma_range: float = 4.0) -> np.ndarray:
    """pmf of N(0, 1) quantized into 2^n uniform levels over [-sigma_range, sigma_range), tails clipped in."""
    return _binned_pmf(n, sigma_range, lambda x: 0.5 * (1.0 + math.erf(x / math.sqrt(2.0))))


def laplace_pmf(n: int, sigma_range: float = 4.0) -> np.ndarray:
    """pmf of a unit-variance Laplacian (scale 1/sqrt 2) quantized like gaussian_pmf: the heavier-tailed shape of
    many trained layers."""
    b = 1.0 / math.sqrt(2.0)
    return _binned_pmf(
        n, sigma_range, lambda x: 0.5 * math.exp(x / b) if x < 0 else 1.0 - 0.5 * math.exp(-x / b)
    )


def pmf_from_weights(weights, n: int) -> np.ndarray:
    """Index histogram of real weights quantized uniformly into 2^n bins over their own [min, max]:
    index = floor((w - min) / (max - min) * 2^n), the maximum clipped into the top bin. A constant tensor puts all
    its mass on index 0."""
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or not 2 <= n <= MAX_ANALYSIS_BITS:
        raise UsageError(f"pmf_from_weights: n must be an integer in 2..{MAX_ANALYSIS_BITS}, got {n!r}")
    w = np.asarray(weights, dtype=np.float64).ravel()
    if w.size == 0:
        raise DataError("pmf_from_weights: no weights given")
    if not np.all(np.isfinite(w)):
        raise DataError("pmf_from_weights: weights contain NaN or Inf")
    lo, hi = w.min(), w.max()
    size = 1 << n
    if hi > lo:
        index = np.minimum(np.floor((w - lo) / (hi - lo) * size), size - 1).astype(np.intp)
    else:
        index = np.zeros(w.size, dtype=np.intp)
    return np.bincount(index, minlength=size) / w.size
