"""The .tflite exporter/importer: LiteRT's reference kernels (BUILTIN_REF) must give exactly QGraph.forward's
int8 outputs on the whole digits set, round trips must be exact, and bad files fail with one-line
ModelErrors."""

from __future__ import annotations

import numpy as np
import pytest

from eccless.errors import ModelError
from eccless.graph import Graph, Op
from eccless.quant import narrow_weights, quantize
from eccless.tflite import export_tflite, load_tflite, read_tflite, to_tflite_bytes
from eccless.tflite.export import pack_model

litert = pytest.importorskip("ai_edge_litert.interpreter")
schema = pytest.importorskip("ai_edge_litert.schema_py_generated")

pytestmark = pytest.mark.unit


# ---- models and runners ------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def digits():
    from sklearn.datasets import load_digits

    d = load_digits()
    return (d.data / 16.0).astype(np.float32), d.target


def _f32(rng, *shape, sd=0.5):
    return rng.normal(0, sd, shape).astype(np.float32)


def dense_graph(x, y, seed=0) -> Graph:
    """Random relu features + least-squares readout: a sensible digits MLP without a training loop."""
    rng = np.random.default_rng(seed)
    w1, b1 = _f32(rng, 48, 64, sd=0.125), _f32(rng, 48, sd=0.1)
    h = np.hstack([np.maximum(x @ w1.T + b1, 0), np.ones((len(x), 1), np.float32)])
    sol = np.linalg.lstsq(h, np.eye(10)[y], rcond=None)[0].astype(np.float32)
    return Graph(
        (64,), [Op("dense", "fc1", w1, b1, act="relu"), Op("dense", "fc2", sol[:-1].T.copy(), sol[-1])], 10
    )


def conv_graph(seed=1) -> Graph:
    """Random weights: all op kinds, SAME/VALID pads, strides, depth multiplier, fused and standalone acts."""
    rng = np.random.default_rng(seed)
    ops = [
        Op("conv2d", "conv", _f32(rng, 6, 3, 3, 1), _f32(rng, 6, sd=0.1), act="relu6", pads=(1, 1, 1, 1)),
        Op("dwconv2d", "dw", _f32(rng, 1, 3, 3, 12), _f32(rng, 12, sd=0.1), stride=(2, 2), pads=(0, 1, 0, 1)),
        Op("maxpool", "max", pool=(2, 2), pads=(0, 1, 0, 1)),
        Op("relu", "relu"),
        Op("avgpool", "avg", pool=(3, 3), stride=(2, 2), pads=(0, 1, 0, 1)),  # padded cells are not counted
        Op("relu6", "relu6"),
        Op("conv2d", "conv_valid", _f32(rng, 16, 2, 2, 12), _f32(rng, 16, sd=0.1)),
        Op("reshape", "flat", shape=(16,)),
        Op("dense", "fc1", _f32(rng, 24, 16, sd=0.3), _f32(rng, 24, sd=0.1), act="relu"),
        Op("dense", "fc2", _f32(rng, 10, 24, sd=0.3), _f32(rng, 10, sd=0.1)),
    ]
    return Graph((8, 8, 1), ops, 10, name="digits_conv")


def litert_run(model, x: np.ndarray) -> np.ndarray:
    """Outputs of LiteRT's reference kernels (XNNPACK rounds differently) on the whole batch x."""
    kw = {"model_path": str(model)} if not isinstance(model, bytes) else {"model_content": model}
    it = litert.Interpreter(**kw, experimental_op_resolver_type=litert.OpResolverType.BUILTIN_REF)
    inp = it.get_input_details()[0]
    it.resize_tensor_input(inp["index"], list(x.shape))
    it.allocate_tensors()
    it.set_tensor(inp["index"], x)
    it.invoke()
    return it.get_tensor(it.get_output_details()[0]["index"])


@pytest.fixture(scope="module")
def qdense(digits):
    x, y = digits
    return quantize(dense_graph(x[:1000], y[:1000]), x[:1000])


@pytest.fixture(scope="module")
def qconv(digits):
    x, _ = digits
    return quantize(conv_graph(), x[:1000].reshape(-1, 8, 8, 1))


def _inputs(qg, digits):
    x, _ = digits
    return qg.quantize_input(x.reshape((-1,) + qg.input_shape))


# ---- cross-check against LiteRT --------------------------------------------------------------------------
@pytest.mark.parametrize("which", ["qdense", "qconv"])
def test_litert_reference_equals_ours_on_whole_digits_set(which, digits, tmp_path, request):
    qg = request.getfixturevalue(which)
    xq = _inputs(qg, digits)
    ours = qg.forward(xq)
    theirs = litert_run(export_tflite(qg, tmp_path / f"{which}.tflite"), xq)
    assert theirs.dtype == np.int8 and np.array_equal(ours, theirs)
    assert len(np.unique(ours)) > 50  # the outputs really span the int8 range


