"""The trade-off the paper argues: storage overhead against critical BER, ECC on and off, for one model.

Every (representation, detection rule, ECC scheme) configuration gets its storage in bits per parameter (the bytes
the weight region occupies, ECC padding and check bits included), its overhead in % over the same model stored
plainly (the format's words, no detection bits, no ECC), and its critical BER (sweep/critical.py, all searches side
by side). The Pareto frontier is the set of configurations no other beats on both axes (less or equal overhead and a
higher critical BER). Written as tradeoff.json, tradeoff.md (a table) and tradeoff.png (log critical BER against
overhead, ECC-on and ECC-off marked apart, the frontier drawn).
"""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

from ..fileio import write_json, write_text
from ..storage.ecc import EccSpec
from ..sweep.critical import critical_bers
from ..sweep.executor import TrialExecutor
from ..sweep.experiment import Config, Experiment


def storage_bits(exp: Experiment) -> int:
    """Bits the configuration stores for its parameters: the (coded) region, plus what biases kept in the protected
    region cost there (their bytes and the BCH parity they add)."""
    inner = getattr(exp.stored, "inner", exp.stored)
    return int(exp.stored.total_bits + inner.protected_bits)


def run_tradeoff(configs: list[Config], out: Path, *, margin: float, max_trials: int, seed: int = 0, jobs: int = 1,
                 quiet: bool = False, cluster=None) -> dict:
    out = Path(out)
    experiments = {c.key(): Experiment(c) for c in configs}
    executor = TrialExecutor(experiments, out / "trials.jsonl", jobs=jobs, quiet=quiet, cluster=cluster)
    found = critical_bers([experiments[c.key()] for c in configs], executor, margin=margin, max_trials=max_trials,
                          seed=seed)
    rows = tradeoff_rows(configs, experiments, found)
    summary = {"margin_pp": 100 * margin, "max_trials": max_trials, "seed": seed,
               "samples": configs[0].samples, "command": " ".join(sys.argv), "rows": rows}
    write_json(out / "tradeoff.json", summary, make_parents=True)
    write_text(out / "tradeoff.md", to_markdown(summary))
    plot_tradeoff(summary, out / "tradeoff.png")
    return summary


def tradeoff_rows(configs: list[Config], experiments: dict, found: list) -> list[dict]:
    """One row per configuration (its storage, overhead and critical BER), the frontier marked. `found`: the
    CriticalBER of each config, in order; `experiments` by key (the plain baselines are built when missing)."""
    baselines = {}  # (model, quant, bits, channel) -> bits of the plain words: no detection bits, no ECC
    for c in configs:
        group = (c.model, c.quant, c.bits, c.channel)
        if group not in baselines:
            base = replace(c, repr=c.repr if c.quant == "float32" else "twos", detect="none", ecc="none",
                           biases="exposed")
            baselines[group] = storage_bits(experiments.get(base.key()) or Experiment(base))
    rows = []
    for c, r in zip(configs, found):
        exp = experiments[c.key()]
        bits, base = storage_bits(exp), baselines[(c.model, c.quant, c.bits, c.channel)]
        params = exp.stored.summary()["parameters"]
        rows.append({
            "label": c.label(), "config": c.as_dict(), "ecc_on": EccSpec.parse(c.ecc).enabled,
            "storage_bits": bits, "bits_per_parameter": bits / params, "overhead_pct": 100.0 * (bits - base) / base,
            "clean_accuracy": r.clean_accuracy, "critical_ber": r.critical_ber,
            "first_failing_ber": r.first_failing_ber, "probes": [p.__dict__ for p in r.probes],
            "trials": sum(p.trials for p in r.probes),
        })
    mark_frontier(rows)
    return rows


def mark_frontier(rows: list[dict]) -> None:
    """rows[i]["pareto"]: no other row has overhead <= its own and a strictly higher critical BER (or the same
    critical BER at strictly less overhead). A search that failed even at its lowest rate counts as 0."""
    def crit(r):
        return r["critical_ber"] or 0.0

    for r in rows:
        r["pareto"] = not any(
            (o["overhead_pct"] <= r["overhead_pct"] and crit(o) > crit(r))
            or (o["overhead_pct"] < r["overhead_pct"] and crit(o) >= crit(r)) for o in rows if o is not r)


