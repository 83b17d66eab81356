"""The device's decode + detect, value for value: after INJECT(seed) and LOAD, DIGEST returns CRC-32s of every
weighted op's decoded weights (int8) and biases (int32) and its zeroed counts; they must equal the host's
RegionCodec on the file `eccless corrupt` writes with the same seed.

Predictions (test_device_e2e.py) only show the decoded values where they change a class; this compares every
value, through the loop the firmware picks on the board -- the Cortex-M4 SIMD and LDM/STM word loops the host
harness of test_detect_fastpaths.py cannot run: each fast loop on the digits MLP (whole aligned channels) and the
LeNet (conv channels of 25 and 150 values, off word boundaries), every representation with every detection
family on the MLP, and images whose narrowed ranges reject clean values. Each image clean, flipped by INJECT, and
as the corrupted file itself in flash (real errors, no flip list: what a board without ECC reads).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from eccless import represent
from eccless.firmware.build import build_firmware
from eccless.link.client import DeviceStatusError
from eccless.link.qemu import Qemu, missing_tools
from eccless.commands.run import ModelDevice, channel_constants
from eccless.commands.image import corrupt_image, pack_model
from board_needs import LENET_RAM, require_ram
from host_digests import host_digests as _host_digests
from narrowed_images import pack_narrowed

pytestmark = pytest.mark.qemu
if missing_tools():
    pytest.skip(missing_tools(), allow_module_level=True)

BER = 1e-3
SEEDS = (21, 22)
FAST = {  # model -> (representation, rule): the copy, copy_range, copy_parity and lut loops, twos and offset
    "digits:mlp": [("twos", "none"), ("offset", "none"), ("twos", "range"), ("offset", "range"),
                   ("twos", "parity-lsb"), ("offset", "parity-lsb+range"), ("twos", "parity-lsb+range"),
                   ("hamming", "parity-lsb+range"), ("gray", "range"), ("optimized", "parity-extra")],
    "digits:lenet": [("twos", "range"), ("offset", "range"), ("twos", "parity-lsb+range"),
                     ("offset", "parity-lsb"), ("hamming", "parity-lsb+range")],
}
REPRS = tuple(represent.names())   # every representation of the registry
RULES = ("none", "parity-lsb", "parity-extra", "range", "parity-lsb+range", "parity-extra+range")


@pytest.fixture(scope="module")
def firmware(qemu_board):
    return build_firmware(qemu_board)


def _digests(firmware, image: Path, inject: tuple[Path, int] | None = None) -> list[tuple]:
    """Boot with `image` in flash, LOAD (after INJECT(seed) when inject = (corrupted file, seed)), DIGEST every op."""
    with Qemu(firmware.board, firmware.elf, image=image, timeout=60) as q:
        dev = ModelDevice(q.client)
        if inject is not None:
            dev.inject("weights", channel_constants("bsc", BER), inject[1])
        dev.load()
        return [dev.digest(i) for i in range(len(_host_digests(image)))]


def _check(firmware, tmp_path: Path, model: str, rep: str, rule: str, image: Path | None = None,
           seeds=SEEDS) -> None:
    """Clean; INJECT(seed) over the clean image; and the corrupted file in flash, read as a board without ECC reads
    it (no flip list: the flip-free loops meet real errors)."""
    if image is None:
        image = tmp_path / f"{model.replace(':', '_')}-{rep}-{rule}.img"
        pack_model(model, image, repr_name=rep, detect=rule, testset=2, board=firmware.board.name)
    what = f"{model} {rep}/{rule}"
    assert _digests(firmware, image) == _host_digests(image), f"{what} clean"
    for seed in seeds:
        target = tmp_path / f"c{seed}-{image.name}"
        corrupt_image(image, target, ber=BER, seed=seed, region="weights")
        host = _host_digests(target)
        assert _digests(firmware, image, (target, seed)) == host, f"{what} INJECT seed {seed}"
        assert _digests(firmware, target) == host, f"{what} corrupted file, seed {seed}"


@pytest.mark.parametrize("model", list(FAST))
def test_device_decode_equals_the_host_value_for_value(firmware, tmp_path, model):
    if model == "digits:lenet":
        require_ram(firmware.board, LENET_RAM, "the digits LeNet")
    for rep, rule in FAST[model]:
        _check(firmware, tmp_path, model, rep, rule)


@pytest.mark.parametrize("rep", REPRS)
def test_every_representation_and_rule_value_for_value(firmware, tmp_path, rep):
    for rule in RULES:
        _check(firmware, tmp_path, "digits:mlp", rep, rule, seeds=SEEDS[:1])


@pytest.mark.parametrize("model", list(FAST))
def test_narrowed_ranges_value_for_value(firmware, tmp_path, model):
    """Rejections in clean images too (narrowed_images.py), through the asm loops' failure exits."""
    if model == "digits:lenet":
        require_ram(firmware.board, LENET_RAM, "the digits LeNet")
    for rep, rule in (("twos", "range"), ("offset", "range"), ("twos", "parity-lsb+range"),
                      ("offset", "parity-lsb+range"), ("hamming", "parity-lsb+range")):
        image = pack_narrowed(model, tmp_path / f"narrow-{model.replace(':', '_')}-{rep}-{rule}.img", rep, rule, 2,
                              board=firmware.board.name)
        _check(firmware, tmp_path, model, rep, rule, image)
        assert sum(d[5] for d in _host_digests(image)) > 0, f"{image.name}: nothing rejected"


def test_digest_rejects_a_bad_op_and_needs_an_image(firmware, tmp_path):
    image = tmp_path / "mlp.img"
    pack_model("digits:mlp", image, repr_name="twos", detect="range", testset=2, board=firmware.board.name)
    with Qemu(firmware.board, firmware.elf, image=image, timeout=60) as q:
        with pytest.raises(DeviceStatusError, match="NO_IMAGE|no valid model image"):
            q.client.request("DIGEST", op=0)
        ModelDevice(q.client).load()
        with pytest.raises(DeviceStatusError, match="out of range"):
            q.client.request("DIGEST", op=3)
        assert q.client.request("DIGEST", op=2)["weights"] == 320