def test_corrupted_levels_and_wrapping_biases_equal_litert(qconv, digits):
    rng = np.random.default_rng(2)
    params = []
    for w, b in qconv.params():
        w = w.copy()
        hit = rng.random(w.shape) < 0.05
        w[hit] = rng.integers(-128, 128, hit.sum())
        b = b.copy()
        b[::3] = np.int32(2**31 - 1) - rng.integers(0, 2**16, len(b[::3])).astype(
            np.int32
        )  # acc + bias wraps
        params.append((w, b))
    bad = qconv.with_params(params)
    xq = _inputs(bad, digits)
    assert np.array_equal(bad.forward(xq), litert_run(to_tflite_bytes(bad), xq))


def test_narrow_weight_bits_and_float_io_equal_litert(digits):
    """weight_bits=4 from quantize(), 5 from narrow_weights(), and float32 I/O through QUANTIZE/DEQUANTIZE."""
    x, _ = digits
    qg = quantize(conv_graph(seed=3), x[:500].reshape(-1, 8, 8, 1), weight_bits=4)
    xf = np.concatenate([x, np.random.default_rng(4).normal(0.5, 1.0, x.shape).astype(np.float32)])
    xf = xf.reshape(-1, 8, 8, 1)  # half of it out of the calibrated range: QUANTIZE must clamp the same way
    theirs = litert_run(to_tflite_bytes(qg, float_io=True), xf)
    ours = qg.dequantize_output(qg.forward(qg.quantize_input(xf)))
    assert theirs.dtype == np.float32 and np.array_equal(ours, theirs)
    narrowed = narrow_weights(
        quantize(conv_graph(seed=3), x[:500].reshape(-1, 8, 8, 1)), 5
    )  # new multipliers
    xq = narrowed.quantize_input(x.reshape(-1, 8, 8, 1))
    assert np.array_equal(narrowed.forward(xq), litert_run(to_tflite_bytes(narrowed), xq))


def test_fully_connected_form_round_trips_and_litert_ref_differs_by_at_most_one(qdense, digits):
    """LiteRT's reference FULLY_CONNECTED rescales in double, not with MultiplyByQuantizedMultiplier: on this
    model 299 of 17,970 logits differ (by 1, or 2 after both layers; no argmax changes), which is why the
    exporter writes dense as a 1x1 CONV_2D by default. Our FULLY_CONNECTED import is what TFLite Micro /
    CMSIS-NN compute."""
    buf = to_tflite_bytes(qdense, dense_as="fully_connected")
    m = schema.ModelT.InitFromPackedBuf(bytearray(buf), 0)
    assert [oc.builtinCode for oc in m.operatorCodes] == [schema.BuiltinOperator.FULLY_CONNECTED]
    xq = _inputs(qdense, digits)
    assert np.array_equal(read_tflite(buf).forward(xq), qdense.forward(xq))
    diff = litert_run(buf, xq).astype(int) - qdense.forward(xq)
    assert np.mean(diff != 0) < 0.05 and np.abs(diff).max() <= 2


def test_standalone_relu_with_its_own_quantization_equals_litert():
    """RELU/RELU6 between differently quantized tensors requantize (ReluX), as in converter-made models."""
    from eccless.quant import QGraph, QOp
    from eccless.quant.qparams import activation_range, relu_requant_params

    ops, scale, zp = [], 0.05, -10
    for kind, out_scale, out_zp in (("relu", 0.03, -128), ("relu6", 0.021, -100)):
        mult, shift = relu_requant_params(scale, out_scale)
        lo, hi = activation_range(kind, out_scale, out_zp)
        ops.append(
            QOp(
                kind=kind,
                name=kind,
                in_scale=scale,
                in_zp=zp,
                out_scale=out_scale,
                out_zp=out_zp,
                out_mult=mult,
                out_shift=shift,
                act_min=lo,
                act_max=hi,
            )
        )
        scale, zp = out_scale, out_zp
    qg = QGraph(input_shape=(4, 4, 2), num_classes=32, name="relus", in_scale=0.05, in_zp=-10, ops=ops)
    x = np.random.default_rng(5).integers(-128, 128, (500, 4, 4, 2)).astype(np.int8)
    ours = qg.forward(x)
    assert np.array_equal(ours, litert_run(to_tflite_bytes(qg), x).reshape(500, -1))
    assert len(np.unique(ours)) > 50  # many distinct requantized levels, clamped at both ends


