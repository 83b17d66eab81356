"""Images whose range-check bounds were narrowed before packing, so a clean image already has rejections.

In every tensor three channels in five (channel 0 among them, a bias's only one) keep only the middle half of
their clean range; in every other op, every fifth channel keeps nothing (lo > hi) instead, which sends those
tensors down the loops without per-channel bound words. Clean ranges (per-channel min and max of the clean
values) never reject a clean value, so without this the firmware's rejection paths would run only where INJECT
flips bits -- never in its flip-free loops. Shared by the host fast-path test and the device digest test."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from eccless.boards import load_board
from eccless.fileio import write_bytes
from eccless.image.pack import pack_image
from eccless.modelsource import load_model_and_data
from eccless.storage.prepare import store_model
from eccless.boards import DEFAULT_BOARD


def narrow(lo: np.ndarray, hi: np.ndarray, empty: bool) -> tuple[np.ndarray, np.ndarray]:
    lo, hi = np.asarray(lo, np.float64).copy(), np.asarray(hi, np.float64).copy()
    for c in range(lo.size):
        if empty and c % 5 == 0:
            lo[c], hi[c] = hi[c] + 1, lo[c]             # empty: rejects every value
        elif c % 5 in (0, 2, 4):
            mid, quarter = (lo[c] + hi[c]) / 2, (hi[c] - lo[c]) / 4
            lo[c], hi[c] = np.ceil(mid - quarter), np.floor(mid + quarter)
    return lo, hi


def pack_narrowed(model_spec: str, path: Path, rep: str, rule: str, testset: int = 4,
                  board: str = DEFAULT_BOARD) -> Path:
    """pack_model(model_spec, path, repr_name=rep, detect=rule) with narrowed ranges (rule must have +range)."""
    model, data = load_model_and_data(model_spec, None)
    stored = store_model(model, "int8", rep, rule, 8, data.x_train)
    for k, t in enumerate(stored.tensors):
        if t.lo is not None:
            t.lo, t.hi = narrow(t.lo, t.hi, empty=k % 4 >= 2)  # weights and biases of every other op
    write_bytes(path, pack_image(stored, load_board(board), (data.x_test[:testset], data.y_test[:testset])))
    return path
