"""The robustness sweep: configurations x BER x seeded trials, resumable, optionally in parallel.

Every finished trial is appended to `<out>/trials.jsonl` at once, so an interrupted sweep resumes where it stopped
(rerun the same command). Trial t of every point uses seed `seed + t`, so results do not depend on --jobs or on
resuming, and `eccless corrupt --seed S` replays trial S - seed of the in-memory sweep on a flash image.
The summary (JSON, CSV, PNG) is written only when every trial is done, each file atomically.
"""

from __future__ import annotations

import sys
from pathlib import Path

from ..fileio import remove_temporaries, write_json, write_text
from .executor import TrialExecutor
from .experiment import Config, Experiment
from ..progress import progress
from .stats import mean_ci

TRIALS_FILE = "trials.jsonl"
ECC_FIELDS = ("ecc_failed", "ecc_miscorrected", "zeroed_ecc")  # per-point means, for ECC curves only


def run_sweep(configs: list[Config], bers: list[float], trials: int, out: Path, *, seed: int = 0, jobs: int = 1,
              quiet: bool = False, cluster=None) -> dict:
    """`cluster`: a ClusterRunner (sweep/cluster.py) to run the trials on Dask workers instead of --jobs processes."""
    out = Path(out)
    experiments = {c.key(): Experiment(c) for c in progress(configs, desc="prepare", quiet=quiet)}
    executor = TrialExecutor(experiments, out / TRIALS_FILE, jobs=jobs, quiet=quiet, cluster=cluster)
    executor.run([(c.key(), ber, seed + t) for c in configs for ber in bers for t in range(trials)])
    summary = summarize(configs, experiments, bers, trials, seed, executor.done)
    for name in ("sweep.json", "sweep.csv", "sweep.png"):
        remove_temporaries(out / name)  # a run killed (SIGKILL) while writing its summary left them
    write_json(out / "sweep.json", summary, make_parents=True)
    write_text(out / "sweep.csv", to_csv(summary))
    from .plot import plot_sweep

    plot_sweep(summary, out / "sweep.png")
    return summary


def summarize(configs, experiments, bers, trials, seed, done) -> dict:
    curves = []
    for c in configs:
        exp = experiments[c.key()]
        points = []
        for ber in bers:
            recs = [done[(c.key(), ber, seed + t)] for t in range(trials)]
            acc, ci = mean_ci([r["accuracy"] for r in recs])
            points.append({
                "ber": ber, "trials": len(recs), "accuracy": acc, "ci95": ci if ci != float("inf") else None,
                "flips": sum(r["flips"] for r in recs) / len(recs),
                "zeroed_parity": sum(r["zeroed_parity"] for r in recs) / len(recs),
                "zeroed_range": sum(r["zeroed_range"] for r in recs) / len(recs),
                **({f: sum(r.get(f, 0) for r in recs) / len(recs) for f in ECC_FIELDS} if c.ecc != "none" else {}),
            })
        curves.append({"config": c.as_dict(), "key": c.key(), "label": c.label(),
                       "clean_accuracy": exp.clean_accuracy, "storage": exp.stored.summary(), "points": points})
    return {"seed": seed, "trials": trials, "bers": bers, "curves": curves,
            "command": " ".join(sys.argv)}


def to_csv(summary: dict) -> str:
    cols = ["model", "quant", "bits", "repr", "detect", "ecc", "channel", "ber", "trials", "accuracy", "ci95", "flips",
            "zeroed_parity", "zeroed_range", "clean_accuracy"]
    lines = [",".join(cols)]
    for curve in summary["curves"]:
        c = curve["config"]
        for p in curve["points"]:
            row = [c["model"], c["quant"], c["bits"], c["repr"], c["detect"], c.get("ecc", "none"), c["channel"],
                   p["ber"], p["trials"],
                   p["accuracy"], p["ci95"] if p["ci95"] is not None else "", p["flips"], p["zeroed_parity"],
                   p["zeroed_range"], curve["clean_accuracy"]]
            lines.append(",".join(str(v) for v in row))
    return "\n".join(lines) + "\n"
