"""TFLite's int8 LOGISTIC (sigmoid) and HARD_SWISH: parameters and fixed-point arithmetic, the spec of the C twins.

Both follow TFLite Micro's reference kernels and their Prepare functions, in the default (float-emulation off) build:

- sigmoid: `reference_integer_ops::Logistic` (integer_ops/logistic.h) over gemmlowp's `logistic` on a Q4.27 input;
  Prepare (`CalculateArithmeticOpDataLogistic`): real = double(in_scale) * 2^27, frexp -> (multiplier, left
  shift), range radius = floor(15 * 2^27 / 2^shift). The output quantization is fixed: scale 1/256, zero point
  -128 (the converter writes it so; TFLM checks the zero point).
- hardswish: `reference_ops::HardSwish` (hard_swish.h) in int16 arithmetic; Prepare (`HardSwishPrepare`): two
  QuantizeMultiplier results narrowed to int16 (DownScaleInt32ToInt16Multiplier), from float32 ratios of the
  "hires" input scale in_scale / 128 to the output scale and to the reluish scale 3 / 32768.

An int8 input has 256 values, so each op is evaluated once per value with Python integers (every C int32 or
int16 wrap made explicit) and applied as a table; the device computes the same arithmetic element by element.
The integer parameters of each op live in QOp.out_mult / out_shift (two entries each, the slots
eccless.image.records.OP_PARAMS names), so a loaded image's integers, not its scales, drive both halves.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np

from ..errors import ModelError
from .fixedpoint import quantize_multiplier, round_half_away

INT32_MIN, INT32_MAX = -(1 << 31), (1 << 31) - 1
INT16_MIN, INT16_MAX = -(1 << 15), (1 << 15) - 1
SIGMOID_OUT_SCALE, SIGMOID_OUT_ZP = 1.0 / 256.0, -128  # TFLite's fixed int8 LOGISTIC output quantization


def _i32(x: int) -> int:
    return ((x + (1 << 31)) & 0xFFFFFFFF) - (1 << 31)


def _i16(x: int) -> int:
    return ((x + (1 << 15)) & 0xFFFF) - (1 << 15)


def _tdiv(a: int, b: int) -> int:
    """C's truncating integer division."""
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b > 0) else -q


# ---- parameters (Prepare) ------------------------------------------------------------------------------------


def sigmoid_params(in_scale: float) -> tuple[list[int], list[int]]:
    """(out_mult, out_shift) = ([multiplier, radius], [left shift, 0]) as TFLM's LOGISTIC Prepare derives them."""
    real = float(np.float32(in_scale)) * float(1 << 27)
    q, shift = math.frexp(real)
    mult = int(round_half_away(q * float(1 << 31)))
    if not (0 < mult <= INT32_MAX and 0 <= shift <= 31):
        raise ModelError(f"sigmoid: input scale {in_scale} is outside what TFLite's int8 LOGISTIC handles")
    radius = math.floor(15.0 * float(1 << 27) / float(1 << shift))
    return [mult, radius], [shift, 0]


def _int16_multiplier(m32: int) -> int:
    """DownScaleInt32ToInt16Multiplier."""
    return INT16_MAX if m32 >= INT32_MAX - (1 << 15) else (m32 + (1 << 15)) >> 16


def hardswish_params(in_scale: float, out_scale: float) -> tuple[list[int], list[int]]:
    """(out_mult, out_shift) = ([out m16, reluish m16], [out exponent, reluish exponent]), HardSwishPrepare."""
    f32 = np.float32
    hires = f32(1.0 / 128.0) * f32(in_scale)
    out_m, out_e = quantize_multiplier(float(f32(hires / f32(out_scale))))
    rel_m, rel_e = quantize_multiplier(float(f32(hires / f32(3.0 / 32768.0))))
    if int(out_e[0]) > 0:
        raise ModelError(f"hardswish: output scale {out_scale} is too small for input scale {in_scale} "
                         "(TFLite needs an output multiplier below 1)")
    return [_int16_multiplier(int(out_m[0])), _int16_multiplier(int(rel_m[0]))], [int(out_e[0]), int(rel_e[0])]


# ---- gemmlowp fixed point, int32 -----------------------------------------------------------------------------


def _srdhm(a: int, b: int) -> int:
    """SaturatingRoundingDoublingHighMul (int32)."""
    if a == b == INT32_MIN:
        return INT32_MAX
    ab = a * b
    return _tdiv(ab + ((1 << 30) if ab >= 0 else 1 - (1 << 30)), 1 << 31)


def _rdbpot(x: int, e: int) -> int:
    """RoundingDivideByPOT on an int32 x, 0 <= e <= 31."""
    mask = (1 << e) - 1
    remainder = x & mask
    threshold = (mask >> 1) + (1 if x < 0 else 0)
    return (x >> e) + (1 if remainder > threshold else 0)


def _rdbpot16(x: int, e: int) -> int:
    """RoundingDivideByPOT instantiated for int16: the mask (1 << e) - 1 narrowed to int16 (-1 for e >= 16), the
    threshold and the sum narrowed too."""
    mask = _i16((1 << e) - 1)
    remainder = x & mask
    threshold = _i16((mask >> 1) + (1 if x < 0 else 0))
    return _i16((x >> e) + (1 if remainder > threshold else 0))


