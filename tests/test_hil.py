"""Hardware in the loop: the end-to-end checks against whatever device the command line names, over its serial
port -- a real board, or a QEMU stand-in whose console UART is a TCP socket (how CI proves the serial path).

    pytest -m hil --board nucleo-f446re --port /dev/ttyACM0 --image m.img   # a flashed board (image packed for it)
    pytest -m hil --standin qemu-netduinoplus2                               # CI: QEMU on a socket, image packed here
    pytest -m hil --image m.img --flash             # board, port and probe from eccless.local.toml; flash if changed

The bodies are the QEMU tests' own checks: INFO names the board; predictions and detection counts equal the host
loader's, clean and with on-device injection; DIGEST equals the host's decode value for value; bad requests are
refused and the device keeps answering. Without --port or --standin every test here is skipped, naming the options.
"""

from __future__ import annotations

import hashlib
import os
import time
import zlib
from pathlib import Path

import numpy as np
import pytest
from host_digests import host_digests
from qemu_socket import qemu_on_socket

from eccless.boards import load_board
from eccless.commands.image import corrupt_image, evaluate_image, pack_model
from eccless.commands.run import ModelDevice, channel_constants
from eccless.firmware.build import build_firmware
from eccless.flash import flash_board
from eccless.image.load import read_image
from eccless.link import DeviceStatusError, open_device
from eccless.link.qemu import missing_tools
from eccless.link.watch import ResetWatch
from eccless.protocol import INFO_FLAGS, MAX_PAYLOAD
from eccless.sweep.stats import wilson_interval

pytestmark = pytest.mark.hil
SEEDS = (5, 6)
BER = 1e-3


@pytest.fixture(scope="module")
def hil(request, tmp_path_factory, local_config):
    """(serial URL, board, image file) of the device under test; a stand-in QEMU lives as long as the module.
    --board and --port default to eccless.local.toml's; --flash writes the image first (unless it is there)."""
    opt = request.config.getoption
    standin = opt("--standin")
    board_name = local_config.board(opt("--board"))
    port = local_config.get("port", board_name, opt("--port")) if board_name else opt("--port")
    if standin:
        if missing_tools():
            pytest.skip(missing_tools())
        board = load_board(standin)
        image = tmp_path_factory.mktemp("hil") / "mlp.img"
        pack_model("digits:mlp", image, repr_name="twos", detect="parity-lsb+range", testset=60, board=board.name)
        with qemu_on_socket(board, build_firmware(board).elf, image) as url:
            yield url, board, image
        return
    if not port:
        pytest.skip("no device: give --board NAME --port /dev/ttyACM0 --image FLASHED.img for a board (or put "
                    "board and port in eccless.local.toml), or --standin QEMU_BOARD for a QEMU stand-in on a socket")
    image = opt("--image")
    if not board_name or not image:
        pytest.fail("--port needs --board NAME and --image FILE (the image flashed on that board)")
    board = load_board(board_name)
    if opt("--flash"):
        res = flash_board(board, image=image, what="image", device=port,
                          probe=os.environ.get("ECCLESS_PROBE") or local_config.get("probe", board.name))
        print(f"flash: {res.get('skipped', {}).get('reason') or 'image written and verified'}")
    yield port, board, Path(image)


@pytest.fixture(scope="module")
def device(hil, hil_record):
    """The open device; its first INFO starts the run's summary (tests/hil_report.py) and the reset watch."""
    url, board, image = hil
    with open_device(url, timeout=10.0) as dev:
        info = dev.info()
        fw = info["firmware"]
        hil_record.update(board=board.name, port=url, firmware=f"{fw >> 16}.{fw >> 8 & 0xFF}.{fw & 0xFF}",
                          firmware_build_id=f"{info['build_id']:08x}", image=str(image),
                          image_sha256=hashlib.sha256(image.read_bytes()).hexdigest(),
                          image_crc32_on_device=f"{info['image_crc']:08x}", boot_count=info["boot_count"])
        dev.watch = ResetWatch(info, name=url)
        yield dev


def _cost(info: dict, ticks: int, instructions: int, samples: int) -> dict:
    """Per inference: instructions where the board counts them, CPU cycles where its timer is a cycle counter,
    else timer ticks and seconds."""
    out = {"ticks": ticks / samples, "seconds": ticks / samples / info["timer_hz"] if info["timer_hz"] else None}
    if info["flags"] >> INFO_FLAGS["icount"] & 1:
        out["instructions"] = instructions / samples
    if info["flags"] >> INFO_FLAGS["cycles"] & 1:
        out["cycles"] = ticks / samples
    return out


