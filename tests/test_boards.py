"""Board files are validated data: every committed board loads, a bad file is one line naming the table and key,
boards are selected by capability, and a board can be named or given as a path."""

from __future__ import annotations

import pytest

from eccless.boards import BOARDS_DIR, DEFAULT_BOARD, board_names, boards_with, load_board
from eccless.errors import UsageError
from eccless.firmware.manifest import variant_for

pytestmark = pytest.mark.unit


@pytest.mark.parametrize("name", board_names())
def test_every_committed_board_loads_and_gets_a_variant(name):
    board = load_board(name)
    assert board.name == name and board.path == BOARDS_DIR / f"{name}.toml"
    assert variant_for(board) == ("mve" if board.has("mve") else "cortex_m4" if board.has("dsp") else "armv6m")
    assert board.medium in ("raw-flash", "ram")
    if board.qemu is None:
        assert board.standin in boards_with("qemu"), f"{name}: a real board needs a QEMU stand-in"


def test_default_board_and_capability_selection():
    assert DEFAULT_BOARD in board_names() and DEFAULT_BOARD in boards_with("qemu")
    for name in boards_with("qemu", "dsp"):
        board = load_board(name)
        assert board.qemu is not None and board.has("dsp")
    assert boards_with("no-such-capability") == []


def _write(tmp_path, text: str):
    path = tmp_path / "b.toml"
    path.write_text(text)
    return path


GOOD = (BOARDS_DIR / f"{DEFAULT_BOARD}.toml").read_text()


def test_a_path_works_like_a_name(tmp_path):
    path = _write(tmp_path, GOOD)
    assert load_board(str(path)).uart == load_board(DEFAULT_BOARD).uart
    assert load_board(load_board(DEFAULT_BOARD)).name == DEFAULT_BOARD


@pytest.mark.parametrize("edit, message", [
    (lambda t: t.replace('kind = "cmsdk"\nbase = 0x40004000', 'kind = "cmsdk"\nbase = "0x40004000"'),
     "[uart] base: expected an integer, got '0x40004000'"),
    (lambda t: t.replace("[timer]\nkind", "[timer]\nkinf"), "[timer] unknown key 'kinf'"),
    (lambda t: t.replace("[memory.ram]", "[memory.rom]"), "unknown table [memory.rom]"),
    (lambda t: t.replace('cpu = "cortex-m4"\narch', 'arch'), "[board] cpu: missing (needs a string)"),
    (lambda t: t.replace('medium = "ram"', 'medium = "nand"'),
     "[memory.image] medium: expected one of raw-flash, ram, got 'nand'"),
    (lambda t: t.replace("dsp = true", "dsp = 1"), "[capabilities] dsp: expected true or false, got 1"),
    (lambda t: t.split("[uart]")[0], "missing table [uart]"),
    (lambda t: t.replace("base = 0x00100000", "base = 0x00080000"), "memory regions overlap"),
    (lambda t: t + "\n[flashr]\nx = 1\n", "unknown table [flashr]"),
    (lambda t: t.replace("[board]", "[board\n"), "TOMLDecodeError"),
])
def test_bad_board_files_are_one_line_errors_naming_the_field(tmp_path, edit, message):
    path = _write(tmp_path, edit(GOOD))
    with pytest.raises(UsageError) as e:
        load_board(str(path))
    assert message in str(e.value) and str(path) in str(e.value) and "\n" not in str(e.value)


def test_unknown_board_lists_the_known_ones(tmp_path):
    with pytest.raises(UsageError, match=f"unknown board 'nosuch' \\(known: .*{DEFAULT_BOARD}"):
        load_board("nosuch")
    with pytest.raises(UsageError, match="unknown board"):
        load_board(str(tmp_path / "missing.toml"))
    with pytest.raises(UsageError, match="unknown board"):
        load_board(str(tmp_path))           # a directory is not a board file


@pytest.mark.parametrize("name", [n for n in board_names() if load_board(n).qemu is None])
def test_a_real_boards_standin_runs_its_drivers_and_layout(name):
    """What CI runs for a real board: its stand-in compiles the same UART and timer drivers for the same CPU port
    and lays out code, image and RAM the same way; only clocks, semihosting and the medium may differ."""
    real = load_board(name)
    stand = load_board(real.standin)
    assert stand.qemu is not None and not real.has("semihosting")
    assert (stand.uart["kind"], stand.uart["base"], stand.timer["kind"], stand.timer["base"]) == \
        (real.uart["kind"], real.uart["base"], real.timer["kind"], real.timer["base"])
    assert (stand.cpu, stand.arch_flags, stand.init) == (real.cpu, real.arch_flags, real.init)
    assert (stand.code, stand.image, stand.ram, stand.stack) == (real.code, real.image, real.ram, real.stack)
    assert variant_for(stand) == variant_for(real)