def _sat_shl(x: int, e: int) -> int:
    """SaturatingRoundingMultiplyByPOT<e> for e > 0 (int32)."""
    threshold = (1 << (31 - e)) - 1
    if x > threshold:
        return INT32_MAX
    if x < -threshold:
        return INT32_MIN
    return x << e


def _exp_quarter(a: int) -> int:
    """exp(a) for a Q0.31 a in [-1/4, 0): Taylor expansion around -1/8."""
    x = _i32(a + (1 << 28))
    x2 = _srdhm(x, x)
    x3 = _srdhm(x2, x)
    x4 = _srdhm(x2, x2)
    inner = _rdbpot(_i32(_srdhm(_i32(_rdbpot(x4, 2) + x3), 715827883) + x2), 1)
    c = 1895147668  # exp(-1/8)
    return _i32(c + _srdhm(c, _i32(x + inner)))


_EXP_BARREL = ((-2, 1672461947), (-1, 1302514674), (0, 790015084), (1, 290630308), (2, 39332535), (3, 720401))


def _exp_negative_q4(a: int) -> int:
    """exp(a) for a Q4.27 a <= 0, result Q0.31 (exp_on_negative_values with 4 integer bits)."""
    quarter = 1 << 25
    a_mod = _i32((a & (quarter - 1)) - quarter)
    result = _exp_quarter(_sat_shl(a_mod, 4))
    remainder = _i32(a_mod - a)
    for exponent, multiplier in _EXP_BARREL:
        if remainder & (1 << (27 + exponent)):
            result = _srdhm(result, multiplier)
    return INT32_MAX if a == 0 else result


def _one_over_one_plus_x(a: int) -> int:
    """1 / (1 + a) for a Q0.31 a in (0, 1): Newton-Raphson in Q2.29."""
    s = a + INT32_MAX
    half = _tdiv(s + (1 if s >= 0 else -1), 2)  # RoundingHalfSum
    x = _i32(1515870810 + _srdhm(half, -1010580540))
    for _ in range(3):
        x = _i32(x + _sat_shl(_srdhm(x, _i32((1 << 29) - _srdhm(half, x))), 2))
    return _sat_shl(x, 1)


def _logistic_q4(a: int) -> int:
    """gemmlowp::logistic of a Q4.27 value, Q0.31 result."""
    if a == 0:
        return 1 << 30
    positive = _one_over_one_plus_x(_exp_negative_q4(_i32(-abs(a)) if a > 0 else _i32(a)))
    return positive if a > 0 else _i32(INT32_MAX - positive)


def _mbqm(x: int, multiplier: int, shift: int) -> int:
    """MultiplyByQuantizedMultiplier (double rounding), the int32 product x * 2^left wrapping."""
    left, right = max(shift, 0), max(-shift, 0)
    return _rdbpot(_srdhm(_i32(x * (1 << left)), multiplier), right)


def sigmoid_value(q: int, in_zp: int, mult: int, radius: int, shift: int) -> int:
    """One int8 output of TFLite's int8 LOGISTIC."""
    x = q - in_zp
    if x <= -radius:
        return -128
    if x >= radius:
        return 127
    y = _rdbpot(_logistic_q4(_mbqm(x, mult, shift)), 23) - 128
    return min(max(y, -128), 127)


# ---- HARD_SWISH, int16 -----------------------------------------------------------------------------------------


def _srdhm16(a: int, b: int) -> int:
    if a == b == INT16_MIN:
        return INT16_MAX
    ab = a * b
    return _i16(_tdiv(ab + ((1 << 14) if ab >= 0 else 1 - (1 << 14)), 1 << 15))


def _sat_shl16(x: int, amount: int) -> int:
    return min(max(x * (1 << amount), INT16_MIN), INT16_MAX)


def hardswish_value(q: int, in_zp: int, out_zp: int, out_m: int, out_e: int, rel_m: int, rel_e: int) -> int:
    """One int8 output of TFLite's int8 HARD_SWISH (reference_ops::HardSwish, every int16 narrowing explicit)."""
    hires = _i16(_i16(q - in_zp) * 128)
    pre_out = _srdhm16(hires, out_m)
    reluish = hires
    if rel_e > 0:
        reluish = _sat_shl16(reluish, rel_e - 1)
    reluish = _srdhm16(reluish, rel_m)
    if rel_e > 0:
        reluish = _sat_shl16(reluish, 1)
    if rel_e < 0:
        reluish = _rdbpot16(reluish, -rel_e)
    reluish = _i16((reluish + (1 << 15)) >> 1)
    ab = reluish * pre_out
    pre_shift = INT16_MAX if reluish == pre_out == INT16_MIN else _i16(_tdiv(ab, 1 << 15))
    y = _i16(_rdbpot16(pre_shift, -out_e) + out_zp)
    return min(max(y, -128), 127)


# ---- tables ----------------------------------------------------------------------------------------------------


@lru_cache(maxsize=256)
def sigmoid_table(in_zp: int, mult: int, radius: int, shift: int) -> np.ndarray:
    """int8 output for every int8 input, indexed by input + 128."""
    return np.array([sigmoid_value(q, in_zp, mult, radius, shift) for q in range(-128, 128)], np.int8)


@lru_cache(maxsize=256)
def hardswish_table(in_zp: int, out_zp: int, out_m: int, out_e: int, rel_m: int, rel_e: int) -> np.ndarray:
    return np.array([hardswish_value(q, in_zp, out_zp, out_m, out_e, rel_m, rel_e) for q in range(-128, 128)],
                    np.int8)
