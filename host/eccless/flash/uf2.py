"""UF2 files (Microsoft's USB flashing format, as the RP2040 boot ROM's RPI-RP2 drive takes them) and the flasher
that copies one to that drive.

A UF2 file is 512-byte blocks, each carrying one payload for one flash address (little-endian words):

    offset  size  field
         0     4  magic 0x0A324655 ("UF2\\n")
         4     4  magic 0x9E5D5157
         8     4  flags: 0x00002000 = the family id field is present
        12     4  target address of the payload
        16     4  payload size: 256 (the RP2040 ROM takes no other)
        20     4  block number, from 0
        24     4  number of blocks in the file
        28     4  family id: 0xE48BFF56 for the RP2040
        32   476  payload, zero-padded
       508     4  magic 0x0AB16F30

The flasher (`kind = "uf2"` in a board's [[flasher]]) writes the file into the drive that --probe / ECCLESS_PROBE
names (a mount point), or the one it finds: a directory under SEARCH_ROOTS whose INFO_UF2.TXT says
"Board-ID: RPI-RP2". The ROM writes the flash and reboots into it, so the drive goes away after each copy and
nothing can be read back through it: read-back needs the board's OpenOCD entry.
"""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
import tempfile
from pathlib import Path

from .base import FlashError

MAGIC0, MAGIC1, MAGIC_END = 0x0A324655, 0x9E5D5157, 0x0AB16F30
FLAG_FAMILY = 0x00002000
RP2040_FAMILY = 0xE48BFF56
PAYLOAD = 256
BLOCK = 512
HEADER = struct.Struct("<8I")
INFO_FILE = "INFO_UF2.TXT"
BOARD_ID = "RPI-RP2"
SEARCH_ROOTS = ("/media", "/run/media", "/mnt")    # where desktop automounters put removable drives


def write_uf2(data: bytes, address: int, family: int = RP2040_FAMILY) -> bytes:
    """`data` at flash `address` as UF2 blocks of PAYLOAD bytes (the last one zero-padded)."""
    if address % PAYLOAD:
        raise FlashError(f"UF2 payloads start on {PAYLOAD}-byte boundaries; address {address:#x} is not on one")
    chunks = [data[i:i + PAYLOAD] for i in range(0, len(data), PAYLOAD)] or [b""]
    out = bytearray()
    for n, chunk in enumerate(chunks):
        out += HEADER.pack(MAGIC0, MAGIC1, FLAG_FAMILY, address + n * PAYLOAD, PAYLOAD, n, len(chunks), family)
        out += chunk.ljust(476, b"\0")
        out += struct.pack("<I", MAGIC_END)
    return bytes(out)


def read_uf2(blob: bytes, family: int = RP2040_FAMILY) -> tuple[int, bytes]:
    """(start address, contiguous bytes) of a UF2 file; FlashError on a bad magic, family, order or gap."""
    if not blob or len(blob) % BLOCK:
        raise FlashError(f"a UF2 file is a whole number of {BLOCK}-byte blocks; this one is {len(blob)} bytes")
    count = len(blob) // BLOCK
    start, data = None, bytearray()
    for n in range(count):
        block = blob[n * BLOCK:(n + 1) * BLOCK]
        m0, m1, flags, addr, size, number, total, fam = HEADER.unpack_from(block)
        (end,) = struct.unpack_from("<I", block, 508)
        if (m0, m1, end) != (MAGIC0, MAGIC1, MAGIC_END):
            raise FlashError(f"UF2 block {n}: bad magic")
        if not flags & FLAG_FAMILY or fam != family:
            raise FlashError(f"UF2 block {n}: family {fam:#x}, expected {family:#x}")
        if (number, total, size) != (n, count, PAYLOAD):
            raise FlashError(f"UF2 block {n}: numbered {number} of {total} with {size} bytes")
        start = addr if start is None else start
        if addr != start + len(data):
            raise FlashError(f"UF2 block {n}: address {addr:#x} leaves a gap")
        data += block[32:32 + size]
    return start, bytes(data)


def find_drive(roots=None) -> Path | None:
    """The first mounted RPI-RP2 drive under `roots` (default SEARCH_ROOTS; two levels deep: /media/USER/RPI-RP2),
    or None."""
    for root in map(Path, roots or SEARCH_ROOTS):
        if not root.is_dir():
            continue
        for cand in sorted([root, *root.glob("*"), *root.glob("*/*")]):
            info = cand / INFO_FILE
            try:
                if info.is_file() and f"Board-ID: {BOARD_ID}" in info.read_text(errors="replace"):
                    return cand
            except OSError:
                continue
    return None


class Uf2Drive:
    """Programs by copying a UF2 file to the boot ROM's drive. `probe` is the drive's mount point."""

    def __init__(self, entry: dict, probe: str | None = None, dry_run: bool = False, board=None):
        self.board, self.dry_run = board, dry_run
        self.install = entry.get("install", "put the board in its USB boot mode and mount its drive")
        self.drive = Path(probe) if probe else None
        self.commands: list[list[str]] = []
        self.family = int(entry.get("target", "0") or "0", 0) or RP2040_FAMILY

    def _drive(self) -> Path:
        drive = self.drive or find_drive()
        if drive is None:
            raise FlashError(f"no {BOARD_ID} drive found under {', '.join(SEARCH_ROOTS)}: {self.install}, "
                             "or give its mount point with --probe")
        if not (drive / INFO_FILE).is_file():
            raise FlashError(f"{drive} is not a UF2 boot drive (no {INFO_FILE}): {self.install}")
        return drive

    def _binary(self, path: Path) -> tuple[bytes, int]:
        """An ELF's loadable bytes from the code region's base, via objcopy."""
        from ..firmware.build import tool

        with tempfile.TemporaryDirectory(prefix="eccless-uf2-") as tmp:
            raw = Path(tmp) / "fw.bin"
            subprocess.run([tool("arm-none-eabi-objcopy"), "-O", "binary", str(path), str(raw)], check=True,
                           capture_output=True)
            return raw.read_bytes(), self.board.code.base

    def program(self, path: Path, address: int | None) -> None:
        path = Path(path)
        data, base = self._binary(path) if address is None else (path.read_bytes(), address)
        target = (self.drive or Path("<drive>")) if self.dry_run else self._drive()
        dest = target / f"{path.stem}.uf2"
        self.commands.append(["cp", f"{path.stem}.uf2", str(dest)])
        if self.dry_run:
            return
        blob = write_uf2(data, base, self.family)
        with tempfile.NamedTemporaryFile(dir=os.environ.get("TMPDIR"), suffix=".uf2", delete=False) as tmp:
            tmp.write(blob)
        try:
            shutil.copyfile(tmp.name, dest)     # the ROM takes the file as its blocks arrive; no rename on a FAT drive
        except OSError as e:
            raise FlashError(f"copying to {dest} failed: {e.strerror or e}") from None
        finally:
            os.unlink(tmp.name)

    def read(self, address: int, size: int) -> bytes:
        raise FlashError("a UF2 drive cannot read the flash back: use the board's openocd flasher "
                         "(--flasher openocd) with a debug probe for --readback")
