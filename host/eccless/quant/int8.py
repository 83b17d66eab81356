"""The int8 model (TFLite's quantization scheme) and the quantizer that makes one from a float Graph.

A QGraph is the integer twin of graph.Graph: the same sequential ops over NHWC tensors, with int8 weights
(symmetric, per output channel), int32 biases, int8 activations (asymmetric, per tensor) and the precomputed
fixed-point requantization of every op. Its `forward` runs the integer reference kernels of quant.kernels
and is bit-exact with LiteRT's reference kernels on the exported .tflite (see eccless.tflite.export).

Choices worth knowing:
- standalone relu/relu6 after a weighted op are fused into it (as the TFLite converter does);
- maxpool, avgpool, reshape and standalone relu/relu6 keep their input's quantization (for relu/relu6 the
  requantization multiplier is then exactly 1 and the op is a clamp);
- sigmoid and hardswish are TFLite's int8 LOGISTIC / HARD_SWISH (quant.activations): sigmoid's output is fixed at
  scale 1/256, zero point -128; hardswish's is calibrated. Their integer parameters sit in out_mult / out_shift;
- `weight_bits < 8` narrows the level range to +-(2^(b-1)-1) with a larger scale, still stored as int8.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from ..errors import UsageError
from ..graph import FLOAT_KERNELS, Graph, fit_batch, fuse_activations, output_shape
from .activations import SIGMOID_OUT_SCALE, SIGMOID_OUT_ZP, hardswish_params, sigmoid_params
from .fixedpoint import quantize_float
from .kernels import INT8_KERNELS
from .qparams import (
    activation_qparams,
    activation_range,
    quantize_bias,
    quantize_weights,
    relu_requant_params,
    requant_params,
    weight_qmax,
)

INT8_BATCH_ELEMENTS = 1 << 22  # per forward chunk: the int8 kernels hold int64/float64 copies of activations
WEIGHT_CHANNEL_AXIS = {"dense": 0, "conv2d": 0, "dwconv2d": 3}  # output channel axis of each weight layout


@dataclass
class QOp:
    """One int8 op; kind/name/act/stride/pads/pool/shape mean what they mean on graph.Op."""

    kind: str
    name: str = ""
    act: str = "none"
    stride: tuple[int, int] = (1, 1)
    pads: tuple[int, int, int, int] = (0, 0, 0, 0)
    pool: tuple[int, int] = (1, 1)
    shape: tuple[int, ...] = ()
    weight: np.ndarray | None = None  # int8, layout of the float op: dense (out,in), conv OHWI, dwconv 1HWO
    bias: np.ndarray | None = None  # int32 (out,)
    w_scale: np.ndarray | None = None  # float32 (out,), symmetric (zero point 0)
    in_scale: float = 1.0
    in_zp: int = 0
    out_scale: float = 1.0
    out_zp: int = 0
    out_mult: np.ndarray | None = None  # int32 per output channel (QuantizeMultiplier)
    out_shift: np.ndarray | None = None  # int32, >0 left shift, <0 right shift
    act_min: int = -128  # int8 clamp, fused relu/relu6 included
    act_max: int = 127

    @property
    def weighted(self) -> bool:
        return self.weight is not None


@dataclass
class QGraph:
    input_shape: tuple[int, ...]
    num_classes: int
    name: str
    in_scale: float
    in_zp: int
    ops: list[QOp]
    weight_bits: int = 8
    meta: dict = field(default_factory=dict)

    def quantize_input(self, x_float: np.ndarray) -> np.ndarray:
        """Float input -> int8, as TFLite's QUANTIZE reference kernel does it."""
        return quantize_float(x_float, self.in_scale, self.in_zp).astype(np.int8)

    def forward(self, x_int8: np.ndarray, batch: int = 256) -> np.ndarray:
        """int8 logits (N, num_classes) for an int8 batch (N, *input_shape), in chunks to bound memory."""
        x_int8 = np.asarray(x_int8)
        if x_int8.dtype != np.int8 or tuple(x_int8.shape[1:]) != tuple(self.input_shape):
            raise UsageError(
                f"forward needs int8 input of shape (N, {', '.join(map(str, self.input_shape))}), "
                f"got {x_int8.dtype} {x_int8.shape}"
            )
        outs = []
        batch = fit_batch(self.ops, self.input_shape, self.shapes(), batch, INT8_BATCH_ELEMENTS)
        for i in range(0, len(x_int8), batch):
            y = x_int8[i : i + batch]
            for op in self.ops:
                y = INT8_KERNELS[op.kind](op, y)
            outs.append(y.reshape(len(y), -1))
        return np.concatenate(outs) if outs else np.zeros((0, self.num_classes), dtype=np.int8)

    def dequantize_output(self, q: np.ndarray) -> np.ndarray:
        """int8 logits -> float32, as TFLite's DEQUANTIZE reference: float(double(scale) * (q - zp))."""
        last = self.ops[-1]
        return (np.float64(np.float32(last.out_scale)) * (q.astype(np.int64) - last.out_zp)).astype(
            np.float32
        )

    def predict(self, x: np.ndarray) -> np.ndarray:
        """Predicted classes. Float input is quantized first (TFLite's QUANTIZE); int8 input is taken as already
        quantized (an image's stored test set), so it is never quantized twice."""
        x = np.asarray(x)
        return np.argmax(self.forward(x if x.dtype == np.int8 else self.quantize_input(x)), axis=1)

    def shapes(self) -> list[tuple[int, ...]]:
        """Per-sample output shape of every op (raises ModelError if the ops do not fit together)."""
        out, shape = [], tuple(self.input_shape)
        for op in self.ops:
            shape = output_shape(op, shape)  # QOp carries the fields graph.output_shape reads
            out.append(shape)
        return out

    def weighted_ops(self) -> list[QOp]:
        return [op for op in self.ops if op.weighted]

    def params(self) -> list[tuple[np.ndarray, np.ndarray]]:
        """(int8 weight levels, int32 bias) per weighted op, in order."""
        return [(op.weight, op.bias) for op in self.weighted_ops()]

    def with_params(self, params: list[tuple[np.ndarray, np.ndarray]]) -> QGraph:
        """Same graph (scales, multipliers, clamps) with new int8 weights and int32 biases, any values."""
        weighted = self.weighted_ops()
        if len(params) != len(weighted):
            raise UsageError(
                f"with_params got {len(params)} (weight, bias) pairs for {len(weighted)} weighted ops"
            )
        it = iter(params)
        ops = []
        for op in self.ops:
            if op.weighted:
                w, b = (np.asarray(a) for a in next(it))
                if w.shape != op.weight.shape or b.shape != op.bias.shape:
                    raise UsageError(
                        f"{op.name}: params of shape {w.shape}, {b.shape} do not match "
                        f"{op.weight.shape}, {op.bias.shape}"
                    )
                if w.dtype != np.int8 or b.dtype != np.int32:
                    raise UsageError(
                        f"{op.name}: params must be int8 weights and int32 biases, got {w.dtype}, {b.dtype}"
                    )
                op = replace(op, weight=w, bias=b)
            ops.append(op)
        return replace(self, ops=ops)

    def num_params(self) -> int:
        return int(sum(op.weight.size + op.bias.size for op in self.weighted_ops()))


