"""TFLite's fixed-point requantization as exact integer numpy: the arithmetic the C kernels must reproduce.

Every function mirrors one function of TFLite's reference code (named in its docstring; LiteRT
`tflite/kernels/internal/common.cc`, `quantization_util.cc`, gemmlowp `fixedpoint.h`) in its double-rounding
form, the default build (TFLITE_SINGLE_ROUNDING=0) that TFLite Micro and CMSIS-NN also use.

Inputs are int32 quantities held in int64 arrays, so intermediates (a 62-bit product) never overflow by
accident; where the C code would overflow an int32 we wrap on purpose, with `wrap_int32` or by computing in
numpy int32 (which wraps like a two's-complement register). The C side must wrap the same way: -fwrapv, or
uint32 adds.
"""

from __future__ import annotations

import numpy as np

INT32_MIN = -(1 << 31)
INT32_MAX = (1 << 31) - 1


def wrap_int32(x) -> np.ndarray:
    """Two's-complement wrap of integers to int32 range, returned as int64 (an int32 register's overflow)."""
    x = np.asarray(x, dtype=np.int64)
    return ((x + (1 << 31)) & 0xFFFFFFFF) - (1 << 31)


def round_half_away(x) -> np.ndarray:
    """std::round / roundf / TfLiteRound: nearest integer, ties away from zero (np.round ties to even).

    Computed as floor plus a comparison of the exact fractional part, so no `+ 0.5` can round up a value just
    below one half. Works on float32 inputs exactly as roundf does, since float32 -> float64 is exact.
    """
    x = np.asarray(x, dtype=np.float64)
    a = np.abs(x)
    f = np.floor(a)
    return np.copysign(f + (a - f >= 0.5), x)


def quantize_multiplier(real) -> tuple[np.ndarray, np.ndarray]:
    """QuantizeMultiplier: real >= 0 -> (multiplier in [2^30, 2^31), shift), real ~= mult * 2^(shift - 31).

    A multiplier that rounds up to 2^31 is halved and the shift incremented; a shift below -31 gives (0, 0),
    as does a real of exactly 0.
    """
    real = np.atleast_1d(np.asarray(real, dtype=np.float64))
    if np.any(~np.isfinite(real)) or np.any(real < 0):
        raise ValueError(f"requantization scale must be finite and >= 0, got {real}")
    frac, shift = np.frexp(real)
    q = round_half_away(frac * float(1 << 31)).astype(np.int64)
    shift = shift.astype(np.int64)
    full = q == (1 << 31)
    q = np.where(full, q // 2, q)
    shift = np.where(full, shift + 1, shift)
    tiny = shift < -31
    q = np.where(tiny, 0, q)
    shift = np.where(tiny, 0, shift)
    return q, shift


def saturating_rounding_doubling_high_mul(a, b) -> np.ndarray:
    """gemmlowp SaturatingRoundingDoublingHighMul(int32 a, int32 b): a*b / 2^31, to nearest, ties upward.

    C: ab = (int64)a*b; nudge = ab >= 0 ? 2^30 : 1 - 2^30; result = (int32)((ab + nudge) / 2^31) with C's
    truncating division; the single overflow case a == b == INT32_MIN saturates to INT32_MAX.
    Note the ties: +0.5 -> 1 but -0.5 -> 0 (the nudge makes it round half up, not half away from zero).

    Computed in the equivalent closed form floor((ab + 2^30) / 2^31), an arithmetic shift: for ab >= 0 it is
    the C expression; for ab < 0, truncation of the negative (ab + 1 - 2^30) / 2^31 is its ceiling, and
    ceil(n / d) = floor((n + d - 1) / d) gives floor((ab + 2^30) / 2^31) again. Every result but the saturated
    one fits in int32 (|ab| < 2^62), so the final cast needs no wrap.
    """
    a = np.asarray(a, dtype=np.int64)
    b = np.asarray(b, dtype=np.int64)
    q = (a * b + (1 << 30)) >> 31
    if np.any(
        b == INT32_MIN
    ):  # b is the per-channel multiplier: checking it first keeps the common path fast
        q = np.where((a == INT32_MIN) & (b == INT32_MIN), INT32_MAX, q)
    return q.astype(np.int32)


def rounding_divide_by_pot(x, exponent) -> np.ndarray:
    """gemmlowp RoundingDivideByPOT(int32 x, exponent in [0, 31]): x / 2^exponent, ties away from zero.

    C: mask = (1 << e) - 1; remainder = x & mask; threshold = (mask >> 1) + (x < 0);
    result = (x >> e) + (remainder > threshold), with an arithmetic right shift. Done in int32 like the C code
    (numpy shifts int32 by a per-channel exponent several times faster than int64).
    """
    x = np.asarray(x, dtype=np.int32)
    e = np.asarray(exponent, dtype=np.int64)
    mask = ((np.int64(1) << e) - 1).astype(np.int32)
    threshold = (mask >> 1) + (x < 0)
    return (x >> e.astype(np.int32)) + ((x & mask) > threshold)


def multiply_by_quantized_multiplier(x, multiplier, shift) -> np.ndarray:
    """MultiplyByQuantizedMultiplier(int32 x, int32 multiplier, int shift), double-rounding form.

    C: left = shift > 0 ? shift : 0; right = shift > 0 ? 0 : -shift;
    return RoundingDivideByPOT(SaturatingRoundingDoublingHighMul(x * (1 << left), multiplier), right);
    `x * (1 << left)` is an int32 product, so it wraps here as it does in C. multiplier/shift broadcast
    against x (per output channel on the last axis). Returns int32.
    """
    x = np.asarray(x, dtype=np.int64)
    shift = np.asarray(shift, dtype=np.int64)
    left = np.maximum(shift, 0)
    right = np.maximum(-shift, 0)
    if np.any(left > 0):  # multipliers > 1 only: x * 2^left is an int32 product in C, so it wraps
        x = wrap_int32(x << left)
    high = saturating_rounding_doubling_high_mul(x, multiplier)
    return rounding_divide_by_pot(high, right)


def quantize_float(x, scale: float, zero_point: int, qmin: int = -128, qmax: int = 127) -> np.ndarray:
    """reference_ops::AffineQuantize: clamp(round(x / scale) + zp), dividing in float32 as TFLite does."""
    q = np.asarray(x, dtype=np.float32) / np.float32(scale)
    q = np.clip(round_half_away(q), -(2.0**31), 2.0**31 - 1).astype(np.int64) + int(zero_point)
    return np.clip(q, qmin, qmax)
