"""Boards are data: one TOML file per board under boards/, validated here. Code reads memory maps and
capabilities from a Board, never branches on its name. Lab wiring (serial port, probe) is not in these files."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from . import board_schema
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
    part: str = ""
    medium: str = "raw-flash"   # what the loader reads: "raw-flash" (errors are real) or "ram" (injected only)
    flash: dict = field(default_factory=dict)   # erase_value, sectors, erase_cycles where the file gives them
    standin: str | None = None  # the QEMU board that proves this board's drivers in CI
    init: tuple = ()            # (address, mask, value, op) steps at reset: op 0 read-modify-write, 1 wait until equal
    stack: int | None = None    # stack bytes, when the file sets them
    flashers: tuple = ()        # [[flasher]] tables, the default first
    boot_block: str | None = None   # a boot block the ROM runs before the vector table (firmware/bootblock.py)
    standin_proves: tuple = ()  # what the stand-in's run proves of this board (board_schema.STANDIN_PROOFS)

    def has(self, capability: str) -> bool:
        return bool(self.capabilities.get(capability, False))

    @property
    def errors_are_real(self) -> bool:
        """True when the image medium has no ECC and is not RAM: the loader sees real bit errors."""
        return self.medium == "raw-flash"


def _region(doc: dict, name: str, where: str) -> Region:
    r = doc["memory"][name]
    region = Region(r["base"], r["size"], r.get("page", 1))
    if region.size <= 0 or region.page <= 0 or region.base % region.page:
        raise UsageError(f"{where}: [memory.{name}] has a bad size, page or alignment")
    return region


def board_path(name_or_path: str) -> Path:
    """A board name (boards/<name>.toml) or a path to a board file."""
    path = Path(name_or_path)
    if path.suffix != ".toml" and "/" not in name_or_path:
        path = BOARDS_DIR / f"{name_or_path}.toml"
    if not path.is_file():
        raise UsageError(f"unknown board {name_or_path!r} (known: {', '.join(board_names())}; or a path to a "
                         f"board file)")
    return path


def load_board(name_or_path: "str | Board") -> Board:
    """The board named (boards/<name>.toml) or at a path, validated against board_schema (one-line errors)."""
    if isinstance(name_or_path, Board):
        return name_or_path
    path = board_path(str(name_or_path))
    where = f"board file {path}"
    try:
        doc = tomllib.loads(path.read_text())
    except (tomllib.TOMLDecodeError, UnicodeDecodeError, OSError) as e:
        raise UsageError(f"{where}: {e.__class__.__name__}: {e}") from None
    board_schema.validate(doc, where)
    b, image = doc["board"], doc["memory"]["image"]
    board = Board(b["name"], b.get("description", ""), b["cpu"], tuple(b["arch_flags"]),
                  _region(doc, "code", where), _region(doc, "image", where), _region(doc, "ram", where),
                  dict(doc["uart"]), dict(doc["timer"]), doc.get("qemu"), dict(doc.get("capabilities", {})), path,
                  b.get("part", ""), image.get("medium", "raw-flash"),
                  {k: image[k] for k in ("erase_value", "sectors", "erase_cycles") if k in image},
                  doc.get("standin", {}).get("board"), tuple((*w, 0)[:4] for w in b.get("init", ())),
                  doc["memory"]["ram"].get("stack"), tuple(dict(f) for f in doc.get("flasher", [])),
                  doc["memory"]["code"].get("boot_block"),
                  tuple(doc.get("standin", {}).get("proves", board_schema.STANDIN_PROOFS)))
    regions = sorted([board.code, board.image, board.ram], key=lambda r: r.base)
    if any(a.end > b.base for a, b in zip(regions, regions[1:])):
        raise UsageError(f"{where}: memory regions overlap")
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