def test_int32_wraps_in_requantization_equal_litert():
    """A multiplier of 2^31 - 1 with shift 1 (scales chosen for it) and biases near 2^30: `x * (1 << 1)` wraps
    in channels 1 and 2, and `acc += output_offset` overflows int32 in channel 0; LiteRT wraps both, as do
    we."""
    from eccless.quant import QGraph, QOp
    from eccless.quant.qparams import requant_params

    in_scale = float(np.float32(1 + 181 * 2.0**-23))
    w_scale = np.full(3, 1 - 362 * 2.0**-24, np.float32)  # in * w / 0.5 = 2 - 0.9998 * 2^-30
    mult, shift = requant_params(in_scale, w_scale, 0.5, 3)
    assert mult.tolist() == [2**31 - 1] * 3 and shift.tolist() == [1] * 3
    op = QOp(
        kind="dense",
        name="fc",
        weight=np.ones((3, 1), np.int8),
        w_scale=w_scale,
        in_scale=in_scale,
        bias=np.array([2**30 - 130, 2**30 + 50, -(2**30) - 50], np.int32),
        out_scale=0.5,
        out_zp=127,
        out_mult=mult,
        out_shift=shift,
    )
    qg = QGraph(input_shape=(1,), num_classes=3, name="wrap", in_scale=in_scale, in_zp=0, ops=[op])
    x = np.arange(-128, 128, dtype=np.int8).reshape(-1, 1)
    ours = qg.forward(x)
    assert np.array_equal(ours, litert_run(to_tflite_bytes(qg), x))
    assert ours[0, 0] == 127 and ours[-1, 0] == -128  # without the int32 wrap of + out_zp both would be 127
    assert ours[-1, 1] == -128 and ours[0, 2] == 127  # the left shift wrapped past +-2^31


# ---- round trip and converter-style graphs -----------------------------------------------------------------
@pytest.mark.parametrize("which", ["qdense", "qconv"])
def test_export_import_round_trip_is_identical(which, digits, tmp_path, request):
    qg = request.getfixturevalue(which)
    back = load_tflite(export_tflite(qg, tmp_path / "m.tflite"))
    assert [op.kind for op in back.ops] == [op.kind for op in qg.ops]  # dense-as-conv folded back
    for a, b in zip(back.params(), qg.params()):
        assert np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1])
    xq = _inputs(qg, digits)
    assert np.array_equal(back.forward(xq), qg.forward(xq))
    assert back.name == qg.name and back.input_shape == qg.input_shape and back.num_classes == 10
    assert to_tflite_bytes(back) == to_tflite_bytes(qg)


def _tensor(m, name, shape, ttype, data=None, quant=None) -> int:
    t = schema.TensorT()
    t.name, t.shape, t.type, t.buffer, t.quantization = name, list(shape), ttype, 0, quant
    if data is not None:
        buf = schema.BufferT()
        buf.data = np.frombuffer(np.asarray(data).tobytes(), np.uint8)
        m.buffers.append(buf)
        t.buffer = len(m.buffers) - 1
    m.subgraphs[0].tensors.append(t)
    return len(m.subgraphs[0].tensors) - 1


def _operator(m, code: int, inputs, outputs, options_type=0, options=None):
    codes = [oc.builtinCode for oc in m.operatorCodes]
    if code not in codes:
        oc = schema.OperatorCodeT()
        oc.builtinCode, oc.deprecatedBuiltinCode, oc.version = code, min(code, 127), 1
        m.operatorCodes.append(oc)
        codes.append(code)
    o = schema.OperatorT()
    o.opcodeIndex, o.inputs, o.outputs = codes.index(code), list(inputs), list(outputs)
    o.builtinOptionsType, o.builtinOptions = options_type, options
    return o


