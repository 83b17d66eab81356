"""What DIGEST answers for each weighted op, computed by the host loader: the specification the device's decode
is compared with, value for value (CRC-32s of the decoded int8 weights and int32 biases, and the zeroed counts)."""

from __future__ import annotations

import zlib
from pathlib import Path

import numpy as np

from eccless.image.load import read_image
from eccless.storage.bits import unpack_words


def host_digests(path: Path) -> list[tuple[int, int, int, int, int, int]]:
    """Per weighted op, as DIGEST answers: (weights, CRC, biases, CRC, zeroed by parity, zeroed by range)."""
    img = read_image(path)
    ops: dict[int, dict] = {}
    for t in img.codec.tensors:
        if t.protected:  # a bias kept in the protected payload: read clean, nothing zeroed
            values, zp, zr = t.clean, 0, 0
        else:
            values, zp, zr = img.codec.decode_words(t, unpack_words(img.weights, t.width, t.count, t.offset),
                                                    t.code.channel)
        op = ops.setdefault(t.code.op, {"zp": 0, "zr": 0})
        kind = "w" if t.code.role == "weight" else "b"
        raw = np.asarray(values).astype(np.int8 if kind == "w" else "<i4").tobytes()
        op[kind] = (t.count, zlib.crc32(raw))
        op["zp"] += zp
        op["zr"] += zr
    return [(*o["w"], *o["b"], o["zp"], o["zr"]) for _, o in sorted(ops.items())]


def decoded_digests(path: Path) -> list[tuple]:
    """Per weighted op, (weights, CRC, biases, CRC) from the host loader's full decode -- ECC correction and its
    policy included: what DIGEST answers for the values."""
    img = read_image(path)
    _, decoded = img.decode()
    ops: dict[int, list] = {}
    for t, values in zip(img.codec.tensors, decoded.values):
        raw = np.asarray(values).astype(np.int8 if t.code.role == "weight" else "<i4").tobytes()
        ops.setdefault(t.code.op, []).extend([t.count, zlib.crc32(raw)])
    return [tuple(v) for _, v in sorted(ops.items())]
