"""graph_io: a Graph survives save/load bit-exactly, writes are atomic, and bad files give one-line
ModelErrors."""

from __future__ import annotations

import json
import zipfile

import numpy as np
import pytest

from eccless.errors import ModelError
from eccless.graph import Graph, Op
from eccless.graph_io import load_graph, save_graph

pytestmark = pytest.mark.unit


def sample_graph(seed=0) -> Graph:
    """Every op kind the IR has, with odd strides/pads, and one int8 tensor (dtype must survive)."""
    rng = np.random.default_rng(seed)

    def r(*shape):
        return rng.standard_normal(shape).astype(np.float32)

    ops = [
        Op("conv2d", "c1", r(4, 3, 3, 2), r(4), act="relu", stride=(1, 2), pads=(1, 1, 0, 2)),
        Op("dwconv2d", "dw", r(1, 3, 3, 8), r(8), act="relu6", pads=(1, 1, 1, 1)),
        Op("maxpool", "mp", pool=(2, 2), stride=(2, 2)),
        Op("avgpool", "ap", pool=(3, 3), stride=(1, 1), pads=(1, 1, 1, 1)),
        Op("relu6", "r6"),
        Op("reshape", "flat", shape=(3 * 2 * 8,)),
        Op(
            "dense",
            "d1",
            rng.integers(-128, 128, (5, 48), dtype=np.int8),
            rng.integers(-9, 9, 5).astype(np.int32),
        ),
        Op("relu", "r"),
        Op("dense", "d2", r(3, 5), r(3)),
    ]
    return Graph(
        (6, 9, 2), ops, 3, name="all-ops", meta={"dataset": "x", "acc": 0.125, "nested": {"a": [1, 2]}}
    )


def test_round_trip_is_exact(tmp_path):
    g = sample_graph()
    path = save_graph(g, tmp_path / "g.npz")
    h = load_graph(path)
    assert (h.name, h.input_shape, h.num_classes, h.meta) == (g.name, g.input_shape, g.num_classes, g.meta)
    assert len(h.ops) == len(g.ops)
    for a, b in zip(g.ops, h.ops):
        assert (a.kind, a.name, a.act, a.stride, a.pads, a.pool, a.shape) == (
            b.kind,
            b.name,
            b.act,
            b.stride,
            b.pads,
            b.pool,
            b.shape,
        )
        if a.weighted:
            assert a.weight.dtype == b.weight.dtype and np.array_equal(a.weight, b.weight)
            assert a.bias.dtype == b.bias.dtype and np.array_equal(a.bias, b.bias)
    x = np.random.default_rng(1).random((4, 6, 9, 2), dtype=np.float32)
    assert np.array_equal(g.forward(x), h.forward(x))


def test_write_is_atomic_and_leaves_no_temp_files(tmp_path):
    path = tmp_path / "sub" / "m.npz"
    save_graph(sample_graph(0), path)
    save_graph(sample_graph(1), path)  # overwrite
    assert [p.name for p in path.parent.iterdir()] == ["m.npz"]
    assert np.array_equal(load_graph(path).ops[0].weight, sample_graph(1).ops[0].weight)
    bad = sample_graph(2)
    bad.meta["x"] = object()
    with pytest.raises(ModelError, match="not JSON-serializable"):
        save_graph(bad, path)
    assert [p.name for p in path.parent.iterdir()] == ["m.npz"]
    assert np.array_equal(load_graph(path).ops[0].weight, sample_graph(1).ops[0].weight)


def rewrite(path, **changes):
    """Rewrite a saved graph archive with some entries replaced (None removes one)."""
    with np.load(path) as f:
        arrays = {k: f[k] for k in f.files}
    for key, value in changes.items():
        key = key.replace("__", ".")
        if value is None:
            arrays.pop(key)
        else:
            arrays[key] = value
    with open(path, "wb") as f:
        np.savez(f, **arrays)


def header(path) -> dict:
    with np.load(path) as f:
        return json.loads(str(f["graph.json"]))


@pytest.mark.parametrize(
    "corrupt, message",
    [
        (lambda p: p.unlink(), "not found"),
        (lambda p: p.write_bytes(p.read_bytes()[: len(p.read_bytes()) // 2]), "not a readable model file"),
        (lambda p: p.write_bytes(b"hello"), "not a readable model file"),
        (lambda p: rewrite(p, **{"graph.json": None}), "no graph.json"),
        (lambda p: rewrite(p, **{"graph.json": np.array("{not json")}), "corrupt graph.json"),
        (
            lambda p: rewrite(p, **{"graph.json": np.array(json.dumps({**header(p), "format": "x"}))}),
            "not an eccless graph",
        ),
        (
            lambda p: rewrite(p, **{"graph.json": np.array(json.dumps({**header(p), "version": 9}))}),
            "version 9",
        ),
        (lambda p: rewrite(p, op0__weight=None), "lacks 'op0.weight'"),
        (lambda p: rewrite(p, op8__weight=np.zeros((3, 4), np.float32)), "inconsistent graph"),
        (lambda p: rewrite(p, op8__bias=np.zeros(4, np.float32)), "bias shape"),
        (
            lambda p: rewrite(
                p,
                **{
                    "graph.json": np.array(
                        json.dumps({**header(p), "ops": [{**header(p)["ops"][0], "kind": "lstm"}]})
                    )
                },
            ),
            "unsupported op kind 'lstm'",
        ),
        (
            lambda p: rewrite(p, **{"graph.json": np.array(json.dumps({**header(p), "input_shape": "6x9"}))}),
            "list of integers",
        ),
    ],
)
def test_bad_files_raise_one_line_model_error(tmp_path, corrupt, message):
    path = save_graph(sample_graph(), tmp_path / "g.npz")
    corrupt(path)
    with pytest.raises(ModelError) as err:
        load_graph(path)
    assert "\n" not in str(err.value) and str(path) in str(err.value)
    assert message in str(err.value)


def test_archive_holds_only_plain_arrays(tmp_path):
    path = save_graph(sample_graph(), tmp_path / "g.npz")
    with zipfile.ZipFile(path) as z:
        names = sorted(z.namelist())
    assert names[0] == "graph.json.npy" and len(names) == 1 + 2 * 4
    np.load(path, allow_pickle=False)["graph.json"]  # loads without pickle
