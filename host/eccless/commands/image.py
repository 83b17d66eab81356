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

from eccless.boards import DEFAULT_BOARD, load_board
from eccless.channel.spec import NoiseSpec
from eccless.errors import UsageError
from eccless.fileio import check_output, write_bytes
from eccless.image.ecc import protected_size
from eccless.image.load import LoadedImage, parse_image, read_image, text_field
from eccless.image.pack import _align, pack_image
from eccless.image.records import PROTECTED_OFFSET
from eccless.modelsource import load_model_and_data
from eccless.storage.ecc import EccSpec
from eccless.storage.ecc.protected import EccStored
from eccless.storage.prepare import store_model
from eccless.sweep.experiment import BIAS_PLACEMENTS

REGION_STREAMS = {"weights": 0, "protected": 1}
SECDED_OVERHEAD = 8 / 64  # SEC-DED (72,64)
NAND_BCH_OVERHEAD = 8 * 13 / (512 * 8)  # t = 8 over GF(2^13) per 512-byte sector: 13 bytes per 512
DEFAULT_TESTSET = 1000  # pack without --testset: this many test samples, or as many as fit the image region


def pack_model(model_spec: str, output, *, quant: str = "int8", repr_name: str | None = None, detect: str = "none",
               bits: int = 8, board: str = DEFAULT_BOARD, testset: int | None = 0,
               dataset: str | None = None, ecc: str = "none", biases: str = "exposed") -> dict:
    """Pack a model into an image file. repr_name None: float32 for float32, else twos. testset None: up to
    DEFAULT_TESTSET test samples, as many as fit the board's image region. biases "protected": the bias tensors'
    words in the BCH-protected payload (image version 4) instead of the raw weight region."""
    check_output(output)  # before any training: a bad -o fails at once
    board_ = load_board(board)
    if quant == "float32" and not board_.has("fpu"):   # before any training: the board could never run it
        raise UsageError(f"board {board_.name} has no FPU path: a float32 image cannot run there "
                         "(pack it with --quant int8)")
    if repr_name is None:
        repr_name = "float32" if quant == "float32" else "twos"
    if testset is not None and testset < 0:
        raise UsageError(f"--testset {testset}: give a number of samples >= 0")
    spec = EccSpec.parse(ecc)
    if biases not in BIAS_PLACEMENTS:
        raise UsageError(f"--biases {biases!r}: give one of {', '.join(BIAS_PLACEMENTS)}")
    model, data = load_model_and_data(model_spec, dataset)
    stored = store_model(model, quant, repr_name, detect, bits, data.x_train, protect_biases=biases == "protected")
    if spec.enabled:
        stored = EccStored(stored, spec, quiet=False)
    if testset is None:
        testset = _fitting_testset(stored, board_, data)
    if testset > len(data.x_test):
        raise UsageError(f"--testset {testset}: the dataset has {len(data.x_test)} test samples")
    ts = (data.x_test[:testset], data.y_test[:testset]) if testset else None
    image = pack_image(stored, board_, ts)
    write_bytes(output, image)
    return {"bytes": len(image), "testset": testset, "biases": biases, **stored.summary(),
            **_protected_bias_cost(image)}


def _protected_bias_cost(image: bytes) -> dict:
    """What the biases kept in the protected payload cost there: their words (with alignment) and the growth of the
    BCH-protected blob they cause (payload + parity + CRC, ecc.protected_size)."""
    img = parse_image(image)
    words = [t for t in img.codec.tensors if t.protected]
    if not words:
        return {}
    inside = sum(-(-t.bits // 64) * 8 for t in words)   # each array 8-byte aligned in the payload
    meta_len = img.superblock["meta_len"]
    return {"protected_bias_payload_bytes": inside,
            "protected_blob_growth_bytes": img.superblock["meta_blob_len"] - protected_size(meta_len - inside)}


def _fitting_testset(stored, board, data) -> int:
    """Test samples that fit after the model in the board's image region (at most DEFAULT_TESTSET)."""
    per = int(np.prod(stored.model.input_shape)) * (1 if hasattr(stored.model, "quantize_input") else 4) + 1
    room = board.image.size - _align(len(pack_image(stored, board, None)), board.image.page)
    return max(0, min(len(data.x_test), DEFAULT_TESTSET, room // per))


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
    check_output(output)
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


def _dataset_for(path, input_shape, dataset: str, samples: int):
    """(x, y) of a dataset's test split, refused in one line when its inputs are not what the model takes."""
    from eccless import data as datasets

    ds = datasets.load(dataset)
    if tuple(ds.input_shape) != tuple(input_shape):
        raise UsageError(f"{path} expects inputs of shape {tuple(input_shape)}, dataset {dataset} has "
                         f"{tuple(ds.input_shape)}: give the dataset the model was made for")
    return ds.x_test[:samples or None], ds.y_test[:samples or None]


def evaluate_image(path, *, dataset: str | None = None, samples: int = 0) -> dict:
    if samples < 0:
        raise UsageError(f"--samples {samples}: give a number of samples >= 0 (0: all)")
    img = read_image(path)
    model, decoded = img.decode()
    if dataset:
        x, y = _dataset_for(path, img.model.input_shape, dataset, samples)
    elif img.testset is not None:
        x, y = img.testset
        x, y = x[:samples or None], y[:samples or None]
    else:
        raise UsageError(f"{path} holds no test set: give --dataset")
    pred = img.predict(model, x)
    return {"accuracy": float(np.mean(pred == y)), "samples": int(len(y)), "predictions": pred,
            "zeroed_parity": decoded.zeroed_parity, "zeroed_range": decoded.zeroed_range,
            "protected_bits_corrected": img.corrected_bits, "weights_intact": img.weights_intact(),
            **({"ecc": str(img.ecc), "ecc_corrected_blocks": decoded.ecc_corrected,
                "ecc_failed_blocks": decoded.ecc_failed, "zeroed_ecc": decoded.zeroed_ecc} if img.ecc.enabled else {})}


def evaluate_model(path, *, dataset: str | None = None, samples: int = 0) -> dict:
    """A model file (.tflite, .onnx, .npz) through the host reference inference, as `eval` does for an image."""
    if samples < 0:
        raise UsageError(f"--samples {samples}: give a number of samples >= 0 (0: all)")
    if dataset is None:
        raise UsageError(f"model file {path} needs --dataset to evaluate it")
    model, _ = load_model_and_data(str(path), dataset)
    x, y = _dataset_for(path, model.input_shape, dataset, samples)
    with np.errstate(all="ignore"):
        pred = model.predict(x)
    return {"accuracy": float(np.mean(pred == y)), "samples": int(len(y)), "predictions": pred}


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
        "format": img.format.name, "n": meta["n"], "detection": img.rule.name, "ecc": str(img.ecc),
        "board": text_field(meta["board"]), "page": meta["page"],
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
