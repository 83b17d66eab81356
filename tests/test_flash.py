"""eccless flash: the board's flasher writes the image (and the firmware), a dry run shows the real commands, and
--readback measures the medium's raw bit error rate with its interval. CI proves the path with the fake probe
(a flash in a file, bits flipped on read at ECCLESS_FAKE_PROBE_BER) and OpenOCD's command lines; only a real board
proves the probe, the flash algorithm and the medium's own errors."""

from __future__ import annotations

import subprocess
import sys

import pytest

from eccless.boards import boards_with, load_board
from eccless.commands.image import pack_model
from eccless.errors import UsageError
from eccless.flash import FlashError, flash_board, readback_ber

pytestmark = pytest.mark.unit
REAL = [n for n in ("nucleo-f446re",) if load_board(n).flashers]


@pytest.fixture(scope="module")
def image(tmp_path_factory):
    path = tmp_path_factory.mktemp("flash") / "m.img"
    pack_model("digits:mlp", path, testset=20, board="nucleo-f446re")
    return path


@pytest.fixture(autouse=True)
def probe_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("ECCLESS_FAKE_PROBE_DIR", str(tmp_path / "probe"))
    monkeypatch.delenv("ECCLESS_FAKE_PROBE_BER", raising=False)


def test_fake_probe_writes_the_image_where_the_board_keeps_it(image, tmp_path):
    res = flash_board("nucleo-f446re", image=image, flasher="fake", readback=3)
    board = load_board("nucleo-f446re")
    flash = (tmp_path / "probe" / "nucleo-f446re.bin").read_bytes()
    off = board.image.base - board.code.base
    assert flash[off:off + image.stat().st_size] == image.read_bytes()
    r = res["readback"]
    assert r["errors"] == 0 and r["bits"] == 3 * 8 * image.stat().st_size and r["ber"] == 0
    assert r["ci95"][0] == 0 and 3.8 / r["bits"] < r["ci95"][1] < 3.9 / r["bits"]     # zero errors: ~3.84 / bits


def test_readback_measures_the_mediums_ber(image, monkeypatch):
    monkeypatch.setenv("ECCLESS_FAKE_PROBE_BER", "1e-3")
    r = flash_board("nucleo-f446re", image=image, flasher="fake", readback=4)["readback"]
    lo, hi = r["ci95"]
    assert r["errors"] > 0 and lo < 1e-3 < hi and lo < r["ber"] < hi


def test_wilson_interval_matches_its_formula():
    r = readback_ber(10, 10_000)
    assert r["ber"] == 1e-3 and r["ci95"] == pytest.approx((5.43e-4, 1.84e-3), rel=0.01)
    with pytest.raises(UsageError):
        readback_ber(0, 0)


@pytest.mark.parametrize("name", REAL)
def test_openocd_dry_run_shows_the_real_commands(name, image):
    board = load_board(name)
    res = flash_board(name, image=image, what="both", probe="066DFF", dry_run=True)
    cfg = board.flashers[0]["config"][0]
    assert res["dry_run"] and [p["what"] for p in res["programmed"]] == ["firmware", "image"]
    fw, img = res["commands"]
    assert f"-f {cfg}" in fw and "-c adapter serial 066DFF" in fw and fw.endswith("firmware.elf verify reset exit")
    assert img.endswith(f"program {image} {board.image.base:#x} verify reset exit")


def test_missing_openocd_is_one_line_with_the_install_command(image, monkeypatch):
    monkeypatch.setattr("eccless.flash.base.shutil.which", lambda name: None)
    with pytest.raises(FlashError, match=r"^openocd not found: apt-get install openocd$"):
        flash_board("nucleo-f446re", image=image)


def test_bad_requests_are_refused_before_any_probe(image, tmp_path):
    other = tmp_path / "other.img"
    pack_model("digits:mlp", other, testset=5)                           # packed for the default QEMU board
    with pytest.raises(UsageError, match="was packed for board 'qemu-mps2-an386', not 'nucleo-f446re'"):
        flash_board("nucleo-f446re", image=other, flasher="fake")
    with pytest.raises(UsageError, match="runs in QEMU"):
        flash_board(boards_with("qemu")[0], image=image)
    with pytest.raises(UsageError, match="--readback -1"):
        flash_board("nucleo-f446re", image=image, readback=-1)
    with pytest.raises(UsageError, match="image file not found"):
        flash_board("nucleo-f446re", image=tmp_path / "none.img")
    with pytest.raises(UsageError, match="unknown flasher 'jtagice'"):
        flash_board("nucleo-f446re", image=image, flasher="jtagice")


@pytest.mark.cli
def test_cli_dry_run_and_a_bad_option(image):
    run = subprocess.run([sys.executable, "-m", "eccless.cli", "flash", str(image), "--board", "nucleo-f446re",
                          "--dry-run"], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert "would run: " in run.stdout and "verify reset exit" in run.stdout
    bad = subprocess.run([sys.executable, "-m", "eccless.cli", "flash", str(image), "--board", "nucleo-f446re",
                          "--readback", "-3"], capture_output=True, text=True, timeout=120)
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1 and "--readback -3" in bad.stderr
