"""Load an int8 .tflite model (ours or the TFLite converter's) into a QGraph.

Supported, in one sequential chain: FULLY_CONNECTED, CONV_2D, DEPTHWISE_CONV_2D, MAX_POOL_2D, AVERAGE_POOL_2D,
RESHAPE, RELU, RELU6, fused RELU/RELU6, LOGISTIC and HARD_SWISH (their integer parameters derived as TFLite Micro's
Prepare derives them; LOGISTIC needs TFLite's output zero point -128); a QUANTIZE from a float input, a DEQUANTIZE
at the output and a final SOFTMAX are dropped (QGraph.forward returns the int8 logits before softmax; argmax is the
same up to ties of the quantized softmax). The converter's dynamic-batch Flatten arithmetic (SHAPE -> STRIDED_SLICE
-> PACK feeding RESHAPE's shape input) is folded: RESHAPE takes its per-sample shape from its output tensor. Our
exporter's "dense as 1x1 conv" pattern (RESHAPE -> CONV_2D 1x1 -> RESHAPE) is folded back into one dense op.

Anything else raises ModelError naming the op ("unsupported TFLite op ADD in node 7"); a missing, truncated or
non-TFLite file raises a one-line ModelError.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import ClassVar

import numpy as np

from ..errors import ModelError
from ..graph import output_shape
from ..quant.activations import SIGMOID_OUT_ZP
from ..quant.int8 import QGraph, QOp, activation_op
from ..quant.qparams import activation_range, relu_requant_params, requant_params
from .common import FILE_IDENTIFIER, TFLITE_TO_ACT, builtin_names, explicit_pads, require_schema
from .reader import TFLiteFile, fold_dense_as_conv, one_line

SHAPE_OPS = ("SHAPE", "STRIDED_SLICE", "PACK")  # the converter's dynamic-batch Flatten arithmetic


def load_tflite(path) -> QGraph:
    """QGraph of the int8 .tflite file at `path`."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as e:
        raise ModelError(f"cannot read TFLite model {path}: {e.strerror or e}") from None
    return read_tflite(data, source=str(path), name=path.stem)


def read_tflite(data: bytes, source: str = "<bytes>", name: str = "model") -> QGraph:
    """QGraph of an int8 .tflite flatbuffer held in memory."""
    require_schema()
    if len(data) < 8 or data[4:8] != FILE_IDENTIFIER:
        raise ModelError(f"{source}: not a TFLite model (no TFL3 file identifier)")
    f = TFLiteFile(data, source)
    try:
        return _Importer(f, builtin_names()).run(name)
    except (
        AttributeError,
        IndexError,
        KeyError,
        TypeError,
        ValueError,
        ZeroDivisionError,
        OverflowError,
    ) as e:
        # A flatbuffer that parses but is inconsistent (missing options, indices out of range, bad shapes).
        raise ModelError(f"{source}: malformed TFLite model ({one_line(e)})") from None


