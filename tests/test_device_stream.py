"""Test sets that do not fit a board's flash: `eccless run --stream DATASET` sends the test split over the link in
CLASSIFY batches (only the model's bits are exposed to errors) and must predict exactly what the host loader
predicts on the same quantized inputs, clean and with INJECT's flips; the link's throughput is reported. Bad
requests (a count that does not match the bytes, nothing loaded) and bad options are refused in one line."""

from __future__ import annotations

import numpy as np
import pytest

from eccless import data
from eccless.commands.image import corrupt_image, pack_model
from eccless.commands.run import ModelDevice, run_image
from eccless.errors import UsageError
from eccless.firmware.build import build_firmware
from eccless.image.load import read_image
from eccless.link.client import DeviceStatusError
from eccless.link.qemu import Qemu, missing_tools

pytestmark = pytest.mark.qemu
if missing_tools():
    pytest.skip(missing_tools(), allow_module_level=True)

SAMPLES = 360


def _host_predictions(image, n: int) -> np.ndarray:
    img = read_image(image)
    model, _ = img.decode()
    ds = data.load("digits")
    return np.argmax(model.forward(model.quantize_input(ds.x_test[:n])), axis=1)


def test_streamed_test_set_equals_the_host(qemu_board, tmp_path):
    board = qemu_board
    image = tmp_path / "mlp.img"
    pack_model("digits:mlp", image, repr_name="twos", detect="parity-lsb+range", testset=0, board=board)
    clean = run_image(image, board=board, stream="digits", samples=SAMPLES, quiet=True)
    assert clean["samples"] == SAMPLES and clean["stream"]["bytes"] == SAMPLES * (64 + 2)
    assert clean["stream"]["throughput"] > 0
    host = _host_predictions(image, SAMPLES)
    assert np.array_equal(clean["predictions"][0], host)
    y = data.load("digits").y_test[:SAMPLES]
    assert clean["accuracy"]["per_trial"][0] == np.mean(host == y)
    noisy = run_image(image, board=board, stream="digits", samples=SAMPLES, ber=2e-3, seed=7, trials=2, quiet=True)
    for t in range(2):
        corrupt_image(image, tmp_path / "c.img", ber=2e-3, seed=7 + t, region="weights")
        assert np.array_equal(noisy["predictions"][t], _host_predictions(tmp_path / "c.img", SAMPLES)), t


def test_classify_refuses_bad_batches_and_bad_options(tmp_path):
    fw = build_firmware("qemu-mps2-an386")
    image = tmp_path / "mlp.img"
    pack_model("digits:mlp", image, repr_name="twos", detect="range", testset=0, board=fw.board.name)
    with Qemu(fw.board, fw.elf, image=image, timeout=60) as q:
        with pytest.raises(DeviceStatusError) as e:
            q.client.request("CLASSIFY", count=1, inputs=bytes(64))
        assert e.value.status == "ERR_NO_IMAGE"
        ModelDevice(q.client).load()
        for count, n in ((0, 0), (2, 64), (1, 63)):
            with pytest.raises(DeviceStatusError) as e:
                q.client.request("CLASSIFY", count=count, inputs=bytes(n))
            assert e.value.status == "ERR_ARG" and e.value.detail == 1
    with pytest.raises(UsageError, match=r"takes inputs of shape \(8, 8, 1\).*stream the dataset"):
        run_image(image, board=fw.board.name, stream="fashion-mnist", samples=10, quiet=True)
    with pytest.raises(UsageError, match=r"--samples must be in 1\.\."):
        run_image(image, board=fw.board.name, stream="digits", samples=0, quiet=True)
    with pytest.raises(UsageError, match="holds no test set.*--stream"):
        run_image(image, board=fw.board.name, quiet=True)
