"""Trials on a Dask cluster: `--cluster local:N` (a distributed.LocalCluster here) or `--scheduler tcp://HOST:PORT`
(a cluster that already runs: `dask scheduler` + `dask worker`, dask-jobqueue on Slurm, dask-kubernetes, ...).

    with open_cluster("local:2") as cluster:                   # or open_cluster(scheduler="tcp://10.0.0.5:8786")
        TrialExecutor(experiments, out / "trials.jsonl", cluster=cluster).run(tasks)

The executor stays the only owner of the resumable log: a ClusterRunner turns the trials still to do into batches
of records as chunks finish, encoded as JSON lines on the workers, and the client writes each batch in one write,
the same lines a local run writes. Workers never touch the log, so they need no shared filesystem, and a chunk
that reruns after its worker died is still recorded once: the client takes one result per chunk future.

A chunk (one task) is a list of parts (experiment, BER, consecutive seeds), each drawn in one vectorized pass by
Experiment.trials as the local executor does, so every trial equals the local run's bit for bit; chunks.py sizes
them by time. Each experiment (model, evaluation data, stored words) is scattered to the workers once per session
and chunks refer to it.

Dask is an optional extra (`pip install 'eccless[cluster]'`): nothing here imports it until a cluster is opened.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sys
import time
from contextlib import contextmanager
from dataclasses import asdict

from ..errors import EcclessError, UsageError

INSTALL_HINT = "pip install 'eccless[cluster]'  (or: pip install 'dask[distributed]')"
CONNECT_TIMEOUT = 10.0  # seconds to reach a scheduler before giving up with one line
RETIME_BELOW = 0.01  # seconds: a trial shorter than this is timed again (trial_seconds)
RESCATTER_LIMIT = 3  # how often an experiment whose every copy was lost with its workers is sent again
# Our own LocalCluster's workers run on the user's cores next to the scheduler and this client, so they skip what
# only a dashboard reader needs: the statistical profiler (a thread sampling every worker's stack every 10 ms,
# which takes the GIL from the trial it samples) and half-second system monitoring (psutil on every worker and
# the scheduler). A cluster the user runs (--scheduler) keeps its own settings.
LOCAL_CONFIG = {
    "distributed.worker.profile.enabled": False,
    "distributed.admin.system-monitor.interval": "5s",
    "distributed.admin.system-monitor.disk": False,
}


class ClusterError(EcclessError):
    """Dask is missing, the scheduler cannot be reached, or the cluster failed a chunk (the message says which)."""


def distributed():
    """The `distributed` module, or a one-line ClusterError naming the install command."""
    try:
        import distributed as dd
    except ImportError:
        raise ClusterError(f"--cluster/--scheduler need Dask: {INSTALL_HINT}") from None
    return dd


def parse_local(spec: str) -> int:
    """'local:N' -> N workers."""
    kind, _, count = spec.partition(":")
    try:
        n = int(count)
    except ValueError:
        n = 0
    if kind != "local" or n < 1:
        raise UsageError(f"--cluster {spec!r}: use local:N with N >= 1 workers, or --scheduler tcp://HOST:PORT")
    return n


def _bokeh_here() -> bool:
    import importlib.util

    return importlib.util.find_spec("bokeh") is not None


def _dashboard_up(client) -> bool:
    """The scheduler serves a dashboard (its HTTP server answers /status without bokeh, with a page asking for it)."""
    if "dashboard" not in client.scheduler_info().get("services", {}):
        return False
    try:
        return bool(client.run_on_scheduler(_bokeh_here))
    except Exception:  # a scheduler that refuses run_on_scheduler: trust its service list
        return True


def _ignore_interrupt(dd):
    """A worker plugin for the worker processes of our own LocalCluster: Ctrl-C reaches the whole process group,
    and this process turns it into one line and closes the cluster, so the workers must not print tracebacks of
    their own (the --jobs pool's workers do the same). A plugin, so a worker restarted after a crash gets it too."""

    class IgnoreInterrupt(dd.WorkerPlugin):
        name = "eccless-ignore-interrupt"

        def setup(self, worker):
            import signal
            import threading

            if threading.current_thread() is threading.main_thread():
                signal.signal(signal.SIGINT, signal.SIG_IGN)

    return IgnoreInterrupt()


@contextmanager
def open_client(cluster: str | None = None, scheduler: str | None = None, *, resources: dict | None = None,
                processes: bool = True, quiet: bool = False):
    """A distributed.Client on a LocalCluster (`cluster` = 'local:N') or on a running scheduler; closed on exit.
    `resources` go to every local worker (board farms: {'board-qemu-mps2-an386': 1})."""
    if cluster and scheduler:
        raise UsageError("give --cluster or --scheduler, not both")
    n = parse_local(cluster) if cluster else 0
    dd = distributed()
    local = client = None
    try:
        if cluster:
            # one thread per worker: trials multiply small matrices, parallelism comes from workers
            import copy

            import dask

            try:
                with dask.config.set(LOCAL_CONFIG):
                    # a nanny keeps the configuration it was made with for the workers it starts, but merges it
                    # shallowly: without a deep copy of its own, a worker it restarts after a crash would see the
                    # nested settings as they are once this block has put them back (measured: profiler on again)
                    own = {"config": copy.deepcopy(dask.config.config)} if processes else {}
                    local = dd.LocalCluster(n_workers=n, threads_per_worker=1, processes=processes,
                                            resources=resources, dashboard_address=":0",  # any free port
                                            # failures reach the user as one line from here; a worker's lost
                                            # heartbeat while the cluster shuts down is not one
                                            silence_logs=logging.CRITICAL, **own)
            except (OSError, TimeoutError, RuntimeError) as e:
                raise ClusterError(f"cannot start a local Dask cluster of {n} workers: {e}") from None
            client = dd.Client(local)
            if processes:
                client.register_plugin(_ignore_interrupt(dd))
        else:
            try:
                client = dd.Client(scheduler, timeout=CONNECT_TIMEOUT)
            except (OSError, TimeoutError, ValueError) as e:
                why = str(e).splitlines()[0] if str(e) else type(e).__name__
                raise ClusterError(f"cannot reach the Dask scheduler at {scheduler}: {why}") from None
        if not quiet and _dashboard_up(client):
            print(f"Dask dashboard: {client.dashboard_link}", file=sys.stderr)
        yield client
    finally:
        if client is not None:
            client.close()
        if local is not None:
            local.close()


@contextmanager
def open_cluster(cluster: str | None = None, scheduler: str | None = None, *, processes: bool = True,
                 quiet: bool = False, chunk: int | None = None):
    """A ClusterRunner for TrialExecutor(cluster=...), on a cluster opened as open_client() does."""
    with open_client(cluster, scheduler, processes=processes, quiet=quiet) as client:
        yield ClusterRunner(client, chunk=chunk)


_MALLOC_TUNED = []


def _malloc_as_usual():
    """Dask's nanny starts workers with MALLOC_TRIM_THRESHOLD_=65536, which also freezes glibc's mmap threshold at
    128 KiB: every array above it (a LeNet trial's im2col buffers) is then mmapped, faulted in and unmapped again,
    and a trial costs twice the CPU (measured: 1.01 s vs 0.47 s of CPU for 64 digits-LeNet trials). Once per
    worker process, put the thresholds back near glibc's own steady state (mmap 32 MiB, trim 64 MiB)."""
    if _MALLOC_TUNED:
        return
    _MALLOC_TUNED.append(True)
    try:
        import ctypes

        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt(-3, 32 << 20)  # M_MMAP_THRESHOLD
        libc.mallopt(-1, 64 << 20)  # M_TRIM_THRESHOLD
    except (OSError, AttributeError):  # not glibc: nothing to undo
        pass


def run_chunk(parts: list) -> tuple[list[dict], str]:
    """On a worker: the trials of one chunk, parts of (experiment, key, BER, seeds), as the executor's log records,
    and those records as JSON lines (the client, which writes the log for every worker, then only writes them:
    encoding costs ~6 us a trial)."""
    from .executor import _one_blas_thread

    _malloc_as_usual()
    records = []
    with _one_blas_thread():
        for exp, key, ber, seeds in parts:
            records += [{"key": key, "ber": ber, "seed": seed, **asdict(result)}
                        for seed, result in exp.trials(ber, seeds)]
    return records, "".join(json.dumps(rec) + "\n" for rec in records)


class ClusterRunner:
    """Runs chunks of trials on the workers of a distributed.Client; see the module docstring."""

    def __init__(self, client, *, chunk: int | None = None):
        if chunk is not None and chunk < 1:
            raise UsageError(f"chunk size must be at least 1, got {chunk}")
        self.client = client
        self.chunk = chunk
        self._scattered: dict = {}  # experiment key -> (experiment object, future of its copy on the workers)
        self._seconds: dict = {}  # experiment key -> (experiment object, estimated seconds per trial)
        self.chunks_run = 0

    def workers(self) -> int:
        return max(1, len(self.client.scheduler_info().get("workers", {})))

    def trial_seconds(self, key: str, exp, ber: float, seed: int) -> float:
        """A trial's cost, estimated once per experiment by running one of the campaign's trials here (a trial is a
        pure function of its seed; its result is not kept). A clean inference, the estimate before, is a poor
        stand-in: on the digits MLP it takes a third of a trial (0.3 vs 0.9 ms: flipping, decoding and rebuilding
        the model are the rest), so tasks came out three times the intended length. A short trial is timed three
        times and the fastest counts: one timing on a busy machine can be many times too long (measured: 8 ms for
        a 0.3 ms inference), which would cut the campaign into a hundred tiny tasks (with the faster of two, a
        loaded machine still gave 23-58 tasks for the same MLP sweep); a long one is timed once, since every
        configuration's estimate is taken before the first task starts."""
        held = self._seconds.get(key)
        if held is None or held[0] is not exp:
            from .executor import _one_blas_thread

            with _one_blas_thread():
                runs = []
                while len(runs) < 3 and (not runs or min(runs) < RETIME_BELOW):
                    t = time.perf_counter()
                    for _ in exp.trials(ber, [seed]):
                        pass
                    runs.append(time.perf_counter() - t)
            held = (exp, max(min(runs), 1e-6))
            self._seconds[key] = held
        return held[1]

    def plan(self, experiments: dict, todo: list) -> list:
        from . import chunks

        first = {}  # experiment key -> its first trial still to do
        for key, ber, seed in todo:
            first.setdefault(key, (ber, seed))
        seconds = {} if self.chunk else {k: self.trial_seconds(k, experiments[k], *at) for k, at in first.items()}
        return chunks.plan(todo, seconds, self.workers(), self.chunk)

    def _experiment(self, key: str, exp):
        """The future of the workers' copy of `exp`, scattered on first use."""
        held = self._scattered.get(key)
        if held is None or held[0] is not exp:
            # broadcast: every worker holds a copy, so losing one worker loses no experiment
            held = (exp, self.client.scatter(exp, broadcast=True, hash=False))
            self._scattered[key] = held
        return held[1]

    def batches(self, experiments: dict, todo: list):
        """Yield (records, their JSON lines) per chunk until every task in `todo` is done, in the order chunks
        finish. Pending chunks are cancelled when the caller stops early (Ctrl-C, an error)."""
        dd = distributed()
        chunks = {}  # future -> (its parts, the experiment copies they read)

        def submit(task):
            parts = [(self._experiment(key, experiments[key]), key, ber, seeds) for key, ber, seeds in task]
            fut = self.client.submit(run_chunk, parts, pure=False)
            chunks[fut] = (task, [(key, copy) for copy, key, _, _ in parts])
            return fut

        futures = [submit(task) for task in self.plan(experiments, todo)]
        lost: dict[str, int] = {}
        done = dd.as_completed(futures)
        try:
            for fut in done:
                task, copies = chunks.pop(fut)
                try:
                    # result() waits again when the result was lost with its worker after finishing (the
                    # scheduler recomputes it): one result per chunk future, so nothing is recorded twice
                    batch = fut.result()
                except (Exception, asyncio.CancelledError) as e:
                    self._lost_experiments(copies, e, lost)
                    done.add(submit(task))
                    continue
                self.chunks_run += 1
                yield batch
        finally:
            if chunks:
                self.client.cancel(list(chunks))

    def _lost_experiments(self, copies: list, exc: BaseException, lost: dict) -> None:
        """A chunk failed. When every copy of an experiment it reads died with the workers (the scheduler then
        cancels the chunks that read it), send that experiment again, a few times at most, and the chunk reruns;
        any other failure (a chunk that kept killing its workers, an error in a trial) is one line naming it."""
        gone = [(key, copy) for key, copy in copies if copy.status != "finished"]
        if not gone and isinstance(exc, asyncio.CancelledError):
            gone = copies  # cancelled for a lost dependency whose future has not heard of it yet
        if not gone:
            why = str(exc).splitlines()[0] if str(exc) else ""
            raise ClusterError(f"a chunk of {copies[0][0]} failed on the cluster: {type(exc).__name__}: {why}")
        for key, copy in gone:
            held = self._scattered.get(key)
            if held is None or held[1] is not copy:
                continue  # another chunk has sent this experiment again already
            if lost.get(key, 0) >= RESCATTER_LIMIT:
                raise ClusterError(f"the workers holding {key} died {RESCATTER_LIMIT + 1} times; giving up")
            lost[key] = lost.get(key, 0) + 1
            del self._scattered[key]
