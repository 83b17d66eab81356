"""ONNX importer: imported Graphs compute what onnxruntime computes on the same inputs."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from eccless.errors import ModelError, UsageError
from eccless.importers import load_model, load_onnx

torch = pytest.importorskip("torch")
onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")
from onnx import TensorProto, helper, numpy_helper

pytestmark = pytest.mark.unit
torch.set_num_threads(1)
nn = torch.nn


# ---- helpers -----------------------------------------------------------------------------------------------
def export(model: nn.Module, shape, path, dynamic_batch: bool = False):
    model.eval()
    extra = {"input_names": ["x"], "dynamic_axes": {"x": {0: "batch"}}} if dynamic_batch else {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(model, (torch.zeros(1, *shape),), str(path), dynamo=False, **extra)
    return path


def save(nodes, inp, out, inits=(), path=None, opset=17):
    graph = helper.make_graph(nodes, "g", [inp], [out], [numpy_helper.from_array(a, n) for n, a in inits])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    onnx.checker.check_model(model)
    onnx.save(model, str(path))
    return path


def run_ort(path, x: np.ndarray) -> np.ndarray:
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = opts.inter_op_num_threads = 1
    sess = ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])
    if x.shape[0] > 1 and sess.get_inputs()[0].shape[0] == 1:  # static batch 1: run sample by sample
        return np.concatenate(
            [sess.run(None, {sess.get_inputs()[0].name: x[i : i + 1]})[0] for i in range(len(x))]
        )
    return sess.run(None, {sess.get_inputs()[0].name: x})[0]


def compare(path, n: int = 6, seed: int = 0, post=lambda y: y):
    """Import `path`, run both on the same random batch (NHWC for the Graph), return the Graph."""
    graph = load_onnx(path)
    x = np.random.default_rng(seed).standard_normal((n,) + graph.input_shape).astype(np.float32)
    x_onnx = x.transpose(0, 3, 1, 2) if x.ndim == 4 else x
    ref = run_ort(path, np.ascontiguousarray(x_onnx))
    got = post(graph.forward(x))
    assert got.shape == ref.shape
    assert np.allclose(got, ref, atol=1e-4), np.abs(got - ref).max()
    assert np.array_equal(got.argmax(1), ref.argmax(1))
    assert graph.num_classes == ref.shape[1]
    return graph


def log_softmax(y):
    y = y - y.max(1, keepdims=True)
    return y - np.log(np.exp(y).sum(1, keepdims=True))


def kinds(graph):
    return [(op.kind, op.act) for op in graph.ops]


# ---- torch exports -----------------------------------------------------------------------------------------
def test_mlp_with_dropout_relu6_and_log_softmax(tmp_path):
    torch.manual_seed(1)
    model = nn.Sequential(
        nn.Linear(64, 32),
        nn.ReLU(),
        nn.Dropout(0.3),
        nn.Linear(32, 16),
        nn.ReLU6(),
        nn.Linear(16, 10),
        nn.LogSoftmax(dim=1),
    )
    graph = compare(export(model, (64,), tmp_path / "mlp.onnx"), post=log_softmax)
    assert graph.input_shape == (64,)
    assert kinds(graph) == [("dense", "relu"), ("dense", "relu6"), ("dense", "none")]
    assert np.array_equal(graph.ops[0].weight, model[0].weight.detach().numpy())


class LeNet(nn.Module):
    def __init__(self, view: bool):
        super().__init__()
        self.view = view
        self.features = nn.Sequential(
            nn.Conv2d(1, 6, 5, padding=2),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Conv2d(6, 16, 3),
            nn.ReLU(),
            nn.AvgPool2d(2),
        )
        self.head = nn.Sequential(nn.Linear(16 * 4 * 4, 32), nn.ReLU(), nn.Linear(32, 10))

    def forward(self, x):
        x = self.features(x)
        # view(size(0), -1) with a dynamic batch exports Shape->Gather->Concat->Reshape; flatten: Flatten.
        x = x.view(x.size(0), -1) if self.view else torch.flatten(x, 1)
        return self.head(x)


@pytest.mark.parametrize("view", [False, True], ids=["flatten", "dynamic-view"])
def test_lenet_cnn_flatten_order_is_converted(tmp_path, view):
    torch.manual_seed(2)
    model = LeNet(view)
    graph = compare(export(model, (1, 20, 20), tmp_path / "lenet.onnx", dynamic_batch=view))
    assert graph.input_shape == (20, 20, 1)
    assert kinds(graph) == [
        ("conv2d", "relu"),
        ("maxpool", "none"),
        ("conv2d", "relu"),
        ("avgpool", "none"),
        ("reshape", "none"),
        ("dense", "relu"),
        ("dense", "none"),
    ]
    # The CHW -> HWC column permutation is real: the imported weight is not torch's weight.
    torch_w = model.head[0].weight.detach().numpy()
    assert not np.array_equal(graph.ops[5].weight, torch_w)
    assert np.array_equal(np.sort(graph.ops[5].weight, axis=1), np.sort(torch_w, axis=1))


def test_depthwise_convs_and_global_average_pool(tmp_path):
    torch.manual_seed(3)
    model = nn.Sequential(
        nn.Conv2d(3, 6, 3, padding=1),
        nn.ReLU6(),
        nn.Conv2d(6, 6, 3, stride=2, padding=1, groups=6),
        nn.ReLU(),
        nn.Conv2d(6, 12, 3, padding=1, groups=6),  # depth multiplier 2
        nn.Conv2d(12, 8, 1),
        nn.AdaptiveAvgPool2d(1),
        nn.Flatten(),
        nn.Linear(8, 5),
    )
    graph = compare(export(model, (3, 9, 9), tmp_path / "dw.onnx"))
    assert [op.kind for op in graph.ops] == [
        "conv2d",
        "dwconv2d",
        "dwconv2d",
        "conv2d",
        "avgpool",
        "reshape",
        "dense",
    ]
    assert graph.ops[0].act == "relu6" and graph.ops[1].act == "relu"
    assert graph.ops[2].weight.shape == (1, 3, 3, 12)


def test_padding_variants(tmp_path):
    torch.manual_seed(4)
    model = nn.Sequential(
        nn.Conv2d(2, 4, 4, padding="same"),  # even kernel: SAME_UPPER, extra pixel at the end
        nn.Conv2d(4, 4, 3, stride=2, padding=(1, 2)),
        nn.ReLU(),
        nn.MaxPool2d(3, 2, padding=1),
        nn.AvgPool2d(3, 1, padding=1, count_include_pad=False),
        nn.MaxPool2d(2, 2, ceil_mode=True),  # even map: ceil_mode changes nothing
        nn.Flatten(),
        nn.Linear(4 * 1 * 2, 7),
    )
    graph = compare(export(model, (2, 7, 13), tmp_path / "pads.onnx"))
    assert graph.ops[0].pads == (1, 2, 1, 2)
    assert graph.ops[1].pads == (1, 1, 2, 2) and graph.ops[1].stride == (2, 2)
    assert graph.ops[3].pads == (1, 1, 1, 1)


# ---- handcrafted models ------------------------------------------------------------------------------------
def _vec(name, *dims):
    return helper.make_tensor_value_info(name, TensorProto.FLOAT, list(dims))


def test_gemm_transb_alpha_beta(tmp_path):
    rng = np.random.default_rng(5)
    w1 = rng.standard_normal((12, 8)).astype(np.float32)  # (in, out): transB = 0
    c1 = rng.standard_normal((1, 8)).astype(np.float32)
    w2 = rng.standard_normal((4, 8)).astype(np.float32)  # (out, in): transB = 1
    c2 = rng.standard_normal(4).astype(np.float32)
    nodes = [
        helper.make_node("Gemm", ["x", "w1", "c1"], ["h"], name="g1", alpha=0.5, beta=2.0),
        helper.make_node("Relu", ["h"], ["r"], name="relu"),
        helper.make_node("Gemm", ["r", "w2", "c2"], ["g"], name="g2", transB=1),
        helper.make_node("Add", ["g", "c3"], ["y"], name="more_bias"),  # adds to the Gemm's own bias
    ]
    path = save(
        nodes,
        _vec("x", "N", 12),
        _vec("y", "N", 4),
        [("w1", w1), ("c1", c1), ("w2", w2), ("c2", c2), ("c3", c1[:, :4])],
        tmp_path / "gemm.onnx",
    )
    graph = compare(path)
    assert np.array_equal(graph.ops[0].weight, w1.T * np.float32(0.5))
    assert np.array_equal(graph.ops[0].bias, c1[0] * np.float32(2.0))
    assert np.array_equal(graph.ops[1].bias, c2 + c1[0, :4])
    assert kinds(graph) == [("dense", "relu"), ("dense", "none")]


def test_matmul_add_bias_constant_nodes_and_softmax(tmp_path):
    rng = np.random.default_rng(6)
    w1, b1 = rng.standard_normal((10, 6)).astype(np.float32), rng.standard_normal(6).astype(np.float32)
    w2, b2 = rng.standard_normal((6, 3)).astype(np.float32), rng.standard_normal((1, 3)).astype(np.float32)
    nodes = [
        helper.make_node("Constant", [], ["w1"], value=numpy_helper.from_array(w1)),
        helper.make_node("MatMul", ["x", "w1"], ["m1"], name="mm1"),
        helper.make_node("Add", ["m1", "b1"], ["a1"], name="bias1"),
        helper.make_node("Identity", ["a1"], ["d1"], name="id"),
        helper.make_node("Dropout", ["d1", "ratio"], ["i1"], name="drop"),
        helper.make_node("Relu", ["i1"], ["r1"], name="relu"),
        helper.make_node("MatMul", ["r1", "w2"], ["m2"], name="mm2"),
        helper.make_node("Add", ["b2", "m2"], ["a2"], name="bias2"),  # constant first: still a bias
        helper.make_node("Softmax", ["a2"], ["y"], name="sm", axis=1),
    ]
    path = save(
        nodes,
        _vec("x", "N", 10),
        _vec("y", "N", 3),
        [("b1", b1), ("w2", w2), ("b2", b2), ("ratio", np.array(0.5, np.float32))],
        tmp_path / "matmul.onnx",
    )
    graph = compare(path, post=lambda y: np.exp(log_softmax(y)))
    assert kinds(graph) == [("dense", "relu"), ("dense", "none")]
    assert np.array_equal(graph.ops[1].bias, b2[0])


@pytest.mark.parametrize("opset", [10, 17])
def test_conv_auto_pad_constant_bias_and_clip(tmp_path, opset):
    rng = np.random.default_rng(7)
    w1 = rng.standard_normal((4, 3, 3, 3)).astype(np.float32)
    b1 = rng.standard_normal((1, 4, 1, 1)).astype(np.float32)
    w2 = rng.standard_normal((4, 1, 2, 2)).astype(np.float32)  # depthwise, even kernel
    w3 = rng.standard_normal((5, 4)).astype(np.float32)
    clip = (
        helper.make_node("Clip", ["a1"], ["c1"], name="clip", min=0.0, max=6.0)
        if opset < 11
        else helper.make_node("Clip", ["a1", "lo", "hi"], ["c1"], name="clip")
    )
    nodes = [
        helper.make_node("Conv", ["x", "w1"], ["v1"], name="conv1", auto_pad="SAME_UPPER", strides=[2, 2]),
        helper.make_node("Add", ["v1", "b1"], ["a1"], name="bias1"),
        clip,
        helper.make_node("Conv", ["c1", "w2"], ["v2"], name="dw", auto_pad="SAME_LOWER", group=4),
        helper.make_node("Conv", ["v2", "w1x"], ["v3"], name="conv3", auto_pad="VALID"),
        helper.make_node("GlobalAveragePool", ["v3"], ["p"], name="gap"),
        helper.make_node("Flatten", ["p"], ["f"], name="flat"),
        helper.make_node("Gemm", ["f", "w3", "c3"], ["y"], name="fc", transB=1),
    ]
    inits = [
        ("w1", w1),
        ("b1", b1),
        ("w2", w2),
        ("w1x", w1[:, :1].repeat(4, 1)),
        ("w3", w3),
        ("c3", b1.ravel()[:1]),
        ("lo", np.array(0, np.float32)),
        ("hi", np.array(6, np.float32)),
    ]
    path = save(
        nodes,
        _vec("x", 1, 3, 9, 7),
        _vec("y", 1, 5),
        inits if opset >= 11 else inits[:6],
        tmp_path / "conv.onnx",
        opset=opset,
    )
    graph = compare(path)
    assert graph.ops[0].act == "relu6" and np.array_equal(graph.ops[0].bias, b1.ravel())
    assert graph.ops[0].pads == (1, 1, 1, 1) and graph.ops[1].pads == (1, 0, 1, 0)


@pytest.mark.parametrize("opset", [9, 17])
def test_zero_pad_merges_into_the_next_conv(tmp_path, opset):
    rng = np.random.default_rng(10)
    w1, w2 = (
        rng.standard_normal((3, 2, 3, 3)).astype(np.float32),
        rng.standard_normal((4, 3 * 4 * 5)).astype(np.float32),
    )
    pads = [0, 0, 1, 2, 0, 0, 0, 1]  # N, C, H, W begins, then ends
    pad = (
        helper.make_node("Pad", ["x"], ["p"], name="pad", pads=pads)
        if opset < 11
        else helper.make_node("Pad", ["x", "pads"], ["p"], name="pad")
    )
    nodes = [
        pad,
        helper.make_node("Identity", ["p"], ["q"], name="id"),
        helper.make_node("Conv", ["q", "w1"], ["c"], name="conv", pads=[1, 0, 0, 0], strides=[1, 2]),
        helper.make_node("Flatten", ["c"], ["f"], name="flat"),
        helper.make_node("Gemm", ["f", "w2", "b2"], ["y"], name="fc", transB=1),
    ]
    inits = [("w1", w1), ("w2", w2), ("b2", np.zeros(4, np.float32))]
    inits += [("pads", np.array(pads, np.int64))] if opset >= 11 else []
    graph = compare(
        save(nodes, _vec("x", 1, 2, 5, 7), _vec("y", 1, 4), inits, tmp_path / "pad.onnx", opset=opset)
    )
    assert [op.kind for op in graph.ops] == ["conv2d", "reshape", "dense"]
    assert graph.ops[0].pads == (2, 0, 2, 1)


def test_global_max_pool(tmp_path):
    rng = np.random.default_rng(9)
    w1, w2 = (
        rng.standard_normal((6, 2, 3, 3)).astype(np.float32),
        rng.standard_normal((6, 4)).astype(np.float32),
    )
    nodes = [
        helper.make_node("Conv", ["x", "w1"], ["c"], name="conv", pads=[0, 1, 2, 1]),
        helper.make_node("GlobalMaxPool", ["c"], ["p"], name="gmp"),
        helper.make_node("Reshape", ["p", "shape"], ["f"], name="rs"),
        helper.make_node("MatMul", ["f", "w2"], ["y"], name="fc"),
    ]
    inits = [("w1", w1), ("w2", w2), ("shape", np.array([-1, 6], np.int64))]
    graph = compare(save(nodes, _vec("x", 1, 2, 6, 5), _vec("y", 1, 4), inits, tmp_path / "gmp.onnx"))
    assert [op.kind for op in graph.ops] == ["conv2d", "maxpool", "reshape", "dense"]
    assert graph.ops[0].pads == (0, 2, 1, 1) and graph.ops[1].pool == (6, 5)


def test_load_model_dispatches_by_suffix(tmp_path):
    torch.manual_seed(8)
    path = export(nn.Sequential(nn.Linear(5, 3)), (5,), tmp_path / "tiny.onnx")
    assert load_model(path).num_classes == 3
    with pytest.raises(ModelError, match="cannot tell the format"):
        load_model(tmp_path / "tiny.bin")
    with pytest.raises(UsageError, match="unknown model format 'caffe'"):
        load_model(path, fmt="caffe")
