"""What a device test needs of a board beyond QEMU, as skips that name the missing requirement."""

from __future__ import annotations

import pytest

# RAM a board needs for the digits LeNet with its weights decoded into RAM (61.2 KB of arena, the firmware's 14 KB
# of buffers and a stack): smaller boards run it with its weights left in flash (tests/test_device_flash.py)
LENET_RAM = 96 * 1024


def require_ram(board, nbytes: int, what: str) -> None:
    if board.ram.size < nbytes:
        pytest.skip(f"{what} needs a board with {nbytes >> 10} KB of RAM; {board.name} has {board.ram.size >> 10} KB "
                    "with its weights in RAM (tests/test_device_flash.py runs it from flash)")


def require_instruction_counts(board) -> None:
    if (board.qemu or {}).get("icount_shift") is None:
        pytest.skip(f"{board.name} counts no instructions in QEMU (no icount_shift in its board file)")
