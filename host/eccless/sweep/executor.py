"""Runs trials (experiment key, BER, seed) once each: a JSON-lines log caches every finished trial, so an
interrupted sweep or critical-BER search resumes where it stopped; `jobs > 1` runs trials in worker processes."""

from __future__ import annotations

import contextlib
import json
import multiprocessing as mp
import signal
from dataclasses import asdict
from pathlib import Path

from ..errors import Interrupted
from ..progress import progress

Task = tuple[str, float, int]  # (experiment key, ber, seed)
_EXPERIMENTS: dict = {}  # inherited by forked workers


def _run(task: Task):
    key, ber, seed = task
    return task, asdict(_EXPERIMENTS[key].trial(ber, seed))


def _one_blas_thread():
    """Trials multiply small matrices, where a multi-threaded BLAS spends its time spinning (measured: 40x slower
    on a loaded 2-core machine); parallelism comes from --jobs instead."""
    try:
        from threadpoolctl import threadpool_limits

        return threadpool_limits(1)
    except ImportError:
        return contextlib.nullcontext()


def _init_worker():
    # Ctrl-C reaches the whole process group: the parent turns it into one line and stops the pool, so the
    # workers must not print tracebacks of their own.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _one_blas_thread()


class TrialExecutor:
    def __init__(self, experiments: dict, log_path: Path, *, jobs: int = 1, quiet: bool = False):
        self.experiments = experiments
        self.log_path = Path(log_path)
        self.jobs = jobs
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
        pool = None
        finished = 0
        try:
            with open(self.log_path, "a+b") as raw:
                raw.seek(0, 2)
                if raw.tell():  # after a torn write, start the next record on a line of its own
                    raw.seek(-1, 2)
                    if raw.read(1) != b"\n":
                        raw.write(b"\n")
            with open(self.log_path, "a") as log, _one_blas_thread():
                if self.jobs > 1 and len(todo) > 1 and "fork" in mp.get_all_start_methods():
                    pool = mp.get_context("fork").Pool(self.jobs, initializer=_init_worker)
                    results = pool.imap_unordered(_run, todo, chunksize=max(1, len(todo) // (self.jobs * 16)))
                else:
                    results = map(_run, todo)
                for (key, ber, seed), res in results:
                    rec = {"key": key, "ber": ber, "seed": seed, **res}
                    log.write(json.dumps(rec) + "\n")
                    log.flush()
                    self.done[(key, ber, seed)] = rec
                    finished += 1
                    bar.update(1)
        except KeyboardInterrupt:
            raise Interrupted(f"interrupted after {finished}/{len(todo)} trials; rerun the same command to resume "
                              f"from {self.log_path}") from None
        finally:
            bar.close()
            if pool is not None:
                pool.terminate()
                pool.join()
