"""Framing of the serial protocol: COBS with a 0x00 delimiter and a CRC-16/CCITT-FALSE on every frame.

Wire format of one frame (both directions), byte by byte:

    0x00                      leading delimiter: ends whatever partial garbage preceded the frame
    COBS( code  u8            command id (request) or RESPONSE_FLAG | status (response)
          seq   u8            request sequence number, echoed by the response; SEQ_NONE when unknown
          payload             0..MAX_PAYLOAD bytes, layout per command (protocol.py)
          crc   u16 LE )      CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF) over code, seq, payload
    0x00                      trailing delimiter

`classify` is the receive rule both the firmware (edge/src/ed_frame.c) and the fake device apply to the bytes
between two delimiters, in this order: too long on the wire -> ERR_OVERSIZE; bad COBS -> ERR_FRAME; decoded longer
than MAX_FRAME -> ERR_OVERSIZE; shorter than 4 bytes -> ERR_FRAME; CRC mismatch -> ERR_CRC. Empty chunks (two
delimiters in a row) are ignored.
"""

from __future__ import annotations

import binascii
from dataclasses import dataclass

from eccless.protocol import CRC16_INIT, CRC_BYTES, HEADER_BYTES, MAX_ENCODED, MAX_FRAME


class FrameError(Exception):
    """Bytes between two delimiters that are not a frame; `status` and `detail` are what the device would answer."""

    def __init__(self, status: str, detail: int, message: str):
        super().__init__(message)
        self.status, self.detail = status, detail


@dataclass(frozen=True)
class Frame:
    code: int
    seq: int
    payload: bytes


def crc16(data: bytes) -> int:
    """CRC-16/CCITT-FALSE: binascii.crc_hqx is exactly this polynomial, unreflected, with the init we pass."""
    return binascii.crc_hqx(data, CRC16_INIT)


def cobs_encode(data: bytes) -> bytes:
    """Canonical COBS (as in Cheshire & Baker): no trailing 0x01 group after a final full group."""
    out = bytearray()
    segs = bytes(data).split(b"\0")                 # each segment but the last was followed by a zero
    for k, seg in enumerate(segs):
        while len(seg) >= 254:                       # a full group (code 0xFF) carries no implied zero
            out.append(0xFF)
            out += seg[:254]
            seg = seg[254:]
            if not seg and k == len(segs) - 1:
                return bytes(out)
        out.append(len(seg) + 1)
        out += seg
    return bytes(out)


def cobs_decode(data: bytes) -> bytes:
    """Inverse of cobs_encode; ValueError when a group runs past the end or a zero byte appears inside."""
    out, i, n = bytearray(), 0, len(data)
    while i < n:
        code = data[i]
        end = i + code
        if code == 0 or end > n or 0 in data[i + 1:end]:
            raise ValueError(f"bad COBS group at byte {i}")
        out += data[i + 1:end]
        i = end
        if code < 0xFF and i < n:
            out.append(0)
    return bytes(out)


def encode_frame(code: int, seq: int, payload: bytes = b"") -> bytes:
    body = bytes((code, seq)) + bytes(payload)
    return b"\0" + cobs_encode(body + crc16(body).to_bytes(CRC_BYTES, "little")) + b"\0"


def classify(chunk: bytes, wire_len: int | None = None) -> Frame:
    """Bytes between two delimiters -> Frame, or FrameError with the device's status and detail.

    wire_len is the chunk's length on the wire when the reader dropped an oversized chunk's bytes."""
    n = len(chunk) if wire_len is None else wire_len
    if n > MAX_ENCODED:
        raise FrameError("ERR_OVERSIZE", n, f"frame of {n} bytes on the wire exceeds {MAX_ENCODED}")
    try:
        raw = cobs_decode(chunk)
    except ValueError as e:
        raise FrameError("ERR_FRAME", n, str(e)) from None
    if len(raw) > MAX_FRAME:
        raise FrameError("ERR_OVERSIZE", n, f"frame decodes to {len(raw)} bytes, more than {MAX_FRAME}")
    if len(raw) < HEADER_BYTES + CRC_BYTES:
        raise FrameError("ERR_FRAME", n, f"frame of {len(raw)} bytes is shorter than header and CRC")
    got, want = int.from_bytes(raw[-CRC_BYTES:], "little"), crc16(raw[:-CRC_BYTES])
    if got != want:
        raise FrameError("ERR_CRC", (got << 16) | want, f"bad CRC: frame says {got:#06x}, computed {want:#06x}")
    return Frame(raw[0], raw[1], raw[HEADER_BYTES:-CRC_BYTES])


class ChunkReader:
    """Splits a byte stream at 0x00 delimiters, holding at most `limit` bytes of one chunk (bounded memory, like
    the firmware): feed() returns the completed chunks as (bytes, wire_len); an oversized chunk comes back with its
    bytes dropped (b"") and its true length."""

    def __init__(self, limit: int = MAX_ENCODED):
        self.limit = limit
        self._buf = bytearray()
        self._len = 0

    @property
    def pending(self) -> int:
        """Bytes of the current, unfinished chunk."""
        return self._len

    def feed(self, data: bytes) -> list[tuple[bytes, int]]:
        out = []
        parts = bytes(data).split(b"\0")
        for i, part in enumerate(parts):
            self._len += len(part)
            if self._len <= self.limit:
                self._buf += part
            else:
                self._buf.clear()
            if i < len(parts) - 1:                   # a delimiter followed this part
                if self._len:
                    out.append((bytes(self._buf) if self._len <= self.limit else b"", self._len))
                self._buf.clear()
                self._len = 0
        return out

