"""scikit-learn's bundled 8x8 digits: 1,797 real handwritten digits, no download, the fast default for tests.

Pixels are 0..16 counts (each 8x8 cell sums a 4x4 block of a 32x32 bitmap) and are divided by 16. The split is
seeded and stratified: 1,437 train / 360 test.
"""

from __future__ import annotations

import numpy as np

from ..errors import DataError
from .dataset import Dataset, stratified_split

N_TEST = 360


def load(arg: str | None = None) -> Dataset:
    if arg:
        raise DataError(f"digits takes no argument (got 'digits:{arg}')")
    try:
        from sklearn.datasets import load_digits
    except ImportError:
        raise DataError("digits needs scikit-learn: pip install 'eccless[train]'") from None
    bunch = load_digits()
    x = (bunch.images.astype(np.float32) / np.float32(16))[..., None]
    y = bunch.target.astype(np.int64)
    train, test = stratified_split(y, N_TEST)
    return Dataset(
        name="digits",
        x_train=x[train],
        y_train=y[train],
        x_test=x[test],
        y_test=y[test],
        input_shape=(8, 8, 1),
        num_classes=10,
        class_names=tuple(str(d) for d in range(10)),
        source="sklearn.datasets.load_digits",
    )
