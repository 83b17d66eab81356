"""INFO's image hash, boot counter and uptime, and what the host does with them: a reset mid-run is one line
(link/watch.py), an image the device already holds is not flashed again (flash/session.py).

The QEMU tests reset the firmware with the debug RESET command (AIRCR.SYSRESETREQ): QEMU's system reset keeps RAM,
so the .noinit boot counter goes from 1 to 2 on every QEMU board, as it does on a board after a warm reset; a new
QEMU process is a power-on (1 again)."""

from __future__ import annotations

import time
import zlib

import pytest

from eccless.boards import boards_with, load_board
from eccless.commands.image import pack_model
from eccless.commands.run import run_image
from eccless.firmware.build import build_firmware
from eccless.flash import FlashError, flash_board
from eccless.link import open_device
from eccless.link.fake import default_info
from eccless.link.qemu import Qemu, missing_tools
from eccless.link.watch import DeviceResetError, ResetWatch, reset_between
from eccless.protocol import command
from eccless.protocol.framing import encode_frame

RESET = encode_frame(command("RESET").id, 0)


def _reset(dev) -> None:
    """Send RESET (no reply comes) and wait until the firmware answers again."""
    dev.client.send_raw(RESET)
    time.sleep(0.1)
    dev.client.wait_ready(5.0)


# -- unit: the rule and the fake device ------------------------------------------------------------------------
@pytest.mark.unit
def test_reset_rule_names_what_changed():
    a = dict(boot_count=3, uptime=2_500_000, timer_hz=25_000_000)
    assert reset_between(a, {**a, "uptime": 2_600_000}) is None
    assert reset_between(a, {**a, "boot_count": 4, "uptime": 50}) == "boot counter 3 -> 4, uptime 0.1 s -> 2e-06 s"
    # a power cycle whose counter restarts at the value it had: the uptime still went backwards
    assert reset_between(a, {**a, "uptime": 10}) == "uptime 0.1 s -> 4e-07 s"
    # a board without a running timer reports uptime 0 throughout: only the counter speaks
    z = dict(boot_count=1, uptime=0, timer_hz=0)
    assert reset_between(z, z) is None and reset_between(z, {**z, "boot_count": 2}) == "boot counter 1 -> 2"


@pytest.mark.unit
def test_fake_device_resets_like_the_firmware():
    with open_device("loop", debug=True) as dev:
        watch = ResetWatch(dev.info(), name="loop")
        time.sleep(0.3)                              # longer than the reset below takes: uptime goes backwards
        assert watch.check(dev.info())["uptime"] > watch.first["uptime"]       # its clock runs
        _reset(dev)
        with pytest.raises(DeviceResetError, match=r"^loop: the device reset during the run \(boot counter 1 -> 2, "
                                                   r"uptime .* s -> .* s\): what it reported since belongs"):
            watch.check(dev.info())
    with open_device("loop") as dev:                                           # release: RESET is refused
        assert dev.transact(command("RESET").id).code & 0x7F == 7


# -- unit: flashing skips an image the device already holds ------------------------------------------------------
@pytest.fixture(scope="module")
def nucleo_image(tmp_path_factory):
    path = tmp_path_factory.mktemp("skip") / "m.img"
    pack_model("digits:mlp", path, testset=20, board="nucleo-f446re")
    return path


@pytest.mark.unit
def test_flash_skips_an_image_the_device_holds(nucleo_image, tmp_path, monkeypatch):
    monkeypatch.setenv("ECCLESS_FAKE_PROBE_DIR", str(tmp_path / "probe"))
    data = nucleo_image.read_bytes()
    held = default_info(load_board("nucleo-f446re"), image_bytes=len(data), image_crc=zlib.crc32(data))
    with open_device("loop", info=held) as dev:
        res = flash_board("nucleo-f446re", image=nucleo_image, flasher="fake", device=dev)
        assert res["programmed"] == [] and "already holds it" in res["skipped"]["reason"]
        assert not (tmp_path / "probe" / "nucleo-f446re.bin").exists()          # nothing was written
        res = flash_board("nucleo-f446re", image=nucleo_image, flasher="fake", device=dev, force=True)
        assert [p["what"] for p in res["programmed"]] == ["image"] and "skipped" not in res
    other = default_info(load_board("nucleo-f446re"), image_bytes=len(data), image_crc=zlib.crc32(data) ^ 1)
    with open_device("loop", info=other) as dev:       # one bit off in flash: written, but the device still reads
        with pytest.raises(FlashError, match=r"^after the write, nucleo-f446re reads an image of .* the write did "
                                             r"not take; flash again with --force.*rated 10,000 erase cycles"):
            flash_board("nucleo-f446re", image=nucleo_image, flasher="fake", device=dev)   # the old bytes
    res = flash_board("nucleo-f446re", image=nucleo_image, flasher="fake", device="socket://127.0.0.1:9")
    assert [p["what"] for p in res["programmed"]] == ["image"] and "cannot open" in res["device"]["unreachable"]


