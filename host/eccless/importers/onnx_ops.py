"""How each supported ONNX op becomes Graph ops: a dispatch table of small translators.

Every translator takes the importer state `st` (eccless.importers.onnx_import._Importer: the current
per-sample Graph shape, the folded constants, the ops emitted so far) and the node with its decoded
attributes. Layout work lives here: OIHW -> OHWI / 1HWO weights, ONNX pads (all begins, then all ends) ->
(top, bottom, left, right), SAME_* auto padding, per-channel biases from broadcast constants, and the CHW ->
HWC column permutation that a flatten of an NCHW map leaves pending for the next dense layer.
"""

from __future__ import annotations

import numpy as np

from ..errors import ModelError
from ..graph import Op


def per_channel(value: np.ndarray, channels: int, spatial: bool, where: str) -> np.ndarray:
    """A constant broadcast against an (N, channels[, H, W]) tensor, as one value per channel (or fail)."""
    target = (1, channels) + (1, 1) * spatial
    try:
        ok = np.broadcast_shapes(value.shape, target) == target
    except ValueError:
        ok = False
    if not ok:
        raise ModelError(f"ONNX op {where}: constant of shape {value.shape} is not a per-channel bias")
    return np.broadcast_to(value, target).reshape(-1).astype(np.float32)


