"""ONNX importer refusals: unsupported models and bad files raise a one-line ModelError naming the problem."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from eccless.errors import ModelError
from eccless.importers import load_onnx

torch = pytest.importorskip("torch")
onnx = pytest.importorskip("onnx")
from onnx import TensorProto, helper, numpy_helper

pytestmark = pytest.mark.unit
torch.set_num_threads(1)
nn = torch.nn


def refuse(path, *fragments):
    with pytest.raises(ModelError) as info:
        load_onnx(path)
    message = str(info.value)
    assert "\n" not in message
    for fragment in fragments:
        assert fragment in message, message
    return message


def export(model, shape, path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(model.eval(), (torch.zeros(1, *shape),), str(path), dynamo=False)
    return path


def save(nodes, inputs, out, inits, path):
    graph = helper.make_graph(nodes, "g", inputs, [out], [numpy_helper.from_array(a, n) for n, a in inits])
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), str(path))
    return path


def vec(name, *dims):
    return helper.make_tensor_value_info(name, TensorProto.FLOAT, list(dims))


W = np.random.default_rng(0).standard_normal((8, 4)).astype(np.float32)


def chain(path, middle, inits=(("w", W),), inputs=None):
    """x (N,8) -> middle nodes (reading 'h', writing 'm') -> MatMul -> y (N,4)."""
    nodes = [
        helper.make_node("Relu", ["x"], ["h"], name="relu_in"),
        *middle,
        helper.make_node("MatMul", ["m", "w"], ["y"], name="fc"),
    ]
    return save(nodes, inputs or [vec("x", "N", 8)], vec("y", "N", 4), list(inits), path)


# ---- unsupported ops and graph shapes ----------------------------------------------------------------------
def test_unsupported_op_is_named_with_its_node(tmp_path):
    path = chain(tmp_path / "sin.onnx", [helper.make_node("Sin", ["h"], ["m"], name="sin_1")])
    assert refuse(path) == "unsupported ONNX op Sin (node 'sin_1')"


def test_lstm_is_named(tmp_path):
    rng = np.random.default_rng(1)
    wx, wr = (
        rng.standard_normal((1, 12, 8)).astype(np.float32),
        rng.standard_normal((1, 12, 3)).astype(np.float32),
    )
    nodes = [helper.make_node("LSTM", ["x", "wx", "wr"], ["seq", "m"], name="lstm_1", hidden_size=3)]
    path = save(
        nodes, [vec("x", 5, 1, 8)], vec("m", 1, 1, 3), [("wx", wx), ("wr", wr)], tmp_path / "lstm.onnx"
    )
    onnx.checker.check_model(onnx.load(str(path)))
    # The op is named even though the (seq, batch, features) input would be refused too.
    assert refuse(path) == "unsupported ONNX op LSTM (node 'lstm_1')"


class Residual(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(2, 2, 3, padding=1)
        self.fc = nn.Linear(2 * 4 * 4, 3)

    def forward(self, x):
        x = torch.relu(x)
        return self.fc(torch.flatten(x + self.conv(x), 1))


def test_branchy_graph_is_refused(tmp_path):
    torch.manual_seed(2)
    refuse(export(Residual(), (2, 4, 4), tmp_path / "res.onnx"), "branches", "only chains")


def test_dynamic_weight_is_refused(tmp_path):
    nodes = [helper.make_node("Identity", ["h"], ["m"], name="id")]
    path = chain(tmp_path / "dyn.onnx", nodes, inits=(), inputs=[vec("x", "N", 8), vec("w", 8, 4)])
    assert (
        refuse(path)
        == "ONNX op MatMul (node 'fc') has non-constant input 'w' (dynamic weights are unsupported)"
    )


@pytest.mark.parametrize(
    "module, fragments",
    [
        (nn.Conv2d(2, 4, 3, dilation=2), ("dilation [2, 2]", "Conv (node '/0/Conv')")),
        (
            nn.Sequential(nn.Conv2d(2, 4, 1), nn.Conv2d(4, 4, 3, groups=2)),
            ("group=2 on 4 channels", "'/0/0.1/Conv'"),
        ),
        (nn.AvgPool2d(3, 1, padding=1, count_include_pad=True), ("count_include_pad=1", "AveragePool")),
        (nn.MaxPool2d(2, 2, ceil_mode=True), ("ceil_mode=1", "MaxPool")),
        (nn.LeakyReLU(), ("unsupported ONNX op LeakyRelu",)),
    ],
    ids=["dilation", "group", "count_include_pad", "ceil_mode", "leaky"],
)
def test_unsupported_attributes_are_named(tmp_path, module, fragments):
    torch.manual_seed(3)
    model = nn.Sequential(module, nn.Flatten(), nn.LazyLinear(3))
    model(torch.zeros(1, 2, 7, 7))  # materialize the lazy layer
    refuse(export(model, (2, 7, 7), tmp_path / "m.onnx"), *fragments)


def test_other_refusals(tmp_path):
    transa = helper.make_node("Gemm", ["h", "w"], ["m"], name="g", transA=1)
    refuse(
        chain(tmp_path / "ta.onnx", [transa], inits=[("w", np.eye(8, dtype=np.float32))]), "transA=1", "'g'"
    )
    clip = helper.make_node("Clip", ["h", "lo", "hi"], ["m"], name="clip3")
    inits = [("w", W), ("lo", np.array(0, np.float32)), ("hi", np.array(3, np.float32))]
    refuse(chain(tmp_path / "clip.onnx", [clip], inits=inits), "Clip (node 'clip3') clips to [0.0, 3.0]")
    add = helper.make_node("Add", ["h", "c"], ["m"], name="shift")
    inits = [("w", W), ("c", np.ones(8, np.float32))]
    refuse(chain(tmp_path / "add.onnx", [add], inits=inits), "Add (node 'shift')", "only as a bias")
    soft = helper.make_node("Softmax", ["h"], ["m"], name="early")
    refuse(chain(tmp_path / "soft.onnx", [soft]), "MatMul (node 'fc') follows a Softmax")
    shape = helper.make_node("Reshape", ["h", "s"], ["m"], name="rs")
    inits = [("w", W), ("s", np.array([0, 2, 4], np.int64))]
    refuse(chain(tmp_path / "rs.onnx", [shape], inits=inits), "Reshape (node 'rs') to shape (0, 2, 4)")


def test_pad_not_before_a_conv_is_refused(tmp_path):
    nodes = [
        helper.make_node("Pad", ["x", "pads"], ["p"], name="pad"),
        helper.make_node("MaxPool", ["p"], ["y"], name="pool", kernel_shape=[2, 2]),
    ]
    inits = [("pads", np.array([0, 0, 1, 1, 0, 0, 1, 1], np.int64))]
    path = save(nodes, [vec("x", 1, 1, 4, 4)], vec("y", 1, 1, 5, 5), inits, tmp_path / "pad.onnx")
    refuse(path, "Pad (node 'pad') is supported only before a Conv, not before MaxPool (node 'pool')")
    inits = [("pads", np.array([0, 1, 0, 0, 0, 0, 0, 0], np.int64))]
    path = save(nodes, [vec("x", 1, 1, 4, 4)], vec("y", 1, 2, 2, 2), inits, tmp_path / "padc.onnx")
    refuse(path, "Pad (node 'pad') with pads [0, 1, 0, 0, 0, 0, 0, 0] is unsupported")


def test_training_mode_dropout_is_refused(tmp_path):
    drop = helper.make_node("Dropout", ["h", "ratio", "train"], ["m"], name="drop")
    inits = [("w", W), ("ratio", np.array(0.5, np.float32)), ("train", np.array(True))]
    refuse(chain(tmp_path / "drop.onnx", [drop], inits=inits), "Dropout (node 'drop') is in training mode")


def test_flattened_map_as_output_is_refused(tmp_path):
    torch.manual_seed(4)
    model = nn.Sequential(nn.Conv2d(1, 2, 3), nn.Flatten())
    refuse(export(model, (1, 5, 5), tmp_path / "flat.onnx"), "flattened NCHW feature map")


# ---- bad files ---------------------------------------------------------------------------------------------
def test_missing_truncated_and_foreign_files(tmp_path):
    refuse(tmp_path / "nope.onnx", "ONNX model not found")
    torch.manual_seed(5)
    good = export(nn.Sequential(nn.Linear(30, 20), nn.Linear(20, 3)), (30,), tmp_path / "good.onnx")
    data = good.read_bytes()
    (tmp_path / "cut.onnx").write_bytes(data[: len(data) // 2])
    refuse(tmp_path / "cut.onnx", "cut.onnx", "not a readable ONNX model")
    (tmp_path / "notes.onnx").write_text("this is a text file, not a model\n")
    refuse(tmp_path / "notes.onnx", "notes.onnx", "ONNX model")
    (tmp_path / "empty.onnx").write_bytes(b"")
    refuse(tmp_path / "empty.onnx", "not an ONNX model (no graph)")
    refuse(tmp_path, "ONNX model not found")  # a directory
