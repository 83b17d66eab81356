"""Request/response client of the serial protocol, over anything that reads and writes like a pyserial port.

`Client.from_url` opens `serial.serial_for_url(url)`, so `socket://127.0.0.1:PORT` (QEMU), `/dev/ttyACM0` (a board)
and `loop://` behave alike; a FakePort (fake.py) works too. Each request gets a sequence number (0..254, cycling) and
the client waits for the response carrying it, skipping everything else on the line:
- chunks that are not frames (garbage, a torn frame) are skipped up to the next 0x00 delimiter: resynchronisation;
- replies with other seq numbers are stale (a request that timed out earlier) and are dropped;
- anonymous error replies (seq SEQ_NONE: the device got garbage) are remembered and named if the request times out;
- our own request echoed back (loop://) is not a response and is ignored;
- a reply with our seq but a bad CRC raises at once; so does the fault line of a crashed firmware;
- a non-OK status raises DeviceStatusError naming the command and the device's reason.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from eccless.errors import DeviceError, UsageError
from eccless.protocol.framing import ChunkReader, Frame, FrameError, classify, cobs_decode, encode_frame
from eccless.protocol import (BENCH_MAX_ITERATIONS, ERROR_LAYOUT, FAULT_MARKER, MAX_ENCODED, MAX_PAYLOAD,
                              RESPONSE_FLAG, SEQ_COUNT, SEQ_NONE, STATUS, STATUS_BY_CODE, Command, command,
                              status_message)

# Caps on request fields, checked before sending so the message is one clear line; the firmware refuses the same
# (protocol.BENCH_MAX_ITERATIONS), since a command cannot be interrupted on the device.
FIELD_LIMITS = {("BENCH", "iterations"): BENCH_MAX_ITERATIONS}
READ_SLICE = 0.05   # seconds one port.read may block, so deadlines are kept without reconfiguring the port


class DeviceStatusError(DeviceError):
    """The device answered a request with a non-OK status; `status` is its name (e.g. "ERR_NOT_IMPLEMENTED")."""

    def __init__(self, message: str, status: str, detail: int):
        super().__init__(message)
        self.status, self.detail = status, detail


@dataclass(frozen=True)
class _Corrupt:
    code: int
    seq: int
    message: str


def _printable(chunk: bytes) -> bool:
    return bool(chunk) and all(32 <= b < 127 or b in (9, 10, 13) for b in chunk)


class Client:
    def __init__(self, port, *, timeout: float = 2.0, name: str = "device"):
        self.port, self.timeout, self.name = port, timeout, name
        if getattr(port, "timeout", None) is None or port.timeout > READ_SLICE:
            port.timeout = READ_SLICE      # reads must return in time for our own deadlines
        self.text: list[str] = []          # plain-text lines the device printed (outside frames)
        self.skipped = 0                   # chunks dropped while resynchronising
        self._seq = 0
        self._reader = ChunkReader(MAX_ENCODED)
        self._ready: list = []

    @classmethod
    def from_url(cls, url: str, *, baudrate: int = 115200, timeout: float = 2.0, name: str | None = None):
        try:
            import serial
        except ImportError:
            raise DeviceError("pyserial not installed: pip install 'eccless[device]'") from None
        try:
            port = serial.serial_for_url(url, baudrate=baudrate, timeout=READ_SLICE)
        except (ValueError, OSError) as e:
            raise DeviceError(f"cannot open {url}: {e}") from None
        return cls(port, timeout=timeout, name=name or url)

    # -- the typed API -------------------------------------------------------------------------------------
    def request(self, cmd: str | int | Command, /, *, timeout: float | None = None, **fields) -> dict:
        """Send one command with its request fields; return the response fields (DeviceError on failure)."""
        c = command(cmd)
        for (name, field), limit in FIELD_LIMITS.items():
            if c.name == name and fields.get(field, 0) > limit:
                raise UsageError(f"{name} {field}={fields[field]} is above the host cap of {limit:,} (the device "
                                 f"cannot be interrupted mid-command; eccless.link.client.FIELD_LIMITS)")
        payload = c.request.pack(c.name, fields)
        if len(payload) > MAX_PAYLOAD:
            raise UsageError(f"{c.name} request of {len(payload)} bytes exceeds MAX_PAYLOAD {MAX_PAYLOAD}")
        frame = self.transact(c.id, payload, timeout=timeout, what=c.name)
        status = frame.code & ~RESPONSE_FLAG
        if status != STATUS["OK"]:
            err = ERROR_LAYOUT.unpack("error", frame.payload) if ERROR_LAYOUT.fits(len(frame.payload)) else {}
            detail = err.get("detail", 0)
            name = STATUS_BY_CODE[status].name if status in STATUS_BY_CODE else f"status {status}"
            raise DeviceStatusError(f"{self.name}: {c.name} failed: {status_message(status, detail)}", name, detail)
        try:
            return c.response.unpack(c.name, frame.payload)
        except ValueError as e:
            raise DeviceError(f"{self.name}: malformed {c.name} reply: {e}") from None

    def ping(self, timeout: float | None = None) -> None:
        self.request("PING", timeout=timeout)

    def wait_ready(self, total: float, alive=lambda: True) -> None:
        """PING until the device answers, for up to `total` seconds (while alive()). A device that is still booting
        may drop bytes until its UART is enabled (an STM32 USART does): the first request of a fast host would be
        lost. Anything but silence (garbage, a fault) is raised at once."""
        deadline = time.monotonic() + max(total, 1.0)
        while True:
            try:
                self.ping(timeout=0.25)
                return
            except DeviceError as e:
                if "no reply" not in str(e) or time.monotonic() > deadline or not alive():
                    raise

    def echo(self, data: bytes, timeout: float | None = None) -> bytes:
        return self.request("ECHO", data=data, timeout=timeout)["data"]

    def info(self, timeout: float | None = None) -> dict:
        return self.request("INFO", timeout=timeout)

    # -- frames ----------------------------------------------------------------------------------------------
    def transact(self, code: int, payload: bytes = b"", *, timeout: float | None = None, what: str = "") -> Frame:
        """Send a raw request and return the response frame with its seq, whatever its status."""
        what = what or f"command {code:#04x}"
        self._drain()
        seq, self._seq = self._seq, (self._seq + 1) % SEQ_COUNT
        self.send_raw(encode_frame(code, seq, payload))
        limit = self.timeout if timeout is None else timeout
        deadline = time.monotonic() + limit
        notes: list[str] = []
        while True:
            item = self._next(deadline)
            if item is None:
                extra = f"; meanwhile: {'; '.join(dict.fromkeys(notes))}" if notes else ""
                raise DeviceError(f"{self.name}: no reply to {what} (seq {seq}) within {limit:g} s{extra}")
            if isinstance(item, _Corrupt):
                if item.code & RESPONSE_FLAG and item.seq == seq:
                    raise DeviceError(f"{self.name}: reply to {what} corrupted: {item.message}")
                notes.append(f"a frame with {item.message}")
            elif item.seq == seq:
                return item
            elif item.seq == SEQ_NONE:
                err = ERROR_LAYOUT.unpack("error", item.payload) if ERROR_LAYOUT.fits(len(item.payload)) else {}
                notes.append("device rejected a frame: " +
                             status_message(item.code & ~RESPONSE_FLAG, err.get("detail", 0)))

    def send_raw(self, data: bytes) -> None:
        try:
            self.port.write(bytes(data))
        except OSError as e:
            raise DeviceError(f"{self.name}: write failed: {e}") from None

    def read_frame(self, timeout: float | None = None) -> Frame | None:
        """The next response frame of any seq (None after the timeout); for tests that send raw bytes."""
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        while True:
            item = self._next(deadline)
            if not isinstance(item, _Corrupt):
                return item

    def close(self) -> None:
        self.port.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # -- the receive side ------------------------------------------------------------------------------------
    def _drain(self) -> None:
        """Before a request: whatever already arrived is stale, but a fault line in it must still be seen."""
        while self._read_some(block=False):
            pass
        while self._ready:
            self._ready.pop(0)

    def _read_some(self, block: bool) -> bool:
        try:
            waiting = self.port.in_waiting
            if not waiting and not block:
                return False
            data = self.port.read(max(1, waiting))
        except OSError as e:
            raise DeviceError(f"{self.name}: connection lost: {e}") from None
        for chunk, wire_len in self._reader.feed(data):
            self._take(chunk, wire_len)
        return bool(data)

    def _next(self, deadline: float):
        while not self._ready:
            if time.monotonic() >= deadline:
                return None
            self._read_some(block=True)
        return self._ready.pop(0)

    def _take(self, chunk: bytes, wire_len: int) -> None:
        try:
            frame = classify(chunk, wire_len)
        except FrameError as e:
            if _printable(chunk):
                line = chunk.decode().strip()
                self.text.append(line)
                if line.startswith(FAULT_MARKER):
                    raise DeviceError(f"{self.name}: device fault: {line[len(FAULT_MARKER):].strip()}") from None
            elif e.status == "ERR_CRC":
                raw = cobs_decode(chunk)
                self._ready.append(_Corrupt(raw[0], raw[1], str(e)))
            else:
                self.skipped += 1
            return
        if frame.code & RESPONSE_FLAG:    # anything else is a request, e.g. our own echoed back by loop://
            self._ready.append(frame)
        else:
            self.skipped += 1
