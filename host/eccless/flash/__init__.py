"""Writing a board's flash with a real, maintained flasher chosen by the board file, and reading it back to measure
the medium's own bit errors. Flashers are a registry (one module each): `openocd` (Debian's OpenOCD: ST-LINK,
J-Link, CMSIS-DAP probes, offline), `uf2` (a copy to a boot ROM's USB drive, e.g. the RP2040's RPI-RP2) and `fake`
(a probe that keeps the flash in a file and records the commands it
would run, for CI and dry runs). Lab wiring (which probe) comes from --probe or ECCLESS_PROBE, never the board file.

    flash_board(board, image="m.img", what="image")                 # the image only: the normal case
    flash_board(board, image="m.img", what="both", readback=10)     # + firmware; then 10 reads, BER with its bound
"""

from __future__ import annotations

from ..registry import Registry
from .base import Flasher, FlashError
from .fake import FakeFlasher
from .openocd import OpenOcd
from .session import flash_board, readback_ber
from .uf2 import Uf2Drive

FLASHERS: Registry[type] = Registry("flasher")
FLASHERS.add("openocd", OpenOcd)
FLASHERS.add("fake", FakeFlasher)
FLASHERS.add("uf2", Uf2Drive)

__all__ = ["FLASHERS", "FlashError", "Flasher", "flash_board", "readback_ber"]
