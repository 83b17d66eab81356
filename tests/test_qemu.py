"""The firmware in QEMU (mps2-an386): protocol over the emulated UART, robustness against bad input, the fault
path, and the harness's promise that no qemu-system-arm outlives its `with` block."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from eccless.boards import load_board
from eccless.channel.constants import KEEP_ALL, ChannelConstants
from eccless.channel.fixedlog import K_LIMIT
from eccless.link import DeviceStatusError, FakeDevice, open_device
from eccless import protocol as P
from eccless.firmware.build import build_firmware
from eccless.protocol.framing import ChunkReader, classify, cobs_encode, crc16, encode_frame
from eccless.testing.protocol_fuzz import fuzz_items, without_uptime
from eccless.link.qemu import Qemu, missing_tools
from eccless.errors import DeviceError, UsageError
from eccless.boards import DEFAULT_BOARD

pytestmark = pytest.mark.qemu

BOARD = DEFAULT_BOARD
ROOT = Path(__file__).resolve().parents[1]
MISSING = missing_tools()


@pytest.fixture(scope="module")
def firmware():
    if MISSING:
        pytest.skip(MISSING)
    return build_firmware(BOARD)


@pytest.fixture(scope="module")
def debug_firmware():
    if MISSING:
        pytest.skip(MISSING)
    return build_firmware(BOARD, debug=True)


@pytest.fixture(scope="module")
def qemu(firmware):
    with Qemu(firmware.board, firmware.elf, timeout=5.0, limit=120) as q:
        yield q
    assert _gone(q.proc.pid)


@pytest.fixture
def no_leftovers():
    """Fails the test if it leaves a qemu-system-* child behind (running or unreaped)."""
    before = set(_qemu_children())
    yield
    assert set(_qemu_children()) <= before


def _qemu_children() -> list[int]:
    """qemu-system-* processes whose parent is this Python, zombies included (an unreaped child counts)."""
    out = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        comm, rest = text[text.index("(") + 1:text.rindex(")")], text[text.rindex(")") + 2:].split()
        if comm.startswith("qemu-system") and int(rest[1]) == os.getpid():
            out.append(int(stat.parent.name))
    return out


def _gone(pid: int) -> bool:
    return not Path(f"/proc/{pid}").exists()


def _status(frame) -> str:
    return P.STATUS_BY_CODE[frame.code & ~P.RESPONSE_FLAG].name


def _read(port, n: int, timeout: float = 20.0) -> bytes:
    """Exactly n raw bytes from the port (or fewer at the timeout)."""
    out, deadline = bytearray(), time.monotonic() + timeout
    while len(out) < n and time.monotonic() < deadline:
        out += port.read(n - len(out))
    return bytes(out)


# -- the protocol over the emulated UART --------------------------------------------------------------------------
def test_ping_echo_info(qemu, firmware):
    board = load_board(BOARD)
    qemu.client.ping()
    data = bytes(range(256)) + b"\x00" * 300
    assert qemu.client.echo(data) == data
    info = qemu.client.info()
    assert info["board"] == board.name and info["build_id"] == firmware.build_id
    assert (info["protocol"], info["max_payload"]) == (P.VERSION, P.MAX_PAYLOAD)
    assert (info["image_base"], info["image_size"]) == (board.image.base, board.image.size)
    assert (info["ram_base"], info["ram_size"], info["timer_hz"]) == (board.ram.base, board.ram.size, 25_000_000)
    assert info["flags"] == 1 << P.INFO_FLAGS["icount"]
    assert board.ram.base < info["arena_base"] and info["arena_base"] + info["arena_size"] == board.ram.end


@pytest.mark.parametrize("script", [["-m", "eccless.link.boot"], [str(ROOT / "firmware_sim" / "run.py")]])
def test_boot_command_prints_the_boards_info(script, firmware):
    """python -m eccless.link.boot and its firmware_sim/ alias: build, boot, INFO, and QEMU gone afterwards."""
    run = subprocess.run([sys.executable, *script, "--board", BOARD], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    board = load_board(BOARD)
    assert f"board        {board.name}" in run.stdout and f"image        {board.image.base:#010x}" in run.stdout
    bad = subprocess.run([sys.executable, *script, "--board", "nosuch"], capture_output=True, text=True, timeout=60)
    assert bad.returncode != 0 and "unknown board 'nosuch'" in bad.stderr and "Traceback" not in bad.stderr


def test_garbage_gets_error_replies_and_device_stays_responsive(qemu):
    c = qemu.client
    c.send_raw(b"\x00this is not a frame\x00\x05\x01\x00")
    replies = [c.read_frame(2.0) for _ in range(2)]
    assert [(_status(f), f.seq) for f in replies] == [("ERR_FRAME", P.SEQ_NONE)] * 2
    assert P.ERROR_LAYOUT.unpack("e", replies[1].payload) == {"cmd": 0, "detail": 2}
    c.ping()


def test_bad_crc_frame(qemu):
    c = qemu.client
    raw = bytearray(b"\x01\x05" + (crc16(b"\x01\x05") ^ 0x0101).to_bytes(2, "little"))
    c.send_raw(b"\0" + cobs_encode(bytes(raw)) + b"\0")
    f = c.read_frame(2.0)
    assert (_status(f), f.seq) == ("ERR_CRC", P.SEQ_NONE)
    got, want = int.from_bytes(raw[2:], "little"), crc16(b"\x01\x05")
    assert P.ERROR_LAYOUT.unpack("e", f.payload)["detail"] == (got << 16) | want
    c.ping()


def test_oversized_frames(qemu):
    c = qemu.client
    c.send_raw(b"\0" + b"\x07" * 5000 + b"\0")                        # too long on the wire
    f = c.read_frame(5.0)
    assert _status(f) == "ERR_OVERSIZE" and P.ERROR_LAYOUT.unpack("e", f.payload)["detail"] == 5000
    c.send_raw(encode_frame(P.command("ECHO").id, 3, bytes(P.MAX_PAYLOAD + 1)))   # decodes one byte too long
    assert _status(c.read_frame(5.0)) == "ERR_OVERSIZE"
    assert c.echo(bytes(P.MAX_PAYLOAD), timeout=5.0) == bytes(P.MAX_PAYLOAD)    # the largest legal frame
    with pytest.raises(UsageError, match="exceeds MAX_PAYLOAD"):
        c.echo(bytes(P.MAX_PAYLOAD + 1))


def test_dispatch_errors(qemu):
    c = qemu.client
    f = c.transact(0x55, b"abc")
    assert _status(f) == "ERR_UNKNOWN_CMD" and P.ERROR_LAYOUT.unpack("e", f.payload) == {"cmd": 0x55, "detail": 0x55}
    f = c.transact(P.command("EVAL").id, b"\x00" * 7)
    assert _status(f) == "ERR_LENGTH" and P.ERROR_LAYOUT.unpack("e", f.payload) == {"cmd": 0x12, "detail": 7}
    for name, fields in (("FAULT", {"kind": P.FAULT_KINDS["undefined"]}), ("SPIN", {"iterations": 10})):
        with pytest.raises(DeviceStatusError, match="debug command not built in") as e:
            c.request(name, **fields)
        assert e.value.status == "ERR_DISABLED"


# -- the model commands on a firmware booted without an image ------------------------------------------------------
BAD_MAGIC = P.IMAGE_ERROR_CODES["BAD_MAGIC"]


def _rates(region: int, **over) -> dict:
    return {**dict(seed=1, stream=0, k_q32=ChannelConstants.symmetric(0.01).k_q32, keep_1to0=KEEP_ALL,
                   keep_0to1=KEEP_ALL, region=region, model=0, length=0), **over}


# per command: requests in order, each with the status it must get and its detail (or, for OK, the response)
NO_IMAGE = {
    "LOAD": [("LOAD", dict(flags=0), "ERR_IMAGE", BAD_MAGIC),
             ("LOAD", dict(flags=1 << 7), "ERR_ARG", 1 << 7),                   # unknown flag bits: named
             ("LOAD", dict(flags=sum(1 << b for b in P.LOAD_FLAGS.values())), "ERR_IMAGE", BAD_MAGIC)],
    "INJECT": [("INJECT", _rates(P.INJECT_REGIONS["weights"]), "OK", {"armed": 1}),
               ("INJECT", _rates(P.INJECT_REGIONS["protected"]), "OK", {"armed": 3}),
               ("LOAD", dict(flags=0), "ERR_IMAGE", BAD_MAGIC),                 # flipped zeros are no image either
               ("INJECT", _rates(3), "ERR_ARG", 1),
               ("INJECT", _rates(1, k_q32=K_LIMIT), "ERR_ARG", 2),
               ("INJECT", _rates(1, keep_1to0=KEEP_ALL + 1), "ERR_ARG", 3),
               ("INJECT", _rates(2, keep_0to1=KEEP_ALL + 1), "ERR_ARG", 4),
               ("INJECT", _rates(1, model=3), "ERR_ARG", 5),
               ("INJECT", _rates(1, model=1, length=65537), "ERR_ARG", 6),
               ("INJECT", _rates(1, model=1, length=0), "ERR_ARG", 6),
               ("INJECT", _rates(P.INJECT_REGIONS["clear"]), "OK", {"armed": 0})],
    "EVAL": [("EVAL", dict(first=0, count=100, report=P.EVAL_REPORTS["per_class"]), "ERR_NO_IMAGE", 0),
             ("EVAL", dict(first=0, count=P.EVAL_MAX_PREDICTIONS, report=P.EVAL_REPORTS["predictions"]),
              "ERR_NO_IMAGE", 0)],
    "INFER": [("INFER", dict(index=P.NO_INDEX, input=bytes(64)), "ERR_NO_IMAGE", 0),
              ("INFER", dict(index=0), "ERR_NO_IMAGE", 0)],
    "BENCH": [*(("BENCH", dict(kind=k, iterations=10, arg=0), "ERR_NO_IMAGE", 0) for k in P.BENCH_KINDS.values()),
              ("BENCH", dict(kind=max(P.BENCH_KINDS.values()) + 1, iterations=10, arg=0), "ERR_ARG", 1),
              ("BENCH", dict(kind=P.BENCH_KINDS["infer"], iterations=0, arg=0), "ERR_ARG", 2),
              ("BENCH", dict(kind=P.BENCH_KINDS["load"], iterations=2**32 - 1, arg=0), "ERR_ARG", 2)],
}


def _disarm(client) -> None:
    """INJECT state outlives a request: start from the state a fresh fake device has."""
    assert client.request("INJECT", **_rates(P.INJECT_REGIONS["clear"])) == {"armed": 0}


@pytest.mark.parametrize("group", list(NO_IMAGE))
def test_model_commands_without_an_image(qemu, group):
    """As specified for an empty image region (docs/PROTOCOL.md): the argument checks, then ERR_IMAGE / ERR_NO_IMAGE;
    every reply equals the fake device's, and the device answers PING after each."""
    c = qemu.client
    assert c.info()["image_head"] == 0                                  # booted without an image
    _disarm(c)
    fake = FakeDevice(c.info())
    for name, fields, status, want in NO_IMAGE[group]:
        cmd = P.command(name)
        payload = cmd.request.pack(name, fields)
        frame = c.transact(cmd.id, payload, what=name)
        assert _status(frame) == status, (name, fields)
        if status == "OK":
            assert cmd.response.unpack(name, frame.payload) == want, (name, fields)
        else:
            assert P.ERROR_LAYOUT.unpack("e", frame.payload) == {"cmd": cmd.id, "detail": want}, (name, fields)
        assert encode_frame(frame.code, frame.seq, frame.payload) == fake.feed(encode_frame(cmd.id, frame.seq,
                                                                                           payload))
        c.ping()
    with pytest.raises(DeviceStatusError, match=r"failed: not an eccless image \(bad magic"):
        c.request("LOAD", flags=0)