class _Importer:
    def __init__(self, f: TFLiteFile, names: dict[int, str]):
        self.f, self.names = f, names
        self.s = require_schema()

    def op_name(self, op) -> str:
        code = self.f.model.operatorCodes[op.opcodeIndex]
        num = max(int(code.builtinCode), int(code.deprecatedBuiltinCode))
        if num == self.s.BuiltinOperator.CUSTOM:
            return f"CUSTOM({(code.customCode or b'').decode(errors='replace')})"
        return self.names.get(num, f"#{num}")

    def run(self, name: str) -> QGraph:
        f, sg = self.f, self.f.subgraph
        cur = sg.inputs[0]
        ops = list(enumerate(sg.operators or []))
        if f.ttype(cur) == self.s.TensorType.FLOAT32:
            if not ops or self.op_name(ops[0][1]) != "QUANTIZE" or ops[0][1].inputs[0] != cur:
                raise ModelError(f"{f.source}: a float32 input must feed a QUANTIZE op")
            cur = ops.pop(0)[1].outputs[0]
        in_scale, in_zp = f.act_quant(cur)
        input_shape = shape = f.per_sample_shape(cur)
        qops, end = [], None  # end: (kind, node) of the SOFTMAX/DEQUANTIZE that closed the chain
        for node, op in ops:
            kind = self.op_name(op)
            shape_math = kind in SHAPE_OPS and all(f.is_const(i) or i in f.shape_only for i in op.inputs)
            if kind == "SHAPE" or shape_math:
                f.shape_only.update(op.outputs)  # SHAPE reads only a shape; the others combine shape vectors
                continue
            if end is not None and not (kind == "DEQUANTIZE" and end[0] == "SOFTMAX"):
                # only a DEQUANTIZE may follow the SOFTMAX that ends the chain
                raise ModelError(f"unsupported TFLite op {end[0]} in node {end[1]}: only allowed last")
            if kind not in self.HANDLERS:
                raise ModelError(f"unsupported TFLite op {kind} in node {node}")
            if op.inputs[0] != cur:
                raise ModelError(
                    f"{f.source}: node {node} ({kind}) does not read the previous op's output; "
                    "only sequential models are supported"
                )
            cur = op.outputs[0]
            if kind in ("SOFTMAX", "DEQUANTIZE"):
                end = (kind, node)
                continue
            new = self.HANDLERS[kind](self, op, node, shape)
            for q in new:
                shape = output_shape(q, shape)
            qops += new
        if cur != sg.outputs[0]:
            raise ModelError(f"{f.source}: the op chain does not end at the model output")
        qops = fold_dense_as_conv(qops, input_shape)
        sg_name = sg.name.decode(errors="replace") if isinstance(sg.name, bytes) else sg.name
        qg = QGraph(
            input_shape=input_shape,
            num_classes=int(np.prod(shape)),
            name=sg_name or name,
            in_scale=in_scale,
            in_zp=in_zp,
            ops=qops,
        )
        qg.shapes()
        return qg

    # ------------------------------------------------------------------ one method per supported op

    def _common(self, op, node, kind, act="none") -> dict:
        f = self.f
        in_scale, in_zp = f.act_quant(op.inputs[0])
        out_scale, out_zp = f.act_quant(op.outputs[0])
        lo, hi = activation_range(act, out_scale, out_zp)
        name = f.tensor_name(op.outputs[0]) or f"{kind}_{node}"
        return {
            "kind": kind,
            "name": name,
            "act": act,
            "in_scale": in_scale,
            "in_zp": in_zp,
            "out_scale": out_scale,
            "out_zp": out_zp,
            "act_min": lo,
            "act_max": hi,
        }

    def _positive(self, node, what, pair) -> tuple[int, int]:
        if min(pair) < 1:
            raise ModelError(f"{self.f.source}: node {node} has {what} {tuple(pair)}")
        return int(pair[0]), int(pair[1])

    def _act(self, options, node) -> str:
        code = getattr(options, "fusedActivationFunction", 0)
        if code not in TFLITE_TO_ACT:
            raise ModelError(
                f"{self.f.source}: node {node} has an unsupported fused activation (code {code})"
            )
        return TFLITE_TO_ACT[code]

    def _weighted(self, op, node, kind, act, axis, float_product_if_per_tensor=False) -> QOp:
        f = self.f
        weight = f.const(op.inputs[1], np.int8, node)
        scales, _ = f.weight_quant(op.inputs[1], node)
        channels = weight.shape[axis]
        if scales.size not in (1, channels):
            raise ModelError(
                f"{f.source}: node {node} has {scales.size} weight scales for {channels} channels"
            )
        has_bias = len(op.inputs) > 2 and op.inputs[2] >= 0
        bias = f.const(op.inputs[2], np.int32, node) if has_bias else np.zeros(channels, np.int32)
        c = self._common(op, node, kind, act)
        fp = float_product_if_per_tensor and scales.size == 1
        mult, shift = requant_params(c["in_scale"], scales, c["out_scale"], channels, float_product=fp)
        return QOp(
            **c,
            weight=weight,
            bias=bias.reshape(channels),
            w_scale=np.broadcast_to(scales, (channels,)).copy(),
            out_mult=mult,
            out_shift=shift,
        )

    def _fully_connected(self, op, node, shape):
        o = op.builtinOptions
        if o is not None and o.weightsFormat != 0:
            raise ModelError(f"{self.f.source}: node {node} uses a shuffled FULLY_CONNECTED weight format")
        q = self._weighted(op, node, "dense", self._act(o, node), 0, float_product_if_per_tensor=True)
        pre = (
            []
            if len(shape) == 1
            else [
                QOp(
                    kind="reshape",
                    name=f"{q.name}/flatten",
                    shape=(int(np.prod(shape)),),
                    in_scale=q.in_scale,
                    in_zp=q.in_zp,
                    out_scale=q.in_scale,
                    out_zp=q.in_zp,
                )
            ]
        )  # TFLite's FC flattens implicitly
        return pre + [q]

    def _conv_like(self, op, node, shape, kind, axis):
        o = op.builtinOptions
        if o.dilationHFactor != 1 or o.dilationWFactor != 1:
            raise ModelError(f"{self.f.source}: node {node} uses a dilated convolution (unsupported)")
        q = self._weighted(op, node, kind, self._act(o, node), axis)
        stride = self._positive(node, "stride", (o.strideH, o.strideW))
        pads = explicit_pads(o.padding, shape[:2], q.weight.shape[1:3], stride)
        return [replace(q, stride=stride, pads=pads)]

    def _conv_2d(self, op, node, shape):
        return self._conv_like(op, node, shape, "conv2d", 0)

    def _depthwise_conv_2d(self, op, node, shape):
        return self._conv_like(op, node, shape, "dwconv2d", 3)

    def _pool(self, op, node, shape, kind):
        o = op.builtinOptions
        stride = self._positive(node, "stride", (o.strideH, o.strideW))
        pool = self._positive(node, "filter size", (o.filterHeight, o.filterWidth))
        c = self._common(op, node, kind, self._act(o, node))
        return [QOp(**c, stride=stride, pool=pool, pads=explicit_pads(o.padding, shape[:2], pool, stride))]

    def _max_pool_2d(self, op, node, shape):
        return self._pool(op, node, shape, "maxpool")

    def _average_pool_2d(self, op, node, shape):
        return self._pool(op, node, shape, "avgpool")

    def _reshape(self, op, node, shape):
        if (
            len(op.inputs) > 1
            and op.inputs[1] >= 0
            and not (self.f.is_const(op.inputs[1]) or op.inputs[1] in self.f.shape_only)
        ):
            raise ModelError(f"{self.f.source}: node {node} RESHAPE takes its shape from computed data")
        return [QOp(**self._common(op, node, "reshape"), shape=self.f.per_sample_shape(op.outputs[0]))]

    def _relu_x(self, op, node, kind):
        c = self._common(op, node, kind, act=kind)
        mult, shift = relu_requant_params(c["in_scale"], c["out_scale"])
        return [QOp(**dict(c, act="none"), out_mult=mult, out_shift=shift)]

    def _relu(self, op, node, shape):
        return self._relu_x(op, node, "relu")

    def _relu6(self, op, node, shape):
        return self._relu_x(op, node, "relu6")

    def _activation(self, op, node, kind):
        c = self._common(op, node, kind)
        if kind == "sigmoid" and c["out_zp"] != SIGMOID_OUT_ZP:
            raise ModelError(f"{self.f.source}: node {node} LOGISTIC has output zero point {c['out_zp']}, "
                             f"TFLite's int8 kernel needs {SIGMOID_OUT_ZP}")
        q = activation_op({k: v for k, v in c.items() if k not in ("out_scale", "out_zp")},
                          out_qparams=(c["out_scale"], c["out_zp"]))
        return [replace(q, out_scale=c["out_scale"], out_zp=c["out_zp"], act_min=c["act_min"], act_max=c["act_max"])]

    def _logistic(self, op, node, shape):
        return self._activation(op, node, "sigmoid")

    def _hard_swish(self, op, node, shape):
        return self._activation(op, node, "hardswish")

    HANDLERS: ClassVar[dict] = {
        "FULLY_CONNECTED": _fully_connected,
        "CONV_2D": _conv_2d,
        "DEPTHWISE_CONV_2D": _depthwise_conv_2d,
        "MAX_POOL_2D": _max_pool_2d,
        "AVERAGE_POOL_2D": _average_pool_2d,
        "RESHAPE": _reshape,
        "RELU": _relu,
        "RELU6": _relu6,
        "LOGISTIC": _logistic,
        "HARD_SWISH": _hard_swish,
        "SOFTMAX": None,  # dropped at the end of the chain (handled in run)
        "DEQUANTIZE": None,
    }
