"""Trials on a Dask cluster (sweep/cluster.py): equal to a local run trial for trial, resumable after a stop at any
point, a killed worker's chunks rerun without a trial lost or logged twice, one-line errors for an unreachable
scheduler and a missing Dask, and no Dask import in the core. Clusters are small (threads, or two processes for
the killed worker) and always closed. Skipped without Dask: pip install 'eccless[cluster]'.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from eccless.errors import Interrupted
from eccless.sweep.critical import critical_ber, critical_bers
from eccless.sweep.executor import TrialExecutor
from eccless.sweep.experiment import Config, Experiment
from eccless.sweep.runner import run_sweep

pytestmark = pytest.mark.unit

MLP = Config("digits:mlp", "float32", 32, "float32", "none", samples=120)
HAMMING = Config("digits:mlp", "uniform", 8, "hamming", "parity-lsb", samples=120)
BERS = [1e-3, 1e-2]
HOST = str(Path(__file__).resolve().parents[1] / "host")


def _dask():
    return pytest.importorskip("distributed", reason="Dask not installed: pip install 'eccless[cluster]'")


def _records(log: Path) -> dict:
    """(key, ber, seed) -> record, failing on a trial logged twice."""
    out = {}
    for line in log.read_text().splitlines():
        r = json.loads(line)
        task = (r["key"], r["ber"], r["seed"])
        assert task not in out, f"trial {task} logged twice"
        out[task] = r
    return out


def _tasks(configs, trials):
    return [(c.key(), ber, t) for c in configs for ber in BERS for t in range(trials)]


@pytest.fixture(scope="module")
def experiments(digits_mlp):
    return {c.key(): Experiment(c) for c in (MLP, HAMMING)}


@pytest.fixture(scope="module")
def local_log(experiments, tmp_path_factory):
    """The reference: every trial of the campaign run locally, in one process."""
    log = tmp_path_factory.mktemp("local") / "trials.jsonl"
    TrialExecutor(experiments, log, quiet=True).run(_tasks((MLP, HAMMING), 24))
    return _records(log)


@pytest.fixture(scope="module")
def threads_cluster():
    """local:2 with thread workers: starts in well under a second, closed after the module."""
    _dask()
    from eccless.sweep.cluster import open_cluster

    with open_cluster("local:2", processes=False, quiet=True, chunk=5) as runner:
        yield runner


def test_core_import_does_not_import_dask():
    code = ("import sys, eccless, eccless.cli, eccless.sweep.runner, eccless.sweep.executor, eccless.report.paper; "
            "sys.exit('dask imported' if {'dask', 'distributed'} & set(sys.modules) else 0)")
    env = dict(os.environ, PYTHONPATH=HOST)
    subprocess.run([sys.executable, "-c", code], check=True, env=env, timeout=60)


def test_missing_dask_is_one_line_with_the_install_command(monkeypatch, capsys, tmp_path):
    from eccless.cli import main

    monkeypatch.setitem(sys.modules, "distributed", None)  # import distributed -> ImportError
    assert main(["sweep", "--cluster", "local:1", "--out", str(tmp_path), "--quiet"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "pip install 'eccless[cluster]'" in err[0], err


def test_unreachable_scheduler_is_one_line(monkeypatch, capfd, tmp_path):
    _dask()
    from eccless.cli import main
    from eccless.sweep import cluster

    monkeypatch.setattr(cluster, "CONNECT_TIMEOUT", 1.0)
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    code = main(["sweep", "--scheduler", f"tcp://127.0.0.1:{port}", "--out", str(tmp_path), "--quiet"])
    err = capfd.readouterr().err.strip().splitlines()
    assert code != 0
    assert len(err) == 1 and err[0].startswith(f"eccless: error: cannot reach the Dask scheduler at tcp://127.0.0.1:"
                                               f"{port}"), err


def test_cluster_and_jobs_together_is_a_usage_error(capsys, tmp_path):
    from eccless.cli import main

    assert main(["sweep", "--cluster", "local:1", "--jobs", "2", "--out", str(tmp_path)]) == 2
    assert "not both" in capsys.readouterr().err


def test_sweep_on_a_cluster_equals_the_local_run_trial_for_trial(tmp_path, threads_cluster, digits_mlp):
    local = run_sweep([MLP, HAMMING], BERS, 6, tmp_path / "local", quiet=True)
    dask = run_sweep([MLP, HAMMING], BERS, 6, tmp_path / "dask", quiet=True, cluster=threads_cluster)
    assert _records(tmp_path / "dask" / "trials.jsonl") == _records(tmp_path / "local" / "trials.jsonl")
    assert dask["curves"] == local["curves"]


def test_stopped_campaign_resumes_without_losing_or_repeating_a_trial(tmp_path, experiments, local_log,
                                                                      threads_cluster, monkeypatch):
    """Stopped after seven chunks (Ctrl-C, or a crash that tore the last line): the rerun on the cluster runs exactly
    the rest, and the log equals the local run's."""
    tasks, log = _tasks((MLP, HAMMING), 24), tmp_path / "trials.jsonl"
    real, logged = type(threads_cluster).batches, []

    def stops(self, exps, todo):  # Ctrl-C after seven chunks of (up to) five
        for n, batch in enumerate(real(self, exps, todo)):
            if n == 7:
                raise KeyboardInterrupt
            logged.extend(batch[0])
            yield batch

    monkeypatch.setattr(type(threads_cluster), "batches", stops)
    with pytest.raises(Interrupted, match="resume"):
        TrialExecutor(experiments, log, quiet=True, cluster=threads_cluster).run(tasks)
    monkeypatch.undo()
    stop = len(logged)
    assert 30 <= stop <= 35 and len(_records(log)) == stop
    torn = '{"key": "digits:mlp|float32|32|flo'
    log.write_text(log.read_text() + torn)  # a record torn by a crash
    TrialExecutor(experiments, log, quiet=True, cluster=threads_cluster).run(tasks)
    lines = log.read_text().splitlines()
    assert len(lines) == len(tasks) + 1 and lines[stop] == torn  # the rest ran once, after the torn record
    log.write_text("\n".join(lines[:stop] + lines[stop + 1:]) + "\n")
    assert _records(log) == {t: local_log[t] for t in tasks}


