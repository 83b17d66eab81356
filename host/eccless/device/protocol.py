"""The serial protocol between host and firmware, defined once: commands, statuses, frame limits, payload layouts.

Everything else derives from this table: the client packs and unpacks with it, `header.py` generates the C header
edge/include/ed_protocol.h (ids, statuses, limits, byte offsets, the dispatch X-macro) and the command table of
docs/PROTOCOL.md, and the fake device in `fake.py` answers from it.

A frame on the wire is COBS(code, seq, payload..., crc16 little-endian) followed by a 0x00 delimiter (senders also
put a 0x00 before each frame, so garbage on the line never glues onto a frame). In a request `code` is the command
id (1..0x7F); in a response it is RESPONSE_FLAG | status. The CRC is CRC-16/CCITT-FALSE over code, seq and payload.

To add a command: add a Command line here (set `implemented=True` once its C handler `ed_cmd_<name>` exists),
run `python -m eccless.device.header --write`, and write that one C function (docs/FIRMWARE.md).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import UsageError
from ..registry import Registry
from .layout import Field, Layout

VERSION = 1                     # bump on any incompatible change of this file
FIRMWARE_VERSION = (0, 1, 0)    # of the firmware base in edge/ (reported by INFO)
MAX_PAYLOAD = 4096              # bytes after (code, seq): fits a 32x32x3 int8 input for INFER
HEADER_BYTES = 2                # code, seq
CRC_BYTES = 2
MAX_FRAME = HEADER_BYTES + MAX_PAYLOAD + CRC_BYTES                 # decoded frame, before COBS
MAX_ENCODED = MAX_FRAME + MAX_FRAME // 254 + 1                     # COBS worst case, without the delimiter
RESPONSE_FLAG = 0x80
SEQ_NONE = 0xFF                 # responses to frames whose seq cannot be trusted (bad CRC, malformed, oversized)
SEQ_COUNT = 0xFF                # clients cycle seq through 0..254
CRC16_POLY, CRC16_INIT = 0x1021, 0xFFFF
FAULT_MARKER = "ED FAULT"       # first words of the plain-text line the fault handler prints
NO_INDEX = 0xFFFFFFFF           # INFER: the input travels in the request instead of coming from the stored test set
INFO_FLAGS = {"debug": 0, "icount": 1}   # INFO.flags bit numbers: debug commands built in; instructions counted


@dataclass(frozen=True)
class Status:
    name: str
    code: int
    message: str        # what DeviceError says; {detail} is filled from the error payload


@dataclass(frozen=True)
class Command:
    name: str
    id: int
    doc: str
    request: Layout
    response: Layout
    implemented: bool = False   # False: the generated dispatch table points at ed_cmd_not_implemented
    debug: bool = False         # only answered by firmware built with debug=True (else status DISABLED)

    @property
    def handler(self) -> str:
        return f"ed_cmd_{self.name.lower()}" if self.implemented else "ed_cmd_not_implemented"


STATUSES = (
    Status("OK", 0, "ok"),
    Status("ERR_CRC", 1, "bad CRC in a frame the device received (detail {detail:#010x}: received << 16 | computed)"),
    Status("ERR_FRAME", 2, "malformed frame (bad COBS or shorter than 4 bytes; {detail} bytes on the wire)"),
    Status("ERR_OVERSIZE", 3, "frame too long ({detail} bytes on the wire)"),
    Status("ERR_UNKNOWN_CMD", 4, "unknown command id {detail:#04x}"),
    Status("ERR_LENGTH", 5, "request payload of {detail} bytes does not fit the command's layout"),
    Status("ERR_NOT_IMPLEMENTED", 6, "command not implemented yet in this firmware"),
    Status("ERR_DISABLED", 7, "debug command not built in (build the firmware with debug=True)"),
    Status("ERR_ARG", 8, "request field out of range (detail {detail})"),
    Status("ERR_NO_IMAGE", 9, "no valid model image loaded (send LOAD first)"),
    Status("ERR_IMAGE", 10, "model image rejected (detail {detail:#x})"),
    Status("ERR_INTERNAL", 11, "internal firmware error (detail {detail:#x})"),
)

# Every non-OK response carries this payload; anonymous errors (seq SEQ_NONE) have cmd 0.
ERROR_LAYOUT = Layout((Field("cmd", "B", "command id of the rejected request, 0 if unknown"),
                       Field("detail", "I", "status-specific number, see the status messages")))

_TICKS = (Field("ticks", "Q", "TIMER0 ticks spent"),
          Field("instructions", "Q", "instructions (QEMU icount); 0 when the board cannot count them"))

COMMANDS = (
    Command("PING", 0x01, "Liveness check; empty request and response.", Layout(), Layout(), implemented=True),
    Command("ECHO", 0x02, "Returns the request bytes unchanged (link test).",
            Layout(tail=Field("data", "B")), Layout(tail=Field("data", "B")), implemented=True),
    Command("INFO", 0x03, "Firmware version, board, memory map and image summary.", Layout(), Layout((
        Field("protocol", "H", "protocol VERSION the firmware was generated from"),
        Field("max_payload", "H", "MAX_PAYLOAD of the firmware"),
        Field("firmware", "I", "firmware version, major << 16 | minor << 8 | patch"),
        Field("build_id", "I", "hash of the sources and flags the firmware was built from"),
        Field("flags", "I", "bit 0: debug commands built in; bit 1: instruction counts available"),
        Field("timer_hz", "I", "TIMER0 rate in Hz"),
        Field("code_base", "I"), Field("code_size", "I"),
        Field("image_base", "I", "where the model image is expected"), Field("image_size", "I"),
        Field("ram_base", "I"), Field("ram_size", "I"),
        Field("arena_base", "I", "free RAM after the firmware's own data (for the model loader)"),
        Field("arena_size", "I"),
        Field("image_head", "I", "first 32-bit word of the image region (its magic when one is loaded)")),
        tail=Field("board", "s", "board name")), implemented=True),
    Command("LOAD", 0x10, "Decode the image in flash, run detection; returns detection counts.",
            Layout((Field("flags", "I", "reserved, 0"),)),
            Layout((Field("image_bytes", "I"), Field("params", "I", "parameters decoded"),
                    Field("detected", "I", "parameters flagged by detection"),
                    Field("zeroed", "I", "parameters replaced by zero"), *_TICKS))),
    Command("INJECT", 0x11, "Flip bits of the image in place with the storage channel (docs/CHANNEL.md).",
            Layout((Field("seed", "Q"), Field("stream", "I"), Field("k_q32", "Q"), Field("keep_1to0", "Q"),
                    Field("keep_0to1", "Q"), Field("start", "I", "first byte offset in the image"),
                    Field("stop", "I", "end byte offset in the image, 0 = end of the image"))),
            Layout((Field("flips", "I"), *_TICKS))),
    Command("EVAL", 0x12, "Classify stored test samples [first, first + count).",
            Layout((Field("first", "I"), Field("count", "I"))),
            Layout((Field("correct", "I"), Field("count", "I"), *_TICKS),
                   tail=Field("per_class", "II", "per class: (correct, predicted)"))),
    Command("INFER", 0x13, "Classify one sample: a stored one by index, or the input bytes in the request.",
            Layout((Field("index", "I", "stored sample index, or NO_INDEX to use the tail"),),
                   tail=Field("input", "B", "quantized input tensor bytes")),
            Layout((Field("label", "H", "predicted class"), Field("dtype", "B", "0 int8, 1 int32, 2 float32"),
                    *_TICKS), tail=Field("output", "B", "output tensor bytes, little-endian"))),
    Command("BENCH", 0x14, "Time a firmware routine (kind) for a number of iterations.",
            Layout((Field("kind", "B"), Field("iterations", "I"), Field("arg", "I"))),
            Layout((Field("iterations", "I"), *_TICKS))),
    Command("SPIN", 0x7D, "Debug builds only: run a fixed busy loop of `iterations` steps and time it (checks the "
            "timer and the determinism of instruction counts).",
            Layout((Field("iterations", "I"),)), Layout(_TICKS), implemented=True, debug=True),
    Command("FAULT", 0x7E, "Debug builds only: trigger a CPU fault (kind 0 read of the no-access stack guard, "
            "1 undefined instruction, 2 divide by zero, 3 stack overflow) to test the fault path.",
            Layout((Field("kind", "B"),)), Layout(), implemented=True, debug=True),
)
FAULT_KINDS = {"bad_read": 0, "undefined": 1, "divide": 2, "stack_overflow": 3}

COMMAND_REGISTRY: Registry[Command] = Registry("device command")
for _c in COMMANDS:
    COMMAND_REGISTRY.add(_c.name, _c)
BY_ID = {c.id: c for c in COMMANDS}
STATUS_BY_CODE = {s.code: s for s in STATUSES}
STATUS = {s.name: s.code for s in STATUSES}


def command(name_or_id: str | int | Command) -> Command:
    """A command by name (case-insensitive), id or itself; UsageError for an unknown one."""
    if isinstance(name_or_id, Command):
        return name_or_id
    if isinstance(name_or_id, int):
        if name_or_id not in BY_ID:
            raise UsageError(f"unknown device command id {name_or_id:#04x} (known: {', '.join(COMMAND_REGISTRY)})")
        return BY_ID[name_or_id]
    return COMMAND_REGISTRY.get(name_or_id.upper())


def status_message(code: int, detail: int = 0) -> str:
    s = STATUS_BY_CODE.get(code)
    return s.message.format(detail=detail) if s else f"unknown status {code} (detail {detail})"


def _check_table() -> None:
    """Fail at import on a table that the C side could not represent (ids, limits, duplicate names)."""
    ids = [c.id for c in COMMANDS]
    if len(set(ids)) != len(ids) or not all(0 < i < RESPONSE_FLAG for i in ids):
        raise ValueError("device command ids must be unique and in 1..0x7F")
    if [s.code for s in STATUSES] != list(range(len(STATUSES))) or len(STATUSES) >= RESPONSE_FLAG:
        raise ValueError("device status codes must be 0, 1, 2, ... below 0x80")
    for c in COMMANDS:
        if max(c.request.size, c.response.size) > MAX_PAYLOAD:
            raise ValueError(f"device command {c.name}: fixed payload exceeds MAX_PAYLOAD")


_check_table()