def to_markdown(summary: dict) -> str:
    rows = sorted(summary["rows"], key=lambda r: (r["overhead_pct"], -(r["critical_ber"] or 0)))
    channel = summary["rows"][0]["config"]["channel"] if summary["rows"] else "bsc"
    lines = [f"error model {channel}; critical BER: the largest p with mean accuracy within "
             f"{summary['margin_pp']:g} points of the clean "
             f"accuracy ({summary['samples'] or 'all'} test samples, up to {summary['max_trials']} trials per probe, "
             f"seed {summary['seed']}); overhead over the plain int8/float words; * on the Pareto frontier", "",
             "| model | configuration | biases | ECC | bits/param | overhead % | clean acc % | critical BER | trials |",
             "|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        c = r["config"]
        crit = f"{r['critical_ber']:.3g}" if r["critical_ber"] is not None else f"< {r['first_failing_ber']:.3g}"
        lines.append(f"| {Path(c['model']).stem if c['model'].endswith('.npz') else c['model']} | "
                     f"{'* ' if r['pareto'] else ''}{c['quant']}/{c['repr']}/{c['detect']} | "
                     f"{c.get('biases', 'exposed')} | {c['ecc']} | "
                     f"{r['bits_per_parameter']:.3f} | {r['overhead_pct']:.2f} | {100 * r['clean_accuracy']:.2f} | "
                     f"{crit} | {r['trials']} |")
    return "\n".join(lines) + "\n"


def plot_tradeoff(summary: dict, path: Path) -> Path | None:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    from ..fileio import atomic_path

    rows = summary["rows"]
    floor = min([r["critical_ber"] for r in rows if r["critical_ber"]] + [1e-9]) / 3
    fig, ax = plt.subplots(figsize=(8, 5), dpi=110)
    for on, marker, name in ((False, "o", "ECC off"), (True, "s", "ECC on")):
        pts = [r for r in rows if r["ecc_on"] == on]
        if pts:
            ax.scatter([r["overhead_pct"] for r in pts], [r["critical_ber"] or floor for r in pts], marker=marker,
                       s=28, label=name, zorder=3)
    front = sorted((r for r in rows if r["pareto"]), key=lambda r: r["overhead_pct"])
    if front:
        ax.step([r["overhead_pct"] for r in front], [r["critical_ber"] or floor for r in front], where="post",
                color="k", lw=1, label="Pareto frontier", zorder=2)
    for r in front:  # only the frontier is named: the rest would overlap at the same overheads
        c = r["config"]
        text = f"{c['repr']}/{c['detect']}" + ("" if c["ecc"] == "none" else f"+{c['ecc']}")
        text += "" if c.get("biases", "exposed") == "exposed" else " (biases protected)"
        if len({r["config"]["model"] for r in rows}) > 1:
            text = f"{Path(c['model']).stem}: {text}"
        ax.annotate(text, (r["overhead_pct"], r["critical_ber"] or floor), fontsize=6, xytext=(3, 2),
                    textcoords="offset points")
    ax.set_yscale("log")
    ax.set_xlabel("storage overhead over the plain words (%)")
    ax.set_ylabel("critical BER")
    ax.grid(True, which="both", alpha=0.3)
    model = ", ".join(sorted({Path(r["config"]["model"]).stem if r["config"]["model"].endswith(".npz")
                              else r["config"]["model"] for r in rows}))
    channel = rows[0]["config"]["channel"] if rows else "bsc"
    ax.set_title(f"[{channel}] " if channel != "bsc" else "", loc="left", fontsize=8)
    ax.set_title(f"{model}: overhead vs critical BER (accuracy within {summary['margin_pp']:g} pt)", fontsize=9)
    ax.legend(fontsize=7, loc="lower right")
    fig.tight_layout()
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png")
    plt.close(fig)
    return Path(path)
