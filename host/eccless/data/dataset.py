"""The Dataset record every loader returns, plus the helpers loaders share (cache folder, seeded split,
scaling).

Images are float32 NHWC in [0, 1] and labels int64, so a model, the quantizer and the device all see the same
numbers whatever file the data came from. Splits are made with a fixed seed (SPLIT_SEED), so "digits" names
the same 1,437/360 partition on every machine and a cached model trained on it stays comparable.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import DataError

# Every seeded split uses this seed; changing it changes every dataset, so it is part of the model-cache key.
SPLIT_SEED = 1709


def cache_dir() -> Path:
    """Where downloads and trained models go: $ECCLESS_CACHE, else ~/.cache/eccless (not created here)."""
    env = os.environ.get("ECCLESS_CACHE")
    return Path(env).expanduser() if env else Path.home() / ".cache" / "eccless"


@dataclass
class Dataset:
    """A labelled train/test pair: x_* float32 (N, *input_shape) in [0, 1], y_* int64 in [0, num_classes)."""

    name: str
    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    input_shape: tuple[int, ...]
    num_classes: int
    class_names: tuple[str, ...] | None = None
    source: str = ""  # where the data came from, for reports

    def __post_init__(self):
        self.input_shape = tuple(int(d) for d in self.input_shape)
        for part, x, y in (("train", self.x_train, self.y_train), ("test", self.x_test, self.y_test)):
            if x.dtype != np.float32 or y.dtype != np.int64:
                raise DataError(f"{self.name}: {part} arrays must be float32/int64, got {x.dtype}/{y.dtype}")
            if x.shape[1:] != self.input_shape or y.shape != (len(x),):
                raise DataError(
                    f"{self.name}: {part} shapes {x.shape}/{y.shape} do not match {self.input_shape}"
                )
            if len(y) and (y.min() < 0 or y.max() >= self.num_classes):
                raise DataError(f"{self.name}: {part} labels outside [0, {self.num_classes})")
        if self.class_names is not None and len(self.class_names) != self.num_classes:
            raise DataError(
                f"{self.name}: {len(self.class_names)} class names for {self.num_classes} classes"
            )

    def fingerprint(self) -> str:
        """SHA-256 over shapes and contents: two datasets with equal fingerprints hold identical arrays."""
        h = hashlib.sha256(repr((self.input_shape, self.num_classes)).encode())
        for a in (self.x_train, self.y_train, self.x_test, self.y_test):
            h.update(repr(a.shape).encode())
            h.update(np.ascontiguousarray(a).tobytes())
        return h.hexdigest()

    def summary(self) -> str:
        return (
            f"{self.name}: {len(self.x_train)} train / {len(self.x_test)} test, input {self.input_shape}, "
            f"{self.num_classes} classes"
        )


def stratified_split(y: np.ndarray, n_test: int, seed: int = SPLIT_SEED) -> tuple[np.ndarray, np.ndarray]:
    """Sorted (train_idx, test_idx) with exactly n_test test samples, each class represented in proportion.

    Per-class test counts use largest-remainder rounding so they sum to n_test exactly; which samples of a
    class go to the test set is a seeded permutation.
    """
    y = np.asarray(y)
    if not 0 < n_test < len(y):
        raise DataError(f"cannot split {len(y)} samples into {n_test} test samples")
    classes, counts = np.unique(y, return_counts=True)
    quota = n_test * counts / len(y)
    take = np.floor(quota).astype(np.int64)
    # Leftover test slots go to the classes with the largest fractional parts (stable: lower class first).
    order = np.argsort(-(quota - take), kind="stable")
    take[order[: n_test - take.sum()]] += 1
    rng = np.random.default_rng(seed)
    test = [rng.permutation(np.flatnonzero(y == c))[:k] for c, k in zip(classes, take)]
    test_idx = np.sort(np.concatenate(test))
    train_mask = np.ones(len(y), dtype=bool)
    train_mask[test_idx] = False
    return np.flatnonzero(train_mask), test_idx


def to_unit(x: np.ndarray, what: str) -> np.ndarray:
    """Pixels to float32 in [0, 1]: integers are 0..255 bytes, booleans 0/1, floats must be in [0, 1]."""
    if x.dtype == np.bool_:
        return x.astype(np.float32)
    if np.issubdtype(x.dtype, np.integer):
        if x.size and (x.min() < 0 or x.max() > 255):
            raise DataError(f"{what}: integer pixels outside 0..255 (min {x.min()}, max {x.max()})")
        return x.astype(np.float32) / np.float32(255)
    if np.issubdtype(x.dtype, np.floating):
        x = x.astype(np.float32)
        if x.size and not (np.isfinite(x).all() and x.min() >= 0 and x.max() <= 1):
            raise DataError(f"{what}: float pixels must be finite and in [0, 1]")
        return x
    raise DataError(f"{what}: unsupported pixel dtype {x.dtype}")


def to_labels(y: np.ndarray, what: str) -> np.ndarray:
    """Labels to int64, refusing floats with fractions and negative values."""
    y = np.asarray(y)
    if y.ndim != 1:
        raise DataError(f"{what}: labels must be one-dimensional, got shape {y.shape}")
    if np.issubdtype(y.dtype, np.floating):
        if not np.all(np.isfinite(y)) or np.any(y != np.round(y)):
            raise DataError(f"{what}: labels are not whole numbers")
    elif not np.issubdtype(y.dtype, np.integer):
        raise DataError(f"{what}: unsupported label dtype {y.dtype}")
    y = y.astype(np.int64)
    if y.size and y.min() < 0:
        raise DataError(f"{what}: negative label {y.min()}")
    return y
