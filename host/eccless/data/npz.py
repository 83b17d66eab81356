"""Any dataset saved as one .npz: `npz:PATH`.

Required arrays: x (images) and y (integer labels). Optional: x_test and y_test (otherwise a seeded stratified
80/20 split is made) and class_names (strings). x may be (N, H, W) (one channel is added), (N, H, W, C), or
(N, D) for plain vectors. Integer pixels are read as 0..255 and scaled to [0, 1]; float pixels must already be
in [0, 1]. The file is opened without pickle, so an object array is refused rather than executed.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np

from ..errors import DataError
from .dataset import Dataset, stratified_split, to_labels, to_unit

TEST_FRACTION = 0.2


def _images(x: np.ndarray, what: str) -> np.ndarray:
    if x.ndim == 3:
        x = x[..., None]
    if x.ndim not in (2, 4) or len(x) == 0:
        raise DataError(f"{what}: expected shape (N, H, W), (N, H, W, C) or (N, D), got {x.shape}")
    return to_unit(x, what)


def load(arg: str | None = None) -> Dataset:
    if not arg:
        raise DataError("npz needs a file: npz:PATH")
    path = Path(arg).expanduser()
    try:
        with np.load(path, allow_pickle=False) as f:
            arrays = {k: f[k] for k in f.files}
    except FileNotFoundError:
        raise DataError(f"{path}: file not found") from None
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as e:
        raise DataError(
            f"{path}: not a readable .npz ({str(e).splitlines()[0] if str(e) else type(e).__name__})"
        ) from None
    for key in ("x", "y"):
        if key not in arrays:
            raise DataError(f"{path}: no array {key!r} (has {', '.join(sorted(arrays)) or 'nothing'})")
    if ("x_test" in arrays) != ("y_test" in arrays):
        raise DataError(f"{path}: x_test and y_test must come together")
    x, y = _images(arrays["x"], f"{path}:x"), to_labels(arrays["y"], f"{path}:y")
    if len(x) != len(y):
        raise DataError(f"{path}: {len(x)} samples in x but {len(y)} labels in y")
    if "x_test" in arrays:
        x_test, y_test = (
            _images(arrays["x_test"], f"{path}:x_test"),
            to_labels(arrays["y_test"], f"{path}:y_test"),
        )
        if len(x_test) != len(y_test) or x_test.shape[1:] != x.shape[1:]:
            raise DataError(f"{path}: x_test {x_test.shape} / y_test {y_test.shape} do not match x {x.shape}")
        x_train, y_train = x, y
    else:
        train, test = stratified_split(y, max(1, round(len(y) * TEST_FRACTION)))
        x_train, y_train, x_test, y_test = x[train], y[train], x[test], y[test]
    num_classes = int(max(y_train.max(), y_test.max())) + 1
    class_names = None
    if "class_names" in arrays:
        names = arrays["class_names"]
        if names.ndim != 1 or names.dtype.kind not in "US" or len(names) < num_classes:
            raise DataError(f"{path}: class_names must be {num_classes} or more strings")
        class_names = tuple(str(n) for n in names)
        num_classes = len(class_names)
    return Dataset(
        name=f"npz:{path.name}",
        x_train=x_train,
        y_train=y_train,
        x_test=x_test,
        y_test=y_test,
        input_shape=x.shape[1:],
        num_classes=num_classes,
        class_names=class_names,
        source=str(path),
    )
