"""Seeded random input for the protocol engine: well-formed requests, valid frames with random codes, frames
with a flipped bit or cut short, raw garbage, empty chunks and (optionally) oversized chunks.

Every item ends with a 0x00, so the engine's replies can be attributed to items. Tests feed the same stream to
the firmware (in QEMU, or built for the host) and to the fake device and require byte-identical replies.
"""

from __future__ import annotations

import random

from eccless.protocol.framing import FrameError, classify, encode_frame
from eccless.protocol import COMMANDS, MAX_ENCODED, RESPONSE_FLAG, SEQ_COUNT, STATUS, command

_INFO = command("INFO").response
_UPTIME = dict((f.name, (at, f.size)) for f, at in _INFO.offsets())["uptime"]


def without_uptime(replies: bytes, info: dict) -> bytes:
    """The reply stream with the uptime zeroed in every INFO reply, byte for byte otherwise: the one reply field
    that depends on when it was asked, so two engines' replies are compared without it. An INFO reply is one that
    equals `info` (the device's INFO fields) in every byte but the uptime's: an ECHO cannot pass for one by chance."""
    at, size = _UPTIME
    want = _INFO.pack("INFO", {**info, "uptime": 0})
    parts = replies.split(b"\0")
    for i, part in enumerate(parts):
        try:
            f = classify(part) if part else None
        except FrameError:
            continue
        p = f.payload if f is not None and f.code == RESPONSE_FLAG | STATUS["OK"] else b""
        if len(p) == len(want) and p[:at] == want[:at] and p[at + size:] == want[at + size:]:
            parts[i] = encode_frame(f.code, f.seq, want)[1:-1]
    return b"\0".join(parts)


def _request(rng: random.Random) -> bytes:
    cmd = rng.choice(COMMANDS)
    lay = cmd.request
    n = lay.size + (rng.randrange(0, 48) * lay.tail_size if lay.tail else 0)
    if rng.random() < 0.15:                          # a length the layout does not allow
        n = max(0, n + rng.choice([-1, 1, 3]))
    payload = bytes(rng.randrange(256) for _ in range(n))
    return encode_frame(cmd.id, rng.randrange(SEQ_COUNT), payload)


def _random_frame(rng: random.Random) -> bytes:
    payload = bytes(rng.randrange(256) for _ in range(rng.randrange(0, 40)))
    return encode_frame(rng.randrange(256), rng.randrange(256), payload)


def _flipped(rng: random.Random) -> bytes:
    wire = bytearray(_request(rng))
    i = rng.randrange(1, len(wire) - 1)
    wire[i] ^= 1 << rng.randrange(8)                 # may create a 0x00: then it is two chunks, on both sides
    return bytes(wire)


def _truncated(rng: random.Random) -> bytes:
    wire = _request(rng)
    return wire[:rng.randrange(1, len(wire) - 1)] + b"\0"


def _garbage(rng: random.Random) -> bytes:
    return bytes(rng.randrange(256) for _ in range(rng.randrange(1, 48))) + b"\0"


def _empty(rng: random.Random) -> bytes:
    return b"\0" * rng.randrange(1, 4)


def _oversized(rng: random.Random) -> bytes:
    n = MAX_ENCODED + rng.randrange(-3, 40)
    return b"\0" + bytes(rng.randrange(1, 256) for _ in range(n)) + b"\0"


KINDS = ((_request, 40), (_random_frame, 20), (_flipped, 15), (_truncated, 8), (_garbage, 12), (_empty, 5))


def fuzz_items(seed: int, count: int, *, oversized: float = 0.0) -> list[bytes]:
    """`count` items; a fraction `oversized` of them are chunks around MAX_ENCODED bytes (slow over a UART)."""
    rng = random.Random(seed)
    makers, weights = zip(*KINDS)
    out = []
    for _ in range(count):
        maker = _oversized if rng.random() < oversized else rng.choices(makers, weights)[0]
        out.append(maker(rng))
    return out
