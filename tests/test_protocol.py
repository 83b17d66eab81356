"""The protocol definition and its framing: layouts, COBS, CRC-16, the receive rule, the fake device's answers."""

from __future__ import annotations

import random

import pytest

from eccless import protocol as P
from eccless.link.fake import FakeDevice, default_info
from eccless.protocol.framing import (ChunkReader, FrameError, classify, cobs_decode, cobs_encode, crc16,
                                    encode_frame)
from eccless.protocol.layout import Field, Layout
from eccless.errors import UsageError

pytestmark = pytest.mark.unit


# -- layouts -------------------------------------------------------------------------------------------------
def test_layout_roundtrip_fixed_and_tail():
    lay = P.command("LOAD").response                 # eighteen u32 and four u64 fields, then (u32, u32) per layer
    values = {f.name: (2**64 - 1 if f.fmt == "Q" else 2**32 - 1 - i) for i, f in enumerate(lay.fields)}
    values.update(ticks=2**40 + 3, instructions=2**63, layers=[(1, 2), (3, 4), (0, 9)])
    raw = lay.pack("LOAD", values)
    assert len(raw) == 104 + 3 * 8 and lay.fits(len(raw)) and not lay.fits(len(raw) - 1)
    assert lay.unpack("LOAD", raw) == values


def test_layout_roundtrip_byte_tail():
    lay = P.command("EVAL").response                 # report 1: one u16 prediction per sample in the byte tail
    values = dict(correct=7, count=3, ticks=2**40 + 3, instructions=2**63, data=b"\x02\x00\x00\x00\x09\x01")
    raw = lay.pack("EVAL", values)
    assert len(raw) == 24 + 6 and lay.fits(len(raw)) and lay.fits(len(raw) - 1) and not lay.fits(23)
    assert lay.unpack("EVAL", raw) == values


def test_layout_offsets_follow_field_order_without_padding():
    lay = P.command("INFER").response
    assert [(f.name, off) for f, off in lay.offsets()] == [("label", 0), ("dtype", 2), ("ticks", 3),
                                                           ("instructions", 11)]
    assert (lay.size, lay.tail_size) == (19, 1)


def test_layout_text_and_bytes_tails():
    info = P.command("INFO").response
    raw = info.pack("INFO", {**default_info(), "board": "qemu-x"})
    assert info.unpack("INFO", raw)["board"] == "qemu-x"
    echo = P.command("ECHO").request
    assert echo.unpack("ECHO", echo.pack("ECHO", {"data": b"\x00\x01"})) == {"data": b"\x00\x01"}


@pytest.mark.parametrize("fields, match", [
    ({"first": 1}, "missing field 'count'"),
    ({"first": 1, "count": 2}, "missing field 'report'"),
    ({"first": 1, "count": 2, "report": 0, "extra": 3}, "unknown field"),
    ({"first": -1, "count": 2, "report": 0}, "field 'first'=-1 does not fit uint32_t"),
    ({"first": 2**32, "count": 2, "report": 0}, "field 'first'"),
    ({"first": 0, "count": 2, "report": 256}, "field 'report'=256 does not fit uint8_t"),
])
def test_layout_pack_errors_name_the_field(fields, match):
    with pytest.raises(UsageError, match=match):
        P.command("EVAL").request.pack("EVAL", fields)


def test_layout_rejects_bad_definitions():
    with pytest.raises(ValueError):
        Field("x", "z")
    with pytest.raises(ValueError):
        Layout((Field("x", "II"),))


def test_command_lookup():
    assert P.command("ping") is P.command(0x01) is P.command(P.command("PING"))
    with pytest.raises(UsageError, match="unknown device command 'PONG'"):
        P.command("PONG")
    with pytest.raises(UsageError, match="0x55"):
        P.command(0x55)


