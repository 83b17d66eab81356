"""On-device accuracy end to end, bit-exact with the host: for each image, one QEMU runs INJECT(seed) -> LOAD ->
EVAL trial after trial, and every trial must equal the host loader on the file `eccless corrupt` writes with the
same seed -- the same prediction for every stored sample, the same flips, the same zeroed counts per layer.

Models: the digits MLP, the LeNet-style CNN, a .tflite exported by `eccless export-tflite` and the converter-made
CNN of test_tflite_converter.py (conv, depthwise conv, max and average pooling, a standalone ReLU, reshape);
each in three representations, detection rules with parity and range among them. Skipped (naming the apt
command) without arm-none-eabi-gcc or qemu-system-arm.
"""

from __future__ import annotations

import base64
import json
import sys
import zlib
from pathlib import Path

import numpy as np
import pytest

from eccless.boards import DEFAULT_BOARD
from eccless.channel import ChannelConstants
from eccless.firmware.build import build_firmware
from eccless.link.client import DeviceStatusError
from eccless.link.qemu import Qemu, missing_tools
from eccless.protocol import BENCH_KINDS, LOAD_FLAGS
from eccless.commands.run import ModelDevice, channel_constants, run_image
from eccless.image.load import read_image
from eccless.commands.image import corrupt_image, evaluate_image, pack_model
from eccless.storage.bits import unpack_words
from board_needs import LENET_RAM, require_instruction_counts, require_ram

pytestmark = pytest.mark.qemu
if missing_tools():
    pytest.skip(missing_tools(), allow_module_level=True)

BERS = (1e-4, 1e-3)
SEEDS = (11, 12)
IMAGES = {  # name -> (model spec, dataset, [(representation, detection rule)], stored samples)
    "mlp": ("digits:mlp", None, [("twos", "none"), ("hamming", "parity-lsb+range"), ("optimized", "range")], 300),
    "lenet": ("digits:lenet", None, [("twos", "parity-extra"), ("hamming", "range"),
                                     ("optimized", "parity-extra+range"), ("twos", "range"),
                                     ("twos", "parity-lsb+range")], 200),
    "tflite": ("export", "digits", [("offset", "parity-lsb"), ("hamming", "none"), ("signmag", "range")], 300),
    "converter": ("converter", "digits", [("gray", "none"), ("twos", "parity-lsb+range"),
                                          ("optimized", "parity-extra")], 300),
}


@pytest.fixture(scope="module")
def firmware(qemu_board):
    return build_firmware(qemu_board)


@pytest.fixture(scope="module")
def model_files(tmp_path_factory):
    out = tmp_path_factory.mktemp("models")
    from eccless.modelsource import load_model_and_data
    from eccless.quant.int8 import quantize
    from eccless.tflite.export import export_tflite

    model, data = load_model_and_data("digits:mlp", None)
    export_tflite(quantize(model, data.x_train[:512]), out / "mlp.tflite")
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from test_tflite_converter import CONVERTER_CNN

    (out / "converter.tflite").write_bytes(zlib.decompress(base64.b64decode("".join(CONVERTER_CNN))))
    return {"export": str(out / "mlp.tflite"), "converter": str(out / "converter.tflite")}


def _image(tmp_path, model_files, name: str, rep: str, rule: str, board: str = DEFAULT_BOARD) -> Path:
    spec, dataset, _, samples = IMAGES[name]
    path = tmp_path / f"{name}-{rep}-{rule}.img"
    pack_model(model_files.get(spec, spec), path, repr_name=rep, detect=rule, testset=samples, dataset=dataset,
               board=board)
    return path


def _host_layers(path) -> list[tuple[int, int]]:
    """Zeroed (parity, range) per weighted op, from the host's RegionCodec."""
    img = read_image(path)
    layers = {}
    for t in img.codec.tensors:
        words = unpack_words(img.weights, t.width, t.count, t.offset)
        _, zp, zr = img.codec.decode_words(t, words, t.code.channel)
        a, b = layers.get(t.code.op, (0, 0))
        layers[t.code.op] = (a + zp, b + zr)
    return [layers[k] for k in sorted(layers)]


def _trial(dev: ModelDevice, image: Path, ber: float, seed: int, tmp_path, region="weights", channel="bsc"):
    """One device trial and the host's answer for the same seed."""
    dev.inject("clear")
    target = image
    if ber:
        constants = channel_constants(channel, ber)
        for r in ("weights", "protected") if region == "all" else (region,):
            dev.inject(r, constants, seed)
        target = tmp_path / f"c-{image.name}"
        flips = corrupt_image(image, target, ber=ber, seed=seed, region=region, channel=channel)["flips"]
    else:
        flips = {}
    load = dev.load()
    pred, correct, _ = dev.evaluate(load["samples"])
    host = evaluate_image(target)
    return load, pred, correct, host, flips, target


