"""`pack --biases protected`: the bias tensors' words in the BCH-protected payload (image version 4, TENSOR.flags
bit 0), the same placement a sweep with `--biases protected` measures. The host loader reads them clean whatever
the weight region suffers, the storage cost is reported, and records that misuse the flag are refused in one line.
(The device side: tests/test_device_protected_biases.py.)"""

from __future__ import annotations

import numpy as np
import pytest

from eccless.commands.image import corrupt_image, pack_model
from eccless.errors import ImageError, UsageError
from eccless.image.load import parse_image, read_image
from eccless.image.records import TENSOR, TENSOR_PROTECTED, VERSION, VERSION_TENSOR_FLAGS
from eccless.storage.prepare import store_model
from eccless.testing import image_fuzz as imagefuzz
from eccless.testing.image_fuzz import reseal

pytestmark = pytest.mark.unit


@pytest.fixture(scope="module")
def packed(tmp_path_factory):
    out = tmp_path_factory.mktemp("pb")
    paths, infos = {}, {}
    for biases in ("exposed", "protected"):
        paths[biases] = out / f"{biases}.img"
        infos[biases] = pack_model("digits:mlp", paths[biases], detect="parity-lsb+range", testset=20,
                                   biases=biases)
    return paths, infos


def _biases(path):
    img = read_image(path)
    _, decoded = img.decode()
    return [v for t, v in zip(img.codec.tensors, decoded.values) if t.code.role == "bias"]


def test_protected_biases_leave_the_region_and_read_clean(packed, tmp_path):
    paths, infos = packed
    exposed, protected = read_image(paths["exposed"]), read_image(paths["protected"])
    assert (exposed.superblock["version"], protected.superblock["version"]) == (VERSION, VERSION_TENSOR_FLAGS)
    bias_bits = sum(t.bits for t in exposed.codec.tensors if t.code.role == "bias")
    # the region loses exactly the bias words (each tensor 32-bit aligned there)
    assert 8 * (exposed.superblock["weights_len"] - protected.superblock["weights_len"]) == bias_bits
    assert all(t.protected == (t.code.role == "bias") for t in protected.codec.tensors)
    clean = _biases(paths["protected"])
    assert all(np.array_equal(a, b) for a, b in zip(clean, _biases(paths["exposed"])))
    # the storage cost, as pack reports it: the words in the payload and the protected blob they add
    info = infos["protected"]
    assert info["protected_bias_payload_bytes"] >= bias_bits // 8
    assert info["protected_blob_growth_bytes"] > info["protected_bias_payload_bytes"]   # BCH parity on top
    assert info["bits_per_parameter"] > infos["exposed"]["bits_per_parameter"]
    assert info["bits_per_parameter"] == store_model(*_spec(), protect_biases=True).summary()["bits_per_parameter"]
    # a high BER in the weight region changes exposed biases, never protected ones
    for biases, expect_clean in (("protected", True), ("exposed", False)):
        corrupt_image(paths[biases], tmp_path / "c.img", ber=2e-2, seed=3, region="weights")
        same = all(np.array_equal(a, b) for a, b in zip(_biases(tmp_path / "c.img"), clean))
        assert same == expect_clean, biases
    # flips in the protected region are repaired by its BCH code
    corrupt_image(paths["protected"], tmp_path / "p.img", ber=3e-3, seed=4, region="protected")
    assert read_image(tmp_path / "p.img").corrected_bits > 0
    assert all(np.array_equal(a, b) for a, b in zip(_biases(tmp_path / "p.img"), clean))


def _spec():
    from eccless.modelsource import load_model_and_data

    model, data = load_model_and_data("digits:mlp", None)
    return model, "int8", "twos", "parity-lsb+range", 8, data.x_train


def _edit_tensor(image: bytes, index: int, **fields) -> bytes:
    from eccless.image.records import META, OP

    data = bytearray(imagefuzz.payload(image))
    meta = META.unpack(bytes(data))
    base = META.size + meta["num_ops"] * OP.size + index * TENSOR.size
    data[base:base + TENSOR.size] = TENSOR.pack(**{**TENSOR.unpack(bytes(data), base), **fields})
    return reseal(image, bytes(data))


def test_misused_tensor_flags_are_refused(packed):
    paths, _ = packed
    exposed, protected = paths["exposed"].read_bytes(), paths["protected"].read_bytes()
    for image, index, flags in ((exposed, 1, TENSOR_PROTECTED),   # version 2 knows no tensor flags
                                (protected, 0, TENSOR_PROTECTED),  # a weight tensor in the payload
                                (protected, 1, 2)):                # an unknown flag bit
        with pytest.raises(ImageError, match=rf"^corrupted tensor record {index} \(flags {flags:#x}\)$"):
            parse_image(_edit_tensor(image, index, flags=flags))
    with pytest.raises(ImageError, match=r"^corrupted tensor record 1: words beyond the payload$"):
        parse_image(_edit_tensor(protected, 1, bit_offset=1 << 24))


def test_unknown_bias_placement_is_a_usage_error(tmp_path):
    with pytest.raises(UsageError, match="--biases 'hidden'"):
        pack_model("digits:mlp", tmp_path / "x.img", biases="hidden")


def test_zero_policy_never_touches_protected_biases():
    """A protected bias is in no ECC block: the `zero` policy used to zero it wherever a failed block overlapped
    the region bits its (unadvanced) offset named -- the next weight tensor's. Every block fails here."""
    from eccless.storage.ecc import EccSpec
    from eccless.storage.ecc.protected import EccStored

    stored = EccStored(store_model(*_spec(), protect_biases=True), EccSpec.parse("secded72:zero"))
    k = stored.code.k   # two data bits of every block: a double error, which SEC-DED always detects
    data = stored.blocks * k
    decoded = stored.apply_flips(np.sort(np.concatenate([np.arange(0, data, k), np.arange(1, data, k)])))
    assert decoded.ecc_failed == stored.blocks and decoded.zeroed_ecc > 0
    for t, values in zip(stored.tensors, decoded.values):
        if t.protected:
            assert np.array_equal(values, t.clean)
        else:
            assert not np.any(values)   # every word overlaps a failed block


def test_cli_pack_reports_the_cost(tmp_path, capsys):
    from eccless import cli

    assert cli.main(["pack", "digits:mlp", "--biases", "protected", "--testset", "0", "-o",
                     str(tmp_path / "m.img")]) == 0
    out = capsys.readouterr().out
    assert "biases protected: 424 bytes of bias words in the protected payload, " in out, out
