"""Fine-tuning an existing model for bit errors: any Graph (a cached model, an .npz, an imported .onnx or .tflite's
float graph) back into a torch nn.Sequential, trained further (fit's loop with --bit-errors / --clip), and
converted again. Cached by the source model's parameters and the recipe, deterministic for a seed.

graph_to_torch is the inverse of convert.torch_to_graph for the layers it converts: conv2d (OHWI -> OIHW),
depthwise conv2d ((1, kh, kw, out) -> (out, 1, kh, kw)), dense (a dense layer after a flattened feature map has its
inputs back in (C, H, W) order), ReLU / ReLU6 (fused or not), max / average pooling, reshape to a vector; padding
must be symmetric per axis (torch's Conv2d padding). tests/test_models_biterrors.py checks the round trip.
"""

from __future__ import annotations

import hashlib
import json

import numpy as np
import torch
from torch import nn

from ..errors import ModelError
from ..graph import Graph, output_shape


def _tensor(a: np.ndarray) -> torch.Tensor:
    """A float32 copy: training must never write into the source graph's arrays."""
    return torch.from_numpy(np.array(a, dtype=np.float32, order="C", copy=True))


def _padding(op, where: str) -> tuple[int, int]:
    top, bottom, left, right = op.pads
    if top != bottom or left != right:
        raise ModelError(f"{where}: asymmetric padding {op.pads} cannot be fine-tuned (torch pads symmetrically)")
    return top, left


def graph_to_torch(graph: Graph) -> nn.Sequential:
    layers: list[nn.Module] = []
    shape = tuple(graph.input_shape)
    flat_from = None  # (H, W, C) of the feature map a reshape flattened, until a dense layer consumes it
    for i, op in enumerate(graph.ops):
        where = f"op{i} ({op.kind})"
        if op.kind == "conv2d":
            out_c, kh, kw, in_c = op.weight.shape
            m = nn.Conv2d(in_c, out_c, (kh, kw), stride=op.stride, padding=_padding(op, where))
            m.weight.data = _tensor(op.weight.transpose(0, 3, 1, 2))
            m.bias.data = _tensor(op.bias)
        elif op.kind == "dwconv2d":
            _, kh, kw, out_c = op.weight.shape
            in_c = shape[2]
            m = nn.Conv2d(in_c, out_c, (kh, kw), stride=op.stride, padding=_padding(op, where), groups=in_c)
            m.weight.data = _tensor(op.weight.transpose(3, 0, 1, 2))
            m.bias.data = _tensor(op.bias)
        elif op.kind == "dense":
            w = op.weight
            if flat_from is not None:
                h, wd, c = flat_from
                w = w.reshape(-1, h, wd, c).transpose(0, 3, 1, 2).reshape(w.shape[0], -1)
                flat_from = None
            m = nn.Linear(w.shape[1], w.shape[0])
            m.weight.data = _tensor(w)
            m.bias.data = _tensor(op.bias)
        elif op.kind in ("maxpool", "avgpool"):
            pad = _padding(op, where)
            m = (nn.MaxPool2d(op.pool, op.stride, pad) if op.kind == "maxpool"
                 else nn.AvgPool2d(op.pool, op.stride, pad, count_include_pad=False))
        elif op.kind in ("relu", "relu6"):
            m = nn.ReLU() if op.kind == "relu" else nn.ReLU6()
        elif op.kind == "reshape":
            if len(op.shape) != 1:
                raise ModelError(f"{where}: only a reshape to a vector can be fine-tuned")
            if len(shape) == 3:
                flat_from = shape
            m = nn.Flatten()
        else:
            raise ModelError(f"{where}: not supported for fine-tuning")
        layers.append(m)
        if op.weighted and op.act != "none":
            layers.append(nn.ReLU() if op.act == "relu" else nn.ReLU6())
        shape = output_shape(op, shape)
    return nn.Sequential(*layers)


def graph_fingerprint(graph: Graph) -> str:
    """SHA-256 of a graph's structure and parameters (the cache key of a model fine-tuned from it)."""
    h = hashlib.sha256(json.dumps({"input": list(graph.input_shape), "classes": graph.num_classes,
                                   "ops": [[op.kind, op.act, list(op.stride), list(op.pads), list(op.pool)]
                                           for op in graph.ops]}).encode())
    for op in graph.weighted_ops():
        h.update(np.ascontiguousarray(op.weight, np.float32).tobytes())
        h.update(np.ascontiguousarray(op.bias, np.float32).tobytes())
    return h.hexdigest()
