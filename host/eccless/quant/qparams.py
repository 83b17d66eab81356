"""Quantization parameters in TFLite's int8 scheme: scales, zero points, requantization multipliers, clamps.

Each helper reproduces the float arithmetic TFLite uses to derive its integer parameters (float32 where TFLite
computes in float, float64 where it computes in double), because a one-ulp difference in a scale can move a
multiplier and so break bit-exactness with LiteRT:

- activation scale/zero point: the converter's nudging (zero exactly representable), int8 range [-128, 127];
- weights: symmetric per output channel, zero point 0, levels in [-(2^(b-1)-1), 2^(b-1)-1];
- bias: int32 at scale in_scale * w_scale (a float32 product, as the converter computes it);
- requantization: `PopulateConvolutionQuantizationParams` / fully_connected.cc `Prepare` (kernel_util.cc);
- fused activation clamp: `CalculateActivationRangeQuantized` (kernel_util.cc), standalone RELU/RELU6:
  `QuantizedReluX` (activations.cc).
"""

from __future__ import annotations

import numpy as np

from .fixedpoint import INT32_MAX, INT32_MIN, quantize_multiplier, round_half_away

QMIN, QMAX = -128, 127


def activation_qparams(rmin: float, rmax: float) -> tuple[float, int]:
    """(scale, zero_point) for an int8 tensor observed in [rmin, rmax]; the range is widened to contain 0.

    Follows the converter's GetNudgedScaleAndZeroPoint: scale = (rmax - rmin) / 255, the zero point taken from
    whichever end has the smaller rounding error, then rounded and clamped into [-128, 127].
    """
    rmin, rmax = min(float(rmin), 0.0), max(float(rmax), 0.0)
    if not (np.isfinite(rmin) and np.isfinite(rmax)):
        raise ValueError(f"activation range [{rmin}, {rmax}] is not finite")
    if rmax == rmin:  # an all-zero tensor: any scale represents it; 1.0 keeps later divisions finite
        return 1.0, 0
    scale = (rmax - rmin) / (QMAX - QMIN)
    zp_from_min, zp_from_max = QMIN - rmin / scale, QMAX - rmax / scale
    err_min, err_max = abs(QMIN) + abs(rmin / scale), abs(QMAX) + abs(rmax / scale)
    zp = zp_from_min if err_min < err_max else zp_from_max
    zp = int(np.clip(round_half_away(zp), QMIN, QMAX))
    return float(np.float32(scale)), zp


def weight_qmax(bits: int) -> int:
    return (1 << (bits - 1)) - 1


def quantize_weights(w: np.ndarray, channel_axis: int, bits: int = 8) -> tuple[np.ndarray, np.ndarray]:
    """Symmetric per-channel int8 levels and float32 scales (an all-zero channel gets the largest scale)."""
    qmax = weight_qmax(bits)
    w = np.asarray(w, dtype=np.float32)
    axes = tuple(i for i in range(w.ndim) if i != channel_axis % w.ndim)
    amax = np.max(np.abs(w), axis=axes).astype(np.float64)
    scale = (amax / qmax).astype(np.float32)
    fallback = np.float32(scale.max()) if scale.max() > 0 else np.float32(1.0)
    scale = np.where(scale > 0, scale, fallback).astype(np.float32)
    shape = [1] * w.ndim
    shape[channel_axis] = -1
    levels = round_half_away(w / scale.reshape(shape))
    return np.clip(levels, -qmax, qmax).astype(np.int8), scale


def quantize_bias(b: np.ndarray, in_scale: float, w_scale: np.ndarray) -> np.ndarray:
    """int32 bias at scale float32(in_scale * w_scale), rounded half away from zero and saturated."""
    bias_scale = np.float32(in_scale) * np.asarray(w_scale, dtype=np.float32)
    q = round_half_away(np.asarray(b, dtype=np.float64) / bias_scale.astype(np.float64))
    return np.clip(q, INT32_MIN, INT32_MAX).astype(np.int32)


def effective_scales(in_scale: float, w_scale: np.ndarray, out_scale: float, *, float_product: bool = False):
    """The real multiplier per output channel exactly as LiteRT's Prepare computes it (in double).

    Conv, depthwise conv (per-channel or not) and per-channel fully connected use double(in) * double(w) /
    double(out) (PopulateConvolutionQuantizationParams). A per-tensor FULLY_CONNECTED goes through
    GetQuantizedConvolutionMultipler, which forms the product in float32 first: double(float(in * w)) /
    double(out): pass float_product=True for that one case (TFLite Micro does the same).
    """
    w_scale = np.asarray(w_scale, dtype=np.float32)
    out = np.float64(np.float32(out_scale))
    if float_product:
        return (np.float32(in_scale) * w_scale).astype(np.float64) / out
    return np.float64(np.float32(in_scale)) * w_scale.astype(np.float64) / out


def requant_params(
    in_scale: float, w_scale: np.ndarray, out_scale: float, channels: int, *, float_product: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """(multiplier, shift) int32 arrays of length `channels` (a per-tensor weight scale is broadcast)."""
    real = effective_scales(in_scale, w_scale, out_scale, float_product=float_product)
    mult, shift = quantize_multiplier(real)
    mult = np.broadcast_to(mult, (channels,)).astype(np.int32)
    return mult, np.broadcast_to(shift, (channels,)).astype(np.int32)


def relu_requant_params(in_scale: float, out_scale: float) -> tuple[np.ndarray, np.ndarray]:
    """ReluPrepare: QuantizeMultiplier(double(float(in_scale / out_scale))), the division in float32."""
    mult, shift = quantize_multiplier(np.float64(np.float32(in_scale) / np.float32(out_scale)))
    return mult.astype(np.int32), shift.astype(np.int32)


def _quantize_bound(value: float, scale: float, zp: int) -> int:
    # kernel_util.cc Quantize / activations.cc QuantizedReluX: zp + round(value / scale), dividing in float32.
    return int(zp) + int(round_half_away(np.float32(value) / np.float32(scale)))


def activation_range(act: str, scale: float, zp: int) -> tuple[int, int]:
    """int8 clamp [act_min, act_max] of a fused (or standalone) none/relu/relu6 at output quantization."""
    lo, hi = QMIN, QMAX
    if act in ("relu", "relu6"):
        lo = max(QMIN, _quantize_bound(0.0, scale, zp))
    if act == "relu6":
        hi = min(QMAX, _quantize_bound(6.0, scale, zp))
    return lo, hi
