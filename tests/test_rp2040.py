"""The Raspberry Pi Pico's own pieces, proved without the board: the boot block's CRC-32/MPEG-2 (known vectors and
the block the build links), the linker layout (boot block, vector table, firmware, image region in flash), the UF2
writer (parsed back) and the UF2 flasher (a temporary directory standing in for the RPI-RP2 drive). Its PL011 driver
runs end to end on its stand-in, qemu-lm3s6965evb-m0, with the other QEMU tests."""

from __future__ import annotations

import shutil
import struct
import subprocess

import pytest

from eccless.boards import load_board
from eccless.commands.image import pack_model
from eccless.errors import UsageError
from eccless.firmware import bootblock
from eccless.firmware.build import APT_HINT, build_firmware
from eccless.flash import FlashError, flash_board, uf2

pytestmark = pytest.mark.unit
needs_gcc = pytest.mark.skipif(shutil.which("arm-none-eabi-gcc") is None,
                               reason=f"arm-none-eabi-gcc not found: {APT_HINT}")
BOARD = "rpi-pico"


@pytest.mark.parametrize("data, crc", [
    (b"123456789", 0x0376E6E7),          # the catalogue check value of CRC-32/MPEG-2
    (b"", 0xFFFFFFFF),                   # no final xor: the initial value comes back
    (b"\x00", 0x4E08BFB4),
    (bytes(range(256)), None),           # checked against a bitwise implementation below
])
def test_crc32_mpeg2_known_vectors(data, crc):
    def bitwise(buf):
        c = 0xFFFFFFFF
        for byte in buf:
            for i in range(7, -1, -1):
                top = ((c >> 31) ^ (byte >> i)) & 1
                c = ((c << 1) & 0xFFFFFFFF) ^ (0x04C11DB7 if top else 0)
        return c

    assert bootblock.crc32_mpeg2(data) == bitwise(data)
    if crc is not None:
        assert bootblock.crc32_mpeg2(data) == crc


