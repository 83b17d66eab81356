"""flash_board: build and write what was asked, verify, and optionally read the image back N times to measure the
raw bit error rate of the user's own medium (no ECC): errors / bits read, with a 95 % Wilson score interval, so a
user can track it over time and temperature."""

from __future__ import annotations

import zlib
from pathlib import Path

import numpy as np

from ..boards import Board, load_board
from ..errors import UsageError
from .base import FlashError, fix

WHAT = ("image", "firmware", "both")


def readback_ber(errors: int, bits: int) -> dict:
    """BER estimate and its 95 % Wilson score interval (sound at zero errors too: upper bound ~3.84 / bits)."""
    from ..sweep.stats import wilson_interval

    if bits <= 0:
        raise UsageError("no bits were read back")
    return {"errors": errors, "bits": bits, "ber": errors / bits, "ci95": wilson_interval(errors, bits)}


def flasher_for(board: Board, kind: str | None = None, probe: str | None = None, dry_run: bool = False):
    """The board's flasher (its first [[flasher]], or `kind`), built: a missing tool fails here, at once, with the
    install command."""
    from . import FLASHERS

    entries = {e["kind"]: e for e in board.flashers}
    if kind is None:
        if not board.flashers:
            raise UsageError(f"board {board.name} names no flasher ([[flasher]] in its board file); "
                             f"give --flasher {'|'.join(FLASHERS.names())}")
        kind = board.flashers[0]["kind"]
    cls = FLASHERS.get(kind)
    entry = entries.get(kind, {"kind": kind})
    return cls(entry, probe=probe, dry_run=dry_run, board=board)


def held_image(device, timeout: float = 5.0) -> tuple[dict | None, str]:
    """(INFO of the device, "") or (None, why it could not be asked). `device`: a spec for open_device (a port or
    URL) or an open Device. INFO reports the length and CRC-32 of the image in the board's flash."""
    from ..errors import DeviceError
    from ..link import open_device

    if not isinstance(device, str):
        return device.info(), ""
    try:
        with open_device(device, timeout=timeout) as dev:
            return dev.info(), ""
    except (DeviceError, UsageError) as e:
        return None, str(e)


def same_image(info: dict, data: bytes) -> bool:
    """Whether the device reports holding exactly these bytes (length and zlib CRC-32 of what it reads now)."""
    return info.get("image_bytes") == len(data) and info.get("image_crc") == zlib.crc32(data)


def _confirm(device, board: Board, out: dict, path: Path | None) -> dict:
    """After a write, ask the device itself (it has reset into what was written): its INFO must name the firmware
    build just written and hold the image's bytes. A write the flasher called verified but the device does not
    show is a FlashError: nothing half-written is reported as good."""
    info, why = held_image(device)
    if info is None:
        return {"unreachable": why}
    written = {p["what"] for p in out["programmed"]}
    if "firmware" in written and f"{info['build_id']:08x}" != out["build_id"]:
        raise FlashError(f"after the write, {board.name} runs firmware build {info['build_id']:08x}, not "
                         f"{out['build_id']}: the firmware did not take (or the port is another board's); "
                         "flash it again with --what firmware")
    if "image" in written and not same_image(info, path.read_bytes()):
        raise FlashError(fix(f"after the write, {{board}} reads an image of {info['image_bytes']:,} B with CRC-32 "
                             f"{info['image_crc']:08x}, not {path.name} ({path.stat().st_size:,} B, "
                             f"{zlib.crc32(path.read_bytes()):08x}): the write did not take; flash again with "
                             "--force, and if it repeats the sectors may be worn (rated {cycles} erase cycles)",
                             path.name, board))
    return {"build_id": f"{info['build_id']:08x}", "image_crc": f"{info['image_crc']:08x}",
            "boot_count": info["boot_count"]}


