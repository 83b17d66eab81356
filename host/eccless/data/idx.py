"""Reader for IDX files, the format of MNIST and Fashion-MNIST, plain or gzipped.

Layout (big-endian): two zero bytes, a type byte (0x08 = unsigned byte, the only one these datasets use), a
byte giving the number of dimensions d, then d uint32 sizes, then the data. Images are 3-D (N, 28, 28), labels
1-D (N,). Every problem a damaged or missing file can cause becomes a one-line DataError naming the file.
"""

from __future__ import annotations

import gzip
import zlib
from pathlib import Path

import numpy as np

from ..errors import DataError
from .dataset import Dataset, to_labels, to_unit

GZIP_MAGIC = b"\x1f\x8b"
UBYTE = 0x08

# The names the files go by: the original distribution uses dashes, some mirrors a dot before "idx".
PARTS = {
    "x_train": ("train-images-idx3-ubyte", "train-images.idx3-ubyte"),
    "y_train": ("train-labels-idx1-ubyte", "train-labels.idx1-ubyte"),
    "x_test": ("t10k-images-idx3-ubyte", "t10k-images.idx3-ubyte"),
    "y_test": ("t10k-labels-idx1-ubyte", "t10k-labels.idx1-ubyte"),
}


def read_idx(path: str | Path, ndim: int | None = None) -> np.ndarray:
    """The uint8 array stored in one IDX file (gzip detected by its magic bytes, not by the file name)."""
    path = Path(path)
    try:
        raw = path.read_bytes()
        if raw[:2] == GZIP_MAGIC:
            raw = gzip.decompress(raw)
    except FileNotFoundError:
        raise DataError(f"{path}: file not found") from None
    except (OSError, EOFError, zlib.error) as e:
        raise DataError(f"{path}: unreadable or corrupt gzip stream ({e})") from None
    if len(raw) < 4 or raw[:2] != b"\0\0":
        raise DataError(f"{path}: not an IDX file (bad magic {raw[:4].hex() or 'empty'})")
    dtype, dims = raw[2], raw[3]
    if dtype != UBYTE:
        raise DataError(f"{path}: IDX element type 0x{dtype:02x} is not unsigned byte (0x08)")
    if ndim is not None and dims != ndim:
        raise DataError(f"{path}: expected a {ndim}-D IDX array, header says {dims}-D")
    header = 4 + 4 * dims
    if len(raw) < header:
        raise DataError(f"{path}: truncated IDX header")
    shape = tuple(int(s) for s in np.frombuffer(raw, ">u4", dims, 4))
    need = int(np.prod(shape, dtype=np.int64))
    have = len(raw) - header
    if have != need:
        problem = "truncated" if have < need else "has trailing bytes"
        raise DataError(f"{path}: {problem} (shape {shape} needs {need} data bytes, found {have})")
    return np.frombuffer(raw, np.uint8, need, header).reshape(shape)


def find_part(folder: Path, part: str) -> Path:
    """The file holding x_train, y_train, x_test or y_test in folder, under any usual name, gzipped or not."""
    for stem in PARTS[part]:
        for name in (stem + ".gz", stem):
            if (folder / name).is_file():
                return folder / name
    raise DataError(f"{folder}: no {PARTS[part][0]}[.gz] file")


def load_idx_folder(folder: str | Path, name: str, class_names=None, source: str = "") -> Dataset:
    """A Dataset from the four standard IDX files in folder (images scaled from 0..255 to [0, 1])."""
    folder = Path(folder).expanduser()
    if not folder.is_dir():
        raise DataError(f"{name}: folder {folder} not found")
    arrays = {}
    for part in PARTS:
        path = find_part(folder, part)
        arrays[part] = read_idx(path, ndim=3 if part.startswith("x") else 1)
    for split in ("train", "test"):
        nx, ny = len(arrays[f"x_{split}"]), len(arrays[f"y_{split}"])
        if nx != ny:
            raise DataError(f"{folder}: {split} has {nx} images but {ny} labels")
    if arrays["x_train"].shape[1:] != arrays["x_test"].shape[1:]:
        raise DataError(f"{folder}: train and test images differ in size")
    y_train, y_test = to_labels(arrays["y_train"], name), to_labels(arrays["y_test"], name)
    num_classes = int(max(y_train.max(initial=0), y_test.max(initial=0))) + 1
    if class_names is not None and num_classes > len(class_names):
        raise DataError(f"{folder}: label {num_classes - 1} out of range for {len(class_names)} classes")
    num_classes = len(class_names) if class_names is not None else num_classes
    h, w = arrays["x_train"].shape[1:]
    return Dataset(
        name=name,
        x_train=to_unit(arrays["x_train"], name)[..., None],
        y_train=y_train,
        x_test=to_unit(arrays["x_test"], name)[..., None],
        y_test=y_test,
        input_shape=(h, w, 1),
        num_classes=num_classes,
        class_names=tuple(class_names) if class_names is not None else None,
        source=source or str(folder),
    )