def _fuzz(qemu, count: int, seed: int, oversized: float = 0.0, batch: int = 100) -> set[str]:
    """Replay seeded random input into the firmware and the fake device: every reply byte must agree. Returns the
    statuses of all replies."""
    _disarm(qemu.client)
    fake = FakeDevice(qemu.client.info())
    items = fuzz_items(seed, count, oversized=oversized)
    statuses: set[str] = set()
    for start in range(0, len(items), batch):
        data = b"".join(items[start:start + batch])
        want = without_uptime(fake.feed(data), fake.info)
        qemu.serial.write(data)
        got = without_uptime(_read(qemu.serial, len(want)), fake.info)
        assert got == want, f"replies differ in items {start}..{start + batch}"
        statuses |= {_status(classify(ch, n)) for ch, n in ChunkReader().feed(want)}
    qemu.client.ping()
    return statuses


def test_fuzz_replies_equal_the_fake_device(qemu):
    statuses = _fuzz(qemu, 300, seed=1)
    assert {"OK", "ERR_CRC", "ERR_FRAME", "ERR_UNKNOWN_CMD", "ERR_LENGTH", "ERR_ARG", "ERR_NO_IMAGE"} <= statuses
    assert "ERR_NOT_IMPLEMENTED" not in statuses


@pytest.mark.slow
def test_fuzz_10000_replies_equal_the_fake_device(qemu):
    assert "ERR_NOT_IMPLEMENTED" not in _fuzz(qemu, 10_000, seed=2, oversized=0.001)


