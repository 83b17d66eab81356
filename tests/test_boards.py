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
    """What CI runs for a real board: its stand-in compiles what the board file says it proves ([standin] proves)
    -- the same UART and timer driver kinds, the same ISA variant and architecture, the same core, flags and init
    steps, the same memory map and peripheral bases. Real boards never use semihosting."""
    real = load_board(name)
    stand = load_board(real.standin)
    assert stand.qemu is not None and not real.has("semihosting") and real.standin_proves
    proves = set(real.standin_proves)
    if "uart" in proves:
        assert stand.uart["kind"] == real.uart["kind"]
    if "timer" in proves:
        assert stand.timer["kind"] == real.timer["kind"]
    if "isa" in proves:
        assert variant_for(stand) == variant_for(real)
        assert _profile(stand) == _profile(real)
    if "cpu" in proves:
        assert (stand.cpu, stand.arch_flags, stand.init) == (real.cpu, real.arch_flags, real.init)
    if "layout" in proves:
        assert (stand.code, stand.image, stand.ram, stand.stack) == (real.code, real.image, real.ram, real.stack)
        assert (stand.uart["base"], stand.timer["base"]) == (real.uart["base"], real.timer["base"])


def _profile(board) -> str:
    """The Arm architecture profile of a board's core, from its cpu name: M0/M0+ are Armv6-M, the rest here v7/v8."""
    return "armv6-m" if board.cpu in ("cortex-m0", "cortex-m0plus", "cortex-m1") else "armv7-m+"


def test_standin_proofs_are_checked(tmp_path):
    text = (BOARDS_DIR / "rpi-pico.toml").read_text().replace('proves = ["uart", "timer", "isa"]',
                                                               'proves = ["uart", "clocks"]')
    with pytest.raises(UsageError, match=r"\[standin\] proves: expected some of uart, timer, isa, cpu, layout, "
                                         r"got 'clocks'"):
        load_board(str(_write(tmp_path, text)))
    assert load_board("nucleo-f446re").standin_proves == ("uart", "timer", "isa", "cpu", "layout")


def test_init_steps_take_an_optional_wait():
    pico = load_board("rpi-pico")
    assert all(len(step) == 4 and step[3] in (0, 1) for step in pico.init)
    assert (0x40024004, 0x80000000, 0x80000000, 1) in pico.init      # the crystal oscillator's STABLE bit
    assert all(step[3] == 0 for step in load_board("nucleo-f446re").init)


@pytest.mark.parametrize("name", board_names())
def test_every_board_is_in_the_readme_tables(name):
    """The board table and the size table of the README's Boards section each have a row for every board file."""
    readme = (BOARDS_DIR.parent / "README.md").read_text()
    section = readme[readme.index("## Boards"):readme.index("\n## ", readme.index("## Boards") + 1)]
    assert section.count(f"\n| `{name}` |") == 2, f"{name}: add it to the board table and the size table"
