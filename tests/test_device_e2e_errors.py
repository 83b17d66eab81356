"""Bad input on the device path: the firmware answers an error status and stays responsive; `eccless run` prints
one line and exits non-zero. Images: protected region beyond repair, an unknown representation id in re-sealed
metadata, a model too large for the arena, a float32 image, mutated images (a seeded fuzz subset; >= 1,000 in
the slow test), and broken frames around LOAD and EVAL.
"""

from __future__ import annotations

import random

import pytest

from eccless import cli
from eccless import protocol as P
from eccless.firmware.build import build_firmware
from eccless.link.client import DeviceStatusError
from eccless.protocol.framing import encode_frame
from eccless.testing.image_fuzz import mutate, payload, reseal
from eccless.link.qemu import Qemu, missing_tools
from eccless.image.load import parse_image
from eccless.image.records import META, OP, PROTECTED_OFFSET, TENSOR
from eccless.commands.image import pack_model
from eccless.boards import DEFAULT_BOARD, boards_with, load_board
from qemu_socket import qemu_on_socket

pytestmark = pytest.mark.qemu
if missing_tools():
    pytest.skip(missing_tools(), allow_module_level=True)

BOARD = DEFAULT_BOARD


@pytest.fixture(scope="module")
def firmware():
    return build_firmware(BOARD)


@pytest.fixture(scope="module")
def mlp_image(tmp_path_factory):
    path = tmp_path_factory.mktemp("img") / "mlp.img"
    pack_model("digits:mlp", path, repr_name="hamming", detect="parity-lsb+range", testset=50)
    return path.read_bytes()


def _load_error(elf, image: bytes, board=BOARD, **qemu) -> DeviceStatusError:
    """LOAD's error on this image; the device must still answer PING and INFO afterwards."""
    with Qemu(board, elf, image=image, timeout=30, **qemu) as q:
        with pytest.raises(DeviceStatusError) as e:
            q.client.request("LOAD", flags=0)
        q.client.ping()
        assert q.client.info()["protocol"] == P.VERSION
        with pytest.raises(DeviceStatusError, match="no valid model image loaded"):
            q.client.request("EVAL", first=0, count=1, report=0)
    return e.value


def _cli_fails(tmp_path, image: bytes, capsys, match: str) -> None:
    path = tmp_path / "bad.img"
    path.write_bytes(image)
    code = cli.main(["run", str(path)])
    err = capsys.readouterr().err.strip()
    assert code != 0 and len(err.splitlines()) == 1 and match in err, err


