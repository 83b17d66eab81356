"""Write a QGraph as a real int8 .tflite flatbuffer, without TensorFlow (ai_edge_litert schema + flatbuffers).

By default the model's input and output tensors are int8 (no QUANTIZE/DEQUANTIZE ops): the interpreter then
sees exactly the bytes QGraph.forward sees, so the cross-check compares the integer kernels alone.
float_io=True adds QUANTIZE/DEQUANTIZE around them (also bit-exact with QGraph.quantize_input /
dequantize_output). The batch dimension is dynamic (shape_signature -1), so a whole test set runs in one
invoke after resize_tensor_input.

Dense ops are written as RESHAPE -> 1x1 CONV_2D -> RESHAPE by default, because LiteRT's reference
FULLY_CONNECTED does not requantize with MultiplyByQuantizedMultiplier (see _dense_form); the importer folds
the pattern back. Before writing, every op is checked to carry exactly the multipliers and clamps TFLite will
re-derive from the scales we store, so an exported file never silently computes something else.

Layout of what we write (subgraph 0, sequential):
    tensor 0       input int8 [1, *input_shape]  scale/zp = QGraph.in_scale/in_zp
    per op         weight int8 + bias int32 constants (weighted ops), RESHAPE's int32 shape constant,
                   and the int8 output tensor with the op's out_scale/out_zp
    ops            CONV_2D (also dense), FULLY_CONNECTED, DEPTHWISE_CONV_2D (per-channel weights, fused acts),
                   MAX_POOL_2D / AVERAGE_POOL_2D, RESHAPE, RELU / RELU6, LOGISTIC, HARD_SWISH
    buffer 0       the empty sentinel; every constant has its own 16-byte aligned buffer
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np

from ..errors import ModelError, UsageError
from ..quant.int8 import QGraph, QOp
from ..quant.activations import SIGMOID_OUT_ZP, hardswish_params, sigmoid_params
from ..quant.qparams import activation_range, relu_requant_params, requant_params
from .common import ACT_TO_TFLITE, FILE_IDENTIFIER, padding_code, require_schema

# Operator versions the TFLite converter assigns to these int8 ops (op_version.cc).
OP_VERSIONS = {
    "FULLY_CONNECTED": 4,
    "CONV_2D": 3,
    "DEPTHWISE_CONV_2D": 3,
    "MAX_POOL_2D": 2,
    "AVERAGE_POOL_2D": 2,
    "RESHAPE": 1,
    "RELU": 2,
    "RELU6": 2,
    "LOGISTIC": 2,
    "HARD_SWISH": 1,
    "QUANTIZE": 2,
    "DEQUANTIZE": 2,
}


def _pack_buffer(s, builder, buf):
    """Buffer table whose bytes start on a 16-byte boundary, as the converter writes them (int32 biases)."""
    data = None
    if buf.data is not None and not isinstance(buf.data, int) and len(buf.data):
        raw = np.ascontiguousarray(buf.data, dtype=np.uint8).tobytes()
        builder.StartVector(1, len(raw), 16)
        builder.head -= len(raw)
        builder.Bytes[builder.head : builder.head + len(raw)] = raw
        data = builder.EndVector()
    s.BufferStart(builder)
    if data is not None:
        s.BufferAddData(builder, data)
    if buf.offset:
        s.BufferAddOffset(builder, buf.offset)
        s.BufferAddSize(builder, buf.size)
    return s.BufferEnd(builder)


def pack_model(model) -> bytes:
    """Serialize a schema ModelT (ours, or one edited after ModelT.InitFromPackedBuf) to .tflite bytes."""
    s = require_schema()
    import flatbuffers  # installed with ai-edge-litert (the [tflite] extra), like the schema itself

    class AlignedBufferT(s.BufferT):
        def Pack(self, builder):
            return _pack_buffer(s, builder, self)

    model.buffers = [AlignedBufferT(b.data, b.offset, b.size) for b in (model.buffers or [])]
    builder = flatbuffers.Builder(1024)
    builder.Finish(model.Pack(builder), file_identifier=FILE_IDENTIFIER)
    return bytes(builder.Output())


class _Writer:
    def __init__(self):
        self.s = require_schema()
        self.buffers = [self.s.BufferT()]
        self.tensors, self.operators, self.opcodes = [], [], {}

    def constant(self, name: str, array: np.ndarray, ttype: int, quant=None) -> int:
        buf = self.s.BufferT()
        buf.data = np.frombuffer(np.ascontiguousarray(array).tobytes(), dtype=np.uint8)
        self.buffers.append(buf)
        return self.tensor(name, array.shape, ttype, quant, buffer=len(self.buffers) - 1)

    def tensor(self, name, shape, ttype, quant=None, buffer=0, signature=None) -> int:
        t = self.s.TensorT()
        t.name, t.shape, t.type, t.buffer = name, list(shape), ttype, buffer
        if signature is not None:
            t.shapeSignature = list(signature)
        if quant is not None:
            scales, zps, axis = quant
            q = self.s.QuantizationParametersT()
            q.scale = [float(v) for v in np.atleast_1d(scales)]
            q.zeroPoint = [int(v) for v in np.atleast_1d(zps)]
            q.quantizedDimension = axis
            t.quantization = q
        self.tensors.append(t)
        return len(self.tensors) - 1

    def activation(self, name, shape, scale, zp) -> int:
        return self.tensor(
            name,
            (1,) + tuple(shape),
            self.s.TensorType.INT8,
            ([scale], [zp], 0),
            signature=(-1,) + tuple(shape),
        )

    def op(self, code_name: str, inputs, outputs, options_type=0, options=None):
        code = getattr(self.s.BuiltinOperator, code_name)
        if code not in self.opcodes:
            oc = self.s.OperatorCodeT()
            oc.builtinCode, oc.deprecatedBuiltinCode = code, min(code, 127)
            oc.version = OP_VERSIONS[code_name]
            self.opcodes[code] = (len(self.opcodes), oc)
        o = self.s.OperatorT()
        o.opcodeIndex, o.inputs, o.outputs = self.opcodes[code][0], list(inputs), list(outputs)
        o.builtinOptionsType, o.builtinOptions = options_type, options
        self.operators.append(o)

    def finish(self, name: str, inputs, outputs) -> bytes:
        sg = self.s.SubGraphT()
        sg.tensors, sg.operators, sg.inputs, sg.outputs, sg.name = (
            self.tensors,
            self.operators,
            inputs,
            outputs,
            name,
        )
        model = self.s.ModelT()
        model.version, model.description = 3, "eccless int8 export"
        model.operatorCodes = [oc for _, oc in sorted(self.opcodes.values(), key=lambda p: p[0])]
        model.subgraphs, model.buffers = [sg], self.buffers
        return pack_model(model)


def _same(a, b) -> bool:
    return np.array_equal(np.asarray(a, dtype=np.int64), np.asarray(b, dtype=np.int64))


def _check_requant(op: QOp):
    """The file only carries scales: refuse an op whose multipliers or clamps TFLite would not re-derive."""
    if op.kind in ("relu", "relu6"):
        expect = relu_requant_params(op.in_scale, op.out_scale)
        lo, hi = activation_range(op.kind, op.out_scale, op.out_zp)
    elif op.kind in ("sigmoid", "hardswish"):
        expect = sigmoid_params(op.in_scale) if op.kind == "sigmoid" else hardswish_params(op.in_scale, op.out_scale)
        lo, hi = -128, 127
        if op.kind == "sigmoid" and op.out_zp != SIGMOID_OUT_ZP:
            raise ModelError(f"{op.name}: sigmoid output zero point {op.out_zp} is not TFLite's {SIGMOID_OUT_ZP}")
    else:
        expect = None
        lo, hi = activation_range(op.act, op.out_scale, op.out_zp)
        if op.kind in ("conv2d", "dwconv2d"):
            expect = requant_params(op.in_scale, op.w_scale, op.out_scale, len(op.w_scale))
    if expect is not None and not (_same(expect[0], op.out_mult) and _same(expect[1], op.out_shift)):
        raise ModelError(
            f"{op.name}: requantization multipliers do not follow from its scales (TFLite cannot store them)"
        )
    if (lo, hi) != (op.act_min, op.act_max):
        raise ModelError(
            f"{op.name}: clamp [{op.act_min}, {op.act_max}] is not TFLite's [{lo}, {hi}] for act {op.act!r}"
        )


def _dense_form(op: QOp, dense_as: str) -> tuple[str, np.ndarray]:
    """('conv' | 'fc', weight scales to write) reproducing the dense op's stored multipliers in TFLite.

    LiteRT's BUILTIN_REF FULLY_CONNECTED rescales int8 in double precision (round(acc * double scale)), not
    with MultiplyByQuantizedMultiplier, so it differs from our reference (and from TFLite Micro / CMSIS-NN) by
    one step on a few outputs. A 1x1 CONV_2D uses MultiplyByQuantizedMultiplier with the same multipliers,
    hence dense_as='conv' (the default) keeps the exported model bit-exact with QGraph.forward under
    BUILTIN_REF.
    """
    scales = np.asarray(op.w_scale, dtype=np.float32)
    m, s = requant_params(op.in_scale, scales, op.out_scale, len(scales))
    per_channel = _same(m, op.out_mult) and _same(s, op.out_shift)
    per_tensor = False
    if np.all(scales == scales[0]):  # a per-tensor FC derives its multiplier from a float32 product
        m, s = requant_params(op.in_scale, scales[:1], op.out_scale, len(scales), float_product=True)
        per_tensor = _same(m, op.out_mult) and _same(s, op.out_shift)
    if per_channel and (dense_as == "conv" or (dense_as == "fully_connected" and len(scales) > 1)):
        return ("conv" if dense_as == "conv" else "fc"), scales
    if per_tensor:
        return "fc", scales[:1]
    if per_channel:
        return "conv", scales
    raise ModelError(
        f"{op.name}: requantization multipliers do not follow from its scales (TFLite cannot store them)"
    )


def _reshape(w: _Writer, name: str, x: int, out: int, shape):
    target = np.array((-1,) + tuple(shape), dtype=np.int32)
    shape_t = w.constant(f"{name}/shape", target, w.s.TensorType.INT32)
    o = w.s.ReshapeOptionsT()
    o.newShape = [int(v) for v in target]
    w.op("RESHAPE", [x, shape_t], [out], w.s.BuiltinOptions.ReshapeOptions, o)


def _weights(w: _Writer, op: QOp, weight: np.ndarray, scales: np.ndarray, axis: int) -> tuple[int, int]:
    s, zeros = w.s, np.zeros(len(scales), np.int64)
    wt = w.constant(f"{op.name}/weight", weight.astype(np.int8), s.TensorType.INT8, (scales, zeros, axis))
    bias_scale = np.float32(op.in_scale) * scales  # bias scale = in_scale * w_scale, float32 as the converter
    bt = w.constant(f"{op.name}/bias", op.bias.astype(np.int32), s.TensorType.INT32, (bias_scale, zeros, 0))
    return wt, bt


def _conv(w: _Writer, op: QOp, x: int, out: int, in_shape, weight, scales):
    s = w.s
    wt, bt = _weights(w, op, weight, scales, 3 if op.kind == "dwconv2d" else 0)
    kh, kw = weight.shape[1:3]
    o = s.DepthwiseConv2DOptionsT() if op.kind == "dwconv2d" else s.Conv2DOptionsT()
    o.padding = padding_code(op.name, op.pads, in_shape[:2], (kh, kw), op.stride)
    o.strideH, o.strideW = op.stride
    o.dilationHFactor = o.dilationWFactor = 1
    o.fusedActivationFunction = ACT_TO_TFLITE[op.act]
    if op.kind == "dwconv2d":
        o.depthMultiplier = weight.shape[3] // in_shape[2]
        return w.op("DEPTHWISE_CONV_2D", [x, wt, bt], [out], s.BuiltinOptions.DepthwiseConv2DOptions, o)
    return w.op("CONV_2D", [x, wt, bt], [out], s.BuiltinOptions.Conv2DOptions, o)


def _dense(w: _Writer, op: QOp, x: int, out: int, dense_as: str):
    s = w.s
    form, scales = _dense_form(op, dense_as)
    n_out, n_in = op.weight.shape
    if form == "fc":
        wt, bt = _weights(w, op, op.weight, scales, 0)
        o = s.FullyConnectedOptionsT()
        o.fusedActivationFunction, o.keepNumDims = ACT_TO_TFLITE[op.act], False
        return w.op("FULLY_CONNECTED", [x, wt, bt], [out], s.BuiltinOptions.FullyConnectedOptions, o)
    # (D,) -> (1, 1, D) -> 1x1 CONV_2D -> (1, 1, out) -> (out,); import_ folds this back into one dense op.
    col = w.activation(f"{op.name}/as_conv_in", (1, 1, n_in), op.in_scale, op.in_zp)
    _reshape(w, f"{op.name}/as_conv_in", x, col, (1, 1, n_in))
    conv_out = w.activation(f"{op.name}/as_conv_out", (1, 1, n_out), op.out_scale, op.out_zp)
    conv_op = replace(op, kind="conv2d", stride=(1, 1), pads=(0, 0, 0, 0))
    _conv(w, conv_op, col, conv_out, (1, 1, n_in), op.weight.reshape(n_out, 1, 1, n_in), scales)
    _reshape(w, f"{op.name}/as_conv_out", conv_out, out, (n_out,))


def to_tflite_bytes(qgraph: QGraph, *, dense_as: str = "conv", float_io: bool = False) -> bytes:
    """The .tflite flatbuffer of qgraph: int8 input/output, or float32 with QUANTIZE/DEQUANTIZE if float_io.

    dense_as='conv' writes each dense op as RESHAPE + 1x1 CONV_2D + RESHAPE, bit-exact with QGraph.forward
    under LiteRT's BUILTIN_REF; 'fully_connected' writes FULLY_CONNECTED (what TFLite Micro runs, with the
    same fixed-point arithmetic as QGraph.forward, but LiteRT's reference FC rounds in double; see
    _dense_form).
    """
    if dense_as not in ("conv", "fully_connected"):
        raise UsageError(f"dense_as must be 'conv' or 'fully_connected', got {dense_as!r}")
    w = _Writer()
    s = w.s
    shapes = qgraph.shapes()
    in_shape = tuple(qgraph.input_shape)
    x = first = w.activation("input", in_shape, qgraph.in_scale, qgraph.in_zp)
    if float_io:
        first = w.tensor("input_float", (1,) + in_shape, s.TensorType.FLOAT32, signature=(-1,) + in_shape)
        w.op("QUANTIZE", [first], [x])
    for op, out_shape in zip(qgraph.ops, shapes):
        _check_requant(op)
        out = w.activation(op.name, out_shape, op.out_scale, op.out_zp)
        if op.kind == "dense":
            _dense(w, op, x, out, dense_as)
        elif op.kind in ("conv2d", "dwconv2d"):
            _conv(w, op, x, out, in_shape, op.weight, np.asarray(op.w_scale, dtype=np.float32))
        elif op.kind in ("maxpool", "avgpool"):
            o = s.Pool2DOptionsT()
            o.padding = padding_code(op.name, op.pads, in_shape[:2], op.pool, op.stride)
            o.strideH, o.strideW = op.stride
            o.filterHeight, o.filterWidth = op.pool
            o.fusedActivationFunction = ACT_TO_TFLITE[op.act]
            w.op(
                "MAX_POOL_2D" if op.kind == "maxpool" else "AVERAGE_POOL_2D",
                [x],
                [out],
                s.BuiltinOptions.Pool2DOptions,
                o,
            )
        elif op.kind == "reshape":
            _reshape(w, op.name, x, out, op.shape)
        elif op.kind in ("relu", "relu6"):
            w.op(op.kind.upper(), [x], [out])
        elif op.kind in ("sigmoid", "hardswish"):
            w.op("LOGISTIC" if op.kind == "sigmoid" else "HARD_SWISH", [x], [out])
        else:
            raise ModelError(f"{op.name}: op kind {op.kind!r} has no TFLite export")
        x, in_shape = out, tuple(out_shape)
    if float_io:
        y = w.tensor("output_float", (1,) + in_shape, s.TensorType.FLOAT32, signature=(-1,) + in_shape)
        w.op("DEQUANTIZE", [x], [y])
        x = y
    return w.finish(qgraph.name, [first], [x])


def export_tflite(qgraph: QGraph, path, *, dense_as: str = "conv", float_io: bool = False) -> Path:
    """Write qgraph to `path` as an int8 .tflite file (see to_tflite_bytes) and return the path."""
    from ..fileio import write_bytes

    path = Path(path)
    write_bytes(path, to_tflite_bytes(qgraph, dense_as=dense_as, float_io=float_io))
    return path
