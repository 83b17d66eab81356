"""What every flasher does: program a file at an address (verified), and read a region back."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from ..errors import DeviceError


class FlashError(DeviceError):
    """A flasher is missing, failed, or its verify failed: one line with the fix."""


class Flasher(Protocol):
    """Built as Flasher(entry, probe=, dry_run=, board=): its [[flasher]] table, the probe, and the board."""

    commands: list[list[str]]     # what it ran (or, in a dry run, would run), for the user and the tests

    def program(self, path: Path, address: int | None) -> None:
        """Write `path` (a raw binary at `address`, or an ELF at its own addresses when address is None), verified
        by the tool's own read-back; FlashError when the verify fails."""

    def read(self, address: int, size: int) -> bytes:
        """The `size` bytes of flash at `address`, as the probe reads them (no ECC: errors and all)."""
