"""Rates -> the integer constants the channel (host and device) runs on.

Only the host ever sees a floating-point bit error rate. It turns the rates into three integers, computed with
exact or correctly rounded arithmetic (`decimal`, `fractions`) so every machine derives the same bits from the same
float, and hands those integers to the device:

    k_q32      K = 1 / -log2(1 - pmax) in Q32.32, rounded to nearest (pmax = the candidate rate)
               0 when pmax = 1 (every gap is 0), K_NONE when pmax = 0 (no candidates at all)
    keep_1to0  round(p10 / pmax * 2^32): a candidate bit reading 1 flips when its thinning uniform v < keep_1to0
    keep_0to1  round(p01 / pmax * 2^32): the same for a bit reading 0; KEEP_ALL = 2^32 keeps every candidate
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Context, Decimal
from fractions import Fraction

from ..errors import UsageError
from .fixedlog import K_LIMIT

MIN_BER = 1e-9  # below this K > 2^29.4 and the Q0.32 -log2 can no longer reach every gap (docs/CHANNEL.md)
K_NONE = (1 << 64) - 1  # sentinel for p = 0, the device's ED_CHANNEL_K_NONE
KEEP_ALL = 1 << 32  # thinning threshold that keeps every candidate, the device's ED_CHANNEL_KEEP_ALL

_CTX = Context(prec=60)  # Decimal.ln is correctly rounded, so K does not depend on the platform's libm
_LN2 = _CTX.ln(Decimal(2))  # once: every k_constant() call computed this same value (one per new rate)


def check_ber(ber, name: str = "ber") -> float:
    """A bit error rate as a float in {0} U [MIN_BER, 1], or UsageError naming the problem."""
    try:
        value = float(ber)
    except (TypeError, ValueError):
        raise UsageError(f"{name} must be a number, got {ber!r}") from None
    if not 0.0 <= value <= 1.0:  # also rejects NaN
        raise UsageError(f"{name} {ber!r} outside [0, 1]")
    if 0.0 < value < MIN_BER:
        raise UsageError(f"{name} {value:g} below the supported minimum {MIN_BER:g} (use 0 for no errors)")
    return value


def k_constant(p: float) -> int:
    """K = 1 / -log2(1 - p) in Q32.32 (round half even) for a validated rate p; K_NONE for p = 0, 0 for p = 1."""
    if p == 0.0:
        return K_NONE
    if p == 1.0:
        return 0
    d = Decimal(p)  # exact binary value of the float
    k = _CTX.divide(_LN2, -_CTX.ln(_CTX.subtract(Decimal(1), d)))
    kq = int(_CTX.multiply(k, Decimal(1 << 32)).to_integral_value(ROUND_HALF_EVEN))
    assert kq < K_LIMIT, "MIN_BER keeps K below 2^30"
    return kq


def keep_threshold(p_bit: float, pmax: float) -> int:
    """round(p_bit / pmax * 2^32) exactly (0 .. KEEP_ALL); pmax = 0 gives 0 (no candidates are drawn anyway)."""
    if pmax == 0.0:
        return 0
    return round(Fraction(p_bit) / Fraction(pmax) * KEEP_ALL)


@functools.lru_cache(maxsize=1024)  # called once per region walk: the log/expm1 showed up in per-trial profiles
def rate_of(k_q32: int) -> float:
    """The candidate rate a K constant stands for (float, for batch sizing and reports only)."""
    if k_q32 == K_NONE:
        return 0.0
    if k_q32 == 0:
        return 1.0
    return -math.expm1(-math.log(2.0) * (1 << 32) / k_q32)


@dataclass(frozen=True)
class ChannelConstants:
    """The integers that fully define a channel besides (seed, stream); the device receives exactly these."""

    k_q32: int
    keep_1to0: int
    keep_0to1: int

    @classmethod
    def from_rates(cls, p10, p01) -> ChannelConstants:
        """Constants for flip rates p10 (1->0) and p01 (0->1); candidates are drawn at max(p10, p01)."""
        p10, p01 = check_ber(p10, "p10"), check_ber(p01, "p01")
        pmax = max(p10, p01)
        return cls(k_constant(pmax), keep_threshold(p10, pmax), keep_threshold(p01, pmax))

    @classmethod
    def symmetric(cls, ber) -> ChannelConstants:
        """Constants of a binary symmetric channel: every candidate flips."""
        p = check_ber(ber)
        return cls(k_constant(p), KEEP_ALL, KEEP_ALL)

    @property
    def silent(self) -> bool:
        """True when no bit can flip (p = 0)."""
        return self.k_q32 == K_NONE

    @property
    def thinned(self) -> bool:
        """True when some candidates are rejected, so the clean bit values must be read."""
        return not (self.keep_1to0 == KEEP_ALL and self.keep_0to1 == KEEP_ALL)

    @property
    def candidate_rate(self) -> float:
        return rate_of(self.k_q32)
