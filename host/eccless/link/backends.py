"""Device backends behind one registry, so a test or a tool talks to QEMU, a real board or the in-process fake
through the same `Device` object and never branches on which one it has.

    with open_device("loop") as dev: ...                          # FakeDevice in-process: milliseconds
    with open_device("qemu") as dev: ...                          # DEFAULT_BOARD: builds the firmware, boots QEMU
    with open_device("serial:/dev/ttyACM0") as dev: ...           # any pyserial URL: socket://host:port, loop://
    dev.ping(); dev.info(); dev.request("EVAL", first=0, count=100)

A backend is a class with open() -> Client, close() and describe() -> str (how the device ended, "" while it is
fine). Adding one: write the class, add a BACKENDS line.
"""

from __future__ import annotations

import time
from pathlib import Path

from eccless.errors import DeviceError, UsageError
from eccless.registry import Registry
from eccless.link.client import Client, DeviceStatusError
from eccless.link.fake import FakeDevice, FakePort, default_info
from eccless.protocol.framing import Frame
from eccless.boards import DEFAULT_BOARD


class LoopBackend:
    """The fake device in-process (fake.py): same framing and answers as the firmware, no I/O."""

    spec_arg = None

    def __init__(self, *, debug: bool = False, info: dict | None = None, timeout: float = 2.0, image=None):
        # the fake holds no image: LOAD answers as a firmware with an empty image region does
        self.device = FakeDevice(info or default_info(), debug=debug, clock=time.monotonic)
        self.timeout = timeout
        self.port: FakePort | None = None

    def open(self) -> Client:
        self.port = FakePort(self.device)
        return Client(self.port, timeout=self.timeout, name="loop")

    def close(self) -> None:
        if self.port is not None:
            self.port.close()

    def describe(self) -> str:
        return "fake device faulted" if self.device.faulted else ""


class SerialBackend:
    """A real port or any pyserial URL (`/dev/ttyACM0`, `socket://127.0.0.1:4000`, `loop://`)."""

    spec_arg = "url"

    def __init__(self, url: str, *, baudrate: int = 115200, timeout: float = 2.0, image=None):
        # a real board's image is flashed beforehand (its flasher, not this link); LOAD reports its length, which
        # eccless.commands.run compares with the file it was given
        self.url, self.baudrate, self.timeout, self.image = url, baudrate, timeout, image
        self.client: Client | None = None

    def open(self) -> Client:
        self.client = Client.from_url(self.url, baudrate=self.baudrate, timeout=self.timeout)
        try:
            self.client.wait_ready(self.timeout)      # a board just reset, or a stand-in still booting
        except DeviceError:
            self.client.close()
            raise
        return self.client

    def close(self) -> None:
        if self.client is not None:
            self.client.close()

    def describe(self) -> str:
        return ""


class QemuBackend:
    """Builds the firmware for the board (unless an ELF is given) and runs it in QEMU (qemu.py)."""

    spec_arg = "board"

    def __init__(self, board: str = DEFAULT_BOARD, *, elf: str | Path | None = None,
                 image: str | Path | bytes | None = None, debug: bool = False, timeout: float = 2.0,
                 limit: float = 600.0, variant: str | None = None, arena_size: int | None = None):
        self.board, self.elf, self.image, self.debug = board, elf, image, debug
        self.timeout, self.limit = timeout, limit
        self.variant, self.arena_size = variant, arena_size
        self.qemu = None
        self.firmware = None        # the Firmware built for this run (sizes), when this backend built it

    def open(self) -> Client:
        from eccless.firmware.build import build_firmware
        from eccless.link.qemu import Qemu

        if self.elf is None:
            self.firmware = build_firmware(self.board, debug=self.debug, variant=self.variant,
                                           arena_size=self.arena_size)
        elf = self.elf or self.firmware.elf
        self.qemu = Qemu(self.board, elf, image=self.image, timeout=self.timeout, limit=self.limit).start()
        return self.qemu.client

    def close(self) -> None:
        if self.qemu is not None:
            self.qemu.stop()

    def describe(self) -> str:
        if self.qemu is None or self.qemu.proc is None:
            return ""
        try:
            self.qemu.proc.wait(0.5)       # a faulting firmware exits right after its fault line
        except Exception:
            return ""
        return self.qemu.describe()


BACKENDS: Registry[type] = Registry("device backend")
BACKENDS.add("loop", LoopBackend)
BACKENDS.add("serial", SerialBackend)
BACKENDS.add("qemu", QemuBackend)


class Device:
    """One open device; the same methods whatever the backend."""

    def __init__(self, backend):
        self.backend = backend
        self.client: Client | None = None

    def open(self) -> Device:
        if self.client is None:            # open_device() already opened it; `with` must not open it twice
            self.client = self.backend.open()
        return self

    def close(self) -> None:
        self.backend.close()
        self.client = None

    def __enter__(self) -> Device:
        return self.open()

    def __exit__(self, *exc) -> None:
        self.close()

    def request(self, cmd, /, *, timeout: float | None = None, **fields) -> dict:
        return self._guard(lambda: self.client.request(cmd, timeout=timeout, **fields))

    def transact(self, code: int, payload: bytes = b"", *, timeout: float | None = None) -> Frame:
        """Frame level: send (code, payload) with a fresh seq, return the response frame whatever its status."""
        return self._guard(lambda: self.client.transact(code, payload, timeout=timeout))

    def ping(self) -> None:
        self.request("PING")

    def echo(self, data: bytes) -> bytes:
        return self.request("ECHO", data=data)["data"]

    def info(self) -> dict:
        return self.request("INFO")

    def _guard(self, call):
        """Device errors get the backend's account of how it ended (QEMU's exit code and stderr)."""
        try:
            return call()
        except DeviceStatusError:
            raise
        except DeviceError as e:
            why = self.backend.describe()
            if why:
                raise DeviceError(f"{e} ({why})") from e
            raise


# what a user types for a port: pyserial's URLs and device paths go to the serial backend as they are
SERIAL_URL_PREFIXES = ("socket://", "rfc2217://", "loop://", "spy://", "hwgrep://", "/dev/", "COM")


def normalize_spec(spec: str) -> str:
    """`socket://127.0.0.1:4000`, `/dev/ttyACM0` or `loop://` mean the serial backend on that URL; `loop` is the
    in-process fake; `qemu[:BOARD]` and `serial:URL` are themselves."""
    if spec.startswith(SERIAL_URL_PREFIXES):
        return f"serial:{spec}"
    return spec


def open_device(spec: str, **options) -> Device:
    """'loop', 'serial:URL' (or a bare URL: socket://HOST:PORT, /dev/ttyACM0, loop://), 'qemu' or 'qemu:BOARD' ->
    an opened Device (options go to the backend)."""
    name, _, arg = normalize_spec(spec).partition(":")
    cls = BACKENDS.get(name)
    if arg and cls.spec_arg is None:
        raise UsageError(f"device backend {name!r} takes no argument (got {spec!r})")
    if arg:
        options = {cls.spec_arg: arg, **options}
    if cls is SerialBackend and "url" not in options:
        raise UsageError("the serial backend needs a port: serial:/dev/ttyACM0 or serial:socket://HOST:PORT")
    return Device(cls(**options)).open()
