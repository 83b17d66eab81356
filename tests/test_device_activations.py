"""Sigmoid and HardSwish on the device: the digits MLP with nn.Sigmoid and nn.Hardswish (`digits:actmlp`), packed,
run in QEMU on every board that has it. Its predictions and logits equal the host loader's and TensorFlow Lite for
Microcontrollers' (the outside yardstick, on the same int8 test set through the project's .tflite exporter), clean
and under seeded storage errors. Skipped (naming the apt command) without arm-none-eabi-gcc or qemu-system-arm."""

from __future__ import annotations

import numpy as np
import pytest

from eccless.commands.image import pack_model
from eccless.commands.run import ModelDevice
from eccless.firmware.build import build_firmware
from eccless.image.load import read_image
from eccless.link.qemu import Qemu, missing_tools
from eccless.tflite import to_tflite_bytes

pytestmark = pytest.mark.qemu
if missing_tools():
    pytest.skip(missing_tools(), allow_module_level=True)

from test_device_e2e import _trial  # noqa: E402  (after the skip: it needs the same tools)

SAMPLES = 300


@pytest.fixture(scope="module")
def firmware(qemu_board):
    return build_firmware(qemu_board)


def tflm_logits(model, x: np.ndarray) -> np.ndarray:
    runtime = pytest.importorskip("tflite_micro.python.tflite_micro.runtime",
                                  reason="tflite-micro not installed: pip install tflite-micro")
    it = runtime.Interpreter.from_bytes(to_tflite_bytes(model, dense_as="fully_connected"))
    out = []
    for sample in x:
        it.set_input(sample[None], 0)
        it.invoke()
        out.append(it.get_output(0).copy())
    return np.concatenate(out)


@pytest.mark.parametrize("rep,rule", [("twos", "none"), ("hamming", "parity-lsb+range")])
def test_actmlp_on_device_equals_host_and_tflm(firmware, tmp_path, rep, rule):
    image = tmp_path / f"actmlp-{rep}.img"
    pack_model("digits:actmlp", image, repr_name=rep, detect=rule, testset=SAMPLES, board=firmware.board.name)
    img = read_image(image)
    model, _ = img.decode()
    assert {"sigmoid", "hardswish"} <= {op.kind for op in model.ops}
    x, y = img.testset
    host = model.forward(x)
    assert np.array_equal(host, tflm_logits(model, x)), "host reference differs from TFLM"
    assert np.mean(host.argmax(axis=1) == y) > 0.9     # a trained model, not noise
    with Qemu(firmware.board, firmware.elf, image=image, timeout=60) as q:
        dev = ModelDevice(q.client)
        for ber, seed in ((0.0, 0), (1e-3, 21), (1e-2, 22)):
            load, pred, correct, hostres, flips, target = _trial(dev, image, ber, seed, tmp_path)
            what = f"actmlp {rep}/{rule} BER {ber:g} seed {seed}"
            bad = np.flatnonzero(pred != hostres["predictions"])
            assert bad.size == 0, f"{what}: predictions differ at samples {bad[:20].tolist()}"
            assert (load["zeroed_parity"], load["zeroed_range"]) == (hostres["zeroed_parity"],
                                                                     hostres["zeroed_range"]), what
            if ber == 0:
                assert np.array_equal(pred, host.argmax(axis=1)), what
        dev.inject("clear")
        q.client.request("LOAD", flags=0)
        for i in range(8):
            got = q.client.request("INFER", index=i)
            assert got["output"] == host[i].tobytes(), f"sample {i}: device logits differ from host and TFLM"
