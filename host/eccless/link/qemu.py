"""Run a firmware in qemu-system-arm for a board and talk to it over UART0 -- and always stop QEMU again.

    with Qemu(board, fw.elf, image="model.img") as q:     # starts QEMU, connects to UART0
        q.client.ping()
        print(q.client.info())
    # here QEMU is gone: killed (process group), reaped

The command line comes from the board file: machine, cpu, -icount shift=N, semihosting when the board lists it.
The image goes to the board's image region with `-device loader` (QEMU refuses overlaps with the ELF). UART0 is a
TCP server on a free local port with wait=on, so the guest starts only once we are connected and no byte is lost.

Stopping is guaranteed on every path: leaving the `with` block (also by an exception or Ctrl-C), the watchdog
(`limit` seconds of wall time), interpreter exit for a Qemu that was never stopped (atexit), and -- should Python
itself be killed -- PR_SET_PDEATHSIG, which makes the kernel kill QEMU when the process that started it dies.
QEMU runs in its own session, so a terminal's Ctrl-C reaches only Python, which then stops QEMU in order. When
QEMU dies on its own, errors carry its exit code and stderr.
"""

from __future__ import annotations

import array
import atexit
import ctypes
import fcntl
import os
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import termios
import threading
import time
import weakref
from pathlib import Path

from eccless.boards import Board, load_board
from eccless.errors import DeviceError, UsageError
from eccless.fileio import remove_stale_dirs
from eccless.firmware.build import APT_HINT as GCC_APT_HINT
from eccless.link.client import READ_SLICE, Client

QEMU_APT_HINT = "apt-get install --no-install-recommends qemu-system-arm"


def missing_tools() -> str | None:
    """Why the firmware cannot be built and run here (naming the apt command), or None."""
    if shutil.which("arm-none-eabi-gcc") is None:
        return f"arm-none-eabi-gcc not found: {GCC_APT_HINT}"
    if shutil.which("qemu-system-arm") is None:
        return f"qemu-system-arm not found: {QEMU_APT_HINT}"
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


_LIVE: weakref.WeakSet = weakref.WeakSet()     # started and not yet stopped: stopped at interpreter exit


@atexit.register
def _stop_all() -> None:
    for q in list(_LIVE):
        q.stop()


class SocketPort:
    """The pyserial subset the client uses (read, write, in_waiting, timeout, close) on a connected TCP socket.

    pyserial's socket:// would do, but its close() sleeps 0.3 s and it leaves Nagle on, which with QEMU's delayed
    ACKs turns each back-to-back request into a 40 ms wait."""

    def __init__(self, sock: socket.socket, timeout: float = READ_SLICE):
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.sock, self.timeout = sock, timeout

    @property
    def in_waiting(self) -> int:
        buf = array.array("i", [0])
        fcntl.ioctl(self.sock.fileno(), termios.FIONREAD, buf)
        return buf[0]

    def read(self, size: int = 1) -> bytes:
        ready, _, _ = select.select([self.sock], [], [], self.timeout)
        if not ready:
            return b""
        data = self.sock.recv(size)
        if not data:
            raise ConnectionError("QEMU closed UART0")
        return data

    def write(self, data: bytes) -> int:
        self.sock.sendall(data)
        return len(data)

    def close(self) -> None:
        self.sock.close()


TMP_PREFIX = "eccless-qemu-"


def _die_with_parent() -> None:  # runs in the child between fork and exec
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None).prctl(1, signal.SIGKILL)    # PR_SET_PDEATHSIG


