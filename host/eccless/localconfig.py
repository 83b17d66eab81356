"""This machine's lab wiring and shared parameters: an untracked TOML file, in the spirit of Zephyr twister's hardware
map, read by the CLI, the invoke tasks and the hil pytest options. Options on the command line always win.

    # eccless.local.toml (in .gitignore; copy eccless.local.example.toml)
    [defaults]                      # used when an option is not given
    board = "nucleo-f446re"
    seed = 0
    repr = "twos"

    [boards.nucleo-f446re]          # where that board is plugged in
    port = "/dev/ttyACM0"
    probe = "066DFF485457725187092219"

Where: $ECCLESS_CONFIG (a path; empty: no file at all, as the test suite runs), else ./eccless.local.toml, else the
one at the repository root. A key that is not known here is refused with one line, so a typo is never silently
ignored. Board files (boards/*.toml) never hold wiring: the same board is on another port on the next desk.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from eccless.errors import UsageError

FILE_NAME = "eccless.local.toml"
ENV = "ECCLESS_CONFIG"
ROOT = Path(__file__).resolve().parents[2]
DEFAULT_KEYS = {"board": str, "port": str, "probe": str, "seed": int, "repr": str, "baud": int, "flasher": str}
BOARD_KEYS = {"port": str, "probe": str, "baud": int, "flasher": str}


@dataclass(frozen=True)
class LocalConfig:
    path: Path | None = None
    defaults: dict = field(default_factory=dict)
    boards: dict = field(default_factory=dict)

    def get(self, key: str, board: str | None = None, given=None):
        """`given` when it is not None (the command line wins), else the board's wiring, else [defaults]."""
        if given is not None:
            return given
        name = Path(board).stem if board else None          # --board takes a path too
        if name and key in self.boards.get(name, {}):
            return self.boards[name][key]
        return self.defaults.get(key)

    def board(self, given: str | None = None) -> str | None:
        return self.get("board", given=given)


def find() -> Path | None:
    if ENV in os.environ:
        value = os.environ[ENV]
        if not value:
            return None
        if not Path(value).is_file():
            raise UsageError(f"{ENV}={value}: no such file (unset it, or set it empty for no local config)")
        return Path(value)
    for place in (Path.cwd() / FILE_NAME, ROOT / FILE_NAME):
        if place.is_file():
            return place
    return None


def _checked(table: dict, keys: dict, where: str, path: Path) -> dict:
    for key, value in table.items():
        if key not in keys:
            raise UsageError(f"{path}: unknown key {key!r} in {where} (known: {', '.join(keys)})")
        if not isinstance(value, keys[key]) or isinstance(value, bool):
            raise UsageError(f"{path}: {where} {key} = {value!r} must be a {keys[key].__name__}")
    return dict(table)


def load(path: str | os.PathLike | None = None) -> LocalConfig:
    """The local config (an empty one when there is no file); UsageError naming the file and key when it is bad."""
    path = Path(path) if path is not None else find()
    if path is None:
        return LocalConfig()
    try:
        data = tomllib.loads(path.read_text())
    except (OSError, tomllib.TOMLDecodeError) as e:
        raise UsageError(f"{path}: {e}") from None
    unknown = set(data) - {"defaults", "boards"}
    if unknown:
        raise UsageError(f"{path}: unknown table {sorted(unknown)[0]!r} (known: [defaults], [boards.NAME])")
    defaults = _checked(data.get("defaults", {}), DEFAULT_KEYS, "[defaults]", path)
    boards = {name: _checked(table, BOARD_KEYS, f"[boards.{name}]", path)
              for name, table in data.get("boards", {}).items()}
    return LocalConfig(path, defaults, boards)
