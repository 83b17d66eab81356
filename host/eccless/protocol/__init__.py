"""The serial protocol between host and firmware, defined once: commands, statuses, frame limits, payload layouts.

Everything else derives from this table: the client packs and unpacks with it, `header.py` generates the C header
edge/include/ed_protocol.h (ids, statuses, limits, byte offsets, the dispatch X-macro) and the command table of
docs/PROTOCOL.md, and the fake device in `fake.py` answers from it.

A frame on the wire is COBS(code, seq, payload..., crc16 little-endian) followed by a 0x00 delimiter (senders also
put a 0x00 before each frame, so garbage on the line never glues onto a frame). In a request `code` is the command
id (1..0x7F); in a response it is RESPONSE_FLAG | status. The CRC is CRC-16/CCITT-FALSE over code, seq and payload.

To add a command: add a Command line here (set `implemented=True` once its C handler `ed_cmd_<name>` exists),
run `python -m eccless.firmware.protocol_header --write`, and write that one C function (docs/FIRMWARE.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from eccless.channel.base import DEVICE_MODELS
from eccless.errors import UsageError
from eccless.registry import Registry
from eccless.image.records import LOAD_ERRORS
from eccless.protocol.layout import Field, Layout

VERSION = 6                     # bump on any incompatible change of this file
FIRMWARE_VERSION = (0, 4, 0)    # of the firmware in edge/ (reported by INFO)
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
INFO_FLAGS = {"debug": 0, "icount": 1, "cycles": 2}  # INFO.flags bits: debug commands; instructions; cycles counted
# LOAD.flags bit numbers (docs/FIRMWARE.md: model loader): weights_flash leaves the weights in flash (run from
# flash); weights_auto keeps them in RAM when the model fits the arena that way, else in flash
LOAD_FLAGS = {"on_the_fly": 0, "no_lut": 1, "weights_flash": 2, "weights_auto": 3}
WEIGHTS_MODES = {"ram": 0, "flash": 1 << LOAD_FLAGS["weights_flash"], "auto": 1 << LOAD_FLAGS["weights_auto"]}
INJECT_REGIONS = {"clear": 0, "weights": 1, "protected": 2}
INJECT_MODELS = DEVICE_MODELS   # INJECT.model: the channel's C twins (edge/channel/ed_channel.h ED_CHANNEL_MODEL_*)
EVAL_REPORTS = {"per_class": 0, "predictions": 1}
# kernel: a dense op's fully connected kernel call alone, as inference makes it (no dispatch, one timer read pair
# around all iterations): what a per-kernel figure of another library (CMSIS-NN) counts
BENCH_KINDS = {"load": 0, "decode": 1, "infer": 2, "layer": 3, "kernel": 4}
# BENCH runs its routine `iterations` times and a command cannot be interrupted on the device (a big model's LOAD
# takes ~0.1 s in QEMU): more than this is refused, by the firmware and the fake device alike
BENCH_MAX_ITERATIONS = 1000
EVAL_MAX_PREDICTIONS = 2000     # report 1: u16 predictions per EVAL reply (the host splits longer ranges)

# Why LOAD rejected an image (the image format defines the reasons: eccless.image.records.LOAD_ERRORS)
IMAGE_ERROR_CODES = {name: code for code, (name, _) in LOAD_ERRORS.items()}


@dataclass(frozen=True)
class Status:
    name: str
    code: int
    message: str        # what DeviceError says; {detail} is filled from the error payload
    explain: Callable[[int], str] | None = None   # a message computed from the detail, when a format is not enough


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


def image_error(detail: int) -> str:
    """ERR_IMAGE's detail -> the reason, naming the record (e.g. 'corrupted tensor record 3: ...')."""
    name, text = LOAD_ERRORS.get(detail & 0xFF, (None, None))
    if text is None:
        return f"model image rejected (reason {detail & 0xFF}, record {detail >> 8})"
    return text.format(index=detail >> 8)


def _format_name(detail: int) -> str:
    names = {0: "float32", 1: "int8", 2: "uniform"}
    return (f"{names.get(detail, f'format {detail}')} images are not supported on this board "
            f"(the firmware runs int8 models only)")


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
    Status("ERR_IMAGE", 10, "model image rejected (detail {detail:#x}: record << 8 | LOAD_ERRORS reason)",
           image_error),
    Status("ERR_INTERNAL", 11, "internal firmware error (detail {detail:#x})"),
    Status("ERR_UNSUPPORTED", 12, "image not supported by this firmware (number format {detail})", _format_name),
    Status("ERR_ARENA", 13, "model does not fit the arena: needs at least {detail} bytes (build with a larger "
           "arena or a smaller model)"),
)

