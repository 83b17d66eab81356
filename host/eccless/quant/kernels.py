"""int8 reference kernels: the bit-exact specification of the device C kernels (NHWC, batch first).

Each kernel follows one TFLite reference kernel (LiteRT `tflite/kernels/internal/reference/integer_ops/`):

    dense     fully_connected.h  FullyConnected(PerChannel)   conv2d  conv.h  ConvPerChannel
    dwconv2d  depthwise_conv.h   DepthwiseConvPerChannel      pools   pooling.h  MaxPool / AveragePool
    relu/6    reference_ops.h    ReluX                        reshape a no-op on the bytes
    sigmoid   integer_ops/logistic.h  Logistic                hardswish  hard_swish.h  HardSwish (quant.activations)

Accumulation: acc = sum w * (x - in_zp) over the window, then acc += bias, both in an int32 with
two's-complement wrap-around. Padding cells are skipped by the reference kernels, which is the same as padding
with in_zp (they contribute 0). The dot products run as BLAS matmuls in float32 or float64, chosen so that
every partial sum is an exactly representable integer (_exact_dtype); then everything is integer math with
every int32 wrap made explicit, so a corrupted bias gives exactly the wrapped result an int32 C accumulator
gives. Then
out = clamp(MultiplyByQuantizedMultiplier(acc, mult[c], shift[c]) + out_zp, act_min, act_max).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..graph import conv_blocks, patches
from .activations import hardswish_table, sigmoid_table
from .fixedpoint import multiply_by_quantized_multiplier, wrap_int32

_IM2COL_BYTES = 32 << 20  # conv2d builds its patch matrix in blocks of at most this size

if TYPE_CHECKING:
    from .int8 import QOp


def _requantize(op: QOp, acc: np.ndarray) -> np.ndarray:
    """int32 accumulator (int64-held, already wrapped) -> int8 output, channels on the last axis.

    `acc += output_offset` is an int32 add in the reference; it can only overflow for multipliers >= 1 and
    accumulators near the int32 limits (corrupted biases), and then wraps: numpy int32 arrays wrap silently,
    which is what this int32 + int32 does. The C kernel must wrap too (-fwrapv or uint32 arithmetic)."""
    y = multiply_by_quantized_multiplier(acc, op.out_mult.astype(np.int64), op.out_shift.astype(np.int64))
    y = y + np.int32(op.out_zp)
    return np.clip(y, op.act_min, op.act_max).astype(np.int8)


def _finish(op: QOp, dot: np.ndarray) -> np.ndarray:
    # dot is an exact integer sum held in floats; the bias add wraps like `acc += bias_data[c]` on an int32.
    acc = wrap_int32(dot.astype(np.int64) + op.bias.astype(np.int64))
    return _requantize(op, acc)


def _exact_dtype(terms: int):
    """float32 if every partial sum of `terms` products |w| <= 128 times |x - zp| <= 255 stays below 2^24
    (then float32 BLAS is exact in any summation order), else float64 (exact below 2^53)."""
    return np.float32 if terms * 128 * 255 < 2**24 else np.float64


def _patches(op: QOp, x: np.ndarray, kh: int, kw: int, dtype) -> np.ndarray:
    """(N, OH, OW, kh, kw, C) windows of x - in_zp (the reference's `input_val + input_offset`), a view.

    Padding with 0 after centering equals the reference skipping the cells outside the image."""
    return patches(x.astype(dtype) - dtype(op.in_zp), kh, kw, op.stride, op.pads)


def dense(op: QOp, x: np.ndarray) -> np.ndarray:
    dt = _exact_dtype(op.weight.shape[1])
    return _finish(op, (x.astype(dt) - dt(op.in_zp)) @ op.weight.astype(dt).T)


def conv2d(op: QOp, x: np.ndarray) -> np.ndarray:
    out_c, kh, kw, in_c = op.weight.shape
    k = kh * kw * in_c
    dt = _exact_dtype(k)
    p = _patches(op, x, kh, kw, dt)
    n, oh, ow = p.shape[:3]
    w = op.weight.reshape(out_c, k).T.astype(dt)
    dot = np.empty((n, oh, ow, out_c), dt)
    for s, r in conv_blocks(n, oh, ow, k, np.dtype(dt).itemsize, _IM2COL_BYTES):
        block = p[s, r]
        dot[s, r] = (block.reshape(-1, k) @ w).reshape(block.shape[:3] + (out_c,))
    return _finish(op, dot)


def dwconv2d(op: QOp, x: np.ndarray) -> np.ndarray:
    _, kh, kw, out_c = op.weight.shape
    mult = out_c // x.shape[3]  # depth multiplier: output channel c reads input channel c // mult
    dt = _exact_dtype(kh * kw)
    p = _patches(op, x, kh, kw, dt)
    w = op.weight[0].astype(dt)
    dot = np.zeros(p.shape[:3] + (out_c,), dt)
    for i in range(kh):
        for j in range(kw):
            tap = p[:, :, :, i, j, :]
            dot += (np.repeat(tap, mult, axis=3) if mult > 1 else tap) * w[i, j]
    return _finish(op, dot)


def maxpool(op: QOp, x: np.ndarray) -> np.ndarray:
    # Padding cells are skipped by the reference; -128 never wins a max against a real cell.
    p = patches(x, *op.pool, op.stride, op.pads, fill=-128)
    return np.clip(p.max(axis=(3, 4)), op.act_min, op.act_max).astype(np.int8)


def avgpool(op: QOp, x: np.ndarray) -> np.ndarray:
    """Sum over the cells inside the image, divided by their count, rounded half away from zero.

    Reference: acc > 0 ? (acc + n/2) / n : (acc - n/2) / n, with C's truncating '/' and integer n/2.
    Input and output share one quantization, so no requantization.
    """
    acc = patches(x.astype(np.int64), *op.pool, op.stride, op.pads).sum(axis=(3, 4))
    ones = np.ones((1,) + x.shape[1:3] + (1,), dtype=np.int64)
    n = patches(ones, *op.pool, op.stride, op.pads).sum(axis=(3, 4))
    half = n // 2
    pos = (acc + half) // n  # non-negative numerator: floor == truncation
    neg = -((half - acc) // n)  # acc <= 0: truncation toward zero of (acc - half) / n
    y = np.where(acc > 0, pos, neg)
    return np.clip(y, op.act_min, op.act_max).astype(np.int8)


def relu(op: QOp, x: np.ndarray) -> np.ndarray:
    """ReluX: out_zp + MBQM(x - in_zp, mult, shift), clamped; with equal in/out quantization it is a clamp."""
    return _requantize(op, x.astype(np.int64) - op.in_zp)


def sigmoid(op: QOp, x: np.ndarray) -> np.ndarray:
    """TFLite's int8 LOGISTIC; out_mult = (multiplier, range radius), out_shift = (left shift, 0)."""
    m, s = op.out_mult, op.out_shift
    return sigmoid_table(int(op.in_zp), int(m[0]), int(m[1]), int(s[0]))[x.astype(np.int64) + 128]


def hardswish(op: QOp, x: np.ndarray) -> np.ndarray:
    """TFLite's int8 HARD_SWISH; out_mult = int16 (output, reluish) multipliers, out_shift their exponents."""
    m, s = op.out_mult, op.out_shift
    table = hardswish_table(int(op.in_zp), int(op.out_zp), int(m[0]), int(s[0]), int(m[1]), int(s[1]))
    return table[x.astype(np.int64) + 128]


def reshape(op: QOp, x: np.ndarray) -> np.ndarray:
    return x.reshape((x.shape[0],) + tuple(op.shape))


INT8_KERNELS = {
    "dense": dense,
    "conv2d": conv2d,
    "dwconv2d": dwconv2d,
    "maxpool": maxpool,
    "avgpool": avgpool,
    "reshape": reshape,
    "relu": relu,
    "relu6": relu,
    "sigmoid": sigmoid,
    "hardswish": hardswish,
}