def _calibrate(ops, calib_x: np.ndarray, batch: int = 512) -> list[tuple[float, float]]:
    """(min, max) of every op's float output over the calibration set."""
    lo = [np.inf] * len(ops)
    hi = [-np.inf] * len(ops)
    for i in range(0, len(calib_x), batch):
        y = np.asarray(calib_x[i : i + batch], dtype=np.float32)
        for k, op in enumerate(ops):
            y = FLOAT_KERNELS[op.kind](op, y)
            lo[k], hi[k] = min(lo[k], float(y.min())), max(hi[k], float(y.max()))
    return list(zip(lo, hi))


def quantize(graph: Graph, calib_x: np.ndarray, *, weight_bits: int = 8) -> QGraph:
    """Post-training int8 quantization of a float Graph, activation ranges from calib_x (N, *input_shape)."""
    if not 2 <= weight_bits <= 8:
        raise UsageError(f"weight_bits must be in 2..8, got {weight_bits}")
    calib_x = np.asarray(calib_x, dtype=np.float32)
    if calib_x.ndim < 1 or len(calib_x) == 0 or tuple(calib_x.shape[1:]) != tuple(graph.input_shape):
        raise UsageError(
            f"calibration data of shape {calib_x.shape} does not match model input {tuple(graph.input_shape)}"
        )
    if not np.all(np.isfinite(calib_x)):
        raise UsageError("calibration data contains NaN or Inf")
    graph.shapes()  # raises ModelError on an inconsistent graph
    float_ops = fuse_activations(graph.ops)
    ranges = _calibrate(float_ops, calib_x)
    in_scale, in_zp = activation_qparams(float(calib_x.min()), float(calib_x.max()))
    scale, zp = in_scale, in_zp
    qops = []
    for k, op in enumerate(float_ops):
        common = {
            "kind": op.kind,
            "name": op.name or f"{op.kind}_{k}",
            "act": op.act,
            "stride": tuple(op.stride),
            "pads": tuple(op.pads),
            "pool": tuple(op.pool),
            "shape": tuple(op.shape),
            "in_scale": scale,
            "in_zp": zp,
        }
        if op.weighted:
            w, w_scale = quantize_weights(op.weight, WEIGHT_CHANNEL_AXIS[op.kind], weight_bits)
            out_scale, out_zp = activation_qparams(*ranges[k])
            mult, shift = requant_params(scale, w_scale, out_scale, len(w_scale))
            lo, hi = activation_range(op.act, out_scale, out_zp)
            qop = QOp(
                **common,
                weight=w,
                bias=quantize_bias(op.bias, scale, w_scale),
                w_scale=w_scale,
                out_scale=out_scale,
                out_zp=out_zp,
                out_mult=mult,
                out_shift=shift,
                act_min=lo,
                act_max=hi,
            )
        elif op.kind in ("relu", "relu6"):
            mult, shift = relu_requant_params(scale, scale)
            lo, hi = activation_range(op.kind, scale, zp)
            qop = QOp(
                **common, out_scale=scale, out_zp=zp, out_mult=mult, out_shift=shift, act_min=lo, act_max=hi
            )
        elif op.kind in ("sigmoid", "hardswish"):
            qop = activation_op(common, ranges[k])
        else:  # maxpool, avgpool, reshape: same quantization in and out
            qop = QOp(**common, out_scale=scale, out_zp=zp)
        qops.append(qop)
        scale, zp = qop.out_scale, qop.out_zp
    return QGraph(
        input_shape=tuple(graph.input_shape),
        num_classes=graph.num_classes,
        name=graph.name,
        in_scale=in_scale,
        in_zp=in_zp,
        ops=qops,
        weight_bits=weight_bits,
    )


