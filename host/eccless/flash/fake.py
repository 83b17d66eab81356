"""A probe without hardware: the "flash" is a file per board (ECCLESS_FAKE_PROBE_DIR, default build/fake-probe),
and reading it back flips bits at ECCLESS_FAKE_PROBE_BER (seeded per read), so the read-back measurement has a
medium to measure. It records the OpenOCD-style commands a real probe would get. CI proves the flash path with it;
only a real board proves the probe, the flash algorithm and the medium's real errors."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from .base import FlashError

ROOT = Path(__file__).resolve().parents[3]


class FakeFlasher:
    tool = None

    def __init__(self, entry: dict, probe: str | None = None, dry_run: bool = False, board=None):
        self.board, self.probe, self.dry_run = board, probe, dry_run
        self.commands: list[list[str]] = []
        self.reads = 0
        root = Path(os.environ.get("ECCLESS_FAKE_PROBE_DIR") or ROOT / "build" / "fake-probe")
        root.mkdir(parents=True, exist_ok=True)
        self.flash = root / f"{board.name if board else 'board'}.bin"
        self.ber = float(os.environ.get("ECCLESS_FAKE_PROBE_BER", "0") or 0)

    def _memory(self) -> bytearray:
        size = self.board.code.size + self.board.image.size if self.board else 1 << 20
        data = bytearray(self.flash.read_bytes()) if self.flash.exists() else bytearray()
        return data + bytearray(b"\xff" * (size - len(data)))

    def _offset(self, address: int) -> int:
        return address - self.board.code.base

    def program(self, path: Path, address: int | None) -> None:
        self.commands.append(["fake-probe", *(["--probe", self.probe] if self.probe else []), "program", str(path),
                              f"{address:#x}" if address is not None else "elf"])
        if self.dry_run:
            return
        if address is None:          # an ELF: the fake keeps only its bytes' presence, at the code base
            address = self.board.code.base
        data = Path(path).read_bytes()
        mem = self._memory()
        off = self._offset(address)
        if off < 0 or off + len(data) > len(mem):
            raise FlashError(f"fake probe: {path} ({len(data):,} B at {address:#x}) is outside the flash")
        mem[off:off + len(data)] = data
        self.flash.write_bytes(bytes(mem))

    def read(self, address: int, size: int) -> bytes:
        self.commands.append(["fake-probe", "read", f"{address:#x}", str(size)])
        self.reads += 1
        off = self._offset(address)
        data = np.frombuffer(bytes(self._memory()[off:off + size]), np.uint8).copy()
        if self.ber > 0:
            rng = np.random.default_rng(self.reads)
            flips = rng.random(data.size * 8) < self.ber
            data ^= np.packbits(flips, bitorder="little")
        return data.tobytes()
