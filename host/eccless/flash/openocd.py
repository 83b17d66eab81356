"""OpenOCD (Debian's `openocd`, 0.12): `program FILE ADDR verify reset exit` writes and verifies, `dump_image`
reads back. Works offline with ST-LINK, J-Link OB and CMSIS-DAP probes; the board file names its config
(e.g. board/st_nucleo_f4.cfg), --probe picks one probe by serial number (`adapter serial`)."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from .base import FlashError


class OpenOcd:
    def __init__(self, entry: dict, probe: str | None = None, dry_run: bool = False, board=None):
        self.config = list(entry.get("config", []))
        self.install = entry.get("install", "apt-get install openocd")
        self.probe, self.dry_run = probe, dry_run
        self.commands: list[list[str]] = []
        if not self.config:
            raise FlashError("the board's [[flasher]] openocd entry names no config file (e.g. board/st_nucleo_f4.cfg)")

    def _base(self) -> list[str]:
        exe = shutil.which("openocd")
        if exe is None and not self.dry_run:
            raise FlashError(f"openocd not found: {self.install}")
        cmd = [exe or "openocd"]
        for cfg in self.config:
            cmd += ["-f", cfg]
        if self.probe:
            cmd += ["-c", f"adapter serial {self.probe}"]
        return cmd

    def _run(self, cmd: list[str], what: str) -> None:
        self.commands.append(cmd)
        if self.dry_run:
            return
        res = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
        if res.returncode != 0:
            lines = [ln for ln in res.stderr.splitlines() if "Error" in ln or "error" in ln] or res.stderr.splitlines()
            raise FlashError(f"openocd {what} failed: {(lines[-1] if lines else f'exit {res.returncode}').strip()} "
                             "(is the board connected, the probe's serial right, the target powered?)")

    def program(self, path: Path, address: int | None) -> None:
        where = f" {address:#x}" if address is not None else ""
        self._run([*self._base(), "-c", f"program {path}{where} verify reset exit"], f"program {path.name}")

    def read(self, address: int, size: int) -> bytes:
        with tempfile.TemporaryDirectory(prefix="eccless-readback-") as tmp:
            out = Path(tmp) / "readback.bin"
            self._run([*self._base(), "-c", "init", "-c", "reset halt", "-c", f"dump_image {out} {address:#x} {size}",
                       "-c", "shutdown"], "read-back")
            if self.dry_run:
                return b""
            return out.read_bytes()
