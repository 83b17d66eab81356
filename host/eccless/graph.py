"""The float model every importer produces and every quantizer consumes.

A Graph is a *sequential* list of ops over NHWC tensors (batch first), the layout TFLite and CMSIS-NN use, so the
device kernels never transpose. Weight layouts follow TFLite:

    dense        weight (out, in)                bias (out,)
    conv2d       weight (out, kh, kw, in)  OHWI  bias (out,)
    dwconv2d     weight (1, kh, kw, out)   1HWO  bias (out,)   out = in * depth_multiplier

Padding is explicit (top, bottom, left, right) so ONNX pads survive; exporters map it back to SAME/VALID.
Fused activations ("none", "relu", "relu6") sit on dense/conv ops, as in TFLite.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

import numpy as np

from .errors import ModelError

ACTIVATIONS = ("none", "relu", "relu6")
WEIGHTED_KINDS = ("dense", "conv2d", "dwconv2d")
ELEMENTWISE_KINDS = ("relu", "relu6", "sigmoid", "hardswish")  # one output per input element, same shape
KINDS = WEIGHTED_KINDS + ("maxpool", "avgpool", "reshape") + ELEMENTWISE_KINDS


@dataclass
class Op:
    kind: str
    name: str = ""
    weight: np.ndarray | None = None
    bias: np.ndarray | None = None
    act: str = "none"
    stride: tuple[int, int] = (1, 1)
    pads: tuple[int, int, int, int] = (0, 0, 0, 0)  # top, bottom, left, right
    pool: tuple[int, int] = (1, 1)  # pooling window (kh, kw)
    shape: tuple[int, ...] = ()  # reshape target, per sample

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ModelError(f"unsupported op kind {self.kind!r}")
        if self.act not in ACTIVATIONS:
            raise ModelError(f"unsupported activation {self.act!r} on {self.name or self.kind}")

    @property
    def weighted(self) -> bool:
        return self.kind in WEIGHTED_KINDS

    def with_params(self, weight: np.ndarray, bias: np.ndarray) -> "Op":
        return replace(self, weight=weight, bias=bias)


@dataclass
class Graph:
    """A sequential float model. input_shape is per sample: (H, W, C) for images, (D,) for vectors."""

    input_shape: tuple[int, ...]
    ops: list[Op]
    num_classes: int
    name: str = "model"
    meta: dict = field(default_factory=dict)

    def weighted_ops(self) -> list[Op]:
        return [op for op in self.ops if op.weighted]

    def num_params(self) -> int:
        return int(sum(op.weight.size + op.bias.size for op in self.weighted_ops()))

    def shapes(self) -> list[tuple[int, ...]]:
        """Per-sample output shape of every op (checks the graph is consistent)."""
        out, shape = [], tuple(self.input_shape)
        for op in self.ops:
            shape = output_shape(op, shape)
            out.append(shape)
        return out

    def with_params(self, params: list[tuple[np.ndarray, np.ndarray]]) -> "Graph":
        """Same graph with new (weight, bias) per weighted op, in order."""
        it = iter(params)
        ops = [op.with_params(*next(it)) if op.weighted else op for op in self.ops]
        return replace(self, ops=ops)

    def forward(self, x: np.ndarray) -> np.ndarray:
        """Float32 logits for a batch x of shape (N, *input_shape)."""
        x = np.asarray(x, dtype=np.float32)
        for op in self.ops:
            x = FLOAT_KERNELS[op.kind](op, x)
        return x

    def predict(self, x: np.ndarray, batch: int = 1024) -> np.ndarray:
        batch = fit_batch(self.ops, self.input_shape, self.shapes(), batch, FLOAT_BATCH_ELEMENTS)
        out = [np.argmax(self.forward(x[i : i + batch]), axis=1) for i in range(0, len(x), batch)]
        return np.concatenate(out) if out else np.zeros(0, dtype=np.int64)


# Per forward chunk: at most this many elements in one activation (or one depthwise window tensor), so a model with
# large activations runs in smaller chunks instead of allocating gigabytes (the results do not depend on it).
FLOAT_BATCH_ELEMENTS = 1 << 23
CONV_BLOCK_BYTES = 128 << 20  # float conv2d builds its patch matrix in blocks of at most this size


def fit_batch(ops, input_shape, shapes, batch: int, budget: int) -> int:
    """`batch`, reduced so that one chunk's largest activation stays within `budget` elements."""
    per = math.prod(input_shape)
    for op, shape in zip(ops, shapes):
        per = max(per, math.prod(shape))
        if op.kind == "dwconv2d":  # the float kernel's einsum may expand every window
            per = max(per, math.prod(shape) * math.prod(op.weight.shape[1:3]))
    return max(1, min(batch, budget // max(1, per)))


def conv_blocks(n: int, oh: int, ow: int, k: int, itemsize: int, budget: int):
    """(sample slice, output-row slice) blocks whose im2col matrices stay within `budget` bytes: whole samples
    when one fits, else rows of one sample."""
    row = ow * k * itemsize
    if oh * row <= budget:
        step = max(1, budget // (oh * row))
        for i in range(0, n, step):
            yield slice(i, i + step), slice(None)
    else:
        rows = max(1, budget // row)
        for i in range(n):
            for r in range(0, oh, rows):
                yield slice(i, i + 1), slice(r, r + rows)


def output_shape(op: Op, shape: tuple[int, ...]) -> tuple[int, ...]:
    if op.kind == "dense":
        if len(shape) != 1 or op.weight.shape[1] != shape[0]:
            raise ModelError(f"{op.name or 'dense'}: input shape {shape} does not match weight {op.weight.shape}")
        return (op.weight.shape[0],)
    if op.kind == "reshape":
        if int(np.prod(op.shape)) != int(np.prod(shape)):
            raise ModelError(f"{op.name or 'reshape'}: cannot reshape {shape} to {op.shape}")
        return tuple(op.shape)
    if op.kind in ELEMENTWISE_KINDS:
        return shape
    if len(shape) != 3:
        raise ModelError(f"{op.name or op.kind}: needs an HWC input, got shape {shape}")
    h, w, c = shape
    if op.kind == "conv2d":
        out_c, kh, kw, in_c = op.weight.shape
        if in_c != c:
            raise ModelError(f"{op.name or 'conv2d'}: {c} input channels but weight expects {in_c}")
    elif op.kind == "dwconv2d":
        _, kh, kw, out_c = op.weight.shape
        if out_c % c:
            raise ModelError(f"{op.name or 'dwconv2d'}: {out_c} outputs is not a multiple of {c} inputs")
    else:
        (kh, kw), out_c = op.pool, c
    top, bottom, left, right = op.pads
    oh = (h + top + bottom - kh) // op.stride[0] + 1
    ow = (w + left + right - kw) // op.stride[1] + 1
    if oh <= 0 or ow <= 0:
        raise ModelError(f"{op.name or op.kind}: window {kh}x{kw} larger than padded input {h}x{w}")
    return (oh, ow, out_c)


# ---------------------------------------------------------------------------------------------------------------
# float kernels (numpy, float32). The int8 reference lives in eccless.quant; these are the float semantics.


def patches(x: np.ndarray, kh: int, kw: int, stride, pads, fill=0.0) -> np.ndarray:
    """(N, H, W, C) -> (N, OH, OW, kh, kw, C) windows, padding with `fill`."""
    top, bottom, left, right = pads
    if any(pads):
        x = np.pad(x, ((0, 0), (top, bottom), (left, right), (0, 0)), constant_values=fill)
    win = np.lib.stride_tricks.sliding_window_view(x, (kh, kw), axis=(1, 2))  # N, OH', OW', C, kh, kw
    win = win[:, :: stride[0], :: stride[1]]
    return win.transpose(0, 1, 2, 4, 5, 3)


def _activate(op: Op, y: np.ndarray) -> np.ndarray:
    if op.act == "relu":
        return np.maximum(y, 0, out=y)
    if op.act == "relu6":
        return np.clip(y, 0, 6, out=y)
    return y


def _dense(op: Op, x):
    return _activate(op, x @ op.weight.T.astype(np.float32) + op.bias.astype(np.float32))


def _conv2d(op: Op, x):
    out_c, kh, kw, in_c = op.weight.shape
    p = patches(x, kh, kw, op.stride, op.pads)
    n, oh, ow = p.shape[:3]
    k = kh * kw * in_c
    w = op.weight.reshape(out_c, -1).T.astype(np.float32)
    y = np.empty((n, oh, ow, out_c), np.float32)
    for s, r in conv_blocks(n, oh, ow, k, 4, CONV_BLOCK_BYTES):
        block = p[s, r]
        y[s, r] = (block.reshape(-1, k) @ w).reshape(block.shape[:3] + (out_c,))
    return _activate(op, y + op.bias.astype(np.float32))


def _dwconv2d(op: Op, x):
    _, kh, kw, out_c = op.weight.shape
    mult = out_c // x.shape[3]
    p = patches(x, kh, kw, op.stride, op.pads)
    if mult > 1:
        p = np.repeat(p, mult, axis=5)
    y = np.einsum("nhwijc,ijc->nhwc", p, op.weight[0].astype(np.float32), optimize=True)
    return _activate(op, y + op.bias.astype(np.float32))


def _maxpool(op: Op, x):
    p = patches(x, *op.pool, op.stride, op.pads, fill=-np.inf)
    return p.max(axis=(3, 4))


def _avgpool(op: Op, x):
    # TFLite semantics: padded cells are not counted.
    p = patches(x, *op.pool, op.stride, op.pads)
    ones = patches(np.ones_like(x[:1, :, :, :1]), *op.pool, op.stride, op.pads)
    return p.sum(axis=(3, 4)) / ones.sum(axis=(3, 4))


def _reshape(op: Op, x):
    return x.reshape((x.shape[0],) + tuple(op.shape))


FLOAT_KERNELS = {
    "dense": _dense,
    "conv2d": _conv2d,
    "dwconv2d": _dwconv2d,
    "maxpool": _maxpool,
    "avgpool": _avgpool,
    "reshape": _reshape,
    "relu": lambda op, x: np.maximum(x, 0),
    "relu6": lambda op, x: np.clip(x, 0, 6),
    "sigmoid": lambda op, x: (1.0 / (1.0 + np.exp(-x.astype(np.float64)))).astype(np.float32),
    "hardswish": lambda op, x: x * np.clip(x + 3, 0, 6) / np.float32(6),
}


def fuse_activations(ops: list[Op]) -> list[Op]:
    """Fold standalone relu/relu6 into the weighted op before them (as TFLite fuses them)."""
    out: list[Op] = []
    for op in ops:
        if op.kind in ("relu", "relu6") and out and out[-1].weighted and out[-1].act == "none":
            out[-1] = replace(out[-1], act=op.kind)
        else:
            out.append(op)
    return out
