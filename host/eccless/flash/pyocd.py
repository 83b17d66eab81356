"""pyOCD (PyPI `pyocd`, Apache-2.0; the optional extra `pip install 'eccless[pyocd]'`), for chips its built-in
targets cover (`pyocd list --targets`: nrf52840, rp2040, several STM32s; others need a CMSIS pack, a download).
The board file's [[flasher]] names the target (`target = "nrf52840"`); --probe picks a probe by its unique id.

    pyocd load -W -t TARGET [-u UID] --base-address ADDR --format bin IMAGE      # write (sector erase)
    pyocd commander -W -t TARGET [-u UID] -c "savemem ADDR LEN FILE"            # read back

`pyocd load` has no verify step of its own, so an image is verified here by reading it back and comparing every
byte: a mismatch is a FlashError, never a success. -W makes a missing probe an error instead of a wait forever.
Without a probe, `check()` asks this pyOCD whether it knows the target (`pyocd list --targets`)."""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

from .base import VERIFY_FIX, FlashError, diagnose, find_tool, fix

RULES = (
    (r"No connected debug probes|No target device available|Unable to open|No matching",
     "no probe found for {board}: plug in its USB cable (the on-board probe), give --probe UID if several are "
     "connected (pyocd list), and check the udev permissions of the probe"),
    (r"Target type .* not recognized|not recognized",
     "this pyOCD does not know {board}'s target: install its CMSIS pack (pyocd pack install {part}) or use the "
     "board's OpenOCD flasher"),
    (r"(?i)unexpected (dp|ap) idr|wrong target|not .*the expected",
     "the probe is attached to another chip than {board}'s {part}: check which board is on the cable"),
    (r"(?i)flash (algo|program|erase).*(fail|error)|FlashFailure|FlashProgramFailure|FlashEraseFailure",
     "programming {what} failed: nothing is claimed written; the flash may be protected or worn (rated {cycles} "
     "erase cycles)"),
    (r"(?i)transfer (fault|error)|SWD/JTAG communication failure|Failed to connect",
     "the probe found no target: is {board} powered and not held in reset?"),
)


class PyOcd:
    tool = "pyocd"

    def __init__(self, entry: dict, probe: str | None = None, dry_run: bool = False, board=None):
        self.target = entry.get("target")
        self.install = entry.get("install", "pip install 'eccless[pyocd]'")
        self.probe, self.dry_run, self.board = probe, dry_run, board
        self.commands: list[list[str]] = []
        if not self.target:
            raise FlashError("the board's [[flasher]] pyocd entry names no target (e.g. target = \"nrf52840\"; "
                             "pyocd list --targets)")
        self.exe = find_tool(self.tool, self.install, dry_run)

    def _base(self, sub: str) -> list[str]:
        return [self.exe, sub, "-W", "-t", self.target, *(["-u", self.probe] if self.probe else [])]

    def _run(self, cmd: list[str], what: str, item: str = "the image") -> str:
        self.commands.append(cmd)
        if self.dry_run:
            return ""
        try:
            res = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
        except subprocess.TimeoutExpired:
            raise FlashError(f"pyocd {what}: no answer within 300 s; nothing is claimed written") from None
        out = res.stderr + res.stdout
        if res.returncode != 0:
            fix = diagnose(out, RULES, item, self.board)
            if fix:
                raise FlashError(f"pyocd {what}: {fix}")
            lines = [ln for ln in out.splitlines() if ln.strip()]
            raise FlashError(f"pyocd {what} failed: {(lines[-1] if lines else f'exit {res.returncode}').strip()}")
        return out

    def check(self) -> list[str]:
        """pyOCD's dry path: is the board's target built in (or from an installed pack)? No probe needed."""
        cmd = [self.exe, "list", "--targets"]
        out = self._run(cmd, "target check")
        if not self.dry_run and not any(line.split()[:1] == [self.target] for line in out.splitlines()):
            raise FlashError(f"pyocd target check: {fix(RULES[1][1], 'check', self.board)}")
        return cmd

    def program(self, path: Path, address: int | None) -> None:
        path = Path(path)
        fmt = ["--base-address", f"{address:#x}", "--format", "bin"] if address is not None else ["--format", "elf"]
        self._run([*self._base("load"), *fmt, str(path)], f"program {path.name}", path.name)
        if address is not None and not self.dry_run:
            data = path.read_bytes()
            got = self.read(address, len(data))
            if got != data:
                bad = sum(a != b for a, b in zip(got, data)) + abs(len(got) - len(data))
                raise FlashError(f"pyocd program {path.name}: {fix(VERIFY_FIX, path.name, self.board)} "
                                 f"({bad:,} of {len(data):,} bytes differ)")

    def read(self, address: int, size: int) -> bytes:
        with tempfile.TemporaryDirectory(prefix="eccless-readback-") as tmp:
            out = Path(tmp) / "readback.bin"
            self._run([*self._base("commander"), "-c", f"savemem {address:#x} {size} {out}"], "read-back")
            if self.dry_run:
                return b""
            if not out.exists():
                raise FlashError(f"pyocd read-back wrote no file (is {self.board.name if self.board else 'the board'} "
                                 "connected?)")
            return out.read_bytes()
