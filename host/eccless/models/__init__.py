"""PyTorch architectures (mlp, lenet, deepcnn), CPU training, torch -> Graph conversion and a trained-model
cache.

    trained_model(dataset, arch, epochs=None, seed=0) -> Graph   cached; the usual entry point
    train(dataset, arch, epochs=..., seed=...) -> Graph          always trains
    fit(...) -> torch model                                        the same, before conversion
    torch_to_graph(model, input_shape, num_classes) -> Graph       any supported nn.Sequential
    build(arch, input_shape, num_classes) -> torch model           untrained

Only the cache is imported eagerly: the torch-backed names load on first use (PEP 562), so loading a cached
model works without torch installed.
"""

from __future__ import annotations

import importlib

from .cache import ARCH_NAMES, CODE_VERSION, RECIPES, Recipe, finetuned_model, model_key, recipe, trained_model

_LAZY = {
    "ARCHS": "archs",
    "build": "archs",
    "fit": "training",
    "train": "training",
    "torch_logits": "training",
    "to_torch": "training",
    "torch_to_graph": "convert",
}

__all__ = [
    "ARCHS",
    "ARCH_NAMES",
    "CODE_VERSION",
    "RECIPES",
    "Recipe",
    "build",
    "fit",
    "model_key",
    "recipe",
    "to_torch",
    "torch_logits",
    "torch_to_graph",
    "train",
    "trained_model",
    "finetuned_model",
]


def __getattr__(name: str):
    if name in _LAZY:
        return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