def check_flasher(board: str | Board, *, flasher: str | None = None, probe: str | None = None) -> dict:
    """The flasher's own dry path, without a probe (OpenOCD parses the board's config and stops before init; pyOCD
    says whether it knows the target): FlashError with the fix when the tool refuses."""
    board = load_board(board)
    tool = flasher_for(board, flasher, probe)
    check = getattr(tool, "check", None)
    command = check() if check else None
    return {"board": board.name, "flasher": type(tool).__name__, "checked": command is not None,
            "command": " ".join(command) if command else None}


def flash_board(board: str | Board, *, image=None, what: str = "image", probe: str | None = None,
                flasher: str | None = None, readback: int = 0, dry_run: bool = False, device=None,
                force: bool = False) -> dict:
    """Write what was asked. With `device` (its serial port) and without `force`, an image the device already
    holds (same length and CRC-32 in INFO) is not written again: flash has a rated number of erase cycles."""
    board = load_board(board)
    if what not in WHAT:
        raise UsageError(f"--what {what!r}: choose one of {', '.join(WHAT)}")
    if readback < 0 or readback > 10_000:
        raise UsageError(f"--readback {readback}: give 0 .. 10000 reads")
    if board.qemu is not None and flasher != "fake":
        raise UsageError(f"board {board.name} runs in QEMU: its image is placed by QEMU (eccless run), not flashed")
    path = Path(image) if image is not None else None
    if what in ("image", "both"):
        if path is None or not path.is_file():
            raise UsageError(f"image file not found: {path}")
        from ..commands.run import check_board, packed_for

        check_board(path, packed_for(path), board.name)      # whole image checked, packed for this board
        if path.stat().st_size > board.image.size:
            raise UsageError(f"{path} is {path.stat().st_size:,} bytes, larger than {board.name}'s image region "
                             f"({board.image.size:,} bytes)")
    tool = flasher_for(board, flasher, probe, dry_run)
    out = {"board": board.name, "flasher": type(tool).__name__, "dry_run": dry_run, "programmed": [],
           "erase_cycles": board.flash.get("erase_cycles")}
    if what in ("firmware", "both"):
        from ..firmware.build import build_firmware

        fw = build_firmware(board)
        out["build_id"] = f"{fw.build_id:08x}"
        tool.program(fw.elf, None)
        out["programmed"].append({"what": "firmware", "file": str(fw.elf), "text": fw.sizes.text})
    if what in ("image", "both"):
        skip = False
        if device is not None and not force and not dry_run:
            info, why = held_image(device)
            skip = info is not None and same_image(info, path.read_bytes())
            out["device"] = ({"image_bytes": info["image_bytes"], "image_crc": info["image_crc"],
                              "boot_count": info["boot_count"]} if info else {"unreachable": why})
        if skip:
            out["skipped"] = {"what": "image", "file": str(path), "reason": "the device already holds it (same "
                              f"length and CRC-32 {zlib.crc32(path.read_bytes()):08x}); --force writes it anyway"}
        else:
            tool.program(path, board.image.base)
            out["programmed"].append({"what": "image", "file": str(path), "address": board.image.base,
                                      "bytes": path.stat().st_size})
    if device is not None and out["programmed"] and not dry_run:
        out["device_after"] = _confirm(device, board, out, path)
    if readback and not dry_run:
        if path is None:
            raise UsageError("--readback compares the image read back with its file: give the image")
        clean = np.frombuffer(path.read_bytes(), np.uint8)
        errors = 0
        for _ in range(readback):
            got = np.frombuffer(tool.read(board.image.base, clean.size), np.uint8)
            if got.size != clean.size:
                raise FlashError(f"read-back returned {got.size:,} of {clean.size:,} bytes")
            errors += int(np.unpackbits(got ^ clean).sum())
        out["readback"] = {"reads": readback, **readback_ber(errors, readback * clean.size * 8)}
    out["commands"] = [" ".join(c) for c in tool.commands]
    return out