class Qemu:
    def __init__(self, board: str | Board, elf: str | Path, *, image: str | Path | bytes | None = None,
                 blobs: tuple[tuple[str | Path | bytes, int], ...] = (), limit: float = 600.0,
                 connect_timeout: float = 10.0, timeout: float = 2.0, extra_args: tuple[str, ...] = ()):
        self.board = load_board(board) if isinstance(board, str) else board
        if not self.board.qemu:
            raise UsageError(f"board {self.board.name} has no [qemu] section: it cannot run in QEMU")
        self.elf = Path(elf)
        if not self.elf.exists():
            raise UsageError(f"firmware {self.elf} not found")
        self.blobs = ([(image, self.board.image.base)] if image is not None else []) + list(blobs)
        self.limit, self.connect_timeout, self.timeout = limit, connect_timeout, timeout
        self.extra_args = tuple(extra_args)
        self.proc: subprocess.Popen | None = None
        self.serial = None
        self.client: Client | None = None
        self.launch_seconds: float | None = None   # Popen -> UART connected
        self.stdout = self.stderr = ""              # QEMU's output (semihosting console / diagnostics), after stop
        self.expired = False
        self._tmp: tempfile.TemporaryDirectory | None = None
        self._watchdog: threading.Timer | None = None
        self._stopping = False

    # -- command line ----------------------------------------------------------------------------------------
    def command(self, port: int, blob_paths: list[tuple[Path, int]]) -> list[str]:
        q = self.board.qemu
        cmd = [shutil.which("qemu-system-arm") or "qemu-system-arm", "-M", q["machine"], "-cpu", q.get("cpu",
               self.board.cpu), "-nographic", "-monitor", "none", "-kernel", str(self.elf)]
        if "icount_shift" in q:
            cmd += ["-icount", f"shift={int(q['icount_shift'])}"]
        if self.board.has("semihosting"):
            cmd += ["-semihosting-config", "enable=on,target=native"]
        for path, addr in blob_paths:
            cmd += ["-device", f"loader,file={path},addr={addr:#x}"]
        # the console is QEMU's serial port number q["serial"] (e.g. an STM32's USART2 is the second): the ones
        # before it go nowhere
        cmd += ["-serial", "null"] * int(q.get("serial", 0))
        cmd += [*q.get("args", [])]
        return cmd + ["-serial", f"tcp:127.0.0.1:{port},server=on,wait=on,nodelay=on", *self.extra_args]

    def _blob_paths(self) -> list[tuple[Path, int]]:
        out = []
        for i, (blob, addr) in enumerate(self.blobs):
            if isinstance(blob, (bytes, bytearray, memoryview)):
                path = Path(self._tmp.name) / f"blob{i}.bin"
                path.write_bytes(bytes(blob))
            else:
                path = Path(blob)
                if not path.exists():
                    raise UsageError(f"blob {path} not found")
            if addr == self.board.image.base and path.stat().st_size > self.board.image.size:
                raise UsageError(f"image {path} ({path.stat().st_size} bytes) exceeds the image region of "
                                 f"{self.board.name} ({self.board.image.size} bytes)")
            out.append((path, addr))
        return out

    # -- life cycle ------------------------------------------------------------------------------------------
    def start(self) -> Qemu:
        if shutil.which("qemu-system-arm") is None:
            raise DeviceError(f"qemu-system-arm not found: {QEMU_APT_HINT}")
        remove_stale_dirs(TMP_PREFIX)  # left by runs killed with SIGKILL (their pid is in the name)
        self._tmp = tempfile.TemporaryDirectory(prefix=f"{TMP_PREFIX}{os.getpid()}-")
        try:
            blobs = self._blob_paths()
            for _attempt in range(3):        # the free port can be taken between our probe and QEMU's bind
                if self._launch(blobs):
                    break
            else:
                raise DeviceError(f"qemu-system-arm could not bind a local port: {self._tail()}")
        except BaseException:
            self.stop()
            raise
        _LIVE.add(self)
        self._watchdog = threading.Timer(self.limit, self._expire)
        self._watchdog.daemon = True
        self._watchdog.start()
        self.client = Client(self.serial, timeout=self.timeout, name=f"qemu {self.board.name}")
        try:
            self.client.wait_ready(self.timeout, alive=lambda: self.proc.poll() is None)
        except BaseException:
            self.stop()
            raise
        return self

    def _launch(self, blobs) -> bool:
        port = _free_port()
        t0 = time.monotonic()
        tmp = Path(self._tmp.name)
        with open(tmp / "stdout", "wb") as out, open(tmp / "stderr", "wb") as err:
            self.proc = subprocess.Popen(self.command(port, blobs), stdin=subprocess.DEVNULL, stdout=out,
                                         stderr=err, start_new_session=True, preexec_fn=_die_with_parent)
        while True:
            if self.proc.poll() is not None:
                tail = self._tail()
                if "in use" in tail or "bind" in tail.lower():
                    self._reap()
                    return False
                raise DeviceError(f"qemu-system-arm exited with {self.proc.returncode} before UART0 connected: "
                                  f"{tail}")
            try:
                self.serial = SocketPort(socket.create_connection(("127.0.0.1", port), timeout=1.0))
                self.launch_seconds = time.monotonic() - t0
                return True
            except OSError:
                if time.monotonic() - t0 > self.connect_timeout:
                    raise DeviceError(f"qemu-system-arm did not open UART0 on port {port} within "
                                      f"{self.connect_timeout:g} s: {self._tail()}") from None
                time.sleep(0.005)

    def _expire(self) -> None:
        self.expired = True
        self._kill()

    def _kill(self) -> None:
        """Terminate QEMU's whole process group: SIGTERM, then SIGKILL if it lingers."""
        proc = self.proc
        if proc is None or proc.poll() is not None:
            return
        for sig, grace in ((signal.SIGTERM, 2.0), (signal.SIGKILL, 5.0)):
            try:
                os.killpg(proc.pid, sig)
            except ProcessLookupError:
                return
            try:
                proc.wait(grace)
                return
            except subprocess.TimeoutExpired:
                continue

    def _reap(self) -> None:
        if self.proc is not None:
            self._kill()
            self.proc.wait()

    def wait(self, timeout: float = 5.0) -> int:
        """Wait for the firmware to end QEMU (semihosting exit) and return the exit code."""
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            raise DeviceError(f"qemu {self.board.name} did not exit within {timeout:g} s") from None

    def stop(self) -> int | None:
        """Stop QEMU (if still running), reap it, keep its output; returns its exit code. Safe to call twice."""
        if self._stopping:
            return self.proc.returncode if self.proc else None
        self._stopping = True
        _LIVE.discard(self)
        if self._watchdog is not None:
            self._watchdog.cancel()
        if self.serial is not None:
            try:
                self.serial.close()
            except OSError:
                pass
        self._reap()
        if self._tmp is not None:
            tmp = Path(self._tmp.name)
            for name in ("stdout", "stderr"):
                if (tmp / name).exists():
                    setattr(self, name, (tmp / name).read_text(errors="replace"))
            self._tmp.cleanup()
        return self.proc.returncode if self.proc else None

    @property
    def returncode(self) -> int | None:
        return self.proc.poll() if self.proc else None

    def _tail(self) -> str:
        """QEMU's last stderr lines, joined into one line."""
        text = self.stderr
        if self._tmp is not None and (Path(self._tmp.name) / "stderr").exists():
            text = (Path(self._tmp.name) / "stderr").read_text(errors="replace")
        lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
        return " | ".join(lines[-3:]) or "(no stderr)"

    def describe(self) -> str:
        """One line on how QEMU ended, for error messages."""
        if self.expired:
            return f"qemu killed after the {self.limit:g} s limit"
        rc = self.returncode
        if rc is None:
            return "qemu still running"
        return f"qemu exited with {rc}; stderr: {self._tail()}"

    def __enter__(self) -> Qemu:
        return self.start()

    def __exit__(self, exc_type, exc, tb):
        died = self.proc is not None and self.proc.poll() is not None
        self.stop()
        if died and isinstance(exc, DeviceError) and type(exc) is DeviceError:
            raise DeviceError(f"{exc} ({self.describe()})") from exc
        return False
