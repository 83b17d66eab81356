"""A device in Python: the firmware's protocol engine (edge/src/ed_server.c) re-implemented for fast tests.

`FakeDevice` answers frames exactly as the firmware with an empty image region does: the same receive rule
(framing.classify), the same dispatch order (unknown id -> length check -> handler), the same error payloads, byte
for byte. The QEMU fuzz test uses that equality: it replays random input into both and compares every reply.
`FakePort` puts a FakeDevice behind the small part of pyserial's interface the client uses, with knobs to simulate a
bad line (noise, corrupted or dropped replies) and a crashed device.
"""

from __future__ import annotations

import time

from eccless.protocol.framing import ChunkReader, FrameError, classify, encode_frame
from eccless.channel.constants import K_NONE, KEEP_ALL
from eccless.channel.fixedlog import K_LIMIT
from eccless.channel.burst import MAX_LENGTH as BURST_MAX
from eccless.protocol import (BENCH_KINDS, BENCH_MAX_ITERATIONS, BY_ID, ERROR_LAYOUT, FAULT_MARKER, FIRMWARE_VERSION,
                              IMAGE_ERROR_CODES, INFO_FLAGS, INJECT_MODELS, INJECT_REGIONS, LOAD_FLAGS, MAX_PAYLOAD,
                              RESPONSE_FLAG, SEQ_NONE, STATUS, VERSION, command)


def default_info(for_board=None, **overrides) -> dict:
    """INFO fields as a firmware for `for_board` (a boards.Board, or None for a made-up one) would report them."""
    info = dict(protocol=VERSION, max_payload=MAX_PAYLOAD,
                firmware=(FIRMWARE_VERSION[0] << 16) | (FIRMWARE_VERSION[1] << 8) | FIRMWARE_VERSION[2],
                build_id=0, flags=0, timer_hz=25_000_000, code_base=0, code_size=0x100000, image_base=0x100000,
                image_size=0x300000, ram_base=0x20000000, ram_size=0x400000, arena_base=0x20010000,
                arena_size=0x3F0000, image_head=0, image_bytes=0, image_crc=0, boot_count=1, uptime=0,
                board="fake")
    b = for_board
    if b is not None:
        info.update(timer_hz=int(b.timer.get("hz", 0)), code_base=b.code.base, code_size=b.code.size,
                    image_base=b.image.base, image_size=b.image.size, ram_base=b.ram.base, ram_size=b.ram.size,
                    board=b.name)
    info.update(overrides)
    return info


