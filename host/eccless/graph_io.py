"""Save and load a Graph as one .npz file: the tensors as arrays, everything else as one JSON string.

Layout of the archive (opened without pickle):
    graph.json        0-d unicode array: {"format": "eccless-graph", "version": 1, "name", "input_shape",
                      "num_classes", "meta",
                      "ops": [{"kind", "name", "act", "stride", "pads", "pool", "shape"}, ...]}
    op{i}.weight      weight of op i (weighted ops only), dtype kept as saved
    op{i}.bias        bias of op i
Writes are atomic: the archive is written to a temporary file in the target folder and moved over the target
with os.replace, so a reader never sees half a file and a crash leaves the old file intact.
"""

from __future__ import annotations

import json
import os
import secrets
import zipfile
from pathlib import Path

import numpy as np

from .errors import ModelError
from .graph import Graph, Op

FORMAT = "eccless-graph"
VERSION = 1
_ATTRS = ("kind", "name", "act", "stride", "pads", "pool", "shape")


def save_graph(graph: Graph, path: str | Path) -> Path:
    """Write graph to path (any suffix; .npz by convention) atomically; returns the path."""
    path = Path(path)
    header = {
        "format": FORMAT,
        "version": VERSION,
        "name": graph.name,
        "input_shape": list(graph.input_shape),
        "num_classes": int(graph.num_classes),
        "meta": graph.meta,
        "ops": [
            {a: (list(v) if isinstance(v := getattr(op, a), tuple) else v) for a in _ATTRS}
            for op in graph.ops
        ],
    }
    try:
        text = json.dumps(header, sort_keys=True)
    except (TypeError, ValueError) as e:
        raise ModelError(f"{graph.name}: graph meta is not JSON-serializable ({e})") from None
    arrays = {"graph.json": np.array(text)}
    for i, op in enumerate(graph.ops):
        if op.weighted:
            arrays[f"op{i}.weight"] = np.asarray(op.weight)
            arrays[f"op{i}.bias"] = np.asarray(op.bias)
    path.parent.mkdir(parents=True, exist_ok=True)
    # A unique name in the same folder (os.replace is atomic only within one file system); opened with "x"
    # rather than mkstemp so the file gets the usual umask-based permissions instead of 0600.
    tmp = path.parent / f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp"
    try:
        with open(tmp, "xb") as f:
            np.savez(f, **arrays)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def _tuple(v, where: str) -> tuple[int, ...]:
    if not isinstance(v, list) or not all(isinstance(d, int) for d in v):
        raise ModelError(f"{where}: expected a list of integers, got {v!r}")
    return tuple(v)


def load_graph(path: str | Path) -> Graph:
    """The Graph stored at path; any missing, truncated or foreign file raises a one-line ModelError."""
    path = Path(path)
    try:
        with np.load(path, allow_pickle=False) as f:
            arrays = {k: f[k] for k in f.files}
    except FileNotFoundError:
        raise ModelError(f"{path}: model file not found") from None
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as e:
        raise ModelError(
            f"{path}: not a readable model file ({str(e).splitlines()[0] if str(e) else type(e).__name__})"
        ) from None
    try:
        header = json.loads(str(arrays["graph.json"]))
    except KeyError:
        raise ModelError(f"{path}: not an eccless graph (no graph.json entry)") from None
    except ValueError as e:
        raise ModelError(f"{path}: corrupt graph.json ({e})") from None
    fmt = header.get("format") if isinstance(header, dict) else None
    if fmt != FORMAT:
        raise ModelError(f"{path}: not an eccless graph (format {fmt!r})")
    if header.get("version") != VERSION:
        raise ModelError(
            f"{path}: graph format version {header.get('version')!r}, this eccless reads {VERSION}"
        )
    try:
        ops = []
        for i, d in enumerate(header["ops"]):
            kw = {a: d[a] for a in _ATTRS}
            for a in ("stride", "pads", "pool", "shape"):
                kw[a] = _tuple(kw[a], f"{path}: op {i} {a}")
            op = Op(**kw)
            if op.weighted:
                op = op.with_params(arrays[f"op{i}.weight"], arrays[f"op{i}.bias"])
            ops.append(op)
        graph = Graph(
            input_shape=_tuple(header["input_shape"], f"{path}: input_shape"),
            ops=ops,
            num_classes=int(header["num_classes"]),
            name=str(header["name"]),
            meta=dict(header["meta"]),
        )
    except ModelError as e:
        raise ModelError(f"{path}: {e}") from None
    except KeyError as e:
        raise ModelError(f"{path}: graph file lacks {e.args[0]!r}") from None
    except (TypeError, ValueError) as e:
        raise ModelError(f"{path}: malformed graph description ({e})") from None
    try:
        graph.shapes()
        for op in graph.weighted_ops():
            out = op.weight.shape[-1] if op.kind == "dwconv2d" else op.weight.shape[0]
            if op.bias.shape != (out,):
                raise ModelError(f"{op.name or op.kind}: bias shape {op.bias.shape} for {out} outputs")
    except ModelError as e:
        raise ModelError(f"{path}: inconsistent graph ({e})") from None
    except (TypeError, ValueError, IndexError, AttributeError) as e:
        raise ModelError(f"{path}: inconsistent graph ({type(e).__name__}: {e})") from None
    return graph
