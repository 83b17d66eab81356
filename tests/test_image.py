"""Flash images: pack -> corrupt -> eval equals the in-memory sweep; bad images give one ImageError; generated
files are fresh."""

from __future__ import annotations

import numpy as np
import pytest

from eccless.boards import load_board
from eccless.errors import ImageError
from eccless.image import ecc
from eccless.image.load import parse_image, read_image
from eccless.image.pack import pack_image
from eccless.image.records import PROTECTED_OFFSET, SUPER_COPIES, SUPERBLOCK
from eccless.commands.image import corrupt_image, evaluate_image, pack_model
from eccless.storage.prepare import prepare_model
from eccless.storage.stored import StoredModel
from eccless.sweep.experiment import Config, Experiment
from eccless.boards import DEFAULT_BOARD

pytestmark = pytest.mark.unit
BOARD = load_board(DEFAULT_BOARD)

CONFIGS = [("int8", "hamming", "parity-lsb+range"), ("int8", "twos", "none"), ("float32", "float32", "parity-exp"),
           ("uniform", "optimized", "range"), ("int8", "gray", "parity-extra")]


@pytest.mark.parametrize("quant,rep,detect", CONFIGS)
def test_image_eval_equals_sweep_trial(tmp_path, digits_mlp, quant, rep, detect):
    """For the same model, seed and BER the image path gives the accuracy (and detections) the sweep measures."""
    clean, noisy = tmp_path / "m.img", tmp_path / "n.img"
    pack_model("digits:mlp", clean, quant=quant, repr_name=rep, detect=detect)
    exp = Experiment(Config("digits:mlp", quant, 8, rep, detect))
    for ber, seed in ((0.0, 0), (1e-3, 3), (1e-2, 4), (3e-2, 5)):
        corrupt_image(clean, noisy, ber=ber, seed=seed, region="weights")
        res = evaluate_image(noisy, dataset="digits")
        trial = exp.trial(ber, seed)
        assert res["accuracy"] == trial.accuracy
        assert (res["zeroed_parity"], res["zeroed_range"]) == (trial.zeroed_parity, trial.zeroed_range)


def test_protected_region_survives_ber_1e2(tmp_path, digits_mlp):
    clean, weights_only, everything = tmp_path / "m.img", tmp_path / "w.img", tmp_path / "a.img"
    pack_model("digits:mlp", clean, quant="int8", repr_name="twos", detect="range", testset=50)
    corrupt_image(clean, weights_only, ber=1e-2, seed=9, region="weights")
    out = corrupt_image(clean, everything, ber=1e-2, seed=9, region="all")
    assert out["flips"]["protected"] > 50
    a, b = evaluate_image(weights_only), evaluate_image(everything)
    # flips in the superblock copies are outvoted; those in the blob are corrected by the BCH code
    assert a["accuracy"] == b["accuracy"] and 0 < b["protected_bits_corrected"] <= out["flips"]["protected"]
    assert np.array_equal(a["predictions"], b["predictions"])


def test_testset_roundtrip_and_int8_inputs(tmp_path, digits, digits_mlp):
    path = tmp_path / "m.img"
    pack_model("digits:mlp", path, quant="int8", repr_name="signmag", testset=120)
    img = read_image(path)
    x, y = img.testset
    assert x.dtype == np.int8 and x.shape == (120,) + digits.input_shape and np.array_equal(y, digits.y_test[:120])
    from_image = evaluate_image(path)
    from_dataset = evaluate_image(path, dataset="digits", samples=120)
    assert np.array_equal(from_image["predictions"], from_dataset["predictions"])


def _stored(digits_mlp, digits):
    return StoredModel(prepare_model(digits_mlp, "int8", "range", digits.x_train), "int8", "twos", "range")


def _reseal(image: bytes, **changes) -> bytes:
    """Rewrite every superblock copy with `changes` and a valid CRC (an attacker or a bug, not the channel)."""
    sb = SUPERBLOCK.unpack(image)
    sb.update(changes)
    head = SUPERBLOCK.pack(**(sb | {"crc32": 0}))
    head = head[:-4] + ecc.crc32(head[:-4]).to_bytes(4, "little")
    return head * SUPER_COPIES + image[PROTECTED_OFFSET:]