def test_info_names_the_board(device, hil):
    _, board, _ = hil
    info = device.info()
    assert info["board"] == board.name
    assert (info["image_base"], info["image_size"]) == (board.image.base, board.image.size)


def test_info_reports_the_image_it_holds(device, hil):
    """What `eccless flash` compares before writing: INFO's length and CRC-32 of the image in flash equal the file's
    (on a real board: unless the flash has lost bits since it was written; then flashing it again is right)."""
    _, _, image = hil
    data = image.read_bytes()
    info = device.info()
    assert (info["image_bytes"], info["image_crc"]) == (len(data), zlib.crc32(data))
    assert info["boot_count"] >= 1


def test_predictions_and_counts_equal_the_host_clean_and_injected(device, hil, tmp_path, hil_record):
    _, _, image = hil
    dev = ModelDevice(device)
    detections = hil_record.setdefault("detections", [])
    for seed in (None, *SEEDS):
        dev.inject("clear")
        target = image
        if seed is not None:
            dev.inject("weights", channel_constants("bsc", BER), seed)
            target = tmp_path / f"c{seed}.img"
            corrupt_image(image, target, ber=BER, seed=seed, region="weights")
        load = dev.load()
        pred, correct, instructions = dev.evaluate(load["samples"])
        host = evaluate_image(target)
        assert np.array_equal(pred, host["predictions"]), seed
        assert correct == int(np.sum(host["predictions"] == read_image(image).testset[1]))
        assert (load["zeroed_parity"], load["zeroed_range"]) == (host["zeroed_parity"], host["zeroed_range"]), seed
        detections.append({"seed": seed, "ber": BER if seed is not None else 0.0, "correct": correct,
                           "samples": load["samples"], "zeroed_parity": load["zeroed_parity"],
                           "zeroed_range": load["zeroed_range"], "flips_weights": load["flips_weights"]})
        if seed is None:
            hil_record["accuracy"] = {"correct": correct, "samples": load["samples"],
                                      "mean": correct / load["samples"],
                                      "ci95_wilson": wilson_interval(correct, load["samples"])}
            hil_record["per_inference"] = _cost(device.info(), dev.eval_ticks, instructions, load["samples"])
            hil_record["load"] = {"ticks": load["ticks"], "instructions": load["instructions"],
                                  "decode_instructions": load["decode_instructions"]}
    dev.inject("clear")


def test_digest_equals_the_host_decode(device, hil):
    _, _, image = hil
    host = host_digests(image)
    dev = ModelDevice(device)
    dev.inject("clear")
    dev.load()
    assert [dev.digest(i) for i in range(len(host))] == host


def test_bad_requests_are_refused_and_the_device_keeps_answering(device):
    with pytest.raises(DeviceStatusError, match="out of range"):
        device.request("BENCH", kind=9, iterations=1, arg=0)
    with pytest.raises(DeviceStatusError):
        device.request("DIGEST", op=250)
    assert device.info()["protocol"] > 0


def test_link_throughput(device, hil_record):
    """ECHO of MAX_PAYLOAD-sized frames, timed on this run: bytes each way per second over the device's own link
    (a real UART at 115200 baud carries about 11.5 KB/s; QEMU's emulated UART takes about 20 KB/s towards the
    guest)."""
    data = bytes(range(256)) * (MAX_PAYLOAD // 256)
    device.echo(data[:16])                                    # warm: the first request may pay a resynchronisation
    rounds = 4
    t0 = time.perf_counter()
    for _ in range(rounds):
        assert device.echo(data) == data
    seconds = time.perf_counter() - t0
    hil_record["link"] = {"echo_payload": len(data), "rounds": rounds, "seconds": round(seconds, 4),
                          "bytes_per_second_each_way": round(rounds * len(data) / seconds)}
    assert seconds > 0


def test_zz_no_reset_during_the_run(device, hil_record):
    """Last in the file: the board answered the whole run from one boot (boot counter and uptime, link/watch.py)."""
    info = device.watch.check(device.info())
    hil_record["resets"] = 0
    hil_record["uptime_seconds"] = info["uptime"] / info["timer_hz"] if info["timer_hz"] else None
