"""Checked access to a parsed .tflite flatbuffer: tensors, constants, quantization; each failure a ModelError.

Also the one graph rewrite the importer needs afterwards: folding our exporter's "dense as 1x1 conv" pattern.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from ..errors import ModelError
from ..graph import output_shape
from ..quant.int8 import QOp
from .common import require_schema

_NUMPY = {"INT8": np.int8, "INT32": np.int32, "FLOAT32": np.float32}


def one_line(e: Exception) -> str:
    text = str(e).strip().splitlines()
    return f"{type(e).__name__}: {text[0]}" if text else type(e).__name__


def _ints(values) -> list[int]:
    return [] if values is None else [int(v) for v in values]


class TFLiteFile:
    """Subgraph 0 of a TFLite model, with validating accessors keyed by tensor index."""

    def __init__(self, data: bytes, source: str):
        s = require_schema()
        self.source, self.data = source, data
        self.type_names = {v: k for k, v in vars(s.TensorType).items() if not k.startswith("_")}
        try:
            self.model = s.ModelT.InitFromPackedBuf(bytearray(data), 0)
        except Exception as e:  # noqa: BLE001 - flatbuffers raises struct/index/value errors on bad input
            raise ModelError(f"{source}: truncated or corrupt TFLite flatbuffer ({one_line(e)})") from None
        subgraphs = self.model.subgraphs or []
        if len(subgraphs) != 1:
            raise ModelError(
                f"{source}: {len(subgraphs)} subgraphs; only single-subgraph models are supported"
            )
        self.subgraph = subgraphs[0]
        self.tensors = self.subgraph.tensors or []
        self.subgraph.inputs = _ints(self.subgraph.inputs)  # numpy arrays in the object API; [0] is falsy
        self.subgraph.outputs = _ints(self.subgraph.outputs)
        for op in self.subgraph.operators or []:
            op.inputs, op.outputs = _ints(op.inputs), _ints(op.outputs)
        if len(self.subgraph.inputs) != 1 or len(self.subgraph.outputs) != 1:
            raise ModelError(f"{source}: needs exactly one input and one output tensor")
        self.shape_only: set[int] = set()  # outputs of folded shape arithmetic

    def tensor(self, i: int):
        if not 0 <= i < len(self.tensors):
            raise ModelError(f"{self.source}: tensor index {i} out of range")
        return self.tensors[i]

    def tensor_name(self, i: int) -> str:
        name = self.tensor(i).name
        return name.decode(errors="replace") if isinstance(name, bytes) else (name or "")

    def ttype(self, i: int) -> int:
        return self.tensor(i).type

    def type_name(self, i: int) -> str:
        return self.type_names.get(self.ttype(i), str(self.ttype(i)))

    def _raw(self, i: int) -> bytes | None:
        t = self.tensor(i)
        buffers = self.model.buffers or []
        if not 0 <= t.buffer < len(buffers):
            raise ModelError(
                f"{self.source}: tensor {self.tensor_name(i)!r} points to missing buffer {t.buffer}"
            )
        b = buffers[t.buffer]
        if b.offset > 1:  # large models keep tensor data after the flatbuffer, addressed by file offset
            raw = self.data[b.offset : b.offset + b.size]
            if len(raw) != b.size:
                raise ModelError(
                    f"{self.source}: tensor {self.tensor_name(i)!r} data lies past the end of the file"
                )
            return raw
        if b.data is None or isinstance(b.data, int) or len(b.data) == 0:
            return None
        return np.asarray(b.data, dtype=np.uint8).tobytes()

    def is_const(self, i: int) -> bool:
        return self._raw(i) is not None

    def const(self, i: int, dtype, node: int) -> np.ndarray:
        """The constant tensor i as `dtype`, shaped like the tensor."""
        raw, name = self._raw(i), self.tensor_name(i)
        if raw is None:
            raise ModelError(f"{self.source}: node {node} needs constant tensor {name!r}, which has no data")
        if _NUMPY.get(self.type_name(i)) is not dtype:
            raise ModelError(
                f"{self.source}: node {node} tensor {name!r} is {self.type_name(i)}, "
                f"expected {np.dtype(dtype).name}"
            )
        shape = tuple(int(d) for d in (self.tensor(i).shape if self.tensor(i).shape is not None else []))
        want = int(np.prod(shape)) * np.dtype(dtype).itemsize
        if len(raw) != want:
            raise ModelError(
                f"{self.source}: tensor {name!r} holds {len(raw)} bytes, expected {want} (truncated?)"
            )
        return np.frombuffer(raw, dtype=dtype).reshape(shape).copy()

    def _quant(self, i: int):
        q = self.tensor(i).quantization
        if q is None or q.scale is None or len(q.scale) == 0:
            raise ModelError(f"{self.source}: tensor {self.tensor_name(i)!r} is not quantized")
        scales = np.asarray(q.scale, dtype=np.float32)
        zps = np.asarray(q.zeroPoint if q.zeroPoint is not None else np.zeros(len(scales)), dtype=np.int64)
        if not np.all(np.isfinite(scales) & (scales > 0)):
            raise ModelError(f"{self.source}: tensor {self.tensor_name(i)!r} has a non-positive scale")
        return scales, zps

    def act_quant(self, i: int) -> tuple[float, int]:
        """(scale, zero point) of an int8 per-tensor quantized activation."""
        if self.type_name(i) != "INT8":
            raise ModelError(
                f"{self.source}: activation {self.tensor_name(i)!r} is {self.type_name(i)}, "
                "only int8 models are supported"
            )
        scales, zps = self._quant(i)
        if len(scales) != 1:
            raise ModelError(f"{self.source}: activation {self.tensor_name(i)!r} is quantized per channel")
        return float(scales[0]), int(zps[0]) if len(zps) else 0

    def weight_quant(self, i: int, node: int) -> tuple[np.ndarray, np.ndarray]:
        scales, zps = self._quant(i)
        if np.any(zps != 0):
            raise ModelError(
                f"{self.source}: node {node} has asymmetric weights (zero point != 0), unsupported"
            )
        return scales, zps

    def per_sample_shape(self, i: int) -> tuple[int, ...]:
        shape = self.tensor(i).shape
        if shape is None or len(shape) < 2:
            raise ModelError(f"{self.source}: tensor {self.tensor_name(i)!r} has no batch dimension")
        return tuple(int(d) for d in shape[1:])


def _is_dense_as_conv(a: QOp, b: QOp, c: QOp) -> bool:
    if (a.kind, b.kind, c.kind) != ("reshape", "conv2d", "reshape"):
        return False
    n_out, kh, kw, n_in = b.weight.shape
    same_q = (a.in_scale, a.in_zp) == (a.out_scale, a.out_zp) and (c.in_scale, c.in_zp) == (
        c.out_scale,
        c.out_zp,
    )
    return (
        same_q
        and tuple(a.shape) == (1, 1, n_in)
        and (kh, kw) == (1, 1)
        and tuple(b.stride) == (1, 1)
        and not any(b.pads)
        and tuple(c.shape) == (n_out,)
    )


def fold_dense_as_conv(ops: list[QOp], input_shape) -> list[QOp]:
    """Turn RESHAPE (1,1,D) -> 1x1 CONV_2D on a 1x1 image -> RESHAPE (out,) back into one dense op.

    Exact: a 1x1 conv over a 1x1 image is the same dot product, bias, multipliers and clamp as the dense op.
    """
    out, shape, i = [], tuple(input_shape), 0
    while i < len(ops):
        if i + 2 < len(ops) and _is_dense_as_conv(*ops[i : i + 3]):
            a, b, c = ops[i : i + 3]
            n_out, _, _, n_in = b.weight.shape
            new = [] if shape == (n_in,) else [replace(a, shape=(n_in,))]
            new.append(replace(b, kind="dense", name=c.name, weight=b.weight.reshape(n_out, n_in)))
            i += 3
        else:
            new, i = [ops[i]], i + 1
        for op in new:
            shape = output_shape(op, shape)
        out += new
    return out