def test_protected_region_beyond_repair(firmware, mlp_image, tmp_path, capsys):
    bad = bytearray(mlp_image)
    rng = random.Random(3)
    for bit in rng.sample(range(8 * 180), 60):          # 60 errors in the first 189-byte block: more than t = 50
        bad[PROTECTED_OFFSET + bit // 8] ^= 1 << (bit % 8)
    e = _load_error(firmware.elf, bytes(bad))
    assert e.status == "ERR_IMAGE" and e.detail == P.IMAGE_ERROR_CODES["ECC_UNCORRECTABLE"]
    assert "protected region beyond repair" in str(e)
    _cli_fails(tmp_path, bytes(bad), capsys, "protected region beyond repair")   # the host says it before LOAD


def test_unknown_representation_id_in_resealed_metadata(firmware, mlp_image, tmp_path, capsys):
    data = bytearray(payload(mlp_image))
    meta = META.unpack(data)
    at = META.size + meta["num_ops"] * OP.size + 2 * TENSOR.size + 1     # tensor 2's repr byte
    data[at] = 9
    bad = reseal(mlp_image, data)
    e = _load_error(firmware.elf, bad)
    assert e.status == "ERR_IMAGE" and e.detail == (2 << 8) | P.IMAGE_ERROR_CODES["REPR_UNKNOWN"]
    assert "corrupted tensor record 2: unknown representation id" in str(e)
    with pytest.raises(Exception, match="unknown representation id 9"):
        parse_image(bad)                                 # the host loader refuses it too
    _cli_fails(tmp_path, bad, capsys, "unknown representation id 9")          # the host says it before LOAD


def test_model_too_large_for_the_arena(mlp_image, tmp_path):
    small = build_firmware(BOARD, arena_size=4096)
    e = _load_error(small.elf, mlp_image)
    assert e.status == "ERR_ARENA" and e.detail > 4096 and "does not fit the arena" in str(e)


def test_float32_image_is_not_supported(firmware, tmp_path, capsys):
    path = tmp_path / "f32.img"
    pack_model("digits:mlp", path, quant="float32", repr_name="float32", testset=10)
    e = _load_error(firmware.elf, path.read_bytes())
    assert e.status == "ERR_UNSUPPORTED" and "float32 images are not supported on this board" in str(e)
    _cli_fails(tmp_path, path.read_bytes(), capsys, "float32 images are not supported on this board")


def test_broken_frames_around_load_and_eval(firmware, mlp_image):
    with Qemu(BOARD, firmware.elf, image=mlp_image, timeout=30) as q:
        c = q.client
        wire = bytearray(encode_frame(P.command("LOAD").id, 7, bytes(4)))
        wire[-3] ^= 0x01                                 # a CRC byte
        c.send_raw(bytes(wire))
        f = c.read_frame(timeout=5)
        assert f.code & 0x7F == P.STATUS["ERR_CRC"] and f.seq == P.SEQ_NONE
        f = c.transact(P.command("EVAL").id, bytes(5))      # truncated EVAL request
        assert f.code & 0x7F == P.STATUS["ERR_LENGTH"]
        c.send_raw(encode_frame(P.command("LOAD").id, 9, bytes(4))[:-4] + b"\0")   # torn frame
        assert c.read_frame(timeout=5).code & 0x7F in (P.STATUS["ERR_FRAME"], P.STATUS["ERR_CRC"])
        with pytest.raises(DeviceStatusError, match="LOAD failed: request field out of range"):
            c.request("LOAD", flags=0x80)
        load = c.request("LOAD", flags=0)
        with pytest.raises(DeviceStatusError, match="EVAL failed: request field out of range \\(detail 2\\)"):
            c.request("EVAL", first=0, count=load["samples"] + 1, report=1)
        with pytest.raises(DeviceStatusError, match="detail 3"):
            c.request("EVAL", first=0, count=1, report=7)
        with pytest.raises(DeviceStatusError, match="INFER failed: request field out of range \\(detail 2\\)"):
            c.request("INFER", index=P.NO_INDEX, input=b"\1\2")
        with pytest.raises(DeviceStatusError, match="INJECT failed: request field out of range \\(detail 2\\)"):
            c.request("INJECT", seed=1, stream=0, k_q32=1 << 63, keep_1to0=0, keep_0to1=0, region=1, model=0, length=0)
        assert c.request("EVAL", first=0, count=load["samples"], report=0)["count"] == load["samples"]


def _fuzz_qemu(elf, base: bytes, count: int, seed: int) -> dict:
    rng = random.Random(seed)
    seen = {}
    for _ in range(count):
        kind, bad = mutate(base, rng)
        with Qemu(BOARD, elf, image=bad, timeout=30) as q:
            try:
                q.client.request("LOAD", flags=rng.choice((0, 1, 2)))
                q.client.request("EVAL", first=0, count=1, report=0)
                status = "OK"
            except DeviceStatusError as e:
                status = e.status
            q.client.ping()                              # still alive: no fault, no hang
            assert q.returncode is None, q.describe()
        seen.setdefault(status, 0)
        seen[status] += 1
    return seen


def test_fuzz_mutated_images_in_qemu(firmware, mlp_image):
    seen = _fuzz_qemu(firmware.elf, mlp_image, 20, seed=7)
    assert "ERR_IMAGE" in seen and sum(seen.values()) == 20


@pytest.mark.slow
def test_fuzz_1000_mutated_images_in_qemu(firmware, mlp_image):
    seen = _fuzz_qemu(firmware.elf, mlp_image, 1000, seed=8)
    assert sum(seen.values()) == 1000


def test_image_for_another_board_is_refused_by_run_and_by_the_loader(mlp_image, tmp_path, capsys):
    """run refuses before any device is involved, naming both boards; the firmware's LOAD refuses too (a device
    given by URL, or an image flashed by hand)."""
    others = [b for b in boards_with("qemu") if b != load_board(BOARD).name]
    board_file = tmp_path / "twin.toml"                  # a second QEMU board even where only one is committed
    board_file.write_text(load_board(BOARD).path.read_text().replace(f'name = "{load_board(BOARD).name}"',
                                                                      'name = "twin-board"'))
    other = load_board(others[0] if others else str(board_file))
    path = tmp_path / "mlp.img"
    path.write_bytes(mlp_image)                          # packed for BOARD
    code = cli.main(["run", str(path), "--board", str(other.path)])
    err = capsys.readouterr().err.strip()
    assert code != 0 and len(err.splitlines()) == 1, err
    assert f"was packed for board '{load_board(BOARD).name}', not '{other.name}'" in err, err
    fw = build_firmware(other)
    e = _load_error(fw.elf, mlp_image, board=other)
    assert e.status == "ERR_IMAGE" and e.detail == P.IMAGE_ERROR_CODES["BOARD"] and "another board" in str(e)


def test_run_over_a_socket_url_as_the_readme_shows(firmware, mlp_image, tmp_path, capsys):
    """`--device socket://127.0.0.1:N` reaches a QEMU whose console UART listens there (a board behind a TCP
    bridge looks the same), and a port that is not our firmware is one line naming the port."""
    import socket

    image = tmp_path / "mlp.img"
    image.write_bytes(mlp_image)
    with qemu_on_socket(load_board(BOARD), firmware.elf, image) as url:
        code = cli.main(["run", str(image), "--device", url])
        out = capsys.readouterr()
        assert code == 0, out.err
        assert "accuracy" in out.out
    with socket.socket() as silent:                      # listens, never answers: not our firmware
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)
        code = cli.main(["run", str(image), "--device", f"socket://127.0.0.1:{silent.getsockname()[1]}"])
        err = capsys.readouterr().err.strip()
        assert code != 0 and len(err.splitlines()) == 1 and "Traceback" not in err, err
        assert f"socket://127.0.0.1:{silent.getsockname()[1]}" in err and "no reply" in err, err