def test_critical_searches_side_by_side_on_a_cluster_equal_one_local_search_after_another(tmp_path, experiments,
                                                                                          threads_cluster):
    kw = dict(lo=1e-6, hi=1e-1, resolution=0.5, max_trials=30)
    local = [critical_ber(exp, TrialExecutor(experiments, tmp_path / "a.jsonl", quiet=True), **kw)
             for exp in experiments.values()]
    dask = critical_bers(list(experiments.values()), TrialExecutor(experiments, tmp_path / "b.jsonl", quiet=True,
                                                                   cluster=threads_cluster), **kw)
    assert [r.as_dict() for r in dask] == [r.as_dict() for r in local]
    assert _records(tmp_path / "b.jsonl") == _records(tmp_path / "a.jsonl")


class DiesOnce:
    """An experiment whose worker process dies (os._exit) on the first chunk holding `seed`: the chunk that was
    running is lost with its worker and must run again elsewhere."""

    def __init__(self, exp, flag: str, seed: int):
        self.exp, self.flag, self.seed = exp, flag, seed

    def trials(self, ber, seeds):
        if self.seed in seeds and ber == BERS[1] and not os.path.exists(self.flag):
            Path(self.flag).write_text(str(os.getpid()))
            os._exit(1)
        return self.exp.trials(ber, seeds)


@pytest.mark.parametrize("workers", [2, 1], ids=["copy-survives", "only-copy-lost"])
def test_killed_worker_chunks_rerun_nothing_lost_or_counted_twice(workers, tmp_path, experiments, local_log):
    """Two workers: the other one holds the experiment and reruns the chunk. One worker: the experiment's only
    copy dies with it, the scheduler cancels the chunks reading it, the runner sends it again to the restarted
    worker."""
    _dask()
    import cloudpickle

    from eccless.sweep.cluster import open_cluster

    cloudpickle.register_pickle_by_value(sys.modules[__name__])  # workers need not import this test module
    flag = tmp_path / "killed"
    exps = {MLP.key(): DiesOnce(experiments[MLP.key()], str(flag), seed=14),
            HAMMING.key(): experiments[HAMMING.key()]}
    tasks, log = _tasks((MLP, HAMMING), 24), tmp_path / "trials.jsonl"
    with open_cluster(f"local:{workers}", processes=True, quiet=True, chunk=4) as runner:
        TrialExecutor(exps, log, quiet=True, cluster=runner).run(tasks)
        alive = set(runner.client.run(os.getpid).values())
    assert flag.exists(), "no worker was killed"
    assert int(flag.read_text()) not in alive  # the killed worker is gone, a new one took its place
    assert _records(log) == {t: local_log[t] for t in tasks}


def test_cli_sweep_and_paper_take_the_cluster(tmp_path, monkeypatch, digits_mlp):
    _dask()
    from eccless.cli import main
    from eccless.report import paper
    from eccless.sweep.cluster import ClusterRunner

    args = ["sweep", "--model", "digits:mlp", "--quant", "int8", "--repr", "twos", "--ber", "1e-3,1e-2", "--trials",
            "5", "--samples", "100", "--quiet"]
    assert main(args + ["--out", str(tmp_path / "a")]) == 0
    assert main(args + ["--out", str(tmp_path / "b"), "--cluster", "local:1"]) == 0
    assert _records(tmp_path / "b" / "trials.jsonl") == _records(tmp_path / "a" / "trials.jsonl")
    seen = {}
    monkeypatch.setattr(paper, "run_paper", lambda out, **kw: seen.update(kw) or out / "paper.md")
    assert main(["paper", "--out", str(tmp_path / "p"), "--cluster", "local:1", "--quiet"]) == 0
    assert isinstance(seen["cluster"], ClusterRunner)


def _worker_settings():
    import dask

    return (os.getpid(), dask.config.get("distributed.worker.profile.enabled"),
            dask.config.get("distributed.admin.system-monitor.interval"))


def test_local_workers_run_without_the_profiler_also_after_a_restart():
    """Our LocalCluster's workers skip the statistical profiler (it takes the GIL from the trials every 10 ms); a
    worker the nanny restarts after a crash must keep that, not fall back to Dask's defaults."""
    _dask()
    import cloudpickle
    import dask

    from eccless.sweep.cluster import LOCAL_CONFIG, open_client

    cloudpickle.register_pickle_by_value(sys.modules[__name__])
    expected = (LOCAL_CONFIG["distributed.worker.profile.enabled"],
                LOCAL_CONFIG["distributed.admin.system-monitor.interval"])
    before = dask.config.get("distributed.worker.profile.enabled")
    with open_client("local:1", quiet=True) as client:
        (pid, *settings), = client.run(_worker_settings).values()
        assert tuple(settings) == expected
        os.kill(pid, 9)
        deadline = time.monotonic() + 60
        while True:  # the nanny notices the death and starts a new worker
            try:
                (new, *settings), = client.run(_worker_settings).values()
                if new != pid:
                    break
            except Exception:
                pass
            assert time.monotonic() < deadline, "the nanny did not restart the killed worker"
            time.sleep(0.2)
        assert tuple(settings) == expected
    assert dask.config.get("distributed.worker.profile.enabled") == before  # this process's config is untouched
