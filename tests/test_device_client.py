"""The client against the in-process fake device and pyserial's loop://: sequence numbers, timeouts,
resynchronisation, CRC and status errors, fault lines; and the backend registry."""

from __future__ import annotations

import pytest

from eccless.link import Client, DeviceStatusError, FakeDevice, FakePort, open_device
from eccless import protocol as P
from eccless.protocol.framing import classify, cobs_decode, encode_frame
from eccless.errors import DeviceError, UsageError

pytestmark = pytest.mark.unit


@pytest.fixture
def port():
    return FakePort(FakeDevice())


@pytest.fixture
def client(port):
    return Client(port, timeout=0.2, name="fake")


def _sent(port) -> list:
    return [classify(c) for c in bytes(port.written).split(b"\0") if c]


def test_ping_echo_info(client):
    client.ping()
    assert client.echo(b"\x00\x01\x00" * 100) == b"\x00\x01\x00" * 100
    info = client.info()
    assert info["protocol"] == P.VERSION and info["board"] == "fake" and info["max_payload"] == P.MAX_PAYLOAD


def test_sequence_numbers_cycle_and_skip_seq_none(port, client):
    for _ in range(300):
        client.ping()
    seqs = [f.seq for f in _sent(port)]
    assert seqs[:3] == [0, 1, 2] and seqs[254:257] == [254, 0, 1] and P.SEQ_NONE not in seqs


def test_status_errors_become_device_status_errors(client):
    with pytest.raises(DeviceStatusError, match=r"fake: EVAL failed: no valid model image loaded \(send LOAD first\)") \
            as e:
        client.request("EVAL", first=0, count=10, report=P.EVAL_REPORTS["per_class"])
    assert (e.value.status, e.value.detail) == ("ERR_NO_IMAGE", 0)
    with pytest.raises(DeviceStatusError, match="LOAD failed: not an eccless image") as e:
        client.request("LOAD", flags=0)
    assert (e.value.status, e.value.detail) == ("ERR_IMAGE", P.IMAGE_ERROR_CODES["BAD_MAGIC"])
    with pytest.raises(DeviceStatusError, match="debug command not built in") as e:
        client.request("FAULT", kind=0)
    assert e.value.status == "ERR_DISABLED"
    frame = client.transact(P.command("PING").id, b"xyz")
    assert frame.code == P.RESPONSE_FLAG | P.STATUS["ERR_LENGTH"]
    assert P.ERROR_LAYOUT.unpack("e", frame.payload) == {"cmd": 1, "detail": 3}
    client.ping()                                   # the link is fine after errors


def test_usage_errors_stay_on_the_host(port, client):
    with pytest.raises(UsageError, match="unknown device command 'PONG'"):
        client.request("PONG")
    with pytest.raises(UsageError, match="missing field 'count'"):
        client.request("EVAL", first=1)
    with pytest.raises(UsageError, match="exceeds MAX_PAYLOAD"):
        client.echo(bytes(P.MAX_PAYLOAD + 1))
    assert port.written == b""


def test_timeout_names_the_request(port, client):
    port.drop_next = 1
    with pytest.raises(DeviceError, match=r"fake: no reply to PING \(seq 0\) within 0.2 s"):
        client.ping()
    client.ping()


def test_resync_after_garbage_before_the_reply(port, client):
    port.noise = b"\x13\x37garbage\x00\xff\xfe\x01"     # ends mid-chunk: the reply's leading 0x00 cuts it off
    assert client.echo(b"ok") == b"ok"
    assert client.skipped >= 1


def test_stale_replies_are_dropped(port, client):
    port.drop_next = 1
    with pytest.raises(DeviceError):
        client.ping()
    port._out += encode_frame(P.RESPONSE_FLAG, 0)      # the late reply to seq 0 arrives ...
    assert client.echo(b"new") == b"new"               # ... and is not taken for the reply to seq 1


def test_corrupted_reply_raises_crc_error(port, client):
    port.corrupt_next = True
    with pytest.raises(DeviceError, match="reply to PING corrupted: bad CRC: frame says"):
        client.ping()
    client.ping()


def test_anonymous_device_errors_are_named_on_timeout(port, client):
    client.send_raw(b"\0junk\0")                       # the device answers ERR_FRAME with SEQ_NONE ...
    frame = client.read_frame(0.2)
    assert (frame.code, frame.seq) == (P.RESPONSE_FLAG | P.STATUS["ERR_FRAME"], P.SEQ_NONE)
    port.drop_next = 1
    port.noise = encode_frame(P.RESPONSE_FLAG | P.STATUS["ERR_CRC"], P.SEQ_NONE,
                              P.ERROR_LAYOUT.pack("e", {"cmd": 0, "detail": 0x12345678}))
    with pytest.raises(DeviceError, match="meanwhile: device rejected a frame: bad CRC .*0x12345678"):
        client.ping()


def test_device_text_is_kept_and_fault_line_raises():
    port = FakePort(FakeDevice(debug=True))
    client = Client(port, timeout=0.2)
    port.noise = b"\0hello from the device\r\n\0"
    client.ping()
    assert client.text == ["hello from the device"]
    with pytest.raises(DeviceError, match=r"device fault: UsageFault \(fake kind 1\) pc=0x00000000"):
        client.request("FAULT", kind=1)
    with pytest.raises(DeviceError, match="connection lost"):
        client.ping()


def test_pyserial_loop_url_ignores_own_requests():
    client = Client.from_url("loop://", timeout=0.1)
    with pytest.raises(DeviceError, match=r"loop://: no reply to PING \(seq 0\)"):
        client.ping()
    assert client.skipped == 1                          # our echoed request, not a response
    # a response on the line after garbage is found (requests drain stale input, so read it at frame level)
    client.send_raw(b"\x42noise\x00\x17" + encode_frame(P.RESPONSE_FLAG, 7, b"pong"))
    frame = client.read_frame(0.5)
    assert (frame.seq, frame.payload) == (7, b"pong") and client.skipped == 2
    client.close()


def test_cannot_open_bad_url():
    with pytest.raises(DeviceError, match="cannot open /nonexistent/tty"):
        Client.from_url("/nonexistent/tty")


def test_loop_backend_device():
    with open_device("loop") as dev:
        dev.ping()
        assert dev.echo(b"abc") == b"abc" and dev.info()["board"] == "fake"
        frame = dev.transact(0x55)
        assert frame.code == P.RESPONSE_FLAG | P.STATUS["ERR_UNKNOWN_CMD"]
    with open_device("loop", debug=True) as dev:
        with pytest.raises(DeviceError, match="device fault.*fake device faulted"):
            dev.request("FAULT", kind=0)


@pytest.mark.parametrize("spec, match", [("nope", "unknown device backend 'nope' \\(known: loop, qemu, serial\\)"),
                                         ("serial", "needs a port"), ("loop:x", "takes no argument")])
def test_open_device_spec_errors(spec, match):
    with pytest.raises(UsageError, match=match):
        open_device(spec)


def test_fake_port_noise_is_not_a_frame():
    raw = cobs_decode(encode_frame(1, 2)[1:-1])
    assert raw[:2] == b"\x01\x02"
