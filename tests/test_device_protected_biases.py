"""Biases in the protected region (`pack --biases protected`, image version 4, TENSOR_PROTECTED): the device reads
them from the repaired payload, and every trial equals the host loader on the file `eccless corrupt` writes with
the same seed -- every decoded weight and bias (DIGEST), the zeroed counts and every prediction, with the weights in
RAM, run from flash and decoded on the fly, alone and under an ECC baseline with the `zero` policy. Flips in the
protected region (region 'all') are repaired by its BCH code, so the biases come through clean where the exposed
ones would not. Skipped without the ARM tools."""

from __future__ import annotations

import numpy as np
import pytest

from eccless.commands.image import corrupt_image, evaluate_image, pack_model
from eccless.commands.run import ModelDevice, channel_model
from eccless.firmware.build import build_firmware
from eccless.image.load import read_image
from eccless.link.qemu import Qemu, missing_tools
from host_digests import decoded_digests

pytestmark = pytest.mark.qemu
if missing_tools():
    pytest.skip(missing_tools(), allow_module_level=True)


@pytest.fixture(scope="module")
def firmware(qemu_board):
    return build_firmware(qemu_board)


@pytest.mark.parametrize("rep,rule,ecc", [("twos", "parity-lsb+range", "none"), ("hamming", "range", "none"),
                                          ("optimized", "parity-extra", "none"), ("twos", "none", "secded72:zero")])
def test_device_reads_protected_biases_as_the_host(firmware, tmp_path, digits_mlp, rep, rule, ecc):
    image = tmp_path / "m.img"
    info = pack_model("digits:mlp", image, repr_name=rep, detect=rule, testset=200, ecc=ecc, biases="protected",
                      board=firmware.board.name)
    img = read_image(image)
    assert img.superblock["version"] == 4 and info["protected_bias_payload_bytes"] > 0
    biases = [t for t in img.codec.tensors if t.code.role == "bias"]
    assert biases and all(t.protected for t in biases)
    with Qemu(firmware.board, firmware.elf, image=image, timeout=60) as q:
        dev = ModelDevice(q.client)
        for ber, seed, region in ((0.0, 0, "weights"), (2e-3, 1, "all"), (1e-2, 2, "weights")):
            dev.inject("clear")
            target = image
            if ber:
                for r in ("protected", "weights") if region == "all" else (region,):
                    dev.inject(r, channel_model("bsc", ber), seed)
                target = tmp_path / "c.img"
                corrupt_image(image, target, ber=ber, seed=seed, region=region)
            host = evaluate_image(target)
            digests = decoded_digests(target)
            for mode in (dict(weights="ram"), dict(weights="flash"), dict(on_the_fly=True)):
                load = dev.load(**mode)
                what = f"{rep}/{rule}/{ecc} BER {ber:g} ({region}) {mode}"
                assert (load["zeroed_parity"], load["zeroed_range"]) == (host["zeroed_parity"],
                                                                         host["zeroed_range"]), what
                pred, _, _ = dev.evaluate(load["samples"])
                bad = np.flatnonzero(pred != host["predictions"])
                assert bad.size == 0, f"{what}: predictions differ at {bad[:20].tolist()}"
                if mode.get("weights") == "ram":
                    assert [dev.digest(op)[:4] for op in range(len(digests))] == digests, what
                    clean = decoded_digests(image)  # the biases read clean whatever the channel did
                    assert [d[2:4] for d in digests] == [d[2:4] for d in clean], what
                    assert ecc == "none" or load["zeroed_ecc"] == host["zeroed_ecc"], what
