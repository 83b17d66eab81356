"""OpenOCD (Debian's `openocd`, 0.12): `program FILE ADDR verify reset exit` writes and verifies, `dump_image`
reads back. Works offline with ST-LINK, J-Link OB and CMSIS-DAP probes; the board file names its config
(e.g. board/st_nucleo_f4.cfg), --probe picks one probe by serial number (`adapter serial`).

Without a probe OpenOCD can still check its half: `check()` runs the board's config files with `shutdown` before
`init`, which parses them, selects the adapter driver and sets up the target, and fails on a config file this
OpenOCD lacks or a bad `adapter serial` line -- nothing touches USB. Errors of a real run are matched against
OpenOCD's own messages (its `program` procedure, adapter drivers and target checks) and become one line with the
fix; a failed program or verify is never reported as written."""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

from .base import VERIFY_FIX, FlashError, diagnose, find_tool

# (OpenOCD output, the fix); the first match wins, so the specific ones come first
RULES = (
    (r"\*\* Verify Failed \*\*|checksum mismatch|verify_image.*(failed|mismatch)", VERIFY_FIX),
    (r"UNEXPECTED idcode|Cannot identify target|unknown device|(?i:device id.*(mismatch|unknown))",
     "the probe is attached to another chip than {board}'s {part}: check which board is on the cable and the "
     "board file's [[flasher]] config"),
    (r"open failed|No J-Link device found|unable to find a matching CMSIS-DAP device|unable to find Nu-Link|"
     r"(?i:no device found)|LIBUSB_ERROR_ACCESS",
     "no probe found for {board}: plug in its USB cable (the on-board probe), give --probe SERIAL if several are "
     "connected, and check the udev permissions of the probe"),
    (r"init mode failed|unable to connect to the target|Error connecting DP|target voltage may be too low|"
     r"\*\* OpenOCD init failed \*\*",
     "the probe found no target: is {board} powered, its debug jumpers on, and the chip not held in reset or "
     "asleep? (connect under reset: hold RESET while flashing)"),
    (r"\*\* Programming Failed \*\*|flash write failed|failed erasing sectors",
     "programming {what} failed: nothing is claimed written; the flash may be write-protected (option bytes) or "
     "worn (rated {cycles} erase cycles)"),
    (r"\*\* Unable to reset target \*\*",
     "{what} was written and verified, but the target did not reset: press {board}'s reset button"),
)


class OpenOcd:
    tool = "openocd"

    def __init__(self, entry: dict, probe: str | None = None, dry_run: bool = False, board=None):
        self.config = list(entry.get("config", []))
        self.install = entry.get("install", "apt-get install openocd")
        self.probe, self.dry_run, self.board = probe, dry_run, board
        self.commands: list[list[str]] = []
        if not self.config:
            raise FlashError("the board's [[flasher]] openocd entry names no config file (e.g. board/st_nucleo_f4.cfg)")
        self.exe = find_tool(self.tool, self.install, dry_run)      # at once: before any build or pack

    def _base(self) -> list[str]:
        cmd = [self.exe]
        for cfg in self.config:
            cmd += ["-f", cfg]
        if self.probe:
            cmd += ["-c", f"adapter serial {self.probe}"]
        return cmd

    def _run(self, cmd: list[str], what: str, item: str = "the image") -> None:
        self.commands.append(cmd)
        if self.dry_run:
            return
        try:
            res = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
        except subprocess.TimeoutExpired:
            raise FlashError(f"openocd {what}: no answer within 300 s (a probe that hangs: unplug it and try "
                             "again); nothing is claimed written") from None
        if res.returncode != 0:
            out = res.stderr + res.stdout
            fix = diagnose(out, RULES, item, self.board)
            if fix:
                raise FlashError(f"openocd {what}: {fix}")
            lines = [ln for ln in out.splitlines() if "Error" in ln or "error" in ln] or out.splitlines()
            raise FlashError(f"openocd {what} failed: {(lines[-1] if lines else f'exit {res.returncode}').strip()} "
                             "(is the board connected, the probe's serial right, the target powered?)")

    def check(self) -> list[str]:
        """OpenOCD's own dry path: parse the board's config (adapter, transport, target) and stop before `init`
        touches a probe. Returns the command; FlashError names what OpenOCD refused."""
        cmd = [*self._base(), "-c", "shutdown"]
        self._run(cmd, "config check")
        return cmd

    def program(self, path: Path, address: int | None) -> None:
        where = f" {address:#x}" if address is not None else ""
        self._run([*self._base(), "-c", f"program {path}{where} verify reset exit"], f"program {Path(path).name}",
                  Path(path).name)

    def read(self, address: int, size: int) -> bytes:
        with tempfile.TemporaryDirectory(prefix="eccless-readback-") as tmp:
            out = Path(tmp) / "readback.bin"
            self._run([*self._base(), "-c", "init", "-c", "reset halt", "-c", f"dump_image {out} {address:#x} {size}",
                       "-c", "shutdown"], "read-back")
            if self.dry_run:
                return b""
            return out.read_bytes()