def test_converter_flatten_arithmetic_is_folded(qconv, digits):
    """Keras Flatten with a dynamic batch: SHAPE -> STRIDED_SLICE -> PACK computes RESHAPE's shape input."""
    m = schema.ModelT.InitFromPackedBuf(bytearray(to_tflite_bytes(qconv)), 0)
    sg, BO, TT = m.subgraphs[0], schema.BuiltinOperator, schema.TensorType
    at = next(i for i, op in enumerate(sg.operators) if sg.tensors[op.outputs[0]].name == b"flat")
    x = int(sg.operators[at].inputs[0])
    shape = _tensor(m, "shape", [4], TT.INT32)
    batch = _tensor(m, "batch", [], TT.INT32)
    packed = _tensor(m, "packed", [2], TT.INT32)
    const = {
        k: _tensor(m, k, [1], TT.INT32, np.array([v], np.int32)) for k, v in (("b", 0), ("e", 1), ("s", 1))
    }
    flat = _tensor(m, "flat_dim", [], TT.INT32, np.array(16, np.int32))
    sl, pk, so = schema.StridedSliceOptionsT(), schema.PackOptionsT(), schema.ShapeOptionsT()
    sl.shrinkAxisMask, pk.valuesCount, pk.axis, so.outType = 1, 2, 0, TT.INT32
    new = [
        _operator(m, BO.SHAPE, [x], [shape], schema.BuiltinOptions.ShapeOptions, so),
        _operator(
            m,
            BO.STRIDED_SLICE,
            [shape, const["b"], const["e"], const["s"]],
            [batch],
            schema.BuiltinOptions.StridedSliceOptions,
            sl,
        ),
        _operator(m, BO.PACK, [batch, flat], [packed], schema.BuiltinOptions.PackOptions, pk),
    ]
    sg.operators[at].inputs = [x, packed]
    sg.operators[at].builtinOptionsType, sg.operators[at].builtinOptions = 0, None
    sg.operators[at:at] = new
    buf = pack_model(m)
    xq = _inputs(qconv, digits)
    assert np.array_equal(litert_run(buf, xq), qconv.forward(xq))  # LiteRT runs the edited model the same way
    back = read_tflite(buf)
    assert [op.kind for op in back.ops] == [op.kind for op in qconv.ops]
    assert np.array_equal(back.forward(xq), qconv.forward(xq))


def test_final_softmax_and_dequantize_are_dropped(qdense, digits):
    m = schema.ModelT.InitFromPackedBuf(bytearray(to_tflite_bytes(qdense)), 0)
    sg, TT = m.subgraphs[0], schema.TensorType
    q = schema.QuantizationParametersT()
    q.scale, q.zeroPoint = [1 / 256], [-128]
    probs = _tensor(m, "probs", [1, 10], TT.INT8, quant=q)
    out = _tensor(m, "probs_float", [1, 10], TT.FLOAT32)
    sm = schema.SoftmaxOptionsT()
    sm.beta = 1.0
    sg.operators += [
        _operator(
            m,
            schema.BuiltinOperator.SOFTMAX,
            [sg.outputs[0]],
            [probs],
            schema.BuiltinOptions.SoftmaxOptions,
            sm,
        ),
        _operator(m, schema.BuiltinOperator.DEQUANTIZE, [probs], [out]),
    ]
    sg.outputs = [out]
    xq = _inputs(qdense, digits)
    assert np.array_equal(read_tflite(pack_model(m)).forward(xq), qdense.forward(xq))


# ---- errors ------------------------------------------------------------------------------------------------
def test_unsupported_op_is_named_with_its_node(qdense):
    m = schema.ModelT.InitFromPackedBuf(bytearray(to_tflite_bytes(qdense, dense_as="fully_connected")), 0)
    sg = m.subgraphs[0]
    h = int(sg.operators[0].outputs[0])
    t = sg.tensors[h]
    added = _tensor(m, "added", t.shape, t.type, quant=t.quantization)
    sg.operators.insert(1, _operator(m, schema.BuiltinOperator.ADD, [h, h], [added]))
    sg.operators[2].inputs = [added] + list(sg.operators[2].inputs[1:])
    with pytest.raises(ModelError, match=r"^unsupported TFLite op ADD in node 1$"):
        read_tflite(pack_model(m))


def test_bad_files_give_one_line_model_errors(qconv, tmp_path):
    with pytest.raises(ModelError, match="cannot read TFLite model"):
        load_tflite(tmp_path / "missing.tflite")
    good = to_tflite_bytes(qconv)
    cases = [b"", b"not a flatbuffer at all", good[:4] + b"ONNX" + good[8:]]
    cases += [good[: len(good) * k // 8] for k in (1, 3, 5, 7)] + [good[:-9]]
    for i, data in enumerate(cases):
        path = tmp_path / f"bad{i}.tflite"
        path.write_bytes(data)
        with pytest.raises(ModelError) as err:
            load_tflite(path)
        assert "\n" not in str(err.value) and str(path) in str(err.value)


def test_export_refuses_what_tflite_cannot_express(qconv):
    from dataclasses import replace

    ops = list(qconv.ops)
    ops[0] = replace(ops[0], pads=(2, 0, 2, 0))  # neither SAME nor VALID
    with pytest.raises(ModelError, match="neither TFLite SAME"):
        to_tflite_bytes(replace(qconv, ops=ops))
    ops = list(qconv.ops)
    ops[0] = replace(ops[0], out_mult=ops[0].out_mult + 1)  # multipliers that do not follow from the scales
    with pytest.raises(ModelError, match="do not follow from its scales"):
        to_tflite_bytes(replace(qconv, ops=ops))
