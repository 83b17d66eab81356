"""Markdown report of a sweep directory: one table row per curve, accuracy at every BER, and the plot."""

from __future__ import annotations

import json
from pathlib import Path

from ..errors import UsageError
from ..fileio import write_text


def grid_tolerance(curve: dict, margin: float = 0.01) -> float | None:
    """Largest swept BER up to which every point stays within `margin` of clean (a grid estimate; the
    `critical` command bisects properly)."""
    best = None
    for p in sorted(curve["points"], key=lambda p: p["ber"]):
        if p["accuracy"] < curve["clean_accuracy"] - margin:
            break
        best = p["ber"]
    return best


def sweep_table(summary: dict) -> str:
    bers = summary["bers"]
    head = "| configuration | params | stored bits | clean | " + " | ".join(f"{b:.0e}" for b in bers) + \
        " | within 1 pt up to |\n"
    head += "|---" * (5 + len(bers)) + "|\n"
    rows = []
    for c in summary["curves"]:
        cells = []
        for p in c["points"]:
            ci = f" ±{p['ci95'] * 100:.1f}" if p["ci95"] is not None else ""
            cells.append(f"{p['accuracy'] * 100:.1f}{ci}")
        tol = grid_tolerance(c)
        tol_text = f"{tol:.0e}" if tol is not None else "below grid"
        st = c["storage"]
        rows.append(f"| {c['label']} | {st['parameters']} | {st['stored_bits']} | {c['clean_accuracy'] * 100:.1f} | "
                    + " | ".join(cells) + f" | {tol_text} |")
    return head + "\n".join(rows) + "\n"


def write_sweep_report(sweep_dir: Path) -> Path:
    path = Path(sweep_dir) / "sweep.json"
    if not path.exists():
        raise UsageError(f"no sweep results in {sweep_dir} (expected {path}; run `eccless sweep --out {sweep_dir}`)")
    try:
        summary = json.loads(path.read_text())
    except ValueError:
        raise UsageError(f"{path} is not valid JSON") from None
    text = [f"# Robustness sweep: {sweep_dir}", "",
            f"Accuracy (%) vs bit error rate with ECC off: mean of {summary['trials']} seeded trials per point "
            f"(± 95 % CI), seeds {summary['seed']}..{summary['seed'] + summary['trials'] - 1}.", "",
            "![accuracy vs BER](sweep.png)", "", sweep_table(summary), "",
            "Mean parameters zeroed by detection per trial (parity / range) at the highest BER:", ""]
    for c in summary["curves"]:
        last = c["points"][-1]
        text.append(f"- {c['label']}: {last['flips']:.0f} flips, zeroed {last['zeroed_parity']:.1f} by parity, "
                    f"{last['zeroed_range']:.1f} by range")
    text += ["", f"Reproduce: `{summary.get('command', 'eccless sweep ...')}`", ""]
    out = Path(sweep_dir) / "report.md"
    write_text(out, "\n".join(text))
    return out
