"""ONNX import (issue 15, item 20): a standalone BatchNormalization is folded into the linear op before it (or, when
there is none, after it) and the imported Graph computes what onnxruntime computes; every unsupported op of a model
is named at once."""

from __future__ import annotations

import numpy as np
import pytest

from eccless.errors import ModelError
from eccless.importers import load_onnx

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")
from onnx import TensorProto, helper, numpy_helper

pytestmark = pytest.mark.unit
RNG = np.random.default_rng(5)


def f32(*shape, sd=0.5, lo=None):
    a = RNG.normal(0, sd, shape).astype(np.float32)
    return np.abs(a) + lo if lo is not None else a


def bn(name, x, y, c):
    inits = [(f"{name}_s", f32(c, lo=0.5)), (f"{name}_b", f32(c)), (f"{name}_m", f32(c)), (f"{name}_v", f32(c, lo=0.2))]
    node = helper.make_node("BatchNormalization", [x] + [n for n, _ in inits], [y], name=name, epsilon=1e-3)
    return node, inits


def save(path, nodes, inits, in_shape, out_shape):
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", *in_shape])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", *out_shape])],
                              [numpy_helper.from_array(a, n) for n, a in inits])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    onnx.checker.check_model(model)
    onnx.save(model, str(path))
    return path


def same_as_onnxruntime(path, in_shape):
    x = RNG.normal(0, 1, (16, *in_shape)).astype(np.float32)
    theirs = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"]).run(None, {"x": x})[0]
    g = load_onnx(path)
    ours = g.forward(x.transpose(0, 2, 3, 1) if x.ndim == 4 else x)
    assert "BatchNormalization" not in str([op.kind for op in g.ops])
    np.testing.assert_allclose(ours, theirs, rtol=1e-4, atol=1e-4)
    return g


def test_batchnorm_after_a_padded_conv_is_folded_into_it(tmp_path):
    norm, inits = bn("bn", "c", "n", 4)
    nodes = [helper.make_node("Conv", ["x", "w", "wb"], ["c"], name="conv", pads=[1, 1, 1, 1]), norm,
             helper.make_node("Relu", ["n"], ["r"]), helper.make_node("Flatten", ["r"], ["f"]),
             helper.make_node("Gemm", ["f", "fc", "fcb"], ["y"], transB=1)]
    inits += [("w", f32(4, 2, 3, 3)), ("wb", f32(4)), ("fc", f32(3, 4 * 5 * 5)), ("fcb", f32(3))]
    g = same_as_onnxruntime(save(tmp_path / "m.onnx", nodes, inits, (2, 5, 5), (3,)), (2, 5, 5))
    assert [op.kind for op in g.ops] == ["conv2d", "reshape", "dense"] and g.ops[0].act == "relu"


def test_batchnorm_after_a_depthwise_conv_and_a_gemm(tmp_path):
    n1, i1 = bn("bn1", "c", "n", 4)
    n2, i2 = bn("bn2", "d", "y", 3)
    nodes = [helper.make_node("Conv", ["x", "w"], ["c"], name="dw", group=2), n1,
             helper.make_node("Flatten", ["n"], ["f"]), helper.make_node("Gemm", ["f", "fc"], ["d"], transB=1), n2]
    inits = i1 + i2 + [("w", f32(4, 1, 3, 3)), ("fc", f32(3, 4 * 3 * 3))]
    g = same_as_onnxruntime(save(tmp_path / "m.onnx", nodes, inits, (2, 5, 5), (3,)), (2, 5, 5))
    assert [op.kind for op in g.ops] == ["dwconv2d", "reshape", "dense"]


def test_batchnorm_first_is_folded_into_the_op_after_it(tmp_path):
    norm, inits = bn("bn", "x", "n", 8)
    nodes = [norm, helper.make_node("MatMul", ["n", "w"], ["y"], name="fc")]
    same_as_onnxruntime(save(tmp_path / "v.onnx", nodes, inits + [("w", f32(8, 3))], (8,), (3,)), (8,))
    norm, inits = bn("bn", "x", "n", 2)
    nodes = [norm, helper.make_node("Conv", ["n", "w"], ["c"], name="conv"), helper.make_node("Flatten", ["c"], ["f"]),
             helper.make_node("Gemm", ["f", "fc"], ["y"], transB=1)]
    inits += [("w", f32(3, 2, 3, 3)), ("fc", f32(5, 12))]
    same_as_onnxruntime(save(tmp_path / "c.onnx", nodes, inits, (2, 4, 4), (5,)), (2, 4, 4))


def test_batchnorm_before_a_padded_conv_is_refused(tmp_path):
    norm, inits = bn("bn", "x", "n", 2)
    nodes = [norm, helper.make_node("Conv", ["n", "w"], ["c"], name="conv", pads=[1, 1, 1, 1]),
             helper.make_node("Flatten", ["c"], ["y"])]
    path = save(tmp_path / "p.onnx", nodes, inits + [("w", f32(3, 2, 3, 3))], (2, 4, 4), (48,))
    with pytest.raises(ModelError) as err:
        load_onnx(path)
    assert str(err.value) == ("ONNX op BatchNormalization (node 'bn') before Conv (node 'conv') cannot be folded: "
                              "the conv pads its input")


def test_batchnorm_between_relu_and_softmax_is_refused(tmp_path):
    norm, inits = bn("bn", "r", "n", 8)
    nodes = [helper.make_node("MatMul", ["x", "w"], ["m"], name="fc"), helper.make_node("Relu", ["m"], ["r"]), norm,
             helper.make_node("Softmax", ["n"], ["y"], name="sm")]
    path = save(tmp_path / "s.onnx", nodes, inits + [("w", f32(4, 8))], (4,), (8,))
    with pytest.raises(ModelError) as err:
        load_onnx(path)
    assert str(err.value) == ("ONNX op BatchNormalization (node 'bn') is supported only right after or before a "
                              "Conv/Gemm/MatMul, not before Softmax (node 'sm')")


def test_every_unsupported_op_is_named_at_once(tmp_path):
    """A LayerNorm model used to name only the Transpose in front of its LayerNormalization."""
    nodes = [helper.make_node("Transpose", ["x"], ["t"], name="swap", perm=[0, 1]),
             helper.make_node("LayerNormalization", ["t", "g", "b"], ["l"], name="ln"),
             helper.make_node("Sin", ["l"], ["s"], name="sine"),
             helper.make_node("MatMul", ["s", "w"], ["y"], name="fc")]
    inits = [("g", f32(8, lo=0.5)), ("b", f32(8)), ("w", f32(8, 3))]
    path = save(tmp_path / "ln.onnx", nodes, inits, (8,), (3,))
    with pytest.raises(ModelError) as err:
        load_onnx(path)
    assert str(err.value) == ("unsupported ONNX ops (3): Transpose (node 'swap'), LayerNormalization (node 'ln'), "
                              "Sin (node 'sine')")
