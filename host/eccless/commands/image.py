"""What the image commands do: pack a model, inspect an image, corrupt it through the channel, evaluate it.

Corruption regions and their channel streams (a region's flips depend only on (seed, stream) and its length, so
`corrupt --region weights --seed S` flips exactly what sweep trial seed S flips in memory):

    weights     the weight region                                   stream 0
    protected   superblock copies + ECC-protected metadata blob      stream 1
    all         both (the test set is never corrupted: it stands in for sensor input, not for stored model bits)
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from eccless.boards import load_board
from eccless.errors import UsageError
from eccless.fileio import write_bytes
from eccless.modelsource import load_model_and_data
from eccless.storage.prepare import store_model
from eccless.channel.spec import NoiseSpec
from eccless.image.load import LoadedImage, read_image
from eccless.image.pack import pack_image
from eccless.image.records import PROTECTED_OFFSET
from eccless.boards import DEFAULT_BOARD

REGION_STREAMS = {"weights": 0, "protected": 1}
SECDED_OVERHEAD = 8 / 64  # SEC-DED (72,64)
NAND_BCH_OVERHEAD = 8 * 13 / (512 * 8)  # t = 8 over GF(2^13) per 512-byte sector: 13 bytes per 512


def pack_model(model_spec: str, output, *, quant: str = "int8", repr_name: str = "twos", detect: str = "none",
               bits: int = 8, board: str = DEFAULT_BOARD, testset: int = 0, dataset: str | None = None) -> dict:
    board_ = load_board(board)
    model, data = load_model_and_data(model_spec, dataset)
    stored = store_model(model, quant, repr_name, detect, bits, data.x_train)
    if testset < 0 or testset > len(data.x_test):
        raise UsageError(f"--testset {testset}: the dataset has {len(data.x_test)} test samples")
    ts = (data.x_test[:testset], data.y_test[:testset]) if testset else None
    image = pack_image(stored, board_, ts)
    write_bytes(output, image)
    return {"bytes": len(image), **stored.summary()}


def region_ranges(img: LoadedImage, region: str) -> list[tuple[str, int, int]]:
    """(region, first bit, end bit) of each region `region` names."""
    sb = img.superblock
    spans = {"weights": (sb["weights_offset"] * 8, (sb["weights_offset"] + sb["weights_len"]) * 8),
             "protected": (0, (PROTECTED_OFFSET + sb["meta_blob_len"]) * 8)}
    if region == "all":
        return [(r, *spans[r]) for r in ("protected", "weights")]
    if region not in spans:
        raise UsageError(f"unknown region {region!r} (known: weights, protected, all)")
    return [(region, *spans[region])]


def corrupt_image(path, output, *, ber: float, seed: int, region: str = "weights", channel: str = "bsc") -> dict:
    img = read_image(path)  # refuse to corrupt what is not a valid image
    data = np.frombuffer(Path(path).read_bytes(), np.uint8).copy()
    model = NoiseSpec.parse(channel).model(ber)
    flips = {}
    for name, start, stop in region_ranges(img, region):
        positions = model.positions(data, seed, start=start, stop=stop, stream=REGION_STREAMS[name])
        np.bitwise_xor.at(data, positions >> 3, (1 << (positions & 7)).astype(np.uint8))
        flips[name] = positions
    write_bytes(output, data.tobytes())
    return {"flips": {k: int(v.size) for k, v in flips.items()}, "positions": flips}


def evaluate_image(path, *, dataset: str | None = None, samples: int = 0) -> dict:
    img = read_image(path)
    model, decoded = img.decode()
    if dataset:
        from eccless import data as datasets

        ds = datasets.load(dataset)
        x, y = ds.x_test, ds.y_test
        if samples:
            x, y = x[:samples], y[:samples]
        pred = img.predict(model, x)
    elif img.testset is not None:
        x, y = img.testset
        if samples:
            x, y = x[:samples], y[:samples]
        pred = model.forward(x).argmax(axis=1) if hasattr(model, "forward") and x.dtype == np.int8 \
            else img.predict(model, x)
    else:
        raise UsageError(f"{path} holds no test set: give --dataset")
    return {"accuracy": float(np.mean(pred == y)), "samples": int(len(y)), "predictions": pred,
            "zeroed_parity": decoded.zeroed_parity, "zeroed_range": decoded.zeroed_range,
            "protected_bits_corrected": img.corrected_bits, "weights_intact": img.weights_intact()}


def inspect_image(path) -> dict:
    img = read_image(path)
    sb, meta = img.superblock, img.meta
    tensors = img.codec.tensors
    weights_bytes = sb["weights_len"]
    protected = sb["weights_offset"]  # superblock copies + protected blob + padding up to the weights
    layers = []
    for i, op in enumerate(img.model.ops):
        mine = [t for t in tensors if t.code.name.startswith(f"op{i}.")]
        layers.append({"op": i, "kind": op.kind, "act": op.act, "shape": [list(t.code.shape) for t in mine],
                       "representation": sorted({t.rep.name for t in mine}),
                       "bits": sorted({t.width for t in mine})})
    return {
        "path": str(path), "name": img.model.name, "version": sb["version"],
        "format": img.format.name, "n": meta["n"], "detection": img.rule.name,
        "board": meta["board"].rstrip(b"\0").decode(), "page": meta["page"],
        "parameters": int(sum(t.count for t in tensors)),
        "regions": {"superblock_and_protected": protected, "protected_payload": sb["meta_len"],
                    "protected_blob": sb["meta_blob_len"], "weights": weights_bytes,
                    "testset": (sb["image_len"] - meta["testset_offset"]) if meta["testset_count"] else 0,
                    "total": sb["image_len"]},
        "overhead_pct": {"protected_region": 100.0 * protected / max(1, weights_bytes),
                         "protected_region_unpadded": 100.0 * (PROTECTED_OFFSET + sb["meta_blob_len"])
                         / max(1, weights_bytes),
                         "secded_72_64": 100.0 * SECDED_OVERHEAD, "nand_bch_t8_512B": 100.0 * NAND_BCH_OVERHEAD},
        "crc": {"protected": "ok" if img.corrected_bits == 0 else f"repaired {img.corrected_bits} bit errors",
                "weights": "intact" if img.weights_intact() else "differs from the packed weights (bit errors)",
                "testset": "ok" if img.testset is not None else "none"},
        "testset_samples": meta["testset_count"],
        "layers": layers,
    }
