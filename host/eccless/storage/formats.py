"""Numeric formats: how a model's parameters become unsigned integer *indices* of m bits, and back.

A format is the first half of storage (the second is the representation, which turns an index into a codeword):

    float32   the IEEE-754 bit pattern is the index (m = 32, or 31 when the mantissa LSB carries parity)
    int8      TFLite's scheme: int8 weight levels (m = 8, or 7) and int32 biases (m = 32, or 31),
              index = level + 2^(m-1)
    uniform   n-bit uniform quantization of every tensor over its own [min, max] (the paper's representation study),
              inference in float on the dequantized values

`spare` is the number of bits of m given up to a parity bit placed in the word's LSB (detection rule parity-lsb).
Every tensor is described by a TensorCode; formats are registered by name so no caller branches on them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from ..errors import UsageError
from ..graph import Graph
from ..quant.int8 import QGraph, narrow_weights, quantize
from ..registry import Registry

CALIBRATION_SAMPLES = 512   # calibration inputs for int8 quantization


@dataclass
class TensorCode:
    """One parameter tensor as clean indices, plus how to turn indices back into model values."""

    name: str  # e.g. "fc1.weight"
    role: str  # "weight" | "bias"
    op: int  # index among the model's weighted ops
    shape: tuple[int, ...]
    index: np.ndarray  # uint64, flat, clean
    m: int  # index bits
    to_value: Callable[[np.ndarray], np.ndarray]  # uint64 indices -> values (float32 or int64 levels)
    channel: np.ndarray  # int64 per element: the range-check group (output channel for weights, 0 for biases)
    zero: float | int = 0  # the value a detection rule writes
    spare: int = 0  # index bits given up to a parity bit
    lo: float = 0.0  # uniform: start of the value range
    step: float = 0.0  # uniform: bin width


def out_channel(kind: str, shape: tuple[int, ...]) -> np.ndarray:
    """Output-channel id of every element of a weight tensor in TFLite layout."""
    axis = 3 if kind == "dwconv2d" else 0
    ids = np.arange(shape[axis], dtype=np.int64).reshape([-1 if i == axis else 1 for i in range(len(shape))])
    return np.broadcast_to(ids, shape).ravel()


def _roles(model):
    """(op_index, kind, weight, bias) for every weighted op of a Graph or QGraph."""
    weighted = [op for op in model.ops if op.weight is not None]
    return [(i, op.kind, op.weight, op.bias, op.name or f"op{i}") for i, op in enumerate(weighted)]


class Float32Format:
    name = "float32"
    stable_id = 0                           # META.format of an image (never renumbered)
    float_model = True
    quantized = False                       # ops carry no requantization parameters
    raw_words = True                         # may store raw IEEE-754 words (no representation)
    param_dtypes = (np.float32, np.float32)  # (weights, biases) of the model's ops
    input_dtype = np.float32

    def stored_bits(self, bits: int) -> int:
        """Stored bits per parameter (uniform takes the user's n; the others fix it)."""
        return 32

    def prepare(self, model, spare: int, calib_x: np.ndarray):
        """The model whose parameters this format stores (a float Graph as it is)."""
        if not isinstance(model, Graph):
            raise UsageError(f"an int8 model can only be stored as int8, not {self.name}")
        return model

    def skeleton(self, input_shape, num_classes: int, name: str, meta: dict, ops) -> Graph:
        """The model an image's records describe, parameters to be filled in."""
        return Graph(input_shape, ops, num_classes, name=name)

    def tensors(self, model: Graph, n: int, spare: int) -> list[TensorCode]:
        m = 32 - spare
        out = []
        for i, kind, w, b, name in _roles(model):
            for role, arr in (("weight", w), ("bias", b)):
                bits = np.ascontiguousarray(arr, dtype=np.float32).ravel().view(np.uint32).astype(np.uint64)
                ch = out_channel(kind, arr.shape) if role == "weight" else np.zeros(arr.size, np.int64)
                out.append(TensorCode(f"{name}.{role}", role, i, arr.shape, bits >> np.uint64(spare), m,
                                      self.value_map(m, spare), ch, 0.0, spare))
        return out

    @staticmethod
    def value_map(m: int, spare: int, lo: float = 0.0, step: float = 0.0):
        """index -> value: the IEEE-754 pattern (the dropped mantissa LSBs read as 0)."""
        def to_value(index):
            return (np.asarray(index, np.uint64) << np.uint64(spare)).astype(np.uint32).view(np.float32)
        return to_value

    def rebuild(self, model: Graph, values: list[np.ndarray]) -> Graph:
        return model.with_params(_pairs(model, values, np.float32))

    def predict(self, model: Graph, x: np.ndarray) -> np.ndarray:
        with np.errstate(all="ignore"):  # corrupted weights may be Inf/NaN: that is the experiment
            return model.predict(x)


class Int8Format:
    """TFLite int8: symmetric per-channel int8 weights, int32 biases. The model is a quant.QGraph."""

    name = "int8"
    stable_id = 1
    float_model = False
    quantized = True
    raw_words = False
    param_dtypes = (np.int8, np.int32)
    input_dtype = np.int8

    def stored_bits(self, bits: int) -> int:
        return 8

    def prepare(self, model, spare: int, calib_x: np.ndarray):
        """A float Graph quantized (weights to 8 - spare bits); a QGraph narrowed when parity takes a bit."""
        if isinstance(model, Graph):
            return quantize(model, calib_x[:CALIBRATION_SAMPLES], weight_bits=8 - spare)
        return narrow_weights(model, 8 - spare) if spare else model

    def skeleton(self, input_shape, num_classes: int, name: str, meta: dict, ops):
        return QGraph(input_shape, num_classes, name, meta["in_scale"], meta["in_zp"], ops)

    def tensors(self, model, n: int, spare: int) -> list[TensorCode]:
        out = []
        for i, kind, w, b, name in _roles(model):
            for role, arr, m in (("weight", w, 8 - spare), ("bias", b, 32 - spare)):
                level = np.asarray(arr, dtype=np.int64).ravel()
                half = 1 << (m - 1)
                if level.size and (level.min() < -half or level.max() >= half):
                    raise UsageError(f"{name}.{role}: levels do not fit {m} bits (parity needs a spare bit; "
                                     f"quantize with fewer weight bits)")
                ch = out_channel(kind, arr.shape) if role == "weight" else np.zeros(arr.size, np.int64)
                out.append(TensorCode(f"{name}.{role}", role, i, arr.shape, (level + half).astype(np.uint64), m,
                                      self.value_map(m, spare), ch, 0, spare))
        return out

    @staticmethod
    def value_map(m: int, spare: int = 0, lo: float = 0.0, step: float = 0.0):
        """index -> signed level (index - 2^(m-1))."""
        half = np.int64(1 << (m - 1))

        def to_value(index):
            return np.asarray(index, np.uint64).astype(np.int64) - half
        return to_value

    def rebuild(self, model, values):
        pairs = [(w.astype(np.int8), b.astype(np.int32)) for w, b in _pairs(model, values, None)]
        return model.with_params(pairs)

    def predict(self, model, x):
        return model.predict(x)


class UniformFormat:
    """The paper's study format: every tensor uniformly quantized to n bits over its own [min, max]."""

    name = "uniform"
    stable_id = 2
    float_model = True
    quantized = False
    raw_words = False
    param_dtypes = (np.float32, np.float32)
    input_dtype = np.float32

    def stored_bits(self, bits: int) -> int:
        return bits

    prepare = Float32Format.prepare
    skeleton = Float32Format.skeleton

    def tensors(self, model: Graph, n: int, spare: int) -> list[TensorCode]:
        m = n - spare
        if m < 2:
            raise UsageError(f"uniform quantization needs at least 2 bits after parity, got n={n}")
        out = []
        for i, kind, w, b, name in _roles(model):
            for role, arr in (("weight", w), ("bias", b)):
                v = np.asarray(arr, dtype=np.float64).ravel()
                lo, hi = (float(v.min()), float(v.max())) if v.size else (0.0, 0.0)
                step = (hi - lo) / (1 << m) or 1.0  # a constant tensor still gets a valid (unused) step
                index = np.clip(np.floor((v - lo) / step), 0, (1 << m) - 1).astype(np.uint64)
                ch = out_channel(kind, arr.shape) if role == "weight" else np.zeros(arr.size, np.int64)
                out.append(TensorCode(f"{name}.{role}", role, i, arr.shape, index, m,
                                      self.value_map(m, spare, lo, step), ch, 0.0, spare, lo, step))
        return out

    @staticmethod
    def value_map(m: int, spare: int, lo: float, step: float):
        """index -> the centre of its bin."""
        def to_value(index):
            return (lo + (np.asarray(index, np.float64) + 0.5) * step).astype(np.float32)
        return to_value

    rebuild = Float32Format.rebuild
    predict = Float32Format.predict


def _pairs(model, values, dtype):
    """Regroup the flat per-tensor values (weight, bias, weight, bias, ...) into per-op shaped pairs."""
    ops = [op for op in model.ops if op.weight is not None]
    out = []
    for k, op in enumerate(ops):
        w, b = values[2 * k], values[2 * k + 1]
        if dtype is not None:
            w, b = w.astype(dtype, copy=False), b.astype(dtype, copy=False)
        out.append((w.reshape(op.weight.shape), b.reshape(op.bias.shape)))
    return out


FORMATS: Registry = Registry("number format")
FORMATS.add("float32", Float32Format())
FORMATS.add("int8", Int8Format())
FORMATS.add("uniform", UniformFormat())
