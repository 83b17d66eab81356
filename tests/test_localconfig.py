"""eccless.local.toml (eccless.localconfig): the lab wiring and shared parameters that the CLI, invoke and the hil
options read, with the command line winning; a bad file is one line naming the file and the key."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from eccless import localconfig
from eccless.errors import UsageError

ROOT = Path(__file__).resolve().parents[1]
LOCAL = """
[defaults]
board = "nucleo-f446re"
seed = 7
repr = "gray"

[boards.nucleo-f446re]
port = "socket://127.0.0.1:9"
probe = "066DFF11"
"""


@pytest.mark.unit
def test_the_command_line_wins_then_the_board_then_defaults(tmp_path, monkeypatch):
    path = tmp_path / "eccless.local.toml"
    path.write_text(LOCAL)
    cfg = localconfig.load(path)
    assert cfg.board() == "nucleo-f446re" and cfg.board("qemu-mps2-an386") == "qemu-mps2-an386"
    assert cfg.get("probe", "nucleo-f446re") == "066DFF11" and cfg.get("probe", "nucleo-f446re", "AB") == "AB"
    assert cfg.get("probe", "boards/nucleo-f446re.toml") == "066DFF11"      # a board given as its file
    assert cfg.get("port", "qemu-mps2-an386") is None                       # no wiring for that board
    monkeypatch.setenv(localconfig.ENV, str(path))
    assert localconfig.load().path == path
    monkeypatch.setenv(localconfig.ENV, "")
    assert localconfig.load() == localconfig.LocalConfig()                  # explicitly none


@pytest.mark.unit
@pytest.mark.parametrize("text, message", [
    ("[defaults]\nprot = 3\n", r"unknown key 'prot' in \[defaults\] \(known: board, port, probe"),
    ("[defaults]\nseed = \"x\"\n", r"\[defaults\] seed = 'x' must be a int"),
    ("[boards.nucleo-f446re]\nrepr = \"gray\"\n", r"unknown key 'repr' in \[boards.nucleo-f446re\]"),
    ("[lab]\nport = 1\n", r"unknown table 'lab'"),
    ("[defaults\n", r"eccless.local.toml: "),
])
def test_a_bad_file_is_one_line(tmp_path, text, message):
    path = tmp_path / "eccless.local.toml"
    path.write_text(text)
    with pytest.raises(UsageError, match=message):
        localconfig.load(path)


@pytest.mark.unit
def test_a_named_file_that_is_missing_is_refused(tmp_path, monkeypatch):
    monkeypatch.setenv(localconfig.ENV, str(tmp_path / "nope.toml"))
    with pytest.raises(UsageError, match=r"ECCLESS_CONFIG=.*nope.toml: no such file"):
        localconfig.load()


def _cli(args, config: Path | str, **env):
    return subprocess.run([sys.executable, "-m", "eccless.cli", *args], capture_output=True, text=True, timeout=120,
                          env={**os.environ, localconfig.ENV: str(config), **env})


@pytest.mark.cli
def test_cli_takes_board_and_probe_from_the_file_and_flags_win(tmp_path):
    from eccless.commands.image import pack_model

    image = tmp_path / "m.img"
    pack_model("digits:mlp", image, testset=5, board="nucleo-f446re")
    path = tmp_path / "eccless.local.toml"
    path.write_text(LOCAL)
    run = _cli(["flash", str(image), "--dry-run", "--flasher", "openocd"], path)     # no --board, no --probe
    assert run.returncode == 0, run.stderr
    assert "-c adapter serial 066DFF11" in run.stdout
    run = _cli(["flash", str(image), "--dry-run", "--flasher", "openocd", "--probe", "FFEE"], path)
    assert "-c adapter serial FFEE" in run.stdout and "066DFF11" not in run.stdout
    run = _cli(["flash", str(image), "--dry-run", "--flasher", "openocd"], path, ECCLESS_PROBE="ENV1")
    assert "-c adapter serial ENV1" in run.stdout
    bad = tmp_path / "bad.toml"
    bad.write_text("[defaults]\nbaord = 'x'\n")
    run = _cli(["flash", str(image), "--dry-run"], bad)
    assert run.returncode == 2 and run.stderr.count("\n") == 1 and "unknown key 'baord'" in run.stderr


@pytest.mark.unit
def test_the_example_file_is_valid_and_the_real_one_is_ignored():
    cfg = localconfig.load(ROOT / "eccless.local.example.toml")
    assert cfg.board() == "nucleo-f446re" and cfg.get("port", "nucleo-f446re") == "/dev/ttyACM0"
    assert localconfig.FILE_NAME in (ROOT / ".gitignore").read_text().split()
