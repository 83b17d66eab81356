"""The real flashers' commands and their failures, without a board.

- OpenOCD (when installed; `apt-get install openocd`): its own dry path parses the board's config and stops before
  `init`, and a real `program` with no probe attached fails with the one-line fix -- OpenOCD itself runs.
- Failures only a board produces (a verify that fails, a probe on another chip) replay OpenOCD's own messages
  through a stand-in `openocd` on PATH: the parsing is tested, the probe is not.
- pyOCD: its command lines, and the read-back verify, through a stand-in `pyocd` that keeps the flash in a file;
  with the real pyOCD installed (`pip install 'eccless[pyocd]'`), its target check and its no-probe failure.
Only a real board proves the probe, the flash algorithm and the medium; see the README's board section."""

from __future__ import annotations

import os
import shutil
import stat
import sys
from pathlib import Path

import pytest

from eccless.boards import load_board
from eccless.commands.image import pack_model
from eccless.flash import FlashError, check_flasher, flash_board

pytestmark = pytest.mark.unit
BOARD = "nucleo-f446re"
needs_openocd = pytest.mark.skipif(shutil.which("openocd") is None, reason="openocd not found: apt-get install openocd")


@pytest.fixture(scope="module")
def image(tmp_path_factory):
    path = tmp_path_factory.mktemp("tools") / "m.img"
    pack_model("digits:mlp", path, testset=20, board=BOARD)
    return path


def _board_with(tmp_path: Path, flasher: str) -> Path:
    """The nucleo's board file with another [[flasher]] table (same name, so images packed for it fit)."""
    text = load_board(BOARD).path.read_text()
    text = text[:text.index("[[flasher]]")] + flasher
    path = tmp_path / f"{BOARD}.toml"
    path.write_text(text)
    return path