# Every non-OK response carries this payload; anonymous errors (seq SEQ_NONE) have cmd 0.
ERROR_LAYOUT = Layout((Field("cmd", "B", "command id of the rejected request, 0 if unknown"),
                       Field("detail", "I", "status-specific number, see the status messages")))

_TICKS = (Field("ticks", "Q", "timer ticks spent (CPU cycles when INFO flags bit 2 is set)"),
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
        Field("flags", "I", "bit 0: debug commands built in; bit 1: instruction counts available; bit 2: ticks are "
                            "CPU cycles (a running DWT cycle counter)"),
        Field("timer_hz", "I", "TIMER0 rate in Hz"),
        Field("code_base", "I"), Field("code_size", "I"),
        Field("image_base", "I", "where the model image is expected"), Field("image_size", "I"),
        Field("ram_base", "I"), Field("ram_size", "I"),
        Field("arena_base", "I", "free RAM after the firmware's own data (for the model loader)"),
        Field("arena_size", "I"),
        Field("image_head", "I", "first 32-bit word of the image region (its magic when one is loaded)"),
        Field("image_bytes", "I", "image length in the first superblock copy; 0 when the region holds no image"),
        Field("image_crc", "I", "zlib CRC-32 of those bytes as they read now (flash errors included): the host "
                                "skips re-flashing an image whose file has the same length and CRC"),
        Field("boot_count", "I", "boots since the RAM last lost power (a .noinit word with a magic; counts warm "
                                 "resets: reset button, watchdog, a fault on a board without semihosting)"),
        Field("uptime", "Q", "timer ticks since this boot (TIMER0 rate): a reset makes it go backwards")),
        tail=Field("board", "s", "board name")), implemented=True),
    Command("LOAD", 0x10, "Read the image in flash (with the armed INJECT flips), repair the protected region, parse, "
            "decode and detect every parameter; returns detection counts per layer.",
            Layout((Field("flags", "I", "LOAD_FLAGS bits: 0 decode on the fly (per inference), 1 no lookup tables, "
                                        "2 weights stay in flash, 3 in RAM if they fit, else in flash"),)),
            Layout((Field("image_bytes", "I", "image length from the superblock"),
                    Field("params", "I", "parameters decoded"),
                    Field("zeroed_parity", "I", "parameters zeroed because their parity failed"),
                    Field("zeroed_range", "I", "parameters zeroed by the range check"),
                    Field("ecc_corrected", "I", "bit errors the BCH code repaired in the protected region"),
                    Field("flips_weights", "I", "bits INJECT flipped in the weight region"),
                    Field("flips_protected", "I", "bits INJECT flipped in the superblock and protected blob"),
                    Field("arena_used", "I", "bytes of the arena the model occupies"),
                    Field("samples", "I", "test samples stored in the image"),
                    Field("classes", "I", "outputs of the model"),
                    *_TICKS,
                    Field("decode_ticks", "Q", "TIMER0 ticks of decode + detect and weight packing"),
                    Field("decode_instructions", "Q", "instructions of decode + detect and weight packing"),
                    Field("weights_flash", "I", "1 when the weights stay in flash (run from flash), 0 in RAM"),
                    Field("fixes", "I", "run from flash: corrections kept for the layers read in place"),
                    Field("resident_layers", "I", "weights 'auto' run from flash: layers whose weights were decoded "
                                                  "into RAM after all (the most MACs per weight first)"),
                    Field("ecc_failed", "I", "ECC-coded weight region: blocks detected uncorrectable"),
                    Field("zeroed_ecc", "I", "ECC `zero` policy: parameters zeroed for overlapping a failed block"),
                    Field("arena_activations", "I", "of arena_used: the two ping-pong activation buffers"),
                    Field("arena_tiles", "I", "of arena_used: weight decode buffers (from flash the tiles, in RAM "
                                              "one layer's staging)"),
                    Field("arena_scratch", "I", "of arena_used: the kernels' scratch (widened inputs, conv images)")),
                   tail=Field("layers", "II", "per weighted op: (zeroed by parity, zeroed by range)")),
            implemented=True),
    Command("INJECT", 0x11, "Arm the storage channel (docs/CHANNEL.md) for one region: every later LOAD reads that "
            "region with these flips applied; flash is never written. Region 0 disarms every region.",
            Layout((Field("seed", "Q"), Field("stream", "I", "channel stream (eccless corrupt: weights 0, "
                                                               "protected 1)"),
                    Field("k_q32", "Q"), Field("keep_1to0", "Q"), Field("keep_0to1", "Q"),
                    Field("region", "B", "INJECT_REGIONS: 0 clear all, 1 weights, 2 protected"),
                    Field("model", "B", "INJECT_MODELS: 0 i.i.d. (bsc, asym), 1 burst, 2 stuck-at"),
                    Field("length", "I", "burst: bits per run, 1 .. 65536 (0 for the other models)"))),
            Layout((Field("armed", "B", "bit mask of the armed regions (1 weights, 2 protected)"),)),
            implemented=True),
    Command("EVAL", 0x12, "Classify stored test samples [first, first + count) with the loaded model.",
            Layout((Field("first", "I"), Field("count", "I"),
                    Field("report", "B", "EVAL_REPORTS: 0 per-class counts, 1 per-sample predictions"))),
            Layout((Field("correct", "I"), Field("count", "I"), *_TICKS),
                   tail=Field("data", "B", "report 0: per class (correct u32, predicted u32); "
                                           "report 1: per sample the predicted class, u16")),
            implemented=True),
    Command("INFER", 0x13, "Classify one sample: a stored one by index, or the input bytes in the request.",
            Layout((Field("index", "I", "stored sample index, or NO_INDEX to use the tail"),),
                   tail=Field("input", "B", "quantized input tensor bytes")),
            Layout((Field("label", "H", "predicted class"), Field("dtype", "B", "0 int8, 1 int32, 2 float32"),
                    *_TICKS), tail=Field("output", "B", "output tensor bytes, little-endian")),
            implemented=True),
    Command("BENCH", 0x14, "Time a firmware routine (BENCH_KINDS) for a number of iterations.",
            Layout((Field("kind", "B", "BENCH_KINDS: 0 load, 1 decode + detect (no packing), 2 inference, 3 one layer, "
                          "4 one dense op's kernel call alone"),
                    Field("iterations", "I"),
                    Field("arg", "I", "load: LOAD flags; inference: stored sample; layer, kernel: op index"))),
            Layout((Field("iterations", "I"), *_TICKS)), implemented=True),
    Command("DIGEST", 0x15, "Decode and detect one weighted op's tensors again, as the last LOAD did (its INJECT "
            "flips included), and return CRC-32s of the values: host and device decode checked bit for bit.",
            Layout((Field("op", "I", "index among the weighted ops"),)),
            Layout((Field("weights", "I", "values of the weights"),
                    Field("weights_crc", "I", "zlib CRC-32 of the decoded weights, int8, in stored order"),
                    Field("biases", "I", "values of the biases"),
                    Field("biases_crc", "I", "zlib CRC-32 of the decoded biases, int32 little-endian"),
                    Field("zeroed_parity", "I", "of these values, zeroed because their parity failed"),
                    Field("zeroed_range", "I", "of these values, zeroed by the range check"))),
            implemented=True),
    Command("CLASSIFY", 0x16, "Classify samples sent in the request -- a test set the board's flash cannot hold, "
            "streamed in batches: only the model's bits are exposed to errors, the inputs cross a CRC-checked link.",
            Layout((Field("count", "H", "samples in the tail, back to back, the model's input size each"),),
                   tail=Field("inputs", "B", "quantized input tensors")),
            Layout((Field("count", "H"), *_TICKS), tail=Field("predictions", "H", "per sample the predicted class")),
            implemented=True),
    Command("RESET", 0x7C, "Debug builds only: reset the CPU at once (AIRCR.SYSRESETREQ, a warm reset that keeps "
            "RAM) without a reply, so tests can prove that the host notices a reset (INFO boot_count, uptime).",
            Layout(), Layout(), implemented=True, debug=True),
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
    if s is None:
        return f"unknown status {code} (detail {detail})"
    return s.explain(detail) if s.explain else s.message.format(detail=detail)


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