def test_table_invariants():
    assert all(0 < c.id < P.RESPONSE_FLAG for c in P.COMMANDS)
    assert len({c.id for c in P.COMMANDS}) == len(P.COMMANDS)
    assert [s.code for s in P.STATUSES] == list(range(len(P.STATUSES)))
    assert P.MAX_ENCODED >= len(cobs_encode(bytes(P.MAX_FRAME))) and P.MAX_ENCODED >= len(
        cobs_encode(b"\x01" * P.MAX_FRAME))
    implemented = {c.name for c in P.COMMANDS if c.implemented}
    assert implemented == {"PING", "ECHO", "INFO", "LOAD", "INJECT", "EVAL", "INFER", "BENCH", "DIGEST", "FAULT",
                           "SPIN", "RESET", "CLASSIFY"}
    assert implemented == {c.name for c in P.COMMANDS}                  # nothing maps to ed_cmd_not_implemented
    assert {c.name for c in P.COMMANDS if c.debug} == {"FAULT", "SPIN", "RESET"}
    # the largest replies fit one frame: EVAL's per-sample predictions, INFER's 32x32x3 int8 input
    assert P.command("EVAL").response.size + 2 * P.EVAL_MAX_PREDICTIONS <= P.MAX_PAYLOAD
    assert P.command("INFER").request.size + 32 * 32 * 3 <= P.MAX_PAYLOAD
    assert sorted(P.LOAD_ERRORS) == list(range(1, len(P.LOAD_ERRORS) + 1)) and len(P.IMAGE_ERROR_CODES) == len(
        P.LOAD_ERRORS)


# -- COBS and CRC ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("raw, encoded", [     # the examples of the COBS article (Cheshire & Baker's encoding)
    ("00", "0101"),
    ("0000", "010101"),
    ("00110000", "0102110101"),
    ("11220033", "0311220233"),
    ("11223344", "0511223344"),
    ("11000000", "0211010101"),
])
def test_cobs_known_answers(raw, encoded):
    assert cobs_encode(bytes.fromhex(raw)).hex() == encoded
    assert cobs_decode(bytes.fromhex(encoded)).hex() == raw


def test_cobs_full_groups():
    run = bytes(range(1, 255))                   # 254 non-zero bytes: one full group, no trailing 0x01
    assert cobs_encode(run) == b"\xff" + run
    assert cobs_encode(b"\x00" + run) == b"\x01\xff" + run
    assert cobs_encode(bytes(range(1, 256))) == b"\xff" + run + b"\x02\xff"
    assert cobs_encode(run + b"\x00") == b"\xff" + run + b"\x01\x01"


def test_cobs_roundtrip_random():
    rng = random.Random(3)
    for n in [*range(0, 520), *(rng.randrange(6000) for _ in range(100))]:
        p = rng.choice([0.0, 0.01, 0.5])
        data = bytes(0 if rng.random() < p else rng.randrange(1, 256) for _ in range(n))
        enc = cobs_encode(data)
        assert 0 not in enc and cobs_decode(enc) == data
        assert len(enc) <= n + n // 254 + 1


@pytest.mark.parametrize("bad", ["05112233", "02", "ff" + "11" * 10])
def test_cobs_decode_rejects_short_groups(bad):
    with pytest.raises(ValueError, match="bad COBS group"):
        cobs_decode(bytes.fromhex(bad))


def test_crc16_ccitt_false_check_value():
    assert crc16(b"123456789") == 0x29B1
    assert crc16(b"") == 0xFFFF


# -- frames and the receive rule -----------------------------------------------------------------------------------
def test_encode_frame_layout():
    wire = encode_frame(0x02, 7, b"\x00ab")
    assert wire[0] == 0 and wire[-1] == 0 and 0 not in wire[1:-1]
    raw = cobs_decode(wire[1:-1])
    assert raw[:5] == b"\x02\x07\x00ab" and int.from_bytes(raw[5:], "little") == crc16(raw[:5])
    assert classify(wire[1:-1]) == classify(wire[1:-1]) and classify(wire[1:-1]).payload == b"\x00ab"


def _status(chunk: bytes, wire_len: int | None = None) -> tuple[str, int]:
    with pytest.raises(FrameError) as e:
        classify(chunk, wire_len)
    return e.value.status, e.value.detail


def test_classify_order_and_details():
    good = encode_frame(1, 0)[1:-1]
    assert _status(b"", P.MAX_ENCODED + 1) == ("ERR_OVERSIZE", P.MAX_ENCODED + 1)
    assert _status(b"\x05\x01") == ("ERR_FRAME", 2)                      # group cut short
    assert _status(b"\x03\x01\x02") == ("ERR_FRAME", 3)                  # 2 bytes: shorter than header + CRC
    long_ok_wire = cobs_encode(bytes(P.MAX_FRAME + 1))                  # short enough on the wire ...
    assert len(long_ok_wire) <= P.MAX_ENCODED
    assert _status(long_ok_wire) == ("ERR_OVERSIZE", len(long_ok_wire))  # ... but too long decoded
    bad = bytearray(cobs_decode(good))
    bad[-1] ^= 0x40
    got = int.from_bytes(bad[-2:], "little")
    assert _status(cobs_encode(bytes(bad))) == ("ERR_CRC", (got << 16) | crc16(bytes(bad[:-2])))