def _stand_in(tmp_path: Path, name: str, body: str) -> Path:
    """An executable `name` on PATH that runs `body` (Python) instead of the real tool."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    exe = bin_dir / name
    exe.write_text(f"#!{sys.executable}\nimport os, sys\n{body}\n")
    exe.chmod(exe.stat().st_mode | stat.S_IXUSR)
    return bin_dir


# -- OpenOCD, the real one ---------------------------------------------------------------------------------------
@needs_openocd
def test_openocd_parses_the_boards_config_without_a_probe():
    res = check_flasher(BOARD, probe="066DFF485457725187092219")
    assert res["checked"] and res["command"].endswith("-f board/st_nucleo_f4.cfg -c adapter serial "
                                                      "066DFF485457725187092219 -c shutdown")


@needs_openocd
def test_openocd_check_names_a_config_it_lacks(tmp_path):
    board = _board_with(tmp_path, '[[flasher]]\nkind = "openocd"\nconfig = ["board/no_such_nucleo.cfg"]\n')
    with pytest.raises(FlashError, match=r"^openocd config check failed: .*Can't find board/no_such_nucleo.cfg"):
        check_flasher(str(board))


@needs_openocd
def test_openocd_program_without_a_probe_is_one_line_and_writes_nothing(image):
    with pytest.raises(FlashError, match=r"^openocd program m.img: no probe found for nucleo-f446re: plug in its "
                                         r"USB cable .* give --probe SERIAL"):
        flash_board(BOARD, image=image)


# -- OpenOCD's messages that need a board, replayed --------------------------------------------------------------
# lines as OpenOCD 0.12 prints them (its `program` procedure and the target/adapter code)
VERIFY_FAILED = ("Info : Verify Started\\nError: checksum mismatch - attempting binary compare\\n"
                 "diff 0 address 0x08020013. Was 0x5f instead of 0x7f\\n** Verify Failed **\\n"
                 "shutdown command invoked\\n")
OTHER_CHIP = ("Info : STLINK V2J37M26 (API v2) VID:PID 0483:374B\\nWarn : UNEXPECTED idcode: 0x2ba01477\\n"
              "Error: expected 1 of 1: 0x0bc11477\\n** OpenOCD init failed **\\n")


@pytest.mark.parametrize("stderr, message", [
    (VERIFY_FAILED, r"^openocd program m.img: flash verify failed: m.img in flash differs from the file, so it is "
                    r"not written; flash again, .*rated 10,000 erase cycles"),
    (OTHER_CHIP, r"^openocd program m.img: the probe is attached to another chip than nucleo-f446re's STM32F446RE: "
                 r"check which board is on the cable"),
])
def test_openocd_failures_become_one_line_with_the_fix(image, tmp_path, monkeypatch, stderr, message):
    bin_dir = _stand_in(tmp_path, "openocd", f"sys.stderr.write({stderr!r}); sys.exit(1)")
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    with pytest.raises(FlashError, match=message) as err:
        flash_board(BOARD, image=image)
    assert "\n" not in str(err.value)


# -- pyOCD ---------------------------------------------------------------------------------------------------------
PYOCD = '''
args = sys.argv[1:]
flash = os.environ["FAKE_PYOCD_FLASH"]
with open(os.environ["FAKE_PYOCD_LOG"], "a") as log:
    log.write(" ".join(args) + "\\n")
if args[0] == "list":
    print("  nrf52840   Nordic Semiconductor   NRF52840   builtin")
elif args[0] == "load":
    addr = int(args[args.index("--base-address") + 1], 16)
    data = open(args[-1], "rb").read()
    mem = bytearray(open(flash, "rb").read()) if os.path.exists(flash) else bytearray(1 << 20)
    mem[addr - 0x08000000:addr - 0x08000000 + len(data)] = data
    open(flash, "wb").write(bytes(mem))
elif args[0] == "commander":
    _, addr, size, out = args[args.index("-c") + 1].split()
    start = int(addr, 16) - 0x08000000
    data = bytearray(open(flash, "rb").read()[start:start + int(size)])
    if os.environ.get("FAKE_PYOCD_STUCK_BIT"):          # one cell that does not take its value
        data[100] ^= 0x08
    open(out, "wb").write(bytes(data))
'''


@pytest.fixture
def pyocd_board(tmp_path, monkeypatch):
    bin_dir = _stand_in(tmp_path, "pyocd", PYOCD)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("FAKE_PYOCD_FLASH", str(tmp_path / "flash.bin"))
    monkeypatch.setenv("FAKE_PYOCD_LOG", str(tmp_path / "log.txt"))
    return _board_with(tmp_path, '[[flasher]]\nkind = "pyocd"\ntarget = "nrf52840"\n')


def test_pyocd_writes_then_reads_back_to_verify(pyocd_board, image, tmp_path):
    board = load_board(str(pyocd_board))
    res = flash_board(str(pyocd_board), image=image, probe="E6614C311B", readback=2)
    assert res["flasher"] == "PyOcd" and res["readback"]["errors"] == 0
    base = f"{board.image.base:#x}"
    log = (tmp_path / "log.txt").read_text().splitlines()
    assert log[0] == f"load -W -t nrf52840 -u E6614C311B --base-address {base} --format bin {image}"
    assert log[1].startswith(f"commander -W -t nrf52840 -u E6614C311B -c savemem {base} {image.stat().st_size} ")
    assert len(log) == 4                                   # load, its verify, then the two read-backs


def test_pyocd_verify_failure_is_not_a_success(pyocd_board, image, monkeypatch):
    monkeypatch.setenv("FAKE_PYOCD_STUCK_BIT", "1")
    with pytest.raises(FlashError, match=r"^pyocd program m.img: flash verify failed: .*rated 10,000 erase cycles"
                                         r".* \(1 of [\d,]+ bytes differ\)$"):
        flash_board(str(pyocd_board), image=image)


def test_pyocd_target_check_and_missing_tool(pyocd_board, tmp_path, monkeypatch):
    assert check_flasher(str(pyocd_board))["command"].endswith("pyocd list --targets")
    (tmp_path / "other").mkdir()
    other = _board_with(tmp_path / "other", '[[flasher]]\nkind = "pyocd"\ntarget = "stm32f446retx"\n')
    with pytest.raises(FlashError, match=r"^pyocd target check: this pyOCD does not know nucleo-f446re's target: "
                                         r"install its CMSIS pack \(pyocd pack install STM32F446RE\)"):
        check_flasher(str(other))
    monkeypatch.setattr("eccless.flash.base.shutil.which", lambda name: None)
    with pytest.raises(FlashError, match=r"^pyocd not found: pip install 'eccless\[pyocd\]'$"):
        check_flasher(str(pyocd_board))


@pytest.mark.skipif(shutil.which("pyocd") is None, reason="pyocd not found: pip install 'eccless[pyocd]'")
def test_real_pyocd_knows_its_targets_and_wants_a_probe(tmp_path, image, monkeypatch):
    monkeypatch.delenv("FAKE_PYOCD_FLASH", raising=False)
    board = _board_with(tmp_path, '[[flasher]]\nkind = "pyocd"\ntarget = "nrf52840"\n')
    assert check_flasher(str(board))["checked"]
    with pytest.raises(FlashError, match=r"^pyocd program m.img: no probe found for nucleo-f446re"):
        flash_board(str(board), image=image)


@needs_openocd
@pytest.mark.cli
def test_cli_check_runs_openocds_dry_path(tmp_path):
    import subprocess

    run = subprocess.run([sys.executable, "-m", "eccless.cli", "flash", "--board", BOARD, "--check"],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith("OpenOcd check passed: ") and run.stdout.rstrip().endswith("-c shutdown")
    board = _board_with(tmp_path, '[[flasher]]\nkind = "openocd"\nconfig = ["board/no_such_nucleo.cfg"]\n')
    run = subprocess.run([sys.executable, "-m", "eccless.cli", "flash", "--board", str(board), "--check"],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 2 and run.stderr.count("\n") == 1 and "Can't find board/no_such_nucleo.cfg" in run.stderr
