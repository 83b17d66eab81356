"""The DWT cycle-counter timer driver (edge/drivers/ed_timer_dwt.c), which real Cortex-M3/M4/M7 boards select with
[timer] kind = "dwt": a board file naming it builds, and the firmware's probe notices when the counter does not
run -- as under QEMU, which reads the DWT as zero -- so it reports neither cycles nor instructions instead of
made-up numbers, while inference stays the same. Counting on silicon needs a board (hil tests)."""

from __future__ import annotations

from pathlib import Path

import pytest

from eccless.boards import DEFAULT_BOARD, load_board
from eccless.firmware.boardgen import board_header
from eccless.firmware.build import build_firmware, sources
from eccless.protocol import INFO_FLAGS
from eccless.link.qemu import Qemu, missing_tools
from eccless.commands.image import pack_model

pytestmark = pytest.mark.qemu
if missing_tools():
    pytest.skip(missing_tools(), allow_module_level=True)


def dwt_board(tmp_path: Path):
    """The default board with its timer swapped for the core's cycle counter."""
    base = load_board(DEFAULT_BOARD)
    text = base.path.read_text().replace(f'name = "{base.name}"', f'name = "{base.name}-dwt-test"')
    head, rest = text.split("[timer]", 1)
    rest = rest.split("\n[", 1)[1]
    text = head + '[timer]\nkind = "dwt"\nbase = 0xE0001000\nhz = 25000000\n\n[' + rest
    path = tmp_path / f"{base.name}-dwt-test.toml"
    path.write_text(text)
    return load_board(str(path))


def test_dwt_board_links_the_cycle_counter_and_counts_no_instructions(tmp_path):
    board = dwt_board(tmp_path)
    names = {p.name for p in sources(board)}
    assert "ed_timer_dwt.c" in names and "ed_timer_cmsdk.c" not in names
    header = board_header(board)
    assert "#define ED_INSTR_PER_TICK_NUM 0u" in header  # cycles are not instructions, even under icount


def test_dwt_firmware_in_qemu_reports_no_counter_and_classifies_the_same(tmp_path):
    board = dwt_board(tmp_path)
    results = {}
    for b in (board, load_board(DEFAULT_BOARD)):
        image = tmp_path / f"mlp-{b.name}.img"              # packed for each board: LOAD refuses another's
        pack_model("digits:mlp", image, testset=40, board=str(b.path))
        fw = build_firmware(b, out_dir=tmp_path / b.name)
        with Qemu(b, fw.elf, image=image, timeout=60) as q:
            info = q.client.request("INFO")
            q.client.request("LOAD", flags=0)
            ev = q.client.request("EVAL", first=0, count=40, report=1)
            results[b.name] = (info["flags"], ev["correct"], ev["data"], ev["ticks"], ev["instructions"])
    flags, correct, preds, ticks, instructions = results[board.name]
    assert not flags & (1 << INFO_FLAGS["cycles"]) and not flags & (1 << INFO_FLAGS["icount"])
    assert ticks == 0 and instructions == 0
    ref_flags, ref_correct, ref_preds, ref_ticks, ref_instructions = results[load_board(DEFAULT_BOARD).name]
    assert ref_flags & (1 << INFO_FLAGS["icount"]) and ref_instructions > 0
    assert (correct, preds) == (ref_correct, ref_preds)


def test_run_reports_cycles_from_ticks_when_the_counter_runs():
    from eccless.commands.run import _cycles

    rows = [{"eval_ticks": 3000, "load": {"ticks": 900, "decode_ticks": 400}},
            {"eval_ticks": 5000, "load": {"ticks": 1100, "decode_ticks": 600}}]
    assert _cycles(rows, samples=10) == {"per_inference": 400.0, "load_pass": 1000.0, "decode_pass": 500.0}
