"""What every flasher does: program a file at an address (verified), and read a region back; and the two things
they share: finding their tool (or saying how to install it) and turning the tool's error output into one line
with the fix."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Protocol

from ..errors import DeviceError


class FlashError(DeviceError):
    """A flasher is missing, failed, or its verify failed: one line with the fix."""


class Flasher(Protocol):
    """Built as Flasher(entry, probe=, dry_run=, board=): its [[flasher]] table, the probe, and the board. A class
    attribute `tool` names the executable it runs (None: none), `install` how to get it."""

    commands: list[list[str]]     # what it ran (or, in a dry run, would run), for the user and the tests

    def program(self, path: Path, address: int | None) -> None:
        """Write `path` (a raw binary at `address`, or an ELF at its own addresses when address is None), verified
        by the tool's own read-back; FlashError when the verify fails."""

    def read(self, address: int, size: int) -> bytes:
        """The `size` bytes of flash at `address`, as the probe reads them (no ECC: errors and all)."""


def find_tool(name: str, install: str, dry_run: bool = False) -> str:
    """The tool's path; FlashError "NAME not found: INSTALL" at once (a dry run only prints commands: bare name)."""
    exe = shutil.which(name)
    if exe is None:
        if dry_run:
            return name
        raise FlashError(f"{name} not found: {install}")
    return exe


VERIFY_FIX = ("flash verify failed: {what} in flash differs from the file, so it is not written; flash again, and "
              "if it fails again the sectors may be worn (rated {cycles} erase cycles) or write-protected")


def fix(message: str, what: str, board) -> str:
    """A rule's message with {board}, {part}, {what} and {cycles} (the board file's rated erase cycles) filled."""
    cycles = board.flash.get("erase_cycles") if board is not None else None
    return message.format(board=board.name if board is not None else "the board",
                          part=(board.part if board is not None else "") or "its chip", what=what,
                          cycles=f"{cycles:,}" if cycles else "a limited number of")


def diagnose(output: str, rules: tuple[tuple[str, str], ...], what: str, board) -> str | None:
    """The fix for the first rule (regex, message) whose pattern occurs in the tool's output, or None."""
    for pattern, message in rules:
        if re.search(pattern, output):
            return fix(message, what, board)
    return None
