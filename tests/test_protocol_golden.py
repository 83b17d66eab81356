"""The firmware's protocol engine (edge/src/ed_frame.c, ed_dispatch.c, ed_server.c, ed_cmd_*.c), built for the
host, answers byte for byte like the Python fake device: same framing, same dispatch, same error payloads."""

from __future__ import annotations

import ctypes
import random
import shutil
import subprocess
from pathlib import Path

import pytest

from eccless.device import protocol as P
from eccless.device.fake import FakeDevice, default_info
from eccless.device.framing import cobs_encode, encode_frame
from eccless.device.fuzz import fuzz_items

pytestmark = pytest.mark.golden

EDGE = Path(__file__).resolve().parents[1] / "edge"
SOURCES = ["ed_frame.c", "ed_dispatch.c", "ed_server.c", "ed_cmd_ping.c", "ed_cmd_echo.c"]
CFLAGS = ["-std=c99", "-pedantic", "-Wall", "-Wextra", "-Werror", "-Wshadow", "-Wstrict-prototypes",
          "-Wmissing-prototypes", "-O2"]

# The board-specific handlers (INFO reads linker symbols, FAULT is Cortex-M code, SPIN reads the timer) are
# replaced by stand-ins that answer what the fake device answers (for a release build); everything else is the
# firmware's own code.
SHIM = r"""
#include <string.h>
#include "ed_dispatch.h"
#include "ed_server.h"

void ed_host_set_info(const uint8_t *p, size_t n);
size_t ed_host_feed(const uint8_t *in, size_t n, uint8_t *out, size_t cap);

static uint8_t info[ED_MAX_PAYLOAD];
static size_t info_len;
static uint8_t *out_buf;
static size_t out_len, out_cap;
static ed_server_t server;
static int ready;

ed_status_t ed_cmd_info(const ed_request_t *req, ed_response_t *rsp)
{
    (void)req;
    memcpy(rsp->payload, info, info_len);
    rsp->len = info_len;
    return ED_STATUS_OK;
}

ed_status_t ed_cmd_fault(const ed_request_t *req, ed_response_t *rsp)
{
    (void)req;
    (void)rsp;
    return ED_STATUS_ERR_DISABLED;
}

ed_status_t ed_cmd_spin(const ed_request_t *req, ed_response_t *rsp)
{
    (void)req;
    (void)rsp;
    return ED_STATUS_ERR_DISABLED;
}

static void host_write(const uint8_t *d, size_t n)
{
    if (out_len + n <= out_cap) {
        memcpy(out_buf + out_len, d, n);
    }
    out_len += n;
}

void ed_host_set_info(const uint8_t *p, size_t n)
{
    memcpy(info, p, n);
    info_len = n;
}

size_t ed_host_feed(const uint8_t *in, size_t n, uint8_t *out, size_t cap)
{
    size_t i;
    if (!ready) {
        ed_server_init(&server, host_write);
        ready = 1;
    }
    out_buf = out;
    out_len = 0;
    out_cap = cap;
    for (i = 0; i < n; i++) {
        ed_server_byte(&server, in[i]);
    }
    return out_len;
}
"""


@pytest.fixture(scope="module")
def engine(tmp_path_factory):
    if shutil.which("gcc") is None:
        pytest.skip("gcc not found: apt-get install gcc")
    tmp = tmp_path_factory.mktemp("ed_server")
    (tmp / "shim.c").write_text(SHIM)
    lib = tmp / "libed_server.so"
    res = subprocess.run(["gcc", *CFLAGS, "-shared", "-fPIC", f"-I{EDGE / 'include'}",
                          *(str(EDGE / "src" / s) for s in SOURCES), str(tmp / "shim.c"), "-o", str(lib)],
                         capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    so = ctypes.CDLL(str(lib))
    so.ed_host_feed.restype = ctypes.c_size_t
    so.ed_host_feed.argtypes = [ctypes.c_char_p, ctypes.c_size_t, ctypes.c_char_p, ctypes.c_size_t]
    so.ed_host_set_info.argtypes = [ctypes.c_char_p, ctypes.c_size_t]
    info = default_info(board="host-shim", build_id=0x1234ABCD)
    payload = P.command("INFO").response.pack("INFO", info)
    so.ed_host_set_info(payload, len(payload))

    def feed(data: bytes) -> bytes:
        cap = 64 * len(data) + 4 * P.MAX_ENCODED
        out = ctypes.create_string_buffer(cap)
        n = so.ed_host_feed(data, len(data), out, cap)
        assert n <= cap
        return out.raw[:n]

    feed.info = info
    return feed


def test_replies_match_the_fake_on_known_frames(engine):
    fake = FakeDevice(engine.info)
    frames = [encode_frame(1, 0), encode_frame(2, 1, bytes(range(256)) * 3), encode_frame(3, 2),
              encode_frame(0x10, 3, bytes(4)), encode_frame(0x13, 4, bytes(4) + b"\x00" * 300),
              encode_frame(0x7E, 5, b"\x02"), encode_frame(0x44, 6), encode_frame(0x12, 7, b"\x01")]
    for wire in frames:
        assert engine(wire) == fake.feed(wire)


def test_echo_of_every_length_round_trips(engine):
    fake = FakeDevice(engine.info)
    rng = random.Random(5)
    for n in [*range(0, 300), 507, 508, 509, 1000, P.MAX_PAYLOAD - 1, P.MAX_PAYLOAD]:
        data = bytes(rng.choice([0, 1, 255, rng.randrange(256)]) for _ in range(n))
        wire = encode_frame(0x02, n % 255, data)
        assert engine(wire) == fake.feed(wire), n


def test_oversized_and_limit_frames(engine):
    fake = FakeDevice(engine.info)
    at_limit = encode_frame(0x02, 1, bytes(P.MAX_PAYLOAD))             # largest legal frame
    one_more = encode_frame(0x02, 2, bytes(P.MAX_PAYLOAD + 1))         # decodes one byte too long
    wire_long = b"\0" + b"\x01" * (P.MAX_ENCODED + 1) + b"\0"         # too long on the wire
    huge = b"\0" + bytes(range(1, 256)) * 400 + b"\0"                 # 100 KB: memory stays bounded
    for wire in (at_limit, one_more, wire_long, huge, b"\0" + cobs_encode(bytes(P.MAX_FRAME + 1)) + b"\0"):
        assert engine(wire) == fake.feed(wire)
    assert engine(encode_frame(1, 9)) == fake.feed(encode_frame(1, 9))  # and it still answers


def test_fuzz_20000_items_byte_identical(engine):
    fake = FakeDevice(engine.info)
    items = fuzz_items(seed=20260101, count=20000, oversized=0.002)
    stream = b"".join(items)
    assert engine(stream) == fake.feed(stream)