# -- images ------------------------------------------------------------------------------------------------------
def test_image_blob_lands_at_the_image_base(firmware, no_leftovers):
    image = (0xEC_C1_E5_50).to_bytes(4, "little") + bytes(range(256)) * 16
    with Qemu(firmware.board, firmware.elf, image=image) as q:
        assert q.client.info()["image_head"] == 0xECC1E550
    big = bytes(firmware.board.image.size + 1)
    with pytest.raises(UsageError, match="exceeds the image region"):
        Qemu(firmware.board, firmware.elf, image=big).start()


# -- the harness always stops QEMU --------------------------------------------------------------------------------
def test_exception_inside_with_stops_qemu(firmware, no_leftovers):
    with pytest.raises(RuntimeError, match="boom"):
        with Qemu(firmware.board, firmware.elf) as q:
            q.client.ping()
            pid = q.proc.pid
            raise RuntimeError("boom")
    assert _gone(pid)


def test_keyboard_interrupt_stops_qemu(firmware, no_leftovers):
    with pytest.raises(KeyboardInterrupt):
        with Qemu(firmware.board, firmware.elf) as q:
            pid = q.proc.pid
            raise KeyboardInterrupt
    assert _gone(pid)


def test_watchdog_limit_kills_qemu(firmware, no_leftovers):
    with Qemu(firmware.board, firmware.elf, limit=0.3, timeout=0.5) as q:
        q.client.ping()
        q.proc.wait(10)                                    # the watchdog fires
        assert q.expired
        with pytest.raises(DeviceError, match="connection lost|no reply"):
            q.client.ping()
    assert "limit" in q.describe()


