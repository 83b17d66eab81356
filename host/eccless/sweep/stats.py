"""Summary statistics of repeated trials: mean with a Student-t 95 % confidence interval, and for accuracies that
interval clipped to [0, 1] with a label that says how it was made; a Wilson score interval for one count of
successes (bit errors read back, samples classified right)."""

from __future__ import annotations

import math

import numpy as np

# two-sided 95 % quantiles of Student's t for 1..30 degrees of freedom
_T95 = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160, 2.145, 2.131,
        2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042]


def t95(df: int) -> float:
    if df <= 0:
        return math.inf
    if df <= len(_T95):
        return _T95[df - 1]
    return 1.960 + 2.4 / df  # within 0.002 of the exact quantile for df > 30


def wilson_interval(k: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """95 % Wilson score interval of a proportion k / n (sound at k = 0 too: upper bound ~3.84 / n)."""
    p = k / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


def mean_ci(samples) -> tuple[float, float]:
    """(mean, half-width of the 95 % CI); the half-width is inf for one sample, 0 for identical samples."""
    x = np.asarray(samples, dtype=np.float64)
    if x.size == 0:
        return math.nan, math.inf
    if x.size == 1:
        return float(x[0]), math.inf
    sd = float(x.std(ddof=1))
    return float(x.mean()), t95(x.size - 1) * sd / math.sqrt(x.size)


def accuracy_interval(per_trial) -> dict:
    """Mean accuracy and its 95 % interval over trials: a Student-t interval clipped to [0, 1] (an accuracy cannot
    leave it). One trial gives no interval."""
    mean, half = mean_ci(per_trial)
    if not math.isfinite(half):
        return {"mean": mean, "low": None, "high": None, "clipped": False}
    low, high = mean - half, mean + half
    return {"mean": mean, "low": max(0.0, low), "high": min(1.0, high), "clipped": low < 0.0 or high > 1.0}


def interval_text(per_trial) -> str:
    """e.g. '71.87 % (95 % CI 15.25 .. 100.00 %, t over 3 trials, clipped to [0, 100])' or
    '98.50 % (1 trial: no interval)'."""
    n = len(per_trial)
    iv = accuracy_interval(per_trial)
    if iv["low"] is None:
        return f"{iv['mean'] * 100:.2f} % ({n} trial: no interval)"
    clip = ", clipped to [0, 100]" if iv["clipped"] else ""
    return (f"{iv['mean'] * 100:.2f} % (95 % CI {iv['low'] * 100:.2f} .. {iv['high'] * 100:.2f} %, "
            f"t over {n} trials{clip})")