# -- QEMU: the firmware's own INFO, RESET and a run that notices ------------------------------------------------
needs_qemu = pytest.mark.skipif(bool(missing_tools()), reason=str(missing_tools()))


@pytest.mark.qemu
@needs_qemu
@pytest.mark.parametrize("name", [n for n in boards_with("qemu") if load_board(n).errors_are_real][:1]
                         + ["qemu-mps2-an386"])
def test_info_hashes_the_image_and_counts_boots(name, tmp_path):
    board = load_board(name)
    image = tmp_path / "m.img"
    pack_model("digits:mlp", image, testset=10, board=board.name)
    data = image.read_bytes()
    fw = build_firmware(board, debug=True)
    with open_device(f"qemu:{board.path}", elf=fw.elf, image=str(image), timeout=10.0) as dev:
        first = dev.info()
        assert (first["image_bytes"], first["image_crc"]) == (len(data), zlib.crc32(data))
        assert first["boot_count"] == 1                                        # a new QEMU process: power-on
        time.sleep(0.3)                              # longer than the reset below takes: uptime goes backwards
        second = dev.info()
        assert second["uptime"] > first["uptime"] > 0 and second["boot_count"] == 1
        _reset(dev)
        third = dev.info()
        assert third["boot_count"] == 2 and third["uptime"] < second["uptime"]  # RAM kept, timer restarted
        assert reset_between(second, third).startswith("boot counter 1 -> 2, uptime ")
    with Qemu(board, fw.elf) as q:                                             # no image: nothing to hash
        info = q.client.info()
        assert (info["image_bytes"], info["image_crc"], info["boot_count"]) == (0, 0, 1)


@pytest.mark.qemu
@needs_qemu
def test_run_stops_with_one_line_when_the_board_resets(tmp_path, monkeypatch):
    """A run whose device resets between two trials ends with DeviceResetError, not with mixed results."""
    from eccless.commands import run as run_mod

    board = load_board("qemu-mps2-an386")
    image = tmp_path / "m.img"
    pack_model("digits:mlp", image, testset=10, board=board.name)
    evaluate = run_mod.ModelDevice.evaluate
    calls = []

    def evaluate_then_reset(self, *a, **kw):
        out = evaluate(self, *a, **kw)
        calls.append(1)
        if len(calls) == 2:
            _reset(self.device)                       # the board resets after the second trial's EVAL
        return out

    monkeypatch.setattr(run_mod.ModelDevice, "evaluate", evaluate_then_reset)
    monkeypatch.setattr(run_mod, "open_device", lambda spec, **kw: open_device(spec, debug=True, **kw))  # RESET
    with pytest.raises(DeviceResetError, match=r"the device reset during the run \(boot counter 1 -> 2"):
        run_image(image, device=f"qemu:{board.path}", ber=1e-3, trials=4, quiet=True)
    assert len(calls) == 2


@pytest.mark.qemu
@needs_qemu
def test_flash_asks_the_firmware_over_its_port(tmp_path, monkeypatch):
    """A stand-in on a socket holds an image: flashing the same file is skipped by INFO's CRC; another file is
    written by the (fake) probe, and the firmware -- still holding the old bytes -- makes that a FlashError."""
    from qemu_socket import qemu_on_socket

    monkeypatch.setenv("ECCLESS_FAKE_PROBE_DIR", str(tmp_path / "probe"))
    board = load_board("qemu-netduinoplus2")
    held, other = tmp_path / "held.img", tmp_path / "other.img"
    pack_model("digits:mlp", held, testset=10, board=board.name)
    pack_model("digits:mlp", other, testset=11, board=board.name)
    with qemu_on_socket(board, build_firmware(board).elf, held) as url:
        res = flash_board(board, image=held, flasher="fake", device=url)
        assert res["programmed"] == [] and "already holds it" in res["skipped"]["reason"]
        size, crc = held.stat().st_size, zlib.crc32(held.read_bytes())
        with pytest.raises(FlashError, match=rf"^after the write, qemu-netduinoplus2 reads an image of {size:,} B "
                                             rf"with CRC-32 {crc:08x}"):
            flash_board(board, image=other, flasher="fake", device=url)
