"""Build and pack what a run on a board needs, only where it is missing or stale (`invoke run`).

The firmware build is already incremental (firmware/build.py). An image is packed again when its file is missing,
or when its stamp (a JSON file beside it) differs from the one this pack would write: the pack arguments, the board
file, and a digest of the host code that decides the image's bytes (image format, representations, detection
rules, quantization, storage, the model definitions). Models themselves are cached by the training code.

    res = prepare("qemu-mps2-an386", "digits:mlp", out_dir="out/run")   # -> {"image", "packed", "firmware", ...}
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from eccless.boards import load_board
from eccless.fileio import write_text

HOST = Path(__file__).resolve().parents[1]
IMAGE_INPUTS = ("image", "represent", "detect", "quant", "storage", "models", "graph.py", "graph_io.py")


def _code_digest() -> str:
    h = hashlib.sha256()
    for name in IMAGE_INPUTS:
        path = HOST / name
        for f in sorted(path.rglob("*.py")) if path.is_dir() else [path]:
            h.update(str(f.relative_to(HOST)).encode() + b"\0" + f.read_bytes())
    return h.hexdigest()


def image_stamp(model: str, board, **pack_args) -> dict:
    board = load_board(board)
    return {"model": model, "board": board.name, "board_file": hashlib.sha256(board.path.read_bytes()).hexdigest(),
            "pack": {k: pack_args[k] for k in sorted(pack_args)}, "code": _code_digest()}


def ensure_image(model: str, path, board, **pack_args) -> bool:
    """Pack `model` into `path` for `board` unless an up-to-date one is there; True when it packed."""
    from eccless.commands.image import pack_model

    path = Path(path)
    stamp_path = path.with_name(path.name + ".stamp.json")
    stamp = image_stamp(model, board, **pack_args)
    if path.is_file() and stamp_path.is_file():
        try:
            if json.loads(stamp_path.read_text()) == stamp:
                return False
        except ValueError:
            pass                                   # a torn stamp: pack again
    path.parent.mkdir(parents=True, exist_ok=True)
    pack_model(model, path, board=load_board(board).name, **pack_args)
    write_text(stamp_path, json.dumps(stamp, indent=1, sort_keys=True) + "\n")
    return True


def prepare(board, model: str = "digits:mlp", *, repr_name: str = "twos", detect: str = "parity-lsb+range",
            testset: int = 300, out_dir="out/run") -> dict:
    """The firmware (incremental build) and the image (packed when missing or stale) for a run on `board`."""
    from eccless.firmware.build import build_firmware

    board = load_board(board)
    fw = build_firmware(board)
    name = f"{model.replace(':', '-').replace('/', '_')}-{repr_name}-{detect}-t{testset}.img"
    image = Path(out_dir) / board.name / name
    packed = ensure_image(model, image, board, repr_name=repr_name, detect=detect, testset=testset)
    return {"board": board.name, "firmware": str(fw.elf), "built": bool(fw.compiled or fw.linked),
            "image": str(image), "packed": packed}
