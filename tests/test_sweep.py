"""The sweep engine: grids, statistics, determinism across --jobs, resume after an interruption, critical BER."""

from __future__ import annotations

import json
import math

import pytest

from eccless.errors import Interrupted, UsageError
from eccless.sweep.critical import critical_ber
from eccless.sweep.executor import TrialExecutor
from eccless.sweep.experiment import Config, Experiment
from eccless.sweep.grid import parse_ber
from eccless.sweep.runner import run_sweep
from eccless.sweep.stats import mean_ci

pytestmark = pytest.mark.unit

MLP = Config("digits:mlp", "float32", 32, "float32", "none")


def test_parse_ber():
    assert parse_ber("1e-7:1e-1:7") == [1e-7, 1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1]
    assert parse_ber("0,1e-3,1") == [0.0, 1e-3, 1.0]
    for bad in ("2", "-1e-3", "1e-3:2:3", "abc", "1e-3:1e-1:0", ""):
        with pytest.raises(UsageError):
            parse_ber(bad)


def test_mean_ci():
    m, h = mean_ci([0.5, 0.5, 0.5])
    assert (m, h) == (0.5, 0.0)
    m, h = mean_ci([0.0, 1.0])
    assert m == 0.5 and h == pytest.approx(12.706 * math.sqrt(0.5) / math.sqrt(2))
    assert mean_ci([0.3])[1] == math.inf


def test_trial_is_a_function_of_seed(digits_mlp):
    exp = Experiment(MLP)
    a, b, c = exp.trial(1e-3, 5), exp.trial(1e-3, 5), exp.trial(1e-3, 6)
    assert a == b
    assert (a.flips, a.accuracy) != (c.flips, c.accuracy)
    assert exp.trial(0.0, 1).accuracy == exp.clean_accuracy and exp.trial(0.0, 1).flips == 0


def test_sweep_same_results_for_any_jobs_and_resumes(tmp_path, digits_mlp):
    configs = [MLP, Config("digits:mlp", "uniform", 8, "hamming", "parity-lsb")]
    one = run_sweep(configs, [1e-4, 1e-2], 4, tmp_path / "a", jobs=1, quiet=True)
    two = run_sweep(configs, [1e-4, 1e-2], 4, tmp_path / "b", jobs=2, quiet=True)
    strip = [[{k: v for k, v in p.items()} for p in c["points"]] for c in one["curves"]]
    assert strip == [c["points"] for c in two["curves"]]
    # a rerun with more trials computes only the new ones; a torn last line is ignored
    log = tmp_path / "a" / "trials.jsonl"
    assert len(log.read_text().splitlines()) == 16
    log.write_text(log.read_text() + '{"key": "torn')
    more = run_sweep(configs, [1e-4, 1e-2], 6, tmp_path / "a", jobs=1, quiet=True)
    lines = [json.loads(x) for x in log.read_text().splitlines()[:16]]
    assert len(log.read_text().splitlines()) == 16 + 1 + 8
    assert more["curves"][0]["points"][0]["trials"] == 6 and lines[0]["seed"] == 0
    for name in ("sweep.json", "sweep.csv", "sweep.png"):
        assert (tmp_path / "a" / name).stat().st_size > 0


def test_interrupted_sweep_writes_no_summary_and_resumes(tmp_path, digits_mlp, monkeypatch):
    calls = {"n": 0}
    real = Experiment.trial

    def flaky(self, ber, seed, positions=None):
        calls["n"] += 1
        if calls["n"] == 5:
            raise KeyboardInterrupt
        return real(self, ber, seed, positions)

    monkeypatch.setattr(Experiment, "trial", flaky)
    with pytest.raises(Interrupted, match="resume"):
        run_sweep([MLP], [1e-3, 1e-2], 3, tmp_path, quiet=True)
    assert not (tmp_path / "sweep.json").exists() and not (tmp_path / "sweep.csv").exists()
    assert len((tmp_path / "trials.jsonl").read_text().splitlines()) == 4
    summary = run_sweep([MLP], [1e-3, 1e-2], 3, tmp_path, quiet=True)
    assert calls["n"] == 5 + 2 and summary["curves"][0]["points"][1]["trials"] == 3


def test_critical_ber_brackets_the_threshold(tmp_path, digits_mlp):
    exp = Experiment(MLP)
    ex = TrialExecutor({MLP.key(): exp}, tmp_path / "t.jsonl", quiet=True)
    r = critical_ber(exp, ex, lo=1e-7, hi=1e-1, resolution=0.25, max_trials=60)
    assert r.critical_ber is not None and r.first_failing_ber is not None
    assert r.critical_ber < r.first_failing_ber <= r.critical_ber * 10**0.25 * 1.01
    by_p = {p.ber: p for p in r.probes}
    assert by_p[r.critical_ber].accuracy >= exp.clean_accuracy - 0.01
    assert by_p[r.first_failing_ber].accuracy < exp.clean_accuracy - 0.01
    # the unprotected float32 MLP collapses once about one flip lands per ~1/N; its critical BER is far below 1e-2
    assert 1e-7 <= r.critical_ber < 1e-3