def test_chunk_reader_bounds_memory_and_keeps_lengths():
    r = ChunkReader(limit=8)
    assert r.feed(b"\x00\x00abc") == [] and r.pending == 3
    assert r.feed(b"de\x00" + b"x" * 20 + b"\x00z") == [(b"abcde", 5), (b"", 20)]
    assert r.pending == 1 and r.feed(b"\x00") == [(b"z", 1)]


# -- the fake device answers like the firmware -----------------------------------------------------------------
def _replies(wire: bytes) -> list:
    out = []
    for chunk, n in ChunkReader().feed(wire):
        out.append(classify(chunk, n))
    return out


def test_fake_device_dispatch_order():
    dev = FakeDevice()
    (ok,) = _replies(dev.handle("PING"))
    assert (ok.code, ok.seq, ok.payload) == (P.RESPONSE_FLAG, 0, b"")
    cases = [
        (encode_frame(0x55, 9), "ERR_UNKNOWN_CMD", 9, 0x55, 0x55),
        (encode_frame(0x01, 4, b"x"), "ERR_LENGTH", 4, 0x01, 1),
        (encode_frame(0x12, 5, bytes(9)), "ERR_NO_IMAGE", 5, 0x12, 0),
        (encode_frame(0x12, 6, bytes(8)), "ERR_LENGTH", 6, 0x12, 8),       # length is checked first
        (encode_frame(0x14, 8, b"\x09" + bytes(8)), "ERR_ARG", 8, 0x14, 1),   # BENCH: arguments before the image
        (encode_frame(0x7E, 7, b"\x00"), "ERR_DISABLED", 7, 0x7E, 0),
        (b"\x00junk\x00", "ERR_FRAME", P.SEQ_NONE, 0, 4),
    ]
    for wire, status, seq, cmd, detail in cases:
        (r,) = _replies(dev.feed(wire))
        assert (r.code, r.seq) == (P.RESPONSE_FLAG | P.STATUS[status], seq), status
        assert P.ERROR_LAYOUT.unpack("e", r.payload) == {"cmd": cmd, "detail": detail}


def test_fake_device_one_reply_per_chunk_and_none_for_empty():
    dev = FakeDevice()
    assert dev.feed(b"\x00\x00\x00") == b""
    wire = encode_frame(1, 1) + b"garbage\x00" + encode_frame(2, 2, b"hi")
    assert [(r.code & 0x7F, r.seq) for r in _replies(dev.feed(wire))] == [(0, 1), (2, P.SEQ_NONE), (0, 2)]


def test_fake_device_model_commands_without_an_image():
    dev = FakeDevice()

    def answer(name, **fields):
        (r,) = _replies(dev.handle(name, **fields))
        status = P.STATUS_BY_CODE[r.code & ~P.RESPONSE_FLAG].name
        return (status, r.payload) if status == "OK" else (status, P.ERROR_LAYOUT.unpack("e", r.payload)["detail"])

    bad_magic = P.IMAGE_ERROR_CODES["BAD_MAGIC"]
    assert answer("LOAD", flags=0) == ("ERR_IMAGE", bad_magic)
    assert P.status_message(P.STATUS["ERR_IMAGE"], bad_magic) == "not an eccless image (bad magic after the " \
                                                                  "majority vote)"
    assert answer("LOAD", flags=1 << 5) == ("ERR_ARG", 1 << 5)
    rates = dict(seed=1, stream=0, k_q32=1 << 40, keep_1to0=1 << 32, keep_0to1=1 << 32, model=0, length=0)
    assert answer("INJECT", **rates, region=P.INJECT_REGIONS["protected"]) == ("OK", b"\x02")
    assert answer("INJECT", **rates, region=P.INJECT_REGIONS["weights"]) == ("OK", b"\x03")
    assert answer("INJECT", **{**rates, "keep_0to1": (1 << 32) + 1}, region=1) == ("ERR_ARG", 4)
    assert answer("INJECT", **{**rates, "model": 3}, region=1) == ("ERR_ARG", 5)
    assert answer("INJECT", **{**rates, "model": 1, "length": 65537}, region=1) == ("ERR_ARG", 6)
    assert answer("INJECT", **rates, region=P.INJECT_REGIONS["clear"]) == ("OK", b"\x00")
    assert answer("EVAL", first=0, count=1, report=1) == ("ERR_NO_IMAGE", 0)
    assert answer("INFER", index=3) == ("ERR_NO_IMAGE", 0)
    assert answer("BENCH", kind=0, iterations=0, arg=0) == ("ERR_ARG", 2)
