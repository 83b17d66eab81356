"""Resolve a model spec to (model, dataset): 'DATASET:ARCH' trains (or loads from cache), a path imports a file."""

from __future__ import annotations

from pathlib import Path

from .errors import ModelError, UsageError
from .importers import SUFFIXES, load_model


def load_model_and_data(spec: str, dataset: str | None = None):
    from . import data

    path = Path(spec)
    if path.suffix.lower() in SUFFIXES:
        if not path.exists():
            raise ModelError(f"model file not found: {spec}")
        if not path.is_file():
            raise ModelError(f"model file {spec} is not a regular file")
        if dataset is None:
            raise UsageError(f"model file {spec} needs --dataset to evaluate it")
        return load_model(path), data.load(dataset)
    if ":" not in spec:
        raise UsageError(f"model {spec!r}: give DATASET:ARCH (e.g. digits:mlp) or a {'/'.join(SUFFIXES)} file")
    name, arch = spec.rsplit(":", 1)
    from .models import trained_model

    # the evaluation dataset first: an unknown name fails in a second, not after training
    ds = data.load(name if dataset is None else dataset)
    return trained_model(name, arch), ds