def explicit_pads(st, attrs, kernel, stride, where: str) -> tuple[int, int, int, int]:
    auto = attrs.get("auto_pad", "NOTSET")
    if auto == "VALID":
        return (0, 0, 0, 0)
    if auto in ("SAME_UPPER", "SAME_LOWER"):
        out = []
        for size, k, s in zip(st.shape[:2], kernel, stride):
            total = max((-(-size // s) - 1) * s + k - size, 0)
            small = total // 2  # SAME_UPPER puts the odd pixel at the end, SAME_LOWER at the start
            out += [small, total - small] if auto == "SAME_UPPER" else [total - small, small]
        return tuple(out)
    if auto != "NOTSET":
        raise ModelError(f"unsupported auto_pad {auto} on ONNX op {where}")
    pads = list(attrs.get("pads", [0, 0, 0, 0]))
    if len(pads) != 4 or min(pads) < 0:
        raise ModelError(f"unsupported pads {pads} on ONNX op {where}")
    top, left, bottom, right = pads
    return (top, bottom, left, right)


def window(st, attrs, kernel, where: str):
    """Strides and explicit pads of a Conv/pool window, refusing dilation."""
    if any(d != 1 for d in attrs.get("dilations", [1, 1])):
        raise ModelError(f"dilation {list(attrs['dilations'])} on ONNX op {where} is unsupported")
    if len(kernel) != 2:
        raise ModelError(f"ONNX op {where} has a {len(kernel)}-D kernel; only 2-D is supported")
    stride = tuple(attrs.get("strides", [1, 1]))
    if len(stride) != 2 or min(stride) < 1:
        raise ModelError(f"unsupported strides {list(stride)} on ONNX op {where}")
    return stride, explicit_pads(st, attrs, kernel, stride, where)


def dense(st, node, weight: np.ndarray, bias: np.ndarray) -> None:
    if st.pending_affine is not None:  # a BatchNormalization of the (flat) input: y = W (s x + t) + b
        s, t = _take_affine(st, weight.shape[1], node)
        weight, bias = weight * s[None, :], bias + weight @ t
    if st.perm is not None:
        # ONNX feature j sits at Graph position perm[j]; move the weight columns along with it.
        moved = np.empty_like(weight)
        moved[:, st.perm] = weight
        weight, st.perm = moved, None
    st.emit(Op("dense", name=node.name, weight=np.ascontiguousarray(weight, np.float32), bias=bias))


def gemm(st, node, attrs, where):
    st.need(1, where)
    if attrs.get("transA", 0):
        raise ModelError(f"unsupported attribute transA=1 on ONNX op {where}")
    b = st.const(node, 1)
    if b.ndim != 2:
        raise ModelError(f"ONNX op {where} has a weight of shape {b.shape}; expected 2-D")
    weight = (b if attrs.get("transB", 0) else b.T) * np.float32(attrs.get("alpha", 1.0))
    c = st.const(node, 2)
    bias = np.zeros(weight.shape[0], np.float32)
    if c is not None:
        bias = per_channel(c * np.float32(attrs.get("beta", 1.0)), weight.shape[0], False, where)
    dense(st, node, weight, bias)


def matmul(st, node, attrs, where):
    st.need(1, where)
    b = st.const(node, 1)
    if b.ndim != 2:
        raise ModelError(f"ONNX op {where} has a weight of shape {b.shape}; expected 2-D")
    dense(st, node, b.T, np.zeros(b.shape[1], np.float32))


def add(st, node, attrs, where):
    op = st.bias_op
    if op is None:
        raise ModelError(
            f"ONNX op {where}: adding a constant is supported only as a bias after Gemm/MatMul/Conv"
        )
    other = next(t for t in node.input if t != st.current)
    value = np.asarray(st.consts[other], np.float32)
    op.bias = op.bias + per_channel(value, op.bias.shape[0], len(st.shape) == 3, where)


def pad(st, node, attrs, where):
    """Zero padding of H and W, merged into the Conv that must follow (a Conv pads with zeros too)."""
    st.need(3, where)
    old = st.opset < 11  # pads and value moved from attributes to inputs in opset 11
    pads = attrs.get("pads") if old else st.const(node, 1)
    value = attrs.get("value", 0.0) if old else st.const(node, 2)
    pads = np.asarray(pads if pads is not None else [], np.int64).ravel()
    if attrs.get("mode", "constant") != "constant" or (value is not None and float(value) != 0):
        raise ModelError(f"ONNX op {where} is supported only as zero padding")
    if len(node.input) > 3 and node.input[3] or len(pads) != 8 or pads[[0, 1, 4, 5]].any() or pads.min() < 0:
        raise ModelError(f"ONNX op {where} with pads {pads.tolist()} is unsupported (only H/W zero padding)")
    _, _, top, left, _, _, bottom, right = (int(p) for p in pads)
    if top or bottom or left or right:
        st.pending_pads = (top, bottom, left, right)
        st.pad_where = where


def conv(st, node, attrs, where):
    st.need(3, where)
    w, b = st.const(node, 1), st.const(node, 2)
    if w.ndim != 4:
        raise ModelError(
            f"ONNX op {where} has a weight of shape {w.shape}; only 2-D convolution is supported"
        )
    if st.pending_pads is not None and attrs.get("auto_pad", "NOTSET") not in ("NOTSET", "VALID"):
        raise ModelError(f"ONNX op {st.pad_where} before {where} with auto_pad is unsupported")
    stride, pads = window(st, attrs, w.shape[2:], where)
    if st.pending_pads is not None:
        pads, st.pending_pads = tuple(np.add(pads, st.pending_pads).tolist()), None
    if list(attrs.get("kernel_shape", w.shape[2:])) != list(w.shape[2:]):
        raise ModelError(f"ONNX op {where}: kernel_shape {attrs['kernel_shape']} does not match its weight")
    group, channels = attrs.get("group", 1), st.shape[2]
    bias = np.zeros(w.shape[0], np.float32) if b is None else b.reshape(-1)
    if group == 1 and w.shape[1] == channels:
        op = Op("conv2d", name=node.name, weight=np.ascontiguousarray(w.transpose(0, 2, 3, 1)), bias=bias)
    elif group == channels and w.shape[1] == 1 and w.shape[0] % channels == 0:
        # OIHW with I == 1 is (C*mult, 1, kh, kw); ONNX and TFLite both map output o to input o // mult.
        op = Op(
            "dwconv2d",
            name=node.name,
            weight=np.ascontiguousarray(w[:, 0].transpose(1, 2, 0)[None]),
            bias=bias,
        )
    else:
        raise ModelError(
            f"ONNX op {where} with group={group} on {channels} channels is unsupported "
            "(only group 1 or depthwise)"
        )
    op.stride, op.pads = stride, pads
    if st.pending_affine is not None:
        _fold_input_affine(st, op, node, where)
    st.emit(op)


def batchnorm(st, node, attrs, where):
    """Inference-mode BatchNormalization, y = s x + t per channel, folded into the linear op right before it (its
    weights and bias scaled) or, when there is none, into the Conv/Gemm/MatMul right after it."""
    if attrs.get("training_mode", 0) or attrs.get("spatial", 1) != 1:
        raise ModelError(f"ONNX op {where} is in training mode; export the model in eval mode")
    scale, beta, mean, var = (np.asarray(st.const(node, i), np.float64).reshape(-1) for i in (1, 2, 3, 4))
    s = scale / np.sqrt(var + float(attrs.get("epsilon", 1e-5)))
    t = beta - mean * s
    channels = st.shape[2] if len(st.shape) == 3 else st.shape[0]
    if not len(s) == len(t) == channels:
        raise ModelError(f"ONNX op {where} has {len(s)} channels for a tensor of {channels}")
    op = st.bias_op
    if op is not None:
        axis = 3 if op.kind == "dwconv2d" else 0  # the output-channel axis of the Graph layouts
        shape = [-1 if i == axis else 1 for i in range(op.weight.ndim)]
        op.weight = (op.weight * s.reshape(shape)).astype(np.float32)
        op.bias = (op.bias * s + t).astype(np.float32)
        return
    st.pending_affine, st.affine_where = (s, t), where


def _take_affine(st, channels: int, node):
    s, t = st.pending_affine
    st.pending_affine = None
    if len(s) != channels:
        raise ModelError(f"ONNX op {st.affine_where} ({len(s)} channels) cannot be folded into {node.op_type} "
                         f"(node '{node.name}')")
    return s.astype(np.float64), t.astype(np.float64)


def _fold_input_affine(st, op, node, where) -> None:
    """A BatchNormalization before this conv: x -> s x + t per input channel. Exact only without padding (padded
    cells are 0 after the normalization, but would become t if folded)."""
    if any(op.pads):
        raise ModelError(f"ONNX op {st.affine_where} before {where} cannot be folded: the conv pads its input")
    in_c = op.weight.shape[3] if op.kind == "conv2d" else st.shape[2]
    s, t = _take_affine(st, in_c, node)
    w = op.weight.astype(np.float64)
    if op.kind == "dwconv2d":  # output o reads input o // mult
        s, t = np.repeat(s, w.shape[3] // in_c), np.repeat(t, w.shape[3] // in_c)
        op.bias = (op.bias + (w[0] * t).sum(axis=(0, 1))).astype(np.float32)
    else:
        op.bias = (op.bias + (w * t).sum(axis=(1, 2, 3))).astype(np.float32)
    op.weight = (w * s).astype(np.float32)


def pool(st, node, attrs, where):
    st.need(3, where)
    kind = "maxpool" if node.op_type == "MaxPool" else "avgpool"
    kernel = tuple(attrs.get("kernel_shape", ()))
    stride, pads = window(st, attrs, kernel, where)
    if attrs.get("ceil_mode", 0):
        h, w, _ = st.shape
        if (h + pads[0] + pads[1] - kernel[0]) % stride[0] or (w + pads[2] + pads[3] - kernel[1]) % stride[1]:
            raise ModelError(
                f"ceil_mode=1 on ONNX op {where} changes the output size; export with ceil_mode=0"
            )
    if kind == "avgpool" and attrs.get("count_include_pad", 0) and any(pads):
        # The Graph (like TFLite) averages over real pixels only; counting pads would change edge outputs.
        raise ModelError(f"count_include_pad=1 with nonzero pads on ONNX op {where} is unsupported")
    st.emit(Op(kind, name=node.name, pool=kernel, stride=stride, pads=pads))


def global_pool(st, node, attrs, where):
    st.need(3, where)
    kind = "avgpool" if node.op_type == "GlobalAveragePool" else "maxpool"
    st.emit(Op(kind, name=node.name, pool=st.shape[:2], stride=(1, 1)))


def relu(st, node, attrs, where):
    st.emit(Op("relu", name=node.name))


def sigmoid(st, node, attrs, where):
    st.emit(Op("sigmoid", name=node.name))


def hardswish(st, node, attrs, where):
    st.emit(Op("hardswish", name=node.name))


HARDSWISH_ALPHA, HARDSWISH_BETA = 1.0 / 6.0, 0.5


def hardsigmoid(st, node, attrs, where):
    """x * HardSigmoid(x, alpha=1/6, beta=1/2) is HardSwish, as torch exports nn.Hardswish below opset 14; the
    importer lets x branch into exactly this pair (onnx_import._hardswish_mul) and skips the Mul."""
    alpha, beta = attrs.get("alpha", 0.2), attrs.get("beta", 0.5)
    if st.hardswish_mul is None or not (np.isclose(alpha, HARDSWISH_ALPHA, rtol=1e-6) and beta == HARDSWISH_BETA):
        raise ModelError(f"ONNX op {where} is supported only as x * HardSigmoid(x, alpha=1/6, beta=1/2) "
                         f"(HardSwish); got alpha={alpha:g}, beta={beta:g}")
    st.emit(Op("hardswish", name=node.name))


def mul(st, node, attrs, where):
    if st.hardswish_mul != (node.name or node.output[0]):
        raise ModelError(f"ONNX op {where} is supported only as the x * HardSigmoid(x) of a HardSwish")
    st.hardswish_mul = None


def clip(st, node, attrs, where):
    lo, hi = (attrs.get("min"), attrs.get("max")) if st.opset < 11 else (st.const(node, 1), st.const(node, 2))
    lo = -np.inf if lo is None else float(lo)
    hi = np.inf if hi is None else float(hi)
    if lo != 0 or hi not in (6, np.inf):
        raise ModelError(f"ONNX op {where} clips to [{lo}, {hi}]; only Clip(0, 6) and Clip(0) are supported")
    st.emit(Op("relu6" if hi == 6 else "relu", name=node.name))


def flatten_map(st, node) -> None:
    if len(st.shape) == 1:
        return
    h, w, c = st.shape
    st.emit(Op("reshape", name=node.name, shape=(h * w * c,)))
    if h * w > 1 and c > 1:
        st.perm = np.arange(h * w * c).reshape(h, w, c).transpose(2, 0, 1).ravel()


def flatten(st, node, attrs, where):
    axis = attrs.get("axis", 1)
    if axis not in (1, 1 - len(st.onnx_shape())):
        raise ModelError(f"ONNX op {where} with axis={axis} is unsupported (only axis=1)")
    flatten_map(st, node)


def reshape(st, node, attrs, where):
    if st.const(node, 1) is None:
        raise ModelError(f"ONNX op {where} has no shape input")
    target = [int(v) for v in np.asarray(st.consts[node.input[1]]).ravel()]
    current = st.onnx_shape()
    keep = not attrs.get("allowzero", 0)  # a 0 copies the input's dimension unless allowzero
    resolved = [current[i] if v == 0 and keep and i < len(current) else v for i, v in enumerate(target)]
    if resolved.count(-1) == 1:
        known = int(np.prod([v for v in resolved if v != -1]))
        resolved[resolved.index(-1)] = int(np.prod(current)) // max(known, 1)
    if tuple(resolved) == current:
        return
    if len(resolved) != 2 or resolved[0] != 1 or resolved[1] != int(np.prod(current)):
        raise ModelError(
            f"ONNX op {where} to shape {tuple(target)} is unsupported; only flattening to (N, features) is"
        )
    flatten_map(st, node)


def softmax(st, node, attrs, where):
    if len(st.shape) != 1 or attrs.get("axis", -1) not in (1, -1):
        raise ModelError(f"ONNX op {where} must act on the class axis of (N, classes) logits")
    st.finished = True  # argmax is unchanged, so the Graph keeps the logits


def identity(st, node, attrs, where):
    pass


def dropout(st, node, attrs, where):
    training = st.const(node, 2)
    if training is not None and bool(training):
        raise ModelError(f"ONNX op {where} is in training mode; export the model in eval mode")


_POOL = {"auto_pad", "ceil_mode", "dilations", "kernel_shape", "pads", "strides"}
# op type -> (translator, attributes it understands); any other attribute is refused by name.
HANDLERS = {
    "Gemm": (gemm, {"alpha", "beta", "transA", "transB"}),
    "MatMul": (matmul, set()),
    "Add": (add, set()),
    "Pad": (pad, {"mode", "pads", "value"}),
    "Conv": (conv, {"auto_pad", "dilations", "group", "kernel_shape", "pads", "strides"}),
    "MaxPool": (pool, _POOL | {"storage_order"}),
    "AveragePool": (pool, _POOL | {"count_include_pad"}),
    "GlobalAveragePool": (global_pool, set()),
    "GlobalMaxPool": (global_pool, set()),
    "Relu": (relu, set()),
    "Sigmoid": (sigmoid, set()),
    "HardSwish": (hardswish, set()),
    "HardSigmoid": (hardsigmoid, {"alpha", "beta"}),
    "Mul": (mul, set()),
    "Clip": (clip, {"min", "max"}),
    "Flatten": (flatten, {"axis"}),
    "Reshape": (reshape, {"allowzero"}),
    "Softmax": (softmax, {"axis"}),
    "LogSoftmax": (softmax, {"axis"}),
    "Identity": (identity, set()),
    "Dropout": (dropout, {"ratio", "seed", "is_test"}),
    "BatchNormalization": (batchnorm, {"epsilon", "momentum", "training_mode", "spatial"}),
}
# Ops that may sit between a Pad and the Conv it is merged into (they do not touch values).
PASS_THROUGH = {"Identity", "Dropout"}
