"""Boards are data: one TOML file per board under boards/, validated here. Code reads memory maps and
capabilities from a Board, never branches on its name. Lab wiring (serial port, probe) is not in these files."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from .errors import UsageError

BOARDS_DIR = Path(__file__).resolve().parents[2] / "boards"
# The board every command and test uses unless told otherwise: named here once, overridable with ECCLESS_BOARD
# (a name or a path), e.g. to run the whole suite against another QEMU board.
DEFAULT_BOARD = os.environ.get("ECCLESS_BOARD") or "qemu-mps2-an386"


@dataclass(frozen=True)
class Region:
    base: int
    size: int
    page: int = 1

    @property
    def end(self) -> int:
        return self.base + self.size


@dataclass(frozen=True)
class Board:
    name: str
    description: str
    cpu: str
    arch_flags: tuple[str, ...]
    code: Region
    image: Region
    ram: Region
    uart: dict
    timer: dict
    qemu: dict | None
    capabilities: dict = field(default_factory=dict)
    path: Path | None = None

    def has(self, capability: str) -> bool:
        return bool(self.capabilities.get(capability, False))


def _region(doc: dict, name: str, path: Path) -> Region:
    try:
        r = doc["memory"][name]
        region = Region(int(r["base"]), int(r["size"]), int(r.get("page", 1)))
    except (KeyError, TypeError, ValueError):
        raise UsageError(f"board file {path}: [memory.{name}] needs integer base and size") from None
    if region.size <= 0 or region.page <= 0 or region.base % region.page:
        raise UsageError(f"board file {path}: [memory.{name}] has a bad size, page or alignment")
    return region


def load_board(name_or_path: str) -> Board:
    path = Path(name_or_path)
    if path.suffix != ".toml":
        path = BOARDS_DIR / f"{name_or_path}.toml"
    if not path.exists():
        raise UsageError(f"unknown board {name_or_path!r} (known: {', '.join(board_names())})")
    try:
        doc = tomllib.loads(path.read_text())
        b = doc["board"]
        board = Board(b["name"], b.get("description", ""), b["cpu"], tuple(b.get("arch_flags", ())),
                      _region(doc, "code", path), _region(doc, "image", path), _region(doc, "ram", path),
                      dict(doc.get("uart", {})), dict(doc.get("timer", {})), doc.get("qemu"),
                      dict(doc.get("capabilities", {})), path)
    except (tomllib.TOMLDecodeError, KeyError) as e:
        raise UsageError(f"board file {path}: {e.__class__.__name__}: {e}") from None
    regions = sorted([board.code, board.image, board.ram], key=lambda r: r.base)
    if any(a.end > b.base for a, b in zip(regions, regions[1:])):
        raise UsageError(f"board file {path}: memory regions overlap")
    return board


def board_names() -> list[str]:
    return sorted(p.stem for p in BOARDS_DIR.glob("*.toml"))


def boards_with(*capabilities: str) -> list[str]:
    """Names of the boards that have every capability; "qemu" means the board runs in QEMU. Tests select boards
    this way, never by name, so a new board file joins every test its capabilities allow."""
    out = []
    for name in board_names():
        board = load_board(name)
        if all(board.qemu is not None if cap == "qemu" else board.has(cap) for cap in capabilities):
            out.append(name)
    return out