def test_launch_failure_reports_qemu_stderr(firmware, no_leftovers):
    with pytest.raises(DeviceError, match="exited with 1 before UART0 connected: .*no-such-option"):
        Qemu(firmware.board, firmware.elf, extra_args=("-no-such-option",)).start()


@pytest.mark.parametrize("ending", ["return", "os._exit"])
def test_qemu_dies_with_a_python_that_never_stopped_it(firmware, ending):
    """A script starts QEMU and ends without stop(): atexit stops it; os._exit skips atexit, PDEATHSIG kills it."""
    script = (f"from eccless.link.qemu import Qemu; import os\n"
              f"q = Qemu({BOARD!r}, {str(firmware.elf)!r}).start(); q.client.ping(); print(q.proc.pid, flush=True)\n"
              + ("os._exit(0)\n" if ending == "os._exit" else ""))
    res = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert res.returncode == 0, res.stderr
    pid = int(res.stdout.split()[0])
    deadline = time.monotonic() + 5
    while not _gone(pid) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert _gone(pid) or Path(f"/proc/{pid}/stat").read_text().split(")")[1].split()[0] == "Z"


@pytest.mark.parametrize("kind, exit_code, cause", [
    ("undefined", 106, "UsageFault"), ("divide", 106, "UsageFault"),
    ("bad_read", 104, "MemManage"), ("stack_overflow", 104, "MemManage"),
])
def test_fault_is_reported_and_exits_nonzero(debug_firmware, no_leftovers, kind, exit_code, cause):
    with Qemu(debug_firmware.board, debug_firmware.elf) as q:
        q.client.ping()
        with pytest.raises(DeviceError, match=rf"device fault: HardFault\({cause}\) pc=0x[0-9a-f]{{8}} .*cfsr="):
            q.client.request("FAULT", kind=P.FAULT_KINDS[kind])
        assert q.wait(5.0) == exit_code
        pid = q.proc.pid
    assert f"{P.FAULT_MARKER} HardFault({cause})" in q.stderr      # the semihosting console has it too
    assert _gone(pid)