@pytest.mark.parametrize("name", list(IMAGES))
def test_device_predictions_equal_the_host_loader(name, firmware, model_files, tmp_path):
    if name == "lenet":
        require_ram(firmware.board, LENET_RAM, "the digits LeNet")
    for rep, rule in IMAGES[name][2]:
        image = _image(tmp_path, model_files, name, rep, rule, firmware.board.name)
        with Qemu(firmware.board, firmware.elf, image=image, timeout=60) as q:
            dev = ModelDevice(q.client)      # anything with request(): a Client, a Device
            for ber in (0.0, *BERS):
                for seed in SEEDS if ber else (0,):
                    load, pred, correct, host, flips, target = _trial(dev, image, ber, seed, tmp_path)
                    what = f"{name} {rep}/{rule} BER {ber:g} seed {seed}"
                    bad = np.flatnonzero(pred != host["predictions"])
                    assert bad.size == 0, f"{what}: predictions differ at samples {bad[:20].tolist()}"
                    assert correct == int(np.sum(host["predictions"] == read_image(image).testset[1])), what
                    assert load["flips_weights"] == flips.get("weights", 0), what
                    assert (load["zeroed_parity"], load["zeroed_range"]) == (host["zeroed_parity"],
                                                                             host["zeroed_range"]), what
                    assert [tuple(x) for x in load["layers"]] == _host_layers(target), what
                    assert load["params"] == sum(t.count for t in read_image(image).codec.tensors)


def test_protected_region_asym_channel_and_decoding_modes(firmware, model_files, tmp_path):
    """Region 'all' (protected on stream 1, repaired by the device's BCH decoder), the asymmetric channel, and
    decoding on the fly / without tables give the same predictions as the host and as the default mode."""
    image = _image(tmp_path, model_files, "mlp", "hamming", "parity-lsb+range", firmware.board.name)
    with Qemu(firmware.board, firmware.elf, image=image, timeout=60) as q:
        dev = ModelDevice(q.client)
        load, pred, _, host, flips, _ = _trial(dev, image, 2e-3, 5, tmp_path, region="all")
        assert np.array_equal(pred, host["predictions"])
        assert load["flips_protected"] == flips["protected"] > 0
        assert load["ecc_corrected"] == host["protected_bits_corrected"] > 0
        load, pred, _, host, _, _ = _trial(dev, image, 3e-3, 6, tmp_path, channel="asym:0.1")
        assert np.array_equal(pred, host["predictions"]) and load["zeroed_parity"] == host["zeroed_parity"]
        reference, _, _ = dev.evaluate(load["samples"])
        for flags in (dict(on_the_fly=True), dict(no_lut=True), dict(on_the_fly=True, no_lut=True)):
            again = dev.load(**flags)
            assert (again["zeroed_parity"], again["zeroed_range"]) == (load["zeroed_parity"], load["zeroed_range"])
            assert np.array_equal(dev.evaluate(load["samples"])[0], reference), flags
        on_the_fly = dev.load(on_the_fly=True)
        assert on_the_fly["arena_used"] < load["arena_used"]    # no decoded weights kept


def test_infer_sample_from_the_host_equals_the_stored_one(firmware, model_files, tmp_path):
    image = _image(tmp_path, model_files, "converter", "twos", "parity-lsb+range", firmware.board.name)
    img = read_image(image)
    model, _ = img.decode()
    x, _ = img.testset
    logits = model.forward(x[:5])
    with Qemu(firmware.board, firmware.elf, image=image, timeout=60) as q:
        q.client.request("LOAD", flags=0)
        for i in range(5):
            stored = q.client.request("INFER", index=i)
            sent = q.client.request("INFER", index=0xFFFFFFFF, input=x[i].tobytes())
            assert stored["label"] == sent["label"] == int(np.argmax(logits[i]))
            assert stored["output"] == sent["output"] == logits[i].tobytes()