class FakeDevice:
    """The protocol engine: bytes in, reply bytes out. Handlers return (status name, payload bytes, detail)."""

    def __init__(self, info: dict | None = None, *, debug: bool = False, clock=None):
        self.info = info if info is not None else default_info()
        self.debug = debug
        self.faulted = False
        self._reader = ChunkReader()
        self.armed = 0                               # INJECT's region mask, as the firmware keeps it
        # uptime is info["uptime"] plus the timer's ticks since boot by `clock` (seconds); without a clock it stands
        # still, so replies are a function of the requests alone (the byte-for-byte comparisons need that)
        self.clock = clock
        self._booted = clock() if clock else 0.0
        self._handlers = {"PING": lambda p: ("OK", b"", 0), "ECHO": lambda p: ("OK", bytes(p), 0),
                          "INFO": self._info, "FAULT": self._fault, "SPIN": self._spin, "LOAD": self._load,
                          "INJECT": self._inject, "EVAL": self._no_model, "INFER": self._no_model,
                          "BENCH": self._bench, "DIGEST": self._no_model, "CLASSIFY": self._no_model,
                          "RESET": self._reset}

    def feed(self, data: bytes) -> bytes:
        out = bytearray()
        for chunk, wire_len in self._reader.feed(data):
            if self.faulted:
                break
            out += self._reply(chunk, wire_len)
        return bytes(out)

    def _reply(self, chunk: bytes, wire_len: int) -> bytes:
        try:
            frame = classify(chunk, wire_len)
        except FrameError as e:
            return self._error(e.status, SEQ_NONE, 0, e.detail)
        cmd = BY_ID.get(frame.code)
        if cmd is None:
            return self._error("ERR_UNKNOWN_CMD", frame.seq, frame.code, frame.code)
        if not cmd.request.fits(len(frame.payload)):
            return self._error("ERR_LENGTH", frame.seq, frame.code, len(frame.payload))
        handler = self._handlers.get(cmd.name) if cmd.implemented else None
        status, payload, detail = handler(frame.payload) if handler else ("ERR_NOT_IMPLEMENTED", b"", 0)
        if self.faulted or status == "SILENT":
            return payload                           # the fault line, then silence; or a reset: no reply
        if status != "OK":
            return self._error(status, frame.seq, frame.code, detail)
        return encode_frame(RESPONSE_FLAG | STATUS["OK"], frame.seq, payload)

    @staticmethod
    def _error(status: str, seq: int, cmd: int, detail: int) -> bytes:
        return encode_frame(RESPONSE_FLAG | STATUS[status], seq,
                            ERROR_LAYOUT.pack("error", {"cmd": cmd, "detail": detail & 0xFFFFFFFF}))

    def _info(self, _payload: bytes):
        flags = self.info.get("flags", 0) | (self.debug << INFO_FLAGS["debug"])
        since = (self.clock() - self._booted) if self.clock else 0.0
        uptime = self.info.get("uptime", 0) + int(since * self.info.get("timer_hz", 0))
        return "OK", command("INFO").response.pack("INFO", {**self.info, "flags": flags, "uptime": uptime}), 0

    def _reset(self, _payload: bytes):
        """A warm reset, as the firmware's debug RESET: no reply, the boot counter goes up, uptime starts again."""
        if not self.debug:
            return "ERR_DISABLED", b"", 0
        self.info = {**self.info, "boot_count": self.info.get("boot_count", 0) + 1, "uptime": 0}
        self._booted, self.armed = (self.clock() if self.clock else 0.0), 0
        return "SILENT", b"", 0

    # The model commands of a firmware whose image region holds no image: the same argument checks, in the same
    # order, then "no image" (edge/src/ed_cmd_load.c, ed_cmd_inject.c, ed_cmd_bench.c).
    def _load(self, payload: bytes):
        flags = command("LOAD").request.unpack("LOAD", payload)["flags"]
        if flags & ~sum(1 << b for b in LOAD_FLAGS.values()):
            return "ERR_ARG", b"", flags
        return "ERR_IMAGE", b"", IMAGE_ERROR_CODES["BAD_MAGIC"]

    def _inject(self, payload: bytes):
        f = command("INJECT").request.unpack("INJECT", payload)
        region = f["region"]
        if region > INJECT_REGIONS["protected"]:
            return "ERR_ARG", b"", 1
        if region:
            if f["k_q32"] != K_NONE and f["k_q32"] >= K_LIMIT:
                return "ERR_ARG", b"", 2
            if f["keep_1to0"] > KEEP_ALL or f["keep_0to1"] > KEEP_ALL:
                return "ERR_ARG", b"", 3 if f["keep_1to0"] > KEEP_ALL else 4
            if f["model"] > max(INJECT_MODELS.values()):
                return "ERR_ARG", b"", 5
            if f["model"] == INJECT_MODELS["burst"] and not 1 <= f["length"] <= BURST_MAX:
                return "ERR_ARG", b"", 6
            self.armed |= 1 << (region - 1)
        else:
            self.armed = 0
        return "OK", bytes([self.armed]), 0

    @staticmethod
    def _no_model(_payload: bytes):
        return "ERR_NO_IMAGE", b"", 0

    def _bench(self, payload: bytes):
        f = command("BENCH").request.unpack("BENCH", payload)
        if f["kind"] > max(BENCH_KINDS.values()):
            return "ERR_ARG", b"", 1
        if not 0 < f["iterations"] <= BENCH_MAX_ITERATIONS:
            return "ERR_ARG", b"", 2
        return "ERR_NO_IMAGE", b"", 0

    def _spin(self, _payload: bytes):
        if not self.debug:
            return "ERR_DISABLED", b"", 0
        return "OK", command("SPIN").response.pack("SPIN", {"ticks": 0, "instructions": 0}), 0

    def _fault(self, payload: bytes):
        if not self.debug:
            return "ERR_DISABLED", b"", 0
        self.faulted = True
        line = f"{FAULT_MARKER} UsageFault (fake kind {payload[0]}) pc=0x00000000 lr=0x00000000 cfsr=0x00010000"
        return "OK", b"\0" + line.encode() + b"\r\n\0", 0

    def handle(self, name: str, **fields) -> bytes:
        """Convenience for tests: the reply bytes to one well-formed request with seq 0."""
        cmd = command(name)
        return self.feed(encode_frame(cmd.id, 0, cmd.request.pack(name, fields)))


class FakePort:
    """The pyserial subset the client needs (read, write, timeout, in_waiting, reset_input_buffer, close) around a
    FakeDevice. Knobs: `noise` is sent before the next reply; `corrupt_next` flips a bit in the CRC of the next reply;
    `drop_next` swallows that many replies."""

    def __init__(self, device: FakeDevice | None = None, timeout: float | None = 1.0):
        self.device = device or FakeDevice()
        self.timeout = timeout
        self.noise = b""
        self.corrupt_next = False
        self.drop_next = 0
        self.is_open = True
        self.written = bytearray()
        self._out = bytearray()

    def write(self, data: bytes) -> int:
        if not self.is_open:
            raise OSError("fake port is closed")
        self.written += data
        reply = self.device.feed(data)
        if reply and self.drop_next:
            self.drop_next -= 1
            reply = b""
        if reply and self.corrupt_next:
            self.corrupt_next = False
            reply = bytearray(reply)
            at = len(reply) - 2                      # the CRC's last byte: a data byte, never a delimiter
            reply[at] ^= 0x20 if reply[at] == 0x10 else 0x10
            reply = bytes(reply)
        if self.noise:                               # the line's noise arrives whether or not a reply does
            reply, self.noise = self.noise + reply, b""
        self._out += reply
        return len(data)

    @property
    def in_waiting(self) -> int:
        return len(self._out)

    def read(self, size: int = 1) -> bytes:
        if not self.is_open:
            raise OSError("fake port is closed")
        if not self._out:
            if self.device.faulted:
                raise OSError("device stopped (fault)")
            time.sleep(min(self.timeout or 0.0, 0.01))   # a real port would block this long
            return b""
        data = bytes(self._out[:size])
        del self._out[:size]
        return data

    def reset_input_buffer(self) -> None:
        self._out.clear()

    def close(self) -> None:
        self.is_open = False
