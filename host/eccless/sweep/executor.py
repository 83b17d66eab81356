"""Runs trials (experiment key, BER, seed) once each: a JSON-lines log caches every finished trial, so an
interrupted sweep or critical-BER search resumes where it stopped; `jobs > 1` runs trials in worker processes,
`cluster` (a ClusterRunner of sweep/cluster.py) on the workers of a Dask cluster -- the log is written here either way.
Any object whose batches(experiments, todo) yields (records, their JSON lines) can stand in for the cluster: the
device trials of `eccless run --log` (commands/run_log.py, sweep/device_farm.py) use this same log that way.

Trials run in groups of one (experiment, BER) whose flip positions are drawn in one vectorized call
(Experiment.trials): per trial the positions are the same, the numpy overhead is paid once per group.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import multiprocessing as mp
import os
import signal
import sys
from dataclasses import asdict
from pathlib import Path

from ..errors import Interrupted
from ..progress import progress

Task = tuple[str, float, int]  # (experiment key, ber, seed)
_EXPERIMENTS: dict = {}  # inherited by forked workers
# Trials per group: on the digits MLP, 64 brings drawing the positions to ~3 us per trial at BER 1e-3 and under 1 us
# at 1e-6 when timed alone (one call per trial: ~15 and ~3 us); larger groups gain little, and with --jobs a worker
# returns a whole group at once.
TRIAL_BATCH = 64


def trial_groups(tasks: list[Task], size: int) -> list[list[Task]]:
    """Consecutive runs of tasks sharing (experiment key, BER), cut into groups of at most `size`, in order."""
    groups: list[list[Task]] = []
    for task in tasks:
        last = groups[-1] if groups else None
        if last is not None and len(last) < size and last[0][:2] == task[:2]:
            last.append(task)
        else:
            groups.append([task])
    return groups


def _trials(group: list[Task]):
    """(task, result) for each task of a group, yielded as each trial finishes (so the log keeps every one)."""
    key, ber = group[0][:2]
    for task, (_, result) in zip(group, _EXPERIMENTS[key].trials(ber, [seed for _, _, seed in group])):
        yield task, asdict(result)


def _batches(results):
    """(task, result) pairs as batches of one record: ([record], its JSON line)."""
    for (key, ber, seed), res in results:
        rec = {"key": key, "ber": ber, "seed": seed, **res}
        yield [rec], json.dumps(rec) + "\n"


def _run_group(group: list[Task]) -> list:
    return list(_trials(group))


def _one_blas_thread():
    """Trials multiply small matrices, where a multi-threaded BLAS spends its time spinning (measured: 40x slower
    on a loaded 2-core machine); parallelism comes from --jobs instead."""
    try:
        from threadpoolctl import threadpool_limits

        return threadpool_limits(1)
    except ImportError:
        return contextlib.nullcontext()


def _die_with_parent() -> None:
    """Linux: the kernel sends SIGTERM when the parent dies (even by SIGKILL), so no worker lives on to write to a
    closed pipe (a BrokenPipeError traceback per worker)."""
    if sys.platform.startswith("linux"):
        try:
            ctypes.CDLL(None).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
        except (OSError, AttributeError):
            pass
    if os.getppid() == 1:  # the parent died before prctl took effect
        os._exit(0)


def _init_worker():
    # Ctrl-C reaches the whole process group: the parent turns it into one line and stops the pool, so the
    # workers must not print tracebacks of their own; SIGTERM ends a worker silently (the parent's handler, which
    # turns it into an interruption, is inherited by fork and must not run here).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    _die_with_parent()
    _one_blas_thread()


class TrialExecutor:
    def __init__(self, experiments: dict, log_path: Path, *, jobs: int = 1, quiet: bool = False, cluster=None):
        self.experiments = experiments
        self.log_path = Path(log_path)
        self.jobs = jobs
        self.cluster = cluster
        self.quiet = quiet
        self.done: dict[Task, dict] = {}
        if self.log_path.exists():
            for line in self.log_path.read_text().splitlines():
                try:
                    r = json.loads(line)
                    self.done[(r["key"], float(r["ber"]), int(r["seed"]))] = r
                except (ValueError, KeyError, TypeError):
                    continue  # a torn last line from an interrupted write

    def run(self, tasks: list[Task], desc: str = "trials") -> list[dict]:
        """Results of `tasks` in order, computing only those not already in the log."""
        todo = list(dict.fromkeys(t for t in tasks if t not in self.done))
        if todo:
            self._compute(todo, desc)
        return [self.done[t] for t in tasks]

    def _compute(self, todo: list[Task], desc: str):
        _EXPERIMENTS.clear()
        _EXPERIMENTS.update(self.experiments)
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        bar = progress(total=len(todo), desc=desc, quiet=self.quiet)
        pool = results = None
        finished = 0
        try:
            with open(self.log_path, "a+b") as raw:
                raw.seek(0, 2)
                if raw.tell():  # after a torn write, start the next record on a line of its own
                    raw.seek(-1, 2)
                    if raw.read(1) != b"\n":
                        raw.write(b"\n")
            with open(self.log_path, "a") as log, _one_blas_thread():
                if self.cluster is not None:  # batches of records encoded on the workers: the client only writes
                    results = self.cluster.batches(self.experiments, todo)
                elif self.jobs > 1 and len(todo) > 1 and "fork" in mp.get_all_start_methods():
                    pool = mp.get_context("fork").Pool(self.jobs, initializer=_init_worker)
                    # Small enough groups that every worker gets several (the old chunking's balance).
                    groups = trial_groups(todo, min(TRIAL_BATCH, max(1, len(todo) // (self.jobs * 4))))
                    results = _batches(r for done in pool.imap_unordered(_run_group, groups) for r in done)
                else:
                    results = _batches(r for group in trial_groups(todo, TRIAL_BATCH) for r in _trials(group))
                for records, lines in results:  # each batch in one write: a crash tears at most its last line
                    log.write(lines)
                    log.flush()
                    for rec in records:
                        self.done[(rec["key"], rec["ber"], rec["seed"])] = rec
                    finished += len(records)
                    bar.update(len(records))
        except KeyboardInterrupt:
            raise Interrupted(f"interrupted after {finished}/{len(todo)} trials; rerun the same command to resume "
                              f"from {self.log_path}") from None
        finally:
            bar.close()
            if results is not None:  # a cluster's generator cancels its pending chunks
                results.close()
            if pool is not None:
                pool.terminate()
                pool.join()