def test_fault_error_through_the_backend_names_the_exit(debug_firmware, no_leftovers):
    with open_device("qemu", elf=debug_firmware.elf, board=BOARD) as dev:
        with pytest.raises(DeviceError, match=r"device fault: HardFault\(UsageFault\).*qemu exited with 106"):
            dev.request("FAULT", kind=P.FAULT_KINDS["undefined"])


def test_instruction_counts_are_deterministic_to_one_tick(debug_firmware, no_leftovers):
    """TIMER0 under -icount shift=0: 40 instructions per tick; a busy loop's count depends only on its length,
    up to the phase of the first tick (one tick) -- in one session and across sessions."""
    runs = []
    for _ in range(2):
        with Qemu(debug_firmware.board, debug_firmware.elf) as q:
            assert q.client.info()["flags"] == 0b11                  # debug + icount
            runs.append([q.client.request("SPIN", iterations=n) for n in (100_000, 100_000, 200_000)])
    for (a, b, c) in runs:
        assert all(r["instructions"] == 40 * r["ticks"] for r in (a, b, c))
        assert a["ticks"] > 1000 and abs(a["ticks"] - b["ticks"]) <= 1 and abs(c["ticks"] - 2 * a["ticks"]) <= 2
    assert abs(runs[0][0]["ticks"] - runs[1][0]["ticks"]) <= 1


# -- one test body, any backend -----------------------------------------------------------------------------------
@pytest.mark.parametrize("spec", ["loop", f"qemu:{BOARD}"])
def test_same_body_on_every_backend(spec, firmware, no_leftovers):
    with open_device(spec) as dev:
        dev.ping()
        assert dev.echo(b"\x00eccless\x00") == b"\x00eccless\x00"
        info = dev.info()
        assert info["protocol"] == P.VERSION and info["max_payload"] == P.MAX_PAYLOAD
        with pytest.raises(DeviceStatusError, match="no valid model image loaded") as e:
            dev.request("EVAL", first=0, count=1, report=P.EVAL_REPORTS["per_class"])
        assert (e.value.status, e.value.detail) == ("ERR_NO_IMAGE", 0)
        with pytest.raises(DeviceStatusError, match="not an eccless image") as e:
            dev.request("LOAD", flags=0)
        assert (e.value.status, e.value.detail) == ("ERR_IMAGE", P.IMAGE_ERROR_CODES["BAD_MAGIC"])
