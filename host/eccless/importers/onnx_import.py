"""Import an ONNX model (a chain of Conv/Gemm/pool/activation nodes) into the float Graph IR.

ONNX tensors are NCHW with OIHW weights; the Graph is NHWC with TFLite layouts. This module reads the file and
walks the nodes in their (topological) file order, following the single data tensor from the model input to
the output; it refuses branches, dynamic weights, unknown ops and attributes by name, and hands each node to
its translator in onnx_ops (weights transposed, pads made explicit, Relu/Clip(0,6) as activations for
`fuse_activations`, Sigmoid and HardSwish (also spelled x * HardSigmoid(x), the one branch allowed), constant
Adds as biases, Pad merged into the next Conv, the CHW -> HWC permutation after a
flatten). Nodes whose inputs are all constant (Constant, and the Shape -> Gather -> Concat arithmetic a
dynamic-batch export puts before Reshape) are folded with onnx's reference evaluator, Shape answering with
batch 1.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..errors import ModelError
from ..graph import Graph, Op, fuse_activations, output_shape
from .onnx_ops import HANDLERS, PASS_THROUGH

# Never folded: their "constant" output would differ from run to run.
_RANDOM_OPS = {
    "RandomNormal",
    "RandomUniform",
    "RandomNormalLike",
    "RandomUniformLike",
    "Multinomial",
    "Bernoulli",
}
_FLOAT_TYPES = {1, 10, 11, 16}  # FLOAT, FLOAT16, DOUBLE, BFLOAT16


def load_onnx(path: str | Path) -> Graph:
    """Read an ONNX file and return the equivalent NHWC float Graph (ModelError names what is unsupported)."""
    try:
        import onnx
        from google.protobuf.message import Error as ProtobufError
    except ImportError:
        raise ModelError("reading ONNX models needs the onnx package: pip install 'eccless[onnx]'") from None
    path = Path(path)
    if not path.is_file():
        raise ModelError(f"ONNX model not found: {path}")
    try:
        model = onnx.load(str(path))
    except (ProtobufError, OSError, ValueError) as e:  # truncated or foreign bytes, missing external data
        raise ModelError(f"{path} is not a readable ONNX model ({type(e).__name__})") from None
    if not model.HasField("graph") or not model.graph.node or not model.graph.input:
        raise ModelError(f"{path} is not an ONNX model (no graph)")
    return _Importer(onnx, model, path.stem).run()


def _foldable(node, constants) -> bool:
    return node.op_type not in _RANDOM_OPS and all(not t or t in constants for t in node.input)


def _check_supported(node) -> None:
    op = node.op_type if node.domain in ("", "ai.onnx") else f"{node.domain}.{node.op_type}"
    if op not in HANDLERS:
        raise ModelError(f"unsupported ONNX op {op} (node '{node.name or node.output[0]}')")


def _where(node) -> str:
    return f"{node.op_type} (node '{node.name or node.output[0]}')"


class _Importer:
    """The walk's state: the current tensor, its per-sample Graph shape, the constants and the ops emitted."""

    def __init__(self, onnx, model, name: str):
        self.onnx, self.model, self.name, g = onnx, model, name, model.graph
        self.opset = max([o.version for o in model.opset_import if o.domain in ("", "ai.onnx")] or [1])
        self.consts = {t.name: onnx.numpy_helper.to_array(t) for t in g.initializer}
        self.graph_outputs = [o.name for o in g.output]
        # Who reads each tensor; Shape nodes only read metadata, so they do not make a branch.
        self.readers: dict[str, list[str]] = {}
        for node in g.node:
            for t in node.input if node.op_type != "Shape" else ():
                self.readers.setdefault(t, []).append(node.name or node.output[0])
        for t in self.graph_outputs:
            self.readers.setdefault(t, []).append("<graph output>")
        self.ops: list[Op] = []
        self.perm: np.ndarray | None = None  # ONNX flat index -> Graph flat index, pending for the next dense
        # The weighted op whose raw output is the current tensor: an Add of a constant here is its bias.
        self.bias_op: Op | None = None
        self.finished = False  # a Softmax was seen: only Identity may follow
        self.chain_shapes: dict[str, tuple[int, ...]] = {}
        self.pending_pads: tuple[int, int, int, int] | None = None  # from a Pad, for the Conv that follows
        self.pad_where = ""
        self.pending_affine = None  # (scale, shift) of a BatchNormalization, for the Conv/Gemm/MatMul that follows
        self.affine_where = ""
        self.hardswish_mul: str | None = None  # the Mul of an x * HardSigmoid(x) being imported as HardSwish

    # ---- the walk ------------------------------------------------------------------------------------------
    def run(self) -> Graph:
        self._scan_ops()
        inp = self._input()
        self.current = inp.name
        self.chain_shapes[inp.name] = self.onnx_shape()
        for node in self.model.graph.node:
            self._visit(node)
        if len(self.graph_outputs) != 1:
            raise ModelError(f"ONNX model has {len(self.graph_outputs)} outputs; eccless needs exactly one")
        if self.graph_outputs[0] != self.current:
            raise ModelError(f"ONNX output '{self.graph_outputs[0]}' is not the end of the node chain")
        if self.pending_pads is not None:
            raise ModelError(f"ONNX op {self.pad_where} is supported only before a Conv")
        if self.pending_affine is not None:
            raise ModelError(f"ONNX op {self.affine_where} is supported only right after or before a "
                             f"Conv/Gemm/MatMul")
        if self.perm is not None:
            raise ModelError(
                "ONNX model ends in a flattened NCHW feature map; eccless needs (N, classes) logits"
            )
        if len(self.shape) == 3:
            if self.shape[:2] != (1, 1):
                raise ModelError(
                    f"ONNX output has shape {self.onnx_shape()}; eccless needs (N, classes) logits"
                )
            self.emit(Op("reshape", name="flatten_output", shape=(self.shape[2],)))
        num_classes = self.shape[0]
        declared = self.model.graph.output[0].type.tensor_type.shape.dim
        if declared and declared[-1].HasField("dim_value") and declared[-1].dim_value != num_classes:
            raise ModelError(
                f"ONNX output declares {declared[-1].dim_value} classes but computes {num_classes}"
            )
        graph = Graph(
            self.input_shape,
            fuse_activations(self.ops),
            num_classes,
            name=self.name,
            meta={"source": "onnx", "opset": self.opset, "producer": self.model.producer_name},
        )
        graph.shapes()  # re-check consistency after fusing
        return graph

    def _scan_ops(self) -> None:
        """Name every unsupported op before anything else, the most useful thing to tell a user."""
        constant, missing = set(self.consts), []
        for node in self.model.graph.node:
            if node.op_type == "Shape" or _foldable(node, constant):
                constant.update(node.output)  # folded during the walk
            else:
                try:
                    _check_supported(node)
                except ModelError as e:
                    missing.append(str(e).removeprefix("unsupported ONNX op "))
        if len(missing) == 1:
            raise ModelError(f"unsupported ONNX op {missing[0]}")
        if missing:
            raise ModelError(f"unsupported ONNX ops ({len(missing)}): {', '.join(missing)}")

    def _input(self):
        inputs = [i for i in self.model.graph.input if i.name not in self.consts]
        if not inputs:
            raise ModelError("ONNX model has no data input (every input is an initializer)")
        inp = inputs[0]  # further non-constant inputs are reported by the node that reads them
        ttype = inp.type.tensor_type
        if ttype.elem_type not in _FLOAT_TYPES:
            raise ModelError(
                f"ONNX input '{inp.name}' has element type {ttype.elem_type}; eccless needs float"
            )
        dims = [d.dim_value if d.HasField("dim_value") else None for d in ttype.shape.dim]
        if len(dims) not in (2, 4) or any(d is None or d <= 0 for d in dims[1:]):
            shown = tuple(d if d is not None else "?" for d in dims)
            raise ModelError(
                f"ONNX input '{inp.name}' has shape {shown}; eccless needs static (N,C,H,W) or (N,D)"
            )
        self.input_shape = (dims[2], dims[3], dims[1]) if len(dims) == 4 else (dims[1],)
        self.shape = self.input_shape
        return inp

    def _visit(self, node) -> None:
        where = _where(node)
        if node.op_type == "Shape" and node.input[0] in self.chain_shapes:
            return self._fold_shape(node)
        if _foldable(node, self.consts):
            return self._fold(node)
        _check_supported(node)
        translate, known = HANDLERS[node.op_type]
        attrs = {a.name: self.onnx.helper.get_attribute_value(a) for a in node.attribute}
        unknown = sorted(set(attrs) - known)
        if unknown:
            raise ModelError(f"unsupported attribute '{unknown[0]}' on ONNX op {where}")
        attrs = {k: v.decode() if isinstance(v, bytes) else v for k, v in attrs.items()}
        self._check_chain(node, where)
        if self.finished and node.op_type != "Identity":
            raise ModelError(f"ONNX op {where} follows a Softmax; Softmax must be the last op")
        for extra in node.output[1:]:
            if extra and extra in self.readers:
                raise ModelError(
                    f"ONNX op {where}: its output '{extra}' is used; only the first output is supported"
                )
        if self.pending_pads is not None and node.op_type not in PASS_THROUGH | {"Conv"}:
            raise ModelError(f"ONNX op {self.pad_where} is supported only before a Conv, not before {where}")
        if self.pending_affine is not None and node.op_type not in PASS_THROUGH | {"Conv", "Gemm", "MatMul"}:
            raise ModelError(f"ONNX op {self.affine_where} is supported only right after or before a "
                             f"Conv/Gemm/MatMul, not before {where}")
        translate(self, node, attrs, where)
        self.current = node.output[0]
        self.chain_shapes[self.current] = self.onnx_shape()

    def _hardswish_mul(self, node) -> str | None:
        """The Mul that completes x * HardSigmoid(x) when `node` is that HardSigmoid on the current tensor x and
        x is read by exactly these two nodes, else None."""
        if node.op_type != "HardSigmoid" or node.input[0] != self.current:
            return None
        for other in self.model.graph.node:
            if other.op_type == "Mul" and sorted(other.input) == sorted([self.current, node.output[0]]):
                name = other.name or other.output[0]
                readers = self.readers.get(self.current, [])
                if sorted(readers) == sorted([node.name or node.output[0], name]) and \
                        self.readers.get(node.output[0]) == [name]:
                    return name
        return None

    def _check_chain(self, node, where: str) -> None:
        if node.op_type == "Mul" and self.hardswish_mul == (node.name or node.output[0]):
            return  # x * HardSigmoid(x): the branch hardsigmoid() accepted
        if node.op_type == "HardSigmoid":
            self.hardswish_mul = self._hardswish_mul(node)
            if self.hardswish_mul is not None:
                return
        dynamic = [(i, t) for i, t in enumerate(node.input) if t and t not in self.consts]
        for i, t in dynamic:
            if t == self.current and (i == 0 or node.op_type == "Add"):
                continue
            if t in self.chain_shapes or t == self.current:
                raise ModelError(
                    f"ONNX op {where} joins two branches at '{t}'; only chain graphs are supported"
                )
            raise ModelError(
                f"ONNX op {where} has non-constant input '{t}' (dynamic weights are unsupported)"
            )
        readers = self.readers.get(self.current, [])
        if len(readers) > 1:
            names = ", ".join(f"'{r}'" for r in readers)
            raise ModelError(
                f"ONNX graph branches at '{self.current}' (read by {names}); only chains are supported"
            )

    def _fold(self, node) -> None:
        from onnx.reference import ReferenceEvaluator

        helper = self.onnx.helper
        feeds = {t: self.consts[t] for t in node.input if t}
        # A one-node model, because a bare NodeProto is evaluated at the newest opset, not the model's.
        graph = helper.make_graph(
            [node],
            "fold",
            [helper.make_empty_tensor_value_info(t) for t in feeds],
            [helper.make_empty_tensor_value_info(t) for t in node.output if t],
        )
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", self.opset)])
        try:
            values = ReferenceEvaluator(model).run(None, feeds)
        except Exception as e:  # noqa: BLE001 -- any op's evaluator may fail; the user needs the node name
            raise ModelError(f"cannot evaluate constant ONNX op {_where(node)}: {type(e).__name__}") from None
        for name, value in zip(node.output, values):
            if name:
                self.consts[name] = np.asarray(value)

    def _fold_shape(self, node) -> None:
        attrs = {a.name: self.onnx.helper.get_attribute_value(a) for a in node.attribute}
        shape = self.chain_shapes[node.input[0]][attrs.get("start", 0) : attrs.get("end")]
        self.consts[node.output[0]] = np.array(shape, dtype=np.int64)

    # ---- state the translators in onnx_ops use -------------------------------------------------------------
    def emit(self, op: Op) -> Op:
        self.shape = output_shape(op, self.shape)
        self.ops.append(op)
        self.bias_op = op if op.weighted else None
        return op

    def onnx_shape(self) -> tuple[int, ...]:
        """The current tensor's shape as ONNX sees it, with batch 1."""
        if len(self.shape) == 3:
            h, w, c = self.shape
            return (1, c, h, w)
        return (1,) + tuple(self.shape)

    def const(self, node, index: int) -> np.ndarray | None:
        if len(node.input) <= index or not node.input[index]:
            return None
        return np.asarray(self.consts[node.input[index]], dtype=np.float32)

    def need(self, rank: int, where: str) -> None:
        if len(self.shape) != rank:
            kind = "an (N,C,H,W) map" if rank == 3 else "a flat (N, features) tensor"
            raise ModelError(f"ONNX op {where} needs {kind}, got shape {self.onnx_shape()}")