def test_bad_images(tmp_path, digits_mlp, digits):
    good = pack_image(_stored(digits_mlp, digits), BOARD)
    parse_image(good)
    cases = {
        "truncated": good[: len(good) // 2],
        "tiny": good[:10],
        "magic": _reseal(good, magic=b"NOPE"),
        "version": _reseal(good, version=99),
        "meta_len": _reseal(good, meta_len=2**31),
        "blob_len": _reseal(good, meta_blob_len=12),
        "weights_beyond_end": _reseal(good, weights_len=len(good)),
    }
    wrecked = bytearray(good)
    wrecked[PROTECTED_OFFSET:PROTECTED_OFFSET + 400] = bytes(400)  # beyond the code's correction power
    cases["protected_beyond_repair"] = bytes(wrecked)
    needles = {"truncated": "truncated", "tiny": "truncated", "magic": "not an eccless image",
               "version": "unknown image format version 99", "protected_beyond_repair": "beyond repair"}
    for name, data in cases.items():
        with pytest.raises(ImageError) as err:
            parse_image(data)
        assert "\n" not in str(err.value)
        if name in needles:
            assert needles[name] in str(err.value), (name, err.value)


def test_inconsistent_shapes_are_refused(digits_mlp, digits):
    stored = _stored(digits_mlp, digits)
    good = pack_image(stored, BOARD)
    sb = SUPERBLOCK.unpack(good)
    payload, _ = ecc.recover(good[PROTECTED_OFFSET:PROTECTED_OFFSET + sb["meta_blob_len"]], sb["meta_len"])
    from eccless.image.records import META, OP

    bad = bytearray(payload)
    off = META.size + OP.size * 1 + dict((f.name, o) for f, o in OP.offsets())["out_shape"]
    bad[off:off + 2] = (63).to_bytes(2, "little")  # first dense layer claims 63 outputs instead of 64
    blob = ecc.protect(bytes(bad))
    image = bytearray(good)
    image[PROTECTED_OFFSET:PROTECTED_OFFSET + len(blob)] = blob
    with pytest.raises(ImageError, match="inconsistent shapes at op1"):
        parse_image(bytes(image))


def test_too_large_for_board(tmp_path, digits_mlp, digits):
    text = (BOARD.path.read_text().replace("size = 0x00300000", "size = 0x00002000"))
    small = tmp_path / "small.toml"
    small.write_text(text)
    with pytest.raises(ImageError, match=r"does not fit the 8,192-byte image region"):
        pack_image(_stored(digits_mlp, digits), load_board(str(small)), (digits.x_test, digits.y_test))


def _fuzz(cases: int, seed: int, digits_mlp, digits):
    good = pack_image(_stored(digits_mlp, digits), BOARD, (digits.x_test[:20], digits.y_test[:20]))
    rng = np.random.default_rng(seed)
    outcomes = {"loaded": 0, "refused": 0}
    for _ in range(cases):
        data = bytearray(good)
        kind = rng.integers(5)
        if kind == 0:  # bit flips everywhere at a high rate
            pos = rng.integers(0, len(data) * 8, rng.integers(1, 2000))
            for p in pos:
                data[p >> 3] ^= 1 << (p & 7)
        elif kind == 1:  # truncation
            data = data[: rng.integers(0, len(data))]
        elif kind == 2:  # random bytes in the superblock (all copies alike)
            i = rng.integers(0, SUPERBLOCK.size)
            v = rng.integers(0, 256)
            for c in range(SUPER_COPIES):
                data[c * SUPERBLOCK.size + i] = v
        elif kind == 3:  # random but CRC-valid lengths and offsets
            field = ["meta_len", "meta_blob_len", "weights_offset", "weights_len", "image_len"][rng.integers(5)]
            data = bytearray(_reseal(bytes(data), **{field: int(rng.integers(0, 2**32))}))
        else:  # garbage payload re-sealed with a valid ECC: the parser's own checks must hold
            sb = SUPERBLOCK.unpack(bytes(data))
            payload = bytearray(ecc.recover(bytes(data[PROTECTED_OFFSET:PROTECTED_OFFSET + sb["meta_blob_len"]]),
                                            sb["meta_len"])[0])
            for p in rng.integers(0, len(payload), rng.integers(1, 30)):
                payload[p] = rng.integers(0, 256)
            blob = ecc.protect(bytes(payload))
            data[PROTECTED_OFFSET:PROTECTED_OFFSET + len(blob)] = blob
        try:
            img = parse_image(bytes(data))
            img.decode()
            outcomes["loaded"] += 1
        except ImageError:
            outcomes["refused"] += 1
    return outcomes


def test_fuzz_parser_seeded_subset(digits_mlp, digits):
    out = _fuzz(300, 1, digits_mlp, digits)
    assert out["loaded"] > 0 and out["refused"] > 0


@pytest.mark.slow
def test_fuzz_parser_long(digits_mlp, digits):
    out = _fuzz(10_000, 2, digits_mlp, digits)
    assert out["loaded"] + out["refused"] == 10_000


@pytest.mark.parametrize("detect", ["range", "parity-lsb"])
def test_odd_channel_counts_roundtrip(detect):
    """Per-channel arrays of odd length must stay aligned and readable (found by the image benchmark)."""
    from eccless.graph import Graph, Op

    rng = np.random.default_rng(3)
    w1, w2 = rng.normal(0, 0.3, (7, 9)).astype(np.float32), rng.normal(0, 0.3, (5, 7)).astype(np.float32)
    g = Graph((9,), [Op("dense", "a", w1, np.zeros(7, np.float32), act="relu"),
                     Op("dense", "b", w2, np.zeros(5, np.float32))], 5)
    x = rng.normal(0, 1, (40, 9)).astype(np.float32)
    stored = StoredModel(prepare_model(g, "int8", detect, x), "int8", "twos", detect)
    img = parse_image(pack_image(stored, BOARD))
    model, decoded = img.decode()
    assert decoded.zeroed == 0
    assert np.array_equal(model.forward(model.quantize_input(x)), stored.clean_model.forward(model.quantize_input(x)))


def _hostile(count: int, seed: int, arch: str):
    """Re-sealed hostile images (eccless.testing.image_fuzz): parse and decode either work or raise ImageError."""
    import random

    from eccless.testing.image_fuzz import mutate
    from eccless.models import trained_model

    ds = __import__("eccless.data", fromlist=["load"]).load("digits")
    stored = StoredModel(prepare_model(trained_model("digits", arch), "int8", "parity-lsb+range", ds.x_train),
                         "int8", "hamming", "parity-lsb+range")
    good = pack_image(stored, BOARD, (ds.x_test[:10], ds.y_test[:10]))
    rng = random.Random(seed)
    kinds = {}
    for _ in range(count):
        kind, bad = mutate(good, rng)
        try:
            img = parse_image(bad)
            model, _ = img.decode()
            img.predict(model, ds.x_test[:4])
            kinds[kind, "loaded"] = kinds.get((kind, "loaded"), 0) + 1
        except ImageError:
            kinds[kind, "refused"] = kinds.get((kind, "refused"), 0) + 1
    return kinds


def test_hostile_resealed_images_seeded_subset():
    kinds = _hostile(300, 1, "lenet")
    assert sum(kinds.values()) == 300 and any(k[1] == "refused" for k in kinds) and any(k[1] == "loaded" for k in kinds)


@pytest.mark.slow
def test_hostile_resealed_images_long():
    assert sum(_hostile(5000, 2, "lenet").values()) == 5000


def test_pack_refuses_a_model_that_fits_no_way_even_run_from_flash():
    """Weights take no RAM when they stay in flash, and the metadata is repaired in place, so what remains -- two
    activation buffers, each channel's bias and requantization -- is the floor: a 3x3 conv from 100x100x4 to 100x100x8
    (288 weights) needs 2 x 80 KB of activations, more than the 64 KB Cortex-M0 stand-in has; the same model packs
    for a board with 4 MB."""
    from eccless.boards import load_board
    from eccless.graph import Graph, Op

    rng = np.random.default_rng(5)
    g = Graph((100, 100, 4), [Op("conv2d", "c", rng.normal(0, 0.2, (8, 3, 3, 4)).astype(np.float32),
                                 np.zeros(8, np.float32), pads=(1, 1, 1, 1)),
                              Op("maxpool", "p", pool=(100, 100), stride=(100, 100)),
                              Op("reshape", "r", shape=(8,))], 8)
    x = rng.normal(0, 1, (8, 100, 100, 4)).astype(np.float32)
    stored = StoredModel(prepare_model(g, "int8", "range", x), "int8", "twos", "range")
    small = load_board("qemu-lm3s6965evb-m0")
    with pytest.raises(ImageError, match=r"needs at least [\d,]+ bytes of RAM on board qemu-lm3s6965evb-m0 even "
                                         r"with its weights left in flash.*more than the [\d,]+ bytes"):
        pack_image(stored, small)
    assert parse_image(pack_image(stored, load_board("qemu-mps2-an386"))).meta is not None
