"""`eccless tradeoff`: storage overhead and critical BER of every configuration, the Pareto frontier, and the files
it writes; bad --ecc specs are one-line errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from eccless.report.tradeoff import mark_frontier


@pytest.mark.unit
def test_frontier_keeps_exactly_the_undominated_points():
    rows = [{"overhead_pct": o, "critical_ber": c} for o, c in
            [(0, 1e-3), (0, 2e-3), (5, 2e-3), (12.5, 5e-3), (20, 4e-3), (25, None), (30, 1e-2)]]
    mark_frontier(rows)
    assert [r["pareto"] for r in rows] == [False, True, False, True, False, False, True]


def eccless(*args):
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    return subprocess.run([sys.executable, "-m", "eccless.cli", *args], capture_output=True, text=True, env=env,
                          timeout=600)


@pytest.mark.cli
def test_tradeoff_command_writes_the_table_json_and_plot(tmp_path, digits_mlp):
    out = tmp_path / "t"
    res = eccless("tradeoff", "--model", "digits:mlp", "--repr", "signmag", "--detect", "none,range",
                  "--ecc", "none,secded72", "--samples", "100", "--max-trials", "10", "--out", str(out), "--quiet")
    assert res.returncode == 0, res.stderr
    summary = json.loads((out / "tradeoff.json").read_text())
    rows = {(r["config"]["detect"], r["config"]["ecc"]): r for r in summary["rows"]}
    assert set(rows) == {("none", "none"), ("range", "none"), ("none", "secded72"), ("range", "secded72")}
    assert rows[("none", "none")]["overhead_pct"] == 0 == rows[("range", "none")]["overhead_pct"]
    # (72,64): 8 check bits per 64 data bits, plus the padding of the last word
    assert 12.5 <= rows[("none", "secded72")]["overhead_pct"] < 12.6
    assert any(r["pareto"] for r in summary["rows"])
    for r in summary["rows"]:
        assert r["trials"] >= 10 and r["probes"]
    assert (out / "tradeoff.png").stat().st_size > 0 and "| configuration |" in (out / "tradeoff.md").read_text()
    assert "Pareto" in res.stdout


@pytest.mark.cli
@pytest.mark.parametrize("ecc,needle", [("secded64", "unknown ECC scheme 'secded64'"),
                                        ("bch512t8:drop", "policy 'drop'")])
def test_bad_ecc_is_one_line(tmp_path, ecc, needle):
    res = eccless("tradeoff", "--ecc", ecc, "--out", str(tmp_path / "t"))
    assert res.returncode != 0 and needle in res.stderr and len(res.stderr.strip().splitlines()) == 1, res.stderr


@pytest.mark.unit
@pytest.mark.parametrize("free_crit,verdict", [(2e-3, "not reached"), (9e-3, "reached")])
def test_paper_finding4_states_the_target_from_the_numbers(free_crit, verdict):
    from pathlib import Path

    from eccless.report.paper_text import finding4

    def row(rep, det, ecc, overhead, crit):
        return {"config": {"model": "digits:mlp", "repr": rep, "detect": det, "ecc": ecc}, "ecc_on": ecc != "none",
                "overhead_pct": overhead, "critical_ber": crit, "clean_accuracy": 0.98}

    rows = [row("twos", "none", "none", 0.0, 1e-4), row("signmag", "range", "none", 0.0, free_crit),
            row("twos", "none", "secded72", 12.5, 6e-3)]
    mark_frontier(rows)
    lines, disagreements = finding4({"tradeoff": {"rows": rows}}, None, [Path(f"f{i}.png") for i in range(5)])
    text = "\n".join(lines)
    assert "## Finding 4" in text and "| * signmag/range | none | 0.00 |" in text and "f4.png" in text
    assert f"-- {verdict}." in text
    assert bool(disagreements) == (verdict == "not reached")


@pytest.mark.unit
def test_paper_finding4_has_a_table_frontier_and_verdict_per_model():
    """Three models (the paper's digits MLP, fashion LeNet and deeper CNN): one section each, the target judged on
    each model's own numbers, each model's rows pointing at its own figure."""
    from pathlib import Path

    from eccless.report.paper_text import finding4

    def row(model, rep, ecc, overhead, crit):
        return {"config": {"model": model, "repr": rep, "detect": "range", "ecc": ecc}, "ecc_on": ecc != "none",
                "overhead_pct": overhead, "critical_ber": crit, "clean_accuracy": 0.9}

    rows = []
    for model, free in (("digits:mlp", 9e-3), ("fashion-mnist:lenet", 1e-3), ("fashion-mnist:deepcnn", 4e-3)):
        mine = [row(model, "signmag", "none", 0.0, free), row(model, "twos", "secded72", 12.5, 3e-3)]
        mark_frontier(mine)
        rows += mine
    lines, disagreements = finding4({"tradeoff": {"rows": rows}}, None, [Path(f"f{i}.png") for i in range(7)])
    text = "\n".join(lines)
    for i, model in enumerate(("digits:mlp", "fashion-mnist:lenet", "fashion-mnist:deepcnn")):
        assert f"### {model}" in text and f"f{4 + i}.png" in text
    assert text.count("-- reached.") == 2 and text.count("-- not reached.") == 1
    assert len(disagreements) == 1 and "fashion-mnist:lenet" in disagreements[0]
    # frontiers per model: SEC-DED is on the LeNet's only (its free point is lower there), the free point on the others
    assert text.count("| * twos/range | secded72 | 12.50 |") == 1
    assert text.count("| * signmag/range | none | 0.00 |") == 3


@pytest.mark.cli
@pytest.mark.parametrize("cmd,needle", [
    (["train", "digits", "mlp", "--bit-errors", "0.9"], "--bit-errors 0.9"),
    (["train", "digits", "mlp", "--clip", "-1"], "--clip -1"),
    (["train", "digits", "mlp", "--bit-errors", "0.01", "--bit-errors-as", "signmag+parity"], "--bit-errors-as"),
    (["train", "digits", "mlp", "--bit-errors", "0.01", "--bit-errors-as", "optimized"], "fixed code"),
    (["train", "digits", "mlp", "--lr", "0"], "--lr 0"),
    (["finetune", "digits:mlp", "--bit-errors-as", "nope", "-o", "{out}"], "unknown representation 'nope'"),
    (["finetune", "digits:mlp", "--bit-errors", "-0.1", "-o", "{out}"], "--bit-errors -0.1"),
    (["finetune", "digits:mlp", "--dataset", "fashion-mnist", "-o", "{out}"], "takes (8, 8, 1)"),
])
def test_bad_training_options_are_one_line(tmp_path, cmd, needle):
    res = eccless(*[c.replace("{out}", str(tmp_path / "m.npz")) for c in cmd])
    assert res.returncode != 0 and needle in res.stderr and len(res.stderr.strip().splitlines()) == 1, res.stderr


@pytest.mark.unit
def test_paper_runs_finding4_end_to_end(tmp_path, monkeypatch, digits_mlp):
    """A one-model plan through run_paper: the trade-off configurations are searched with the rest, the figure
    and the section are written."""
    from dataclasses import replace

    from eccless.report import paper

    plan = replace(paper.QUICK, models=("digits:mlp",), rules=("none",), repr_models=("digits:mlp",),
                   reprs=("twos",), samples=100, max_trials=10, curve_bers=(1e-3,), curve_trials=2,
                   tradeoff=(("twos", "none", "none"), ("signmag", "range", "none"), ("twos", "none", "secded72")))
    monkeypatch.setattr(paper, "QUICK", plan)
    report = paper.run_paper(tmp_path, quick=True, quiet=True)
    text = report.read_text()
    assert "## Finding 4" in text and "| twos/none | secded72 | 12.5" in text
    assert (tmp_path / "fig4_tradeoff.png").stat().st_size > 0
    rows = json.loads((tmp_path / "paper.json").read_text())["tradeoff"]["rows"]
    assert len(rows) == 3 and all(r["critical_ber"] for r in rows)
