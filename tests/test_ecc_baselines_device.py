"""The device's decode step for ECC-coded weight regions (edge/loader/ed_ecc_weights.c) is bit-exact with the host:
for SEC-DED images, INJECT(seed) -> LOAD -> EVAL on the device gives the predictions and zeroed counts the host
loader gives on `eccless corrupt`'s file of the same seed, from no errors to rates where many blocks fail, with the
weights decoded into RAM and run from flash, under both policies for a failed block (`asread`, `zero`). Skipped
without the ARM tools."""

from __future__ import annotations

import numpy as np
import pytest

from eccless.commands.image import corrupt_image, evaluate_image, pack_model
from eccless.commands.run import ModelDevice, channel_constants
from eccless.firmware.build import build_firmware
from eccless.link.qemu import Qemu, missing_tools
from host_digests import decoded_digests

pytestmark = pytest.mark.qemu
if missing_tools():
    pytest.skip(missing_tools(), allow_module_level=True)


def same_flips(dev, image, target, ber, seed):
    """Arms the device's injection at (ber, seed) and writes the host's copy with the same flips: the file the host
    evaluates (the image itself at BER 0)."""
    dev.inject("clear")
    if not ber:
        return image
    dev.inject("weights", channel_constants("bsc", ber), seed)
    corrupt_image(image, target, ber=ber, seed=seed)
    return target


@pytest.fixture(scope="module")
def firmware(qemu_board):
    return build_firmware(qemu_board)


@pytest.mark.parametrize("ecc,rep,rule", [("secded72", "twos", "none"), ("secded39", "hamming", "parity-lsb+range"),
                                          ("bch512t4", "twos", "range"), ("bch512t8", "signmag", "none")])
def test_device_corrects_as_the_host_does(firmware, tmp_path, digits_mlp, ecc, rep, rule):
    image = tmp_path / "m.img"
    pack_model("digits:mlp", image, repr_name=rep, detect=rule, testset=200, ecc=ecc, board=firmware.board.name)
    failed = 0
    with Qemu(firmware.board, firmware.elf, image=image, timeout=60) as q:
        dev = ModelDevice(q.client)
        for ber, seed in ((0.0, 0), (1e-3, 1), (5e-3, 2), (2e-2, 3)):
            target = same_flips(dev, image, tmp_path / "c.img", ber, seed)
            host = evaluate_image(target)
            for weights in ("ram", "flash"):  # decoded into RAM, or run from flash with LOAD's corrections
                load = dev.load(weights=weights)
                pred, _, _ = dev.evaluate(load["samples"])
                bad = np.flatnonzero(pred != host["predictions"])
                assert bad.size == 0, f"{ecc} BER {ber:g} {weights}: predictions differ at {bad[:20].tolist()}"
                assert (load["zeroed_parity"], load["zeroed_range"]) == (host["zeroed_parity"],
                                                                         host["zeroed_range"]), weights
                if weights == "ram":  # every decoded weight and bias, value for value
                    digests = decoded_digests(target)
                    assert [dev.digest(op)[:4] for op in range(len(digests))] == digests, f"{ecc} BER {ber:g}"
            failed += host["ecc_failed_blocks"]
    assert failed > 0  # the rates reach blocks the code cannot correct (used as read on both sides)


@pytest.mark.parametrize("ecc,rep,rule", [("secded72:zero", "twos", "parity-lsb"), ("bch512t4:zero", "twos", "none"),
                                          ("secded39:zero", "hamming", "range")])
def test_device_zero_policy_as_the_host(firmware, tmp_path, digits_mlp, ecc, rep, rule):
    """The `zero` policy (superblock flag FLAG_ECC_ZERO): every parameter whose stored word overlaps a block the code
    detected as uncorrectable reads 0 -- weights and biases, decoded into RAM, run from flash and on the fly."""
    image = tmp_path / "m.img"
    pack_model("digits:mlp", image, repr_name=rep, detect=rule, testset=200, ecc=ecc, board=firmware.board.name)
    zeroed = 0
    with Qemu(firmware.board, firmware.elf, image=image, timeout=60) as q:
        dev = ModelDevice(q.client)
        for ber, seed in ((0.0, 0), (3e-3, 1), (1e-2, 2)):
            target = same_flips(dev, image, tmp_path / "c.img", ber, seed)
            host = evaluate_image(target)
            for mode in (dict(weights="ram"), dict(weights="flash"), dict(on_the_fly=True)):
                load = dev.load(**mode)
                what = f"{ecc} BER {ber:g} {mode}"
                assert (load["ecc_failed"], load["zeroed_ecc"]) == (host["ecc_failed_blocks"], host["zeroed_ecc"]), what
                assert (load["zeroed_parity"], load["zeroed_range"]) == (host["zeroed_parity"],
                                                                         host["zeroed_range"]), what
                pred, _, _ = dev.evaluate(load["samples"])
                bad = np.flatnonzero(pred != host["predictions"])
                assert bad.size == 0, f"{what}: predictions differ at {bad[:20].tolist()}"
                if mode.get("weights") == "ram":
                    digests = decoded_digests(target)
                    assert [dev.digest(op)[:4] for op in range(len(digests))] == digests, what
            zeroed += host["zeroed_ecc"]
    assert zeroed > 0  # the policy had parameters to zero