def activation_op(common: dict, out_range: tuple[float, float] | None = None, out_qparams=None) -> QOp:
    """A sigmoid/hardswish QOp: its output quantization (sigmoid's fixed one, else `out_qparams` or the calibrated
    `out_range`'s) and the integer parameters TFLM's Prepare derives from the scales."""
    if common["kind"] == "sigmoid":
        out_scale, out_zp = SIGMOID_OUT_SCALE, SIGMOID_OUT_ZP
        mult, shift = sigmoid_params(common["in_scale"])
    else:
        out_scale, out_zp = out_qparams or activation_qparams(*out_range)
        mult, shift = hardswish_params(common["in_scale"], out_scale)
    return QOp(**common, out_scale=out_scale, out_zp=out_zp, out_mult=np.array(mult, np.int32),
               out_shift=np.array(shift, np.int32))


def narrow_weights(qgraph: QGraph, weight_bits: int) -> QGraph:
    """The same int8 model with its weights re-quantized to +-(2^(b-1)-1) levels per channel.

    For an already-quantized model (e.g. an imported .tflite) stored in a format that gives one bit of each
    weight to a parity bit. Weights and biases are dequantized and quantized again exactly as quantize() does,
    with the larger scales; biases follow the new scale in_scale * w_scale, and multipliers are recomputed.
    """
    if not 2 <= weight_bits <= 8:
        raise UsageError(f"weight_bits must be in 2..8, got {weight_bits}")
    ops = []
    for op in qgraph.ops:
        if op.weighted and np.abs(op.weight.astype(np.int64)).max() > weight_qmax(weight_bits):
            axis = WEIGHT_CHANNEL_AXIS[op.kind]
            shape = [1] * op.weight.ndim
            shape[axis] = -1
            real_w = op.weight.astype(np.float32) * op.w_scale.astype(np.float32).reshape(shape)
            real_b = op.bias.astype(np.float64) * (np.float32(op.in_scale) * op.w_scale.astype(np.float32))
            w, w_scale = quantize_weights(real_w, axis, weight_bits)
            mult, shift = requant_params(op.in_scale, w_scale, op.out_scale, len(w_scale))
            bias = quantize_bias(real_b, op.in_scale, w_scale)
            op = replace(op, weight=w, bias=bias, w_scale=w_scale, out_mult=mult, out_shift=shift)
        ops.append(op)
    return replace(qgraph, ops=ops, weight_bits=weight_bits)
