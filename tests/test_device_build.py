"""The firmware build: generated linker script and board header, incremental rebuilds, sizes, clear errors."""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import replace

import pytest

from eccless.boards import board_names, load_board
from eccless.firmware import build as B
from eccless.firmware.boardgen import board_header, instructions_per_tick, linker_script
from eccless.errors import DeviceError, UsageError
from eccless.boards import DEFAULT_BOARD

pytestmark = pytest.mark.golden

BOARD = DEFAULT_BOARD
needs_gcc = pytest.mark.skipif(shutil.which("arm-none-eabi-gcc") is None,
                               reason=f"arm-none-eabi-gcc not found: {B.APT_HINT}")


def test_linker_script_comes_from_the_board_file():
    board = load_board(BOARD)
    ld = linker_script(board)
    assert f"CODE (rx)   : ORIGIN = 0x{board.code.base:08X}, LENGTH = 0x{board.code.size:08X}" in ld
    assert f"IMAGE (r)   : ORIGIN = 0x{board.image.base:08X}, LENGTH = 0x{board.image.size:08X}" in ld
    assert f"RAM (rwx)   : ORIGIN = 0x{board.ram.base:08X}, LENGTH = 0x{board.ram.size:08X}" in ld
    moved = replace(board, image=replace(board.image, base=0x00200000, size=0x00100000))
    assert "IMAGE (r)   : ORIGIN = 0x00200000, LENGTH = 0x00100000" in linker_script(moved)
    with pytest.raises(UsageError, match="stack size"):
        linker_script(board, stack_size=12)


def test_board_header_carries_addresses_rates_and_capabilities():
    board = load_board(BOARD)
    h = board_header(board, debug=True)
    assert f'#define ED_BOARD_NAME "{board.name}"' in h and "#define ED_DEBUG_COMMANDS 1" in h
    assert f"#define ED_UART_BASE 0x{board.uart['base']:08X}u" in h
    assert "#define ED_HAS_SEMIHOSTING 1" in h and "#define ED_HAS_CYCLE_COUNTER 0" in h
    assert instructions_per_tick(board) == 40          # 1e9 / 25 MHz at icount shift 0 (PLATFORM.md)
    assert "#define ED_INSTR_PER_TICK_NUM 40u" in h and "#define ED_INSTR_PER_TICK_DEN 1u" in h
    no_qemu = replace(board, qemu=None)
    assert instructions_per_tick(no_qemu) == 0 and "ED_INSTR_PER_TICK_NUM 0u" in board_header(no_qemu)


def test_missing_toolchain_names_the_apt_command(monkeypatch):
    monkeypatch.setattr(B.shutil, "which", lambda name: None)
    with pytest.raises(DeviceError, match="arm-none-eabi-gcc not found: apt-get install --no-install-recommends "
                                          "gcc-arm-none-eabi libnewlib-arm-none-eabi"):
        B.build_firmware(BOARD)


def test_unknown_driver_kind_and_port(tmp_path):
    board = load_board(BOARD)
    with pytest.raises(UsageError, match="no uart driver for kind 'usb' \\(known: cmsdk, nrf, pl011, stm32\\)"):
        B.sources(replace(board, uart={**board.uart, "kind": "usb"}))
    with pytest.raises(UsageError, match="no firmware port for cpu 'riscv32'"):
        B.sources(replace(board, cpu="riscv32"))


@needs_gcc
def test_incremental_build(tmp_path):
    board = load_board(BOARD)
    fw = B.build_firmware(board, out_dir=tmp_path)
    assert fw.linked and "firmware/ed_server.c" in fw.compiled and fw.elf.exists()
    assert 1000 < fw.sizes.text < 96 * 1024 and fw.sizes.stack == 0x10000 and fw.sizes.bss >= 2 * 4100
    again = B.build_firmware(board, out_dir=tmp_path)
    assert again.compiled == () and not again.linked and again.build_id == fw.build_id
    fw.elf.touch()                                     # mtimes do not matter, contents do
    (tmp_path / "ed_board.h").touch()
    assert B.build_firmware(board, out_dir=tmp_path).compiled == ()
    bigger = B.build_firmware(board, out_dir=tmp_path, stack_size=0x20000)   # ed_board.h and link.ld change
    assert bigger.linked and bigger.sizes.stack == 0x20000 and bigger.build_id != fw.build_id
    assert "firmware/ed_cmd_info.c" in bigger.compiled and "protocol/ed_frame.c" not in bigger.compiled


