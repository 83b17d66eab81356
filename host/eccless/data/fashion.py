"""Fashion-MNIST (Zalando, MIT): 60,000 train / 10,000 test 28x28 grey images of 10 kinds of clothing.

Read from the gzipped IDX files Debian's dataset-fashion-mnist package installs, or from a folder the user
names (`fashion-mnist:DIR`). The official train/test split is kept as it is.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import DataError
from .dataset import Dataset
from .idx import load_idx_folder

DEFAULT_DIR = Path("/usr/share/datasets/fashion-mnist")
CLASS_NAMES = (
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
)  # fmt: skip


def load(arg: str | None = None) -> Dataset:
    folder = Path(arg).expanduser() if arg else DEFAULT_DIR
    if not arg and not folder.is_dir():
        raise DataError(
            f"fashion-mnist not found in {folder}: apt-get install dataset-fashion-mnist "
            "(or name a folder of IDX files: fashion-mnist:DIR)"
        )
    return load_idx_folder(folder, "fashion-mnist", CLASS_NAMES)
