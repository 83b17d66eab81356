"""The correlated error models on the device: INJECT arms burst:L and stuck:F (edge/channel/ed_channel.c, the C twins
of channel/burst.py and channel/stuck.py), and every trial equals the host loader on the file `eccless corrupt`
writes with the same model and seed -- the flips per region, every decoded weight and bias (DIGEST), the zeroed
counts per layer and every prediction; `eccless run --channel burst:L|stuck:F` reports the host's accuracies.

The flip walk is 64-bit integer code with no word loads (the same C on every core): the default M4 board and one
Cortex-M0 board (software 64-bit multiplies) are enough. Skipped without the ARM tools.
"""

from __future__ import annotations

import numpy as np
import pytest

from eccless.boards import DEFAULT_BOARD, boards_with, load_board
from eccless.commands.image import corrupt_image, evaluate_image, pack_model
from eccless.commands.run import ModelDevice, channel_model, run_image
from eccless.firmware.build import build_firmware
from eccless.link.qemu import Qemu, missing_tools
from host_digests import host_digests

pytestmark = pytest.mark.qemu
if missing_tools():
    pytest.skip(missing_tools(), allow_module_level=True)

M0 = next(b for b in boards_with("qemu") if load_board(b).cpu == "cortex-m0")
# (spec, BER, region): bursts of a byte and of a 64-bit word, two stuck-at devices; the protected region (BCH,
# t = 50 per 255-byte block) only under runs it can repair
CASES = [("burst:8", 2e-3, "all"), ("burst:64", 3e-3, "weights"), ("burst:3", 1e-2, "weights"),
         ("stuck:1", 2e-3, "all"), ("stuck:4", 1e-2, "weights")]


@pytest.fixture(scope="module", params=[DEFAULT_BOARD, M0])
def firmware(request):
    return build_firmware(request.param)


@pytest.fixture(scope="module")
def image(firmware, tmp_path_factory, digits_mlp):
    path = tmp_path_factory.mktemp("models") / "mlp.img"
    pack_model("digits:mlp", path, repr_name="hamming", detect="parity-lsb+range", testset=200,
               board=firmware.board.name)
    return path


def test_device_replays_burst_and_stuck_as_the_host(firmware, image, tmp_path):
    with Qemu(firmware.board, firmware.elf, image=image, timeout=60) as q:
        dev = ModelDevice(q.client)
        stuck_flips: dict[str, int] = {}
        for spec, ber, region in CASES:
            model = channel_model(spec, ber)
            for seed in (3, 4):
                dev.inject("clear")
                for r in ("protected", "weights") if region == "all" else (region,):
                    dev.inject(r, model, seed)
                target = tmp_path / "c.img"
                flips = corrupt_image(image, target, ber=ber, seed=seed, region=region, channel=spec)["flips"]
                host = evaluate_image(target)
                load = dev.load()
                what = f"{spec} BER {ber:g} seed {seed} ({region})"
                assert load["flips_weights"] == flips.get("weights", 0) > 0, what
                assert load["flips_protected"] == flips.get("protected", 0), what
                if region == "all":
                    assert load["ecc_corrected"] == host["protected_bits_corrected"] > 0, what
                assert [dev.digest(op) for op in range(len(host_digests(target)))] == host_digests(target), what
                pred, _, _ = dev.evaluate(load["samples"])
                bad = np.flatnonzero(pred != host["predictions"])
                assert bad.size == 0, f"{what}: predictions differ at {bad[:20].tolist()}"
                assert (load["zeroed_parity"], load["zeroed_range"]) == (host["zeroed_parity"],
                                                                         host["zeroed_range"]), what
                if spec.startswith("stuck"):     # one device's map: the trial seed changes nothing
                    assert stuck_flips.setdefault(spec, load["flips_weights"]) == load["flips_weights"], what


def test_run_takes_the_correlated_models(firmware, image, tmp_path):
    res = run_image(image, board=firmware.board.name, ber=3e-3, seed=7, trials=2, channel="burst:16", quiet=True)
    host = []
    for t in range(2):
        corrupt_image(image, tmp_path / "c.img", ber=3e-3, seed=7 + t, channel="burst:16")
        host.append(evaluate_image(tmp_path / "c.img"))
    assert res["channel"] == "burst:16"
    assert res["accuracy"]["per_trial"] == [h["accuracy"] for h in host]
    assert all(np.array_equal(p, h["predictions"]) for p, h in zip(res["predictions"], host))
