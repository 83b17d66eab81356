"""Accuracy-vs-BER plots (log x axis, 95 % CI bands), written atomically as PNG."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..fileio import atomic_path


def plot_sweep(summary: dict, path: Path, title: str | None = None) -> Path | None:
    """Plot every curve of a sweep summary; returns None (and writes nothing) when matplotlib is missing."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    fig, ax = plt.subplots(figsize=(8, 5), dpi=110)
    for curve in summary["curves"]:
        pts = [p for p in curve["points"] if p["ber"] > 0]
        if not pts:
            continue
        x = np.array([p["ber"] for p in pts])
        y = np.array([p["accuracy"] for p in pts]) * 100
        ci = np.array([p["ci95"] if p["ci95"] is not None else 0.0 for p in pts]) * 100
        (line,) = ax.plot(x, y, marker="o", ms=3, label=curve["label"])
        ax.fill_between(x, y - ci, y + ci, color=line.get_color(), alpha=0.18, linewidth=0)
        ax.axhline(curve["clean_accuracy"] * 100, color=line.get_color(), lw=0.6, ls=":")
    ax.set_xscale("log")
    ax.set_xlabel("bit error rate (ECC off)")
    ax.set_ylabel("accuracy (%)")
    ax.set_ylim(0, 100)
    ax.grid(True, which="both", alpha=0.3)
    ax.set_title(title or "accuracy vs bit error rate (mean of trials, 95 % CI; dotted: clean)")
    ax.legend(fontsize=7, loc="lower left")
    fig.tight_layout()
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png")
    plt.close(fig)
    return Path(path)
