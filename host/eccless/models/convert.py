"""Convert a trained torch nn.Sequential (NCHW) into the eccless Graph IR (NHWC, TFLite weight layouts).

Rules, so that Graph.forward reproduces the torch logits:
- Conv2d weights (O, I, kh, kw) become OHWI; depthwise convs (groups == in_channels) become 1HWO. Integer or
  "same" padding becomes explicit (top, bottom, left, right) pads. Dilation and other groupings are refused.
- Flatten becomes a reshape. torch flattens (C, H, W) but the Graph flattens (H, W, C), so the first Linear
  after a Flatten of a feature map gets its input columns permuted from CHW to HWC order.
- ReLU/ReLU6 become ops and are then fused into the weighted op before them (graph.fuse_activations);
  Sigmoid and Hardswish become sigmoid / hardswish ops (TFLite's LOGISTIC / HARD_SWISH once quantized).
- MaxPool2d/AvgPool2d keep window, stride and pads; AvgPool2d with padding must use count_include_pad=False,
  which is TFLite's (and the Graph's) rule for padded cells. Dropout and Identity are no-ops at inference and
  are dropped. Anything else raises ModelError naming the layer.
"""

from __future__ import annotations

import numpy as np
from torch import nn

from ..errors import ModelError
from ..graph import Graph, Op, fuse_activations, output_shape


def _pair(v) -> tuple[int, int]:
    return (int(v), int(v)) if isinstance(v, int) else (int(v[0]), int(v[1]))


def _pads(padding, kernel: tuple[int, int], where: str) -> tuple[int, int, int, int]:
    if padding == "valid":
        return (0, 0, 0, 0)
    if padding == "same":
        # torch puts the odd extra cell at the end (bottom/right), as TFLite does.
        (th, tw) = (kernel[0] - 1, kernel[1] - 1)
        return (th // 2, th - th // 2, tw // 2, tw - tw // 2)
    if isinstance(padding, str):
        raise ModelError(f"{where}: unsupported padding {padding!r}")
    ph, pw = _pair(padding)
    return (ph, ph, pw, pw)


def _numpy(t) -> np.ndarray:
    return t.detach().cpu().numpy().astype(np.float32)


def _conv(m: nn.Conv2d, where: str) -> Op:
    if _pair(m.dilation) != (1, 1):
        raise ModelError(f"{where}: dilated Conv2d is not supported")
    if m.padding_mode != "zeros":
        raise ModelError(f"{where}: Conv2d padding_mode {m.padding_mode!r} is not supported")
    w = _numpy(m.weight)
    b = _numpy(m.bias) if m.bias is not None else np.zeros(m.out_channels, np.float32)
    kernel = _pair(m.kernel_size)
    common = {"name": where, "bias": b, "stride": _pair(m.stride), "pads": _pads(m.padding, kernel, where)}
    if m.groups == 1:
        return Op("conv2d", weight=np.ascontiguousarray(w.transpose(0, 2, 3, 1)), **common)
    if m.groups == m.in_channels and m.groups > 1:
        # (out, 1, kh, kw) -> (1, kh, kw, out); output channel o reads input o // multiplier, as in TFLite.
        return Op("dwconv2d", weight=np.ascontiguousarray(w.transpose(1, 2, 3, 0)), **common)
    raise ModelError(f"{where}: grouped Conv2d (groups={m.groups}) is not supported")


def _pool(m, kind: str, where: str) -> Op:
    if getattr(m, "ceil_mode", False):
        raise ModelError(f"{where}: ceil_mode pooling is not supported")
    if kind == "maxpool" and _pair(m.dilation) != (1, 1):
        raise ModelError(f"{where}: dilated MaxPool2d is not supported")
    pool = _pair(m.kernel_size)
    stride = _pair(m.stride if m.stride is not None else m.kernel_size)
    pads = _pads(m.padding, pool, where)
    if kind == "avgpool" and any(pads) and m.count_include_pad:
        raise ModelError(f"{where}: AvgPool2d with padding needs count_include_pad=False")
    if kind == "avgpool" and m.divisor_override is not None:
        raise ModelError(f"{where}: AvgPool2d divisor_override is not supported")
    return Op(kind, name=where, pool=pool, stride=stride, pads=pads)


def torch_to_graph(
    model: nn.Sequential,
    input_shape: tuple[int, ...],
    num_classes: int,
    name: str = "model",
    meta: dict | None = None,
) -> Graph:
    """The Graph equivalent of model for per-sample input_shape (H, W, C) or (D,)."""
    if not isinstance(model, nn.Sequential):
        raise ModelError(f"only nn.Sequential models convert, got {type(model).__name__}")
    ops: list[Op] = []
    shape = tuple(int(d) for d in input_shape)  # per-sample shape in Graph (NHWC) terms
    chw_to_hwc = None  # (C, H, W) of the last flattened feature map, until a Linear consumes it
    for i, m in enumerate(model):
        where = f"{i}:{type(m).__name__}"
        if isinstance(m, nn.Conv2d):
            op = _conv(m, where)
        elif isinstance(m, nn.Linear):
            w = _numpy(m.weight)
            if chw_to_hwc is not None:
                c, h, wd = chw_to_hwc
                w = np.ascontiguousarray(
                    w.reshape(-1, c, h, wd).transpose(0, 2, 3, 1).reshape(w.shape[0], -1)
                )
                chw_to_hwc = None
            b = _numpy(m.bias) if m.bias is not None else np.zeros(m.out_features, np.float32)
            op = Op("dense", name=where, weight=w, bias=b)
        elif isinstance(m, (nn.ReLU, nn.ReLU6)):
            op = Op("relu" if isinstance(m, nn.ReLU) else "relu6", name=where)
        elif isinstance(m, (nn.Sigmoid, nn.Hardswish)):
            op = Op("sigmoid" if isinstance(m, nn.Sigmoid) else "hardswish", name=where)
        elif isinstance(m, nn.MaxPool2d):
            op = _pool(m, "maxpool", where)
        elif isinstance(m, nn.AvgPool2d):
            op = _pool(m, "avgpool", where)
        elif isinstance(m, nn.Flatten):
            if m.start_dim != 1 or m.end_dim != -1:
                raise ModelError(f"{where}: only Flatten(start_dim=1) is supported")
            if len(shape) == 3:
                chw_to_hwc = (shape[2], shape[0], shape[1])
            op = Op("reshape", name=where, shape=(int(np.prod(shape)),))
        elif isinstance(m, (nn.Dropout, nn.Identity)):
            continue
        else:
            raise ModelError(f"{where}: layer {type(m).__name__} is not supported by the Graph IR")
        try:
            shape = output_shape(op, shape)
        except ModelError as e:
            raise ModelError(f"{where}: does not fit input shape {shape} ({e})") from None
        ops.append(op)
    if not any(op.weighted for op in ops):
        raise ModelError("model has no Conv2d or Linear layer to convert")
    graph = Graph(
        input_shape=tuple(int(d) for d in input_shape),
        ops=fuse_activations(ops),
        num_classes=int(num_classes),
        name=name,
        meta=dict(meta or {}),
    )
    if graph.shapes()[-1] != (int(num_classes),):
        raise ModelError(f"model output shape {graph.shapes()[-1]} is not ({num_classes},)")
    return graph
