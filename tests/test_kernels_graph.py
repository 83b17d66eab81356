"""Whole models through the C kernels: a QGraph run op by op in C gives exactly QGraph.forward's logits.

Two float Graphs with random weights are quantized over scikit-learn digits (eccless.quant.quantize): a small
CNN using every op kind (conv, depthwise conv with multiplier 2, max and average pooling, a standalone relu,
reshape, dense) and an MLP. Then the same graphs with corrupted parameters (random int8 levels, int32 biases near
the limits), as the bit-flip experiments produce them. Both kernel variants must agree with the reference.
"""

from __future__ import annotations

import numpy as np
import pytest

from eccless.testing.kernels_host import VARIANTS, HostKernels, build_library
from eccless.graph import Graph, Op
from eccless.quant import quantize

pytestmark = pytest.mark.golden

SAMPLES = 300


@pytest.fixture(scope="module", params=VARIANTS)
def kern(request, tmp_path_factory) -> HostKernels:
    return HostKernels(build_library(request.param, tmp_path_factory.mktemp(request.param)))


def _he(rng, shape, fan_in):
    return (rng.normal(0, np.sqrt(2.0 / fan_in), shape)).astype(np.float32)


def cnn_graph(seed: int = 0) -> Graph:
    """8x8x1 -> conv 3x3 (8) relu -> dwconv 3x3 x2 relu6 -> maxpool 2 -> avgpool 2 (SAME pads) -> relu -> dense."""
    rng = np.random.default_rng(seed)
    b = lambda n: rng.normal(0, 0.1, n).astype(np.float32)  # noqa: E731
    ops = [
        Op("conv2d", "conv", _he(rng, (8, 3, 3, 1), 9), b(8), act="relu", pads=(1, 1, 1, 1)),
        Op("dwconv2d", "dw", _he(rng, (1, 3, 3, 16), 9), b(16), act="relu6", stride=(1, 1), pads=(1, 1, 1, 1)),
        Op("maxpool", "pool1", pool=(2, 2), stride=(2, 2)),
        Op("conv2d", "conv_s2", _he(rng, (12, 3, 3, 16), 144), b(12), stride=(2, 2), pads=(0, 1, 0, 1)),
        Op("avgpool", "pool2", pool=(2, 2), stride=(1, 1), pads=(0, 1, 0, 1)),
        Op("relu", "relu"),
        Op("reshape", "flatten", shape=(2 * 2 * 12,)),
        Op("dense", "fc1", _he(rng, (20, 48), 48), b(20), act="relu"),
        Op("dense", "logits", _he(rng, (10, 20), 20), b(10)),
    ]
    return Graph((8, 8, 1), ops, 10, name="kernels-cnn")


def mlp_graph(seed: int = 1) -> Graph:
    rng = np.random.default_rng(seed)
    ops = [
        Op("reshape", "flatten", shape=(64,)),
        Op("dense", "fc1", _he(rng, (32, 64), 64), rng.normal(0, 0.1, 32).astype(np.float32), act="relu"),
        Op("dense", "fc2", 4 * _he(rng, (16, 32), 32), rng.normal(0, 0.1, 16).astype(np.float32)),
        Op("reshape", "view", shape=(16,)),  # keeps the relu6 standalone (not fused into fc2)
        Op("relu6", "relu6"),
        Op("dense", "logits", _he(rng, (10, 16), 16), rng.normal(0, 0.1, 10).astype(np.float32)),
    ]
    return Graph((8, 8, 1), ops, 10, name="kernels-mlp")


@pytest.fixture(scope="module")
def models(digits):
    x = digits.x_train.reshape((-1, 8, 8, 1))[:400]
    return {name: quantize(make(), x) for name, make in (("cnn", cnn_graph), ("mlp", mlp_graph))}


@pytest.fixture(scope="module")
def inputs(digits, models):
    x = digits.x_test.reshape((-1, 8, 8, 1))[:SAMPLES]
    return {name: qg.quantize_input(x) for name, qg in models.items()}


def run_in_c(kern: HostKernels, qgraph, x: np.ndarray) -> np.ndarray:
    y = x
    for op in qgraph.ops:
        y = kern.run(op, y)
    return y.reshape(len(y), -1)


def assert_logits_equal(ref: np.ndarray, got: np.ndarray, what: str):
    if not np.array_equal(ref, got):
        bad = np.argwhere(ref != got)
        first = ", ".join(f"{tuple(int(i) for i in b)}: ref {ref[tuple(b)]} C {got[tuple(b)]}" for b in bad[:5])
        pytest.fail(f"{what}: {len(bad)} logits differ; first {first}")


def corrupt(qgraph, seed: int):
    """Random int8 levels over the whole range and biases next to the int32 limits (wrapping accumulators)."""
    rng = np.random.default_rng(seed)
    params = []
    for w, b in qgraph.params():
        w2 = rng.integers(-128, 128, w.shape, dtype=np.int8)
        near = rng.integers(0, 5000, b.shape)
        b2 = np.where(rng.random(b.shape) < 0.5, 2**31 - 1 - near, -(2**31) + near).astype(np.int32)
        keep = rng.random(b.shape) < 0.3
        params.append((w2, np.where(keep, b, b2).astype(np.int32)))
    return qgraph.with_params(params)


def test_graphs_use_every_kernel(models):
    kinds = {op.kind for qg in models.values() for op in qg.ops}
    assert kinds == {"conv2d", "dwconv2d", "maxpool", "avgpool", "relu", "relu6", "reshape", "dense"}
    dw = next(op for op in models["cnn"].ops if op.kind == "dwconv2d")
    assert dw.weight.shape[3] == 2 * 8  # depth multiplier 2
    assert next(op for op in models["cnn"].ops if op.kind == "conv2d").act == "relu"  # fused activation
    relu6 = next(op for op in models["mlp"].ops if op.kind == "relu6")
    assert relu6.act_max < 127  # 6.0 inside the range: the standalone relu6 really clamps


@pytest.mark.parametrize("name", ("cnn", "mlp"))
def test_qgraph_logits_equal_in_c(kern, models, inputs, name):
    qg, x = models[name], inputs[name]
    ref = qg.forward(x)
    assert len(np.unique(ref)) > 20  # a live model, not a constant output
    assert_logits_equal(ref, run_in_c(kern, qg, x), f"{kern.variant} {name}")


@pytest.mark.parametrize("name", ("cnn", "mlp"))
def test_corrupted_qgraph_logits_equal_in_c(kern, models, inputs, name):
    for seed in range(3):
        qg = corrupt(models[name], seed)
        x = inputs[name][:100]
        assert_logits_equal(qg.forward(x), run_in_c(kern, qg, x), f"{kern.variant} corrupted {name} seed {seed}")
