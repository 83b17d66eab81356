"""`eccless paper`: the paper's three findings, measured by us, as a Markdown report with plots.

1. Critical BER of float32 models without protection falls as model size and data difficulty grow (paper: ~1/N).
2. Detection (weight nulling in bit 30 or the mantissa LSB, the range check, both) raises the float32 critical BER.
3. Single-flip distortion of the Hamming-weight order vs n against the other codes, and what each representation
   does to accuracy (critical BER and curves at n = 8, uniform quantization as in the paper).
All trials go through one resumable log (<out>/trials.jsonl): an interrupted run continues where it stopped.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from ..errors import DataError
from ..fileio import write_json, write_text
from ..sweep.critical import critical_bers
from ..sweep.executor import TrialExecutor
from ..sweep.experiment import Config, Experiment
from ..sweep.runner import summarize
from . import paper_plots as plots
from .paper_text import render
from .tradeoff import tradeoff_rows


@dataclass(frozen=True)
class Plan:
    models: tuple[str, ...]
    rules: tuple[str, ...]
    repr_models: tuple[str, ...]
    reprs: tuple[str, ...]
    repr_bits: int
    samples: int  # test samples per trial (0: all)
    max_trials: int
    curve_bers: tuple[float, ...]
    curve_trials: int
    # finding 4: int8, (representation, detection, ECC) configurations on each of these models, a frontier each
    tradeoff_models: tuple[str, ...] = ("digits:mlp",)
    tradeoff: tuple[tuple[str, str, str], ...] = (
        ("twos", "none", "none"), ("signmag", "range", "none"), ("signmag", "parity-lsb+range", "none"),
        ("twos", "none", "secded72"), ("signmag", "parity-lsb+range", "secded72"), ("twos", "none", "bch512t8"),
        ("signmag", "parity-lsb+range", "bch512t8"))


QUICK = Plan(models=("digits:mlp", "digits:lenet", "digits:deepcnn"),
             rules=("none", "parity-exp", "range", "parity-exp+range"),
             repr_models=("digits:lenet",), reprs=("offset", "twos", "signmag", "gray", "hamming", "optimized"),
             repr_bits=8, samples=0, max_trials=40, curve_bers=(1e-4, 1e-3, 3e-3, 1e-2, 3e-2, 1e-1), curve_trials=10,
             tradeoff_models=("digits:mlp", "digits:lenet", "digits:deepcnn"))
FULL = Plan(models=("digits:mlp", "digits:lenet", "digits:deepcnn", "mnist:mlp", "mnist:lenet",
                    "fashion-mnist:lenet", "fashion-mnist:deepcnn"),
            rules=("none", "parity-exp", "parity-lsb", "range", "parity-exp+range"),
            repr_models=("digits:lenet", "fashion-mnist:lenet"),
            reprs=("offset", "twos", "signmag", "gray", "hamming", "optimized"),
            repr_bits=8, samples=2000, max_trials=100,
            curve_bers=(1e-5, 3e-5, 1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 1e-1), curve_trials=20,
            tradeoff_models=("digits:mlp", "fashion-mnist:lenet", "fashion-mnist:deepcnn"))


def _available(models, quiet) -> list[str]:
    """Models whose dataset loads here (mnist needs a one-time fetch): the report says which were skipped."""
    from .. import data

    ok = []
    for m in models:
        try:
            data.load(m.rsplit(":", 1)[0])
            ok.append(m)
        except DataError:
            if not quiet:
                print(f"paper: skipping {m} (dataset not available; see `eccless data fetch`)")
    return ok


def run_paper(out: Path, *, quick: bool = False, jobs: int = 1, quiet: bool = False, cluster=None) -> Path:
    plan = QUICK if quick else FULL
    out = Path(out)
    models = _available(plan.models, quiet)
    skipped = [m for m in plan.models if m not in models]

    # findings 1 and 2: float32 critical BER per model and detection rule
    crit_configs = [Config(m, "float32", 32, "float32", r, samples=plan.samples) for m in models for r in plan.rules]
    # finding 3: uniform n-bit quantization in every representation, no detection
    repr_models = [m for m in plan.repr_models if m in models]
    repr_configs = [Config(m, "uniform", plan.repr_bits, r, "none", samples=plan.samples)
                    for m in repr_models for r in plan.reprs]
    # finding 4: the trade-off, int8 words with and without ECC
    trade_configs = [Config(m, "int8", 8, r, d, samples=plan.samples, ecc=e)
                     for m in plan.tradeoff_models if m in models for r, d, e in plan.tradeoff]
    experiments = {c.key(): Experiment(c) for c in crit_configs + repr_configs + trade_configs}
    executor = TrialExecutor(experiments, out / "trials.jsonl", jobs=jobs, quiet=quiet, cluster=cluster)

    critical = {}
    searched = crit_configs + repr_configs + trade_configs
    found = critical_bers([experiments[c.key()] for c in searched], executor, max_trials=plan.max_trials)
    for c, r in zip(searched, found):
        critical[c.key()] = r.as_dict() | {"label": c.label(), "params": experiments[c.key()].stored.summary()}
        if not quiet:
            print(f"paper: {c.label():<55} critical BER {r.critical_ber}")

    bers = list(plan.curve_bers)
    executor.run([(c.key(), b, t) for c in repr_configs for b in bers for t in range(plan.curve_trials)],
                 desc="repr curves")
    curves = summarize(repr_configs, experiments, bers, plan.curve_trials, 0, executor.done)

    distortion = plots.distortion_rows(experiments, repr_configs, plan.reprs)
    trade_found = found[len(crit_configs) + len(repr_configs):]
    trade = []  # one frontier per model: configurations of different models do not compete
    for m in dict.fromkeys(c.model for c in trade_configs):
        mine = [i for i, c in enumerate(trade_configs) if c.model == m]
        trade += tradeoff_rows([trade_configs[i] for i in mine], experiments, [trade_found[i] for i in mine])
    results = {"plan": plan.__dict__, "quick": quick, "skipped": skipped, "critical": critical, "repr_curves": curves,
               "distortion": distortion, "models": {m: _model_facts(experiments, m) for m in models},
               "tradeoff": {"margin_pp": 1.0, "max_trials": plan.max_trials, "seed": 0, "samples": plan.samples,
                            "rows": trade}}
    write_json(out / "paper.json", results, make_parents=True)
    figures = plots.make_all(results, plan, out)
    report = out / "paper.md"
    write_text(report, render(results, plan, figures))
    return report


def _model_facts(experiments, model: str) -> dict:
    for exp in experiments.values():
        if exp.config.model == model and exp.config.quant == "float32":
            return {"parameters": exp.stored.summary()["parameters"], "clean_accuracy": exp.clean_accuracy,
                    "test_samples": len(exp.y)}
    return {}


def load_results(out: Path) -> dict:
    return json.loads((Path(out) / "paper.json").read_text())