@needs_gcc
def test_debug_build_is_separate():
    fw = B.build_firmware(BOARD)                    # the default build dirs, shared with the QEMU tests
    dbg = B.build_firmware(BOARD, debug=True)
    assert dbg.elf.parent.name == f"{BOARD}-debug" and fw.elf.parent.name == BOARD
    assert dbg.debug and not fw.debug and dbg.build_id != fw.build_id
    assert "#define ED_DEBUG_COMMANDS 1" in (dbg.elf.parent / "ed_board.h").read_text()
    assert dbg.sizes.text > fw.sizes.text          # the FAULT handler's code is compiled in


@needs_gcc
def test_stale_protocol_header_stops_the_build(monkeypatch, tmp_path):
    monkeypatch.setattr(B.protocol_header, "c_header", lambda: "/* something else */\n")
    with pytest.raises(DeviceError, match="ed_protocol.h is stale: run python -m eccless.firmware.codegen --write"):
        B.build_firmware(BOARD, out_dir=tmp_path)


@needs_gcc
def test_kernel_variant_is_compiled_with_the_firmware_flags():
    fw = B.build_firmware(BOARD, variant="reference")
    assert fw.elf.parent.name == f"{BOARD}-reference"
    objects = {p.name for p in (fw.elf.parent / "obj").glob("*.o")}
    assert {"kernels__reference__ed_conv2d_s8.c.o", "firmware__ed_server.c.o",
            "detect__reference__ed_detect_words.c.o"} <= objects
    with pytest.raises(UsageError, match="unknown ISA variant 'fast'"):
        B.build_firmware(BOARD, variant="fast")


@needs_gcc
@pytest.mark.parametrize("name", board_names())
def test_every_board_builds_and_fits(name):
    """Compiled, linked and size-checked for every board file, real boards included (no board needed)."""
    board = load_board(name)
    fw = B.build_firmware(board)
    assert fw.sizes.text <= board.code.size
    assert fw.sizes.data + fw.sizes.bss + fw.sizes.stack < board.ram.size
    header = (fw.elf.parent / "ed_board.h").read_text()
    assert f"#define ED_HAS_SEMIHOSTING {int(board.has('semihosting'))}" in header


@needs_gcc
@pytest.mark.parametrize("name", [n for n in board_names() if not load_board(n).has("semihosting")])
def test_real_board_builds_carry_no_semihosting(name):
    """A bkpt without a debugger stops the core: a real board's build has none; its fault handler reports over the
    UART and resets (ed_exit without semihosting writes AIRCR.SYSRESETREQ)."""
    fw = B.build_firmware(name)
    dis = subprocess.run(["arm-none-eabi-objdump", "-d", str(fw.elf)], capture_output=True, text=True,
                         check=True).stdout
    assert "bkpt" not in dis and "<ed_fault_report>:" in dis and "<ed_uart_putc>:" in dis
    assert "#define ED_HAS_SEMIHOSTING 0" in (fw.elf.parent / "ed_board.h").read_text()


@needs_gcc
def test_size_row_is_the_builds_own_figures():
    from eccless.firmware.sizes import size_row

    board = load_board("rpi-pico")
    s = B.build_firmware(board).sizes
    row = size_row("rpi-pico")
    assert row.startswith("| `rpi-pico` | armv6m | ") and f"{s.text:,} B / 256 KB" in row
    assert f"{s.bss:,} B + 8 KB / 264 KB | {(board.ram.size - s.bss - s.stack) >> 10} KB | 1792 KB |" in row
