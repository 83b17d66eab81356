"""Model importers: each turns a model file into the float Graph IR (eccless.graph).

One module per format, registered here by name as "module:function" and resolved only when used, so the core
stays numpy-only (ONNX support needs the `onnx` extra only when an .onnx file is loaded). Adding a format
means adding its module, one IMPORTERS line and its file suffixes.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module
from pathlib import Path

from ..errors import ModelError
from ..graph import Graph
from ..registry import Registry

IMPORTERS: Registry[str] = Registry("model format")
IMPORTERS.add("onnx", "eccless.importers.onnx_import:load_onnx")
IMPORTERS.add("tflite", "eccless.tflite.import_:load_tflite")  # int8 models: gives a quant.QGraph
IMPORTERS.add("npz", "eccless.graph_io:load_graph")  # our own saved float graphs
IMPORTERS.add("torch", "eccless.importers.torch_import:load_torch")  # a torch.save'd nn.Sequential

SUFFIXES = {".onnx": "onnx", ".tflite": "tflite", ".npz": "npz", ".pt": "torch", ".pth": "torch"}


def importer(fmt: str) -> Callable[[str | Path], Graph]:
    """The load function of a registered format (UsageError for an unknown name)."""
    module, function = IMPORTERS.get(fmt).split(":")
    return getattr(import_module(module), function)


def load_model(path: str | Path, fmt: str | None = None) -> Graph:
    """Import a model file, choosing the importer by `fmt` or else by the file suffix."""
    if fmt is None:
        suffix = Path(path).suffix.lower()
        if suffix not in SUFFIXES:
            known = ", ".join(sorted(SUFFIXES))
            raise ModelError(f"cannot tell the format of {path} from its suffix (known: {known})")
        fmt = SUFFIXES[suffix]
    return importer(fmt)(path)


def load_onnx(path: str | Path) -> Graph:
    """Import an ONNX file (see eccless.importers.onnx_import)."""
    return importer("onnx")(path)