def test_run_reports_accuracy_ci_and_costs(firmware, model_files, tmp_path):
    require_instruction_counts(firmware.board)
    image = _image(tmp_path, model_files, "mlp", "twos", "parity-lsb", firmware.board.name)
    res = run_image(image, board=firmware.board.name, ber=1e-3, seed=40, trials=3, quiet=True)
    host = []
    for t in range(3):
        corrupt_image(image, tmp_path / "c.img", ber=1e-3, seed=40 + t)
        host.append(evaluate_image(tmp_path / "c.img"))
    assert res["accuracy"]["per_trial"] == [h["accuracy"] for h in host]
    assert res["accuracy"]["ci95"] is not None and res["accuracy"]["mean"] == pytest.approx(
        np.mean([h["accuracy"] for h in host]))
    assert res["detection"]["zeroed_parity"] == [h["zeroed_parity"] for h in host]
    for t in range(3):
        assert np.array_equal(res["predictions"][t], host[t]["predictions"])
    ins = res["instructions"]
    assert ins["counted"] and ins["per_inference"] > 1000 and ins["load_pass"] > ins["decode_pass"] > 0
    assert res["firmware"]["text"] > 0 and 0 < res["ram"]["arena_used"] < res["ram"]["arena_size"]
    k = ChannelConstants.symmetric(1e-3)
    assert channel_constants("bsc", 1e-3) == k
    ref = run_image(image, board=firmware.board.name, ber=1e-3, seed=40, trials=1, variant="reference",
                    quiet=True)   # the other kernels
    assert np.array_equal(ref["predictions"][0], host[0]["predictions"])


def test_cli_run_prints_accuracy_and_costs(model_files, tmp_path, capsys):
    from eccless import cli

    image = _image(tmp_path, model_files, "mlp", "gray", "range")
    assert cli.main(["run", str(image), "--ber", "1e-3", "--trials", "2", "--seed", "1"]) == 0
    out = capsys.readouterr().out
    import re

    assert re.search(r"accuracy [\d.]+ % \(95 % CI [\d.]+ \.\. [\d.]+ %, t over 2 trials(, clipped to \[0, 100\])?\) "
                     r"on 300 stored samples, BER 0.001 \(bsc, weights\), 2 trials", out), out
    assert "per inference; load pass" in out and "firmware text" in out and "model arena" in out
    assert cli.main(["run", str(image), "--json"]) == 0
    res = json.loads(capsys.readouterr().out)
    assert res["trials"] == 1 and res["accuracy"]["ci95"] is None and res["samples"] == 300


def test_bench_kinds(firmware, model_files, tmp_path):
    require_instruction_counts(firmware.board)
    require_ram(firmware.board, LENET_RAM, "the digits LeNet")
    image = _image(tmp_path, model_files, "lenet", "twos", "none", firmware.board.name)
    with Qemu(firmware.board, firmware.elf, image=image, timeout=60) as q:
        c = q.client
        load = c.request("LOAD", flags=0)
        infer = c.request("BENCH", kind=2, iterations=2, arg=0)
        layers = [c.request("BENCH", kind=3, iterations=1, arg=i)["instructions"] for i in range(8)]
        decode = c.request("BENCH", kind=1, iterations=1, arg=0)
        again = c.request("BENCH", kind=0, iterations=1, arg=0)
        # two inferences of 66,600 MACs: real counts, even for the fastest kernels (mve, about 0.66 per MAC)
        assert infer["iterations"] == 2 and infer["instructions"] > 60_000
        assert abs(sum(layers) - infer["instructions"] / 2) < 0.05 * infer["instructions"]
        # BENCH decode is decode + detect alone; LOAD's count adds packing the weights for the kernels
        packing = load["decode_instructions"] - decode["instructions"]
        assert 0 < packing < load["decode_instructions"]
        assert abs(again["instructions"] - load["instructions"]) < 0.05 * load["instructions"]
        with pytest.raises(DeviceStatusError, match="detail 1"):
            c.request("BENCH", kind=9, iterations=1, arg=0)
        with pytest.raises(DeviceStatusError, match="detail 3"):
            c.request("BENCH", kind=3, iterations=1, arg=8)
        # BENCH kernel: the last dense op's kernel call alone, a part of its layer's count (no dispatch, no timer
        # reads per call); ops that are not dense with weights in RAM are refused
        kernel = c.request("BENCH", kind=BENCH_KINDS["kernel"], iterations=100, arg=7)
        per_call = kernel["instructions"] / kernel["iterations"]
        assert 0.5 * layers[7] < per_call < layers[7], (per_call, layers[7])
        for op in (0, 8):  # a conv, and past the last op
            with pytest.raises(DeviceStatusError, match="detail 3"):
                c.request("BENCH", kind=BENCH_KINDS["kernel"], iterations=1, arg=op)
        # weights left in flash: the op's kernel is the in-place one over its tiles (ed_flash_run)
        c.request("LOAD", flags=1 << LOAD_FLAGS["weights_flash"])
        flash_layer = c.request("BENCH", kind=3, iterations=1, arg=7)["instructions"]
        flash_kernel = c.request("BENCH", kind=BENCH_KINDS["kernel"], iterations=10, arg=7)
        assert 0.5 * flash_layer < flash_kernel["instructions"] / 10 < flash_layer, (flash_kernel, flash_layer)
