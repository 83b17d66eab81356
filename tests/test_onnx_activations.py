"""ONNX import of Sigmoid and HardSwish: torch's nn.Sigmoid / nn.Hardswish exported at opset 17 (HardSwish) and at
opset 13 (x * HardSigmoid(x), torch's spelling before HardSwish existed) import to sigmoid / hardswish ops that
compute what onnxruntime computes; look-alikes are refused with one line."""

from __future__ import annotations

import warnings

import pytest

from eccless.errors import ModelError
from eccless.importers import load_onnx

torch = pytest.importorskip("torch")
onnx = pytest.importorskip("onnx")
pytest.importorskip("onnxruntime")
from onnx import TensorProto, helper  # noqa: E402

from test_onnx_import import compare, save  # noqa: E402

pytestmark = pytest.mark.unit
nn = torch.nn


def export(model, shape, path, opset):
    model.eval()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(model, (torch.zeros(1, *shape),), str(path), dynamo=False, opset_version=opset)
    return path


@pytest.mark.parametrize("opset", [13, 17])
def test_torch_sigmoid_hardswish_mlp(tmp_path, opset):
    torch.manual_seed(3)
    model = nn.Sequential(nn.Flatten(), nn.Linear(12, 16), nn.Sigmoid(), nn.Linear(16, 8), nn.Hardswish(),
                          nn.Linear(8, 4))
    path = export(model, (12,), tmp_path / f"m{opset}.onnx", opset)
    types = [n.op_type for n in onnx.load(str(path)).graph.node]
    assert ("HardSigmoid" in types and "Mul" in types) if opset == 13 else "HardSwish" in types
    graph = compare(path, n=16)
    assert [op.kind for op in graph.ops] == ["dense", "sigmoid", "dense", "hardswish", "dense"]


def test_torch_conv_with_hardswish(tmp_path):
    torch.manual_seed(4)
    model = nn.Sequential(nn.Conv2d(2, 4, 3, padding=1), nn.Hardswish(), nn.Flatten(), nn.Linear(4 * 5 * 5, 3),
                          nn.Sigmoid())
    graph = compare(export(model, (2, 5, 5), tmp_path / "c.onnx", 13), n=8)
    assert [op.kind for op in graph.ops][:2] == ["conv2d", "hardswish"] and graph.ops[-1].kind == "sigmoid"


def _vec(name):
    return helper.make_tensor_value_info(name, TensorProto.FLOAT, [1, 4])


def test_other_hardsigmoid_and_mul_are_refused(tmp_path):
    plain = save([helper.make_node("HardSigmoid", ["x"], ["y"], alpha=0.2, beta=0.5)], _vec("x"), _vec("y"),
                 path=tmp_path / "hs.onnx")
    with pytest.raises(ModelError, match="HardSigmoid"):
        load_onnx(plain)
    wrong = save([helper.make_node("HardSigmoid", ["x"], ["h"], alpha=0.2, beta=0.5),
                  helper.make_node("Mul", ["x", "h"], ["y"])], _vec("x"), _vec("y"), path=tmp_path / "hs2.onnx")
    with pytest.raises(ModelError, match="alpha=0.2"):
        load_onnx(wrong)
    square = save([helper.make_node("Mul", ["x", "x"], ["y"])], _vec("x"), _vec("y"), path=tmp_path / "sq.onnx")
    with pytest.raises(ModelError, match="Mul"):
        load_onnx(square)
