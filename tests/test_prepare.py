"""`invoke run`'s preparation (eccless.commands.prepare) packs only what is missing or stale, and the invoke tasks
fail at once, with the install command, when the board's flasher tool is missing."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import pytest
from invoke import Exit

from eccless.commands import prepare as prep

pytestmark = pytest.mark.unit
ROOT = Path(__file__).resolve().parents[1]


def test_an_image_is_packed_when_missing_or_stale(tmp_path, monkeypatch):
    image = tmp_path / "m.img"
    args = dict(repr_name="twos", detect="parity-lsb", testset=10)
    assert prep.ensure_image("digits:mlp", image, "qemu-mps2-an386", **args)          # missing: packed
    first = image.read_bytes()
    mtime = image.stat().st_mtime_ns
    assert not prep.ensure_image("digits:mlp", image, "qemu-mps2-an386", **args)      # up to date: left alone
    assert image.stat().st_mtime_ns == mtime
    assert prep.ensure_image("digits:mlp", image, "qemu-mps2-an386", **{**args, "testset": 12})   # other args
    assert image.read_bytes() != first
    monkeypatch.setattr(prep, "_code_digest", lambda: "changed")                         # the packing code changed
    assert prep.ensure_image("digits:mlp", image, "qemu-mps2-an386", **{**args, "testset": 12})
    (image.with_name(image.name + ".stamp.json")).write_text("{torn")                 # a torn stamp: pack again
    assert prep.ensure_image("digits:mlp", image, "qemu-mps2-an386", **{**args, "testset": 12})


def test_invoke_flash_and_run_stop_at_once_without_the_flasher_tool(monkeypatch, tmp_path):
    monkeypatch.syspath_prepend(str(ROOT))
    tasks = importlib.import_module("tasks")
    monkeypatch.setattr("eccless.flash.base.shutil.which", lambda name: None)
    built = []
    monkeypatch.setattr(prep, "prepare", lambda *a, **k: built.append(1))
    with pytest.raises(Exit, match=r"^openocd not found: apt-get install openocd$"):
        tasks._flasher_ready("nucleo-f446re")
    config = tmp_path / "eccless.local.toml"
    config.write_text('[boards.nucleo-f446re]\nport = "/dev/ttyACM0"\n')
    monkeypatch.setenv("ECCLESS_CONFIG", str(config))
    with pytest.raises(Exit, match=r"^openocd not found"):
        tasks.run.body(None, board="nucleo-f446re")
    assert built == []                                     # nothing was built or packed first
    sys.modules.pop("tasks", None)