def test_seal_pads_and_appends_a_crc_that_verifies():
    block = bootblock.seal(b"\x01\x02\x03")
    assert len(block) == 256 and block[3:252] == bytes(249) and bootblock.verifies(block)
    for bit in (0, 8 * 100 + 3, 8 * 253):                 # one flipped bit anywhere: the ROM refuses it
        bad = bytearray(block)
        bad[bit // 8] ^= 1 << (bit % 8)
        assert not bootblock.verifies(bytes(bad))
    with pytest.raises(UsageError, match="boot block code is 253 bytes, more than the 252"):
        bootblock.seal(bytes(253))


@needs_gcc
def test_the_built_firmware_starts_with_a_verifying_boot_block_then_the_vectors():
    board = load_board(BOARD)
    fw = build_firmware(board)
    raw = fw.elf.parent / "rp2040-flash.bin"
    subprocess.run(["arm-none-eabi-objcopy", "-O", "binary", str(fw.elf), str(raw)], check=True)
    flash = raw.read_bytes()
    assert bootblock.verifies(flash[:256]) and flash[:256] == (fw.elf.parent / "boot_rp2040.bin").read_bytes()
    sp, reset = struct.unpack_from("<II", flash, 256)         # the vector table right after the block
    assert board.ram.base < sp <= board.ram.end
    assert board.code.base + 256 < reset < board.code.end and reset & 1   # a Thumb address in the code region
    assert len(flash) == fw.sizes.text <= board.code.size < board.image.base - board.code.base + 1
    assert board.image.base == board.code.end and board.image.end <= 0x10000000 + (2 << 20)   # the Pico's 2 MB


def test_uf2_round_trip_and_block_layout():
    data = bytes((i * 7) & 0xFF for i in range(1000))
    blob = uf2.write_uf2(data, 0x10040000)
    assert len(blob) == 4 * 512                                # 1000 bytes: four 256-byte payloads
    m0, m1, flags, addr, size, n, total, family = struct.unpack_from("<8I", blob, 512)
    assert (m0, m1, flags, addr, size, n, total, family) == (0x0A324655, 0x9E5D5157, 0x2000, 0x10040100, 256, 1, 4,
                                                             0xE48BFF56)
    assert struct.unpack_from("<I", blob, 1023)[0] != 0 and struct.unpack_from("<I", blob, 1020)[0] == 0x0AB16F30
    start, back = uf2.read_uf2(blob)
    assert start == 0x10040000 and back[:1000] == data and back[1000:] == bytes(24)


@pytest.mark.parametrize("damage, message", [
    (lambda b: b[:-1], "whole number of 512-byte blocks"),
    (lambda b: b[:512] + b"\0" * 4 + b[516:], "block 1: bad magic"),
    (lambda b: b[:540] + struct.pack("<I", 0x1234) + b[544:], "family 0x1234, expected 0xe48bff56"),
    (lambda b: b[:524] + struct.pack("<I", 0x10040200) + b[528:], "leaves a gap"),
])
def test_uf2_reader_refuses_damage(damage, message):
    blob = uf2.write_uf2(bytes(600), 0x10040000)
    with pytest.raises(FlashError, match=message):
        uf2.read_uf2(damage(blob))
    with pytest.raises(FlashError, match="256-byte boundaries"):
        uf2.write_uf2(b"x", 0x10000001)


@pytest.fixture(scope="module")
def image(tmp_path_factory):
    path = tmp_path_factory.mktemp("pico") / "m.img"
    pack_model("digits:mlp", path, testset=20, board=BOARD)
    return path


def _drive(path):
    path.mkdir(parents=True)
    (path / "INFO_UF2.TXT").write_text("UF2 Bootloader v3.0\nModel: Raspberry Pi RP2\nBoard-ID: RPI-RP2-B1\n")
    return path


def test_uf2_flasher_copies_to_the_named_drive(image, tmp_path):
    drive = _drive(tmp_path / "RPI-RP2")
    res = flash_board(BOARD, image=image, probe=str(drive))
    assert res["flasher"] == "Uf2Drive" and res["programmed"][0]["address"] == 0x10040000
    start, data = uf2.read_uf2((drive / "m.uf2").read_bytes())
    assert start == load_board(BOARD).image.base and data[:image.stat().st_size] == image.read_bytes()


def test_uf2_flasher_finds_the_drive_by_its_info_file(image, tmp_path, monkeypatch):
    _drive(tmp_path / "media" / "someone" / "RPI-RP2")
    (tmp_path / "media" / "someone" / "USBSTICK").mkdir()
    monkeypatch.setattr(uf2, "SEARCH_ROOTS", (str(tmp_path / "nothing"), str(tmp_path / "media")))
    assert uf2.find_drive() == tmp_path / "media" / "someone" / "RPI-RP2"
    assert uf2.find_drive((str(tmp_path / "nothing"),)) is None
    flash_board(BOARD, image=image)                       # no --probe: the drive found by its INFO_UF2.TXT
    assert uf2.read_uf2((tmp_path / "media" / "someone" / "RPI-RP2" / "m.uf2").read_bytes())[0] == 0x10040000


@needs_gcc
def test_uf2_flasher_writes_the_firmware_from_the_code_base(tmp_path):
    drive = _drive(tmp_path / "RPI-RP2")
    flash_board(BOARD, what="firmware", probe=str(drive))
    start, data = uf2.read_uf2((drive / "firmware.uf2").read_bytes())
    assert start == 0x10000000 and bootblock.verifies(data[:256])


def test_uf2_flasher_errors_are_one_line(image, tmp_path, monkeypatch):
    monkeypatch.setattr(uf2, "find_drive", lambda roots=None: None)
    with pytest.raises(FlashError, match=r"^no RPI-RP2 drive found under .*hold BOOTSEL.*--probe$"):
        flash_board(BOARD, image=image)
    plain = tmp_path / "plain"
    plain.mkdir()
    with pytest.raises(FlashError, match="is not a UF2 boot drive"):
        flash_board(BOARD, image=image, probe=str(plain))
    with pytest.raises(FlashError, match="cannot read the flash back"):
        flash_board(BOARD, image=image, probe=str(_drive(tmp_path / "d")), readback=1)


@pytest.mark.parametrize("name, config", [("rpi-pico", "-f interface/cmsis-dap.cfg -f target/rp2040.cfg"),
                                          ("nrf52840dk", "-f board/nordic_nrf52_dk.cfg")])
def test_openocd_dry_run_for_the_new_real_boards(name, config, tmp_path):
    image = tmp_path / "m.img"
    pack_model("digits:mlp", image, testset=5, board=name)
    res = flash_board(name, image=image, flasher="openocd", dry_run=True)
    (cmd,) = res["commands"]
    assert config in cmd and cmd.endswith(f"program {image} {load_board(name).image.base:#x} verify reset exit")
