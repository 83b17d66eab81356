"""Sigmoid and HardSwish in TFLite's int8 scheme (LOGISTIC, HARD_SWISH): the host reference tables equal TFLite
Micro's kernels byte for byte on every int8 input, over randomized (seeded) scales and zero points, and a small
MLP using both ops gives TFLM's outputs through the project's own .tflite exporter and back through its importer."""

from __future__ import annotations

import numpy as np
import pytest

from eccless.errors import ModelError
from eccless.graph import Graph, Op
from eccless.quant.activations import SIGMOID_OUT_SCALE, hardswish_params
from eccless.quant.int8 import QGraph, activation_op, quantize
from eccless.tflite import read_tflite, to_tflite_bytes

runtime = pytest.importorskip("tflite_micro.python.tflite_micro.runtime",
                              reason="tflite-micro not installed: pip install tflite-micro")

pytestmark = pytest.mark.unit
EVERY_INT8 = np.arange(-128, 128, dtype=np.int8).reshape(256, 1)


def tflm_run(data: bytes, xq: np.ndarray) -> np.ndarray:
    it = runtime.Interpreter.from_bytes(data)
    out = []
    for x in xq:
        it.set_input(x[None], 0)
        it.invoke()
        out.append(it.get_output(0).copy())
    return np.concatenate(out)


def activation_model(kind: str, rng) -> QGraph:
    in_scale = float(np.float32(10 ** rng.uniform(-3.5, 0.5)))
    in_zp = int(rng.integers(-128, 128))
    out = (float(np.float32(in_scale * 10 ** rng.uniform(-1.5, 0.5))), int(rng.integers(-128, 128)))
    op = activation_op(dict(kind=kind, name=kind, in_scale=in_scale, in_zp=in_zp), out_qparams=out)
    return QGraph((1,), 1, kind, in_scale, in_zp, [op])


@pytest.mark.parametrize("kind", ["sigmoid", "hardswish"])
def test_every_int8_input_equals_tflm(kind):
    rng = np.random.default_rng(2026 + len(kind))
    exponents, distinct = set(), []
    for _ in range(60):
        qg = activation_model(kind, rng)
        exponents.add(int(qg.ops[0].out_shift[-1]))
        ours = qg.forward(EVERY_INT8)
        theirs = tflm_run(to_tflite_bytes(qg), EVERY_INT8)
        assert np.array_equal(ours, theirs), (kind, qg.in_scale, qg.in_zp, qg.ops[0].out_mult, qg.ops[0].out_shift)
        distinct.append(len(np.unique(ours)))
    assert min(distinct) >= 2 and max(distinct) > 100  # the scales chosen give curves, not constants
    if kind == "hardswish":  # both branches of the reluish exponent (left shifts and rounding right shifts) ran
        assert min(exponents) < 0 < max(exponents)


def test_sigmoid_output_quantization_and_shape():
    qg = activation_model("sigmoid", np.random.default_rng(5))
    op = qg.ops[0]
    assert (op.out_scale, op.out_zp) == (SIGMOID_OUT_SCALE, -128)
    real = qg.in_scale * (EVERY_INT8.astype(np.float64) - qg.in_zp)
    approx = (qg.forward(EVERY_INT8).astype(np.float64) + 128) / 256
    assert np.abs(approx - 1 / (1 + np.exp(-real))).max() <= 1.5 / 256


def test_hardswish_refuses_an_output_multiplier_above_one():
    with pytest.raises(ModelError, match="hardswish"):
        hardswish_params(1.0, 1.0 / 256)


def mlp(seed: int) -> Graph:
    r = np.random.default_rng(seed)

    def dense(name, n_out, n_in, gain):
        return Op("dense", name=name, weight=(r.normal(size=(n_out, n_in)) * gain).astype(np.float32),
                  bias=r.normal(size=n_out).astype(np.float32))

    return Graph((8,), [dense("d1", 16, 8, 1.5), Op("sigmoid", name="s"), dense("d2", 12, 16, 1.0),
                        Op("hardswish", name="h"), dense("d3", 5, 12, 1.0)], 5)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_mlp_with_both_equals_tflm_and_round_trips(seed):
    rng = np.random.default_rng(100 + seed)
    x = (rng.normal(size=(200, 8)) * 2).astype(np.float32)
    qg = quantize(mlp(seed), x)
    xq = qg.quantize_input(x)
    ours = qg.forward(xq)
    for dense_as in ("conv", "fully_connected"):
        assert np.array_equal(ours, tflm_run(to_tflite_bytes(qg, dense_as=dense_as), xq))
    back = read_tflite(to_tflite_bytes(qg))
    assert [op.kind for op in back.ops] == ["dense", "sigmoid", "dense", "hardswish", "dense"]
    assert np.array_equal(back.forward(xq), ours)
    assert len(np.unique(ours)) > 20


def test_logistic_needs_tflites_output_zero_point():
    """TFLM's LOGISTIC Prepare insists on output zero point -128: the exporter refuses another, and so does the
    importer on a file that carries one."""
    from dataclasses import replace

    from eccless.tflite.common import require_schema
    from eccless.tflite.export import pack_model

    qg = activation_model("sigmoid", np.random.default_rng(9))
    with pytest.raises(ModelError, match="zero point"):
        to_tflite_bytes(replace(qg, ops=[replace(qg.ops[0], out_zp=-100)]))
    s = require_schema()
    model = s.ModelT.InitFromPackedBuf(to_tflite_bytes(qg), 0)
    sg = model.subgraphs[0]
    sg.tensors[sg.operators[0].outputs[0]].quantization.zeroPoint = [-100]
    with pytest.raises(ModelError, match="LOGISTIC has output zero point -100"):
        read_tflite(pack_model(model))
