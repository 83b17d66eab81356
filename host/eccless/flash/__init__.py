"""Writing a board's flash with a real, maintained flasher chosen by the board file, and reading it back to measure
the medium's own bit errors. Flashers are a registry (one module each): `openocd` (Debian's OpenOCD: ST-LINK,
J-Link, CMSIS-DAP probes, offline), `pyocd` (PyPI, an extra: chips among its built-in targets), `uf2` (a copy to a
boot ROM's USB drive, e.g. the RP2040's RPI-RP2) and `fake` (a probe that keeps the flash in a file and records the
commands it would run, for CI and dry runs). Lab wiring (which probe) comes from --probe, ECCLESS_PROBE or
eccless.local.toml, never the board file.

Adding a flasher: a module with a class built as Cls(entry, probe=, dry_run=, board=) that has `tool` (its
executable, or None), `commands`, `program(path, address)` and `read(address, size)` (FlashError where the medium
cannot be read back), then one FLASHERS.add line below; boards name it in [[flasher]] kind.

    flash_board(board, image="m.img", what="image")                 # the image only: the normal case
    flash_board(board, image="m.img", what="both", readback=10)     # + firmware; then 10 reads, BER with its bound
"""

from __future__ import annotations

from ..registry import Registry
from .base import Flasher, FlashError
from .fake import FakeFlasher
from .openocd import OpenOcd
from .pyocd import PyOcd
from .session import check_flasher, flash_board, flasher_for, readback_ber
from .uf2 import Uf2Drive

FLASHERS: Registry[type] = Registry("flasher")
FLASHERS.add("openocd", OpenOcd)
FLASHERS.add("pyocd", PyOcd)
FLASHERS.add("fake", FakeFlasher)
FLASHERS.add("uf2", Uf2Drive)

__all__ = ["FLASHERS", "FlashError", "Flasher", "check_flasher", "flash_board", "flasher_for", "readback_ber"]
