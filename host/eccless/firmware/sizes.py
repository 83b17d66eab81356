"""The README's size table, measured: every board file built (its own ISA variant) and its firmware's sizes set
against its code region, RAM and image region. `invoke sizes` prints it."""

from __future__ import annotations

from eccless.boards import board_names, load_board
from eccless.firmware.build import build_firmware
from eccless.firmware.manifest import variant_for

HEADER = ("| board | variant | text / code region | bss + stack / RAM | arena | image region |\n"
          "|---|---|---|---|---|---|")


def size_row(name: str) -> str:
    board = load_board(name)
    s = build_firmware(board).sizes
    arena = board.ram.size - s.data - s.bss - s.stack
    stack = f"{s.stack >> 10} KB" if s.stack % 1024 == 0 else f"{s.stack:,} B"
    return (f"| `{name}` | {variant_for(board)} | {s.text:,} B / {board.code.size >> 10} KB | "
            f"{s.data + s.bss:,} B + {stack} / {board.ram.size >> 10} KB | {arena >> 10} KB | "
            f"{board.image.size >> 10} KB |")


def size_table(names=None) -> str:
    return "\n".join([HEADER, *(size_row(n) for n in (names or board_names()))])
