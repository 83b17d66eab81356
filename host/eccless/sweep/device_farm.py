"""Board farms: the trials of `eccless run` split over Dask workers that each own a board.

A worker next to a board is started with a resource named after it, and (for a flashed board on a serial port) the
device it drives in ECCLESS_DEVICE; a QEMU board needs nothing, each worker boots its own QEMU:

    ECCLESS_DEVICE=serial:/dev/ttyACM0 dask worker tcp://lab:8786 --nthreads 1 --resources "board-nucleo-f446re=1"
    eccless run m.img --board nucleo-f446re --ber 1e-3 --trials 1000 --scheduler tcp://lab:8786

A chunk is the trials of consecutive seeds, each `eccless run`'s own trial (commands/run.py's TrialSession:
INJECT(seed) -> LOAD -> EVAL) on one worker's device, which the worker keeps open between chunks (held_device.py).
Chunks return their trial rows; the client turns them into the records of `run --log` (commands/run_log.py) and
builds the summary from those, so the result equals one device running every trial, trial for trial
(tests/test_cluster_farm.py runs two workers with a QEMU each), and a farm run with a log resumes like a local one.
The image is scattered once and written to a per-worker cache file named by its hash.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import tempfile
from contextlib import contextmanager
from pathlib import Path

from ..boards import DEFAULT_BOARD, load_board
from ..errors import DeviceError, UsageError
from ..progress import progress
from .cluster import ClusterError, distributed, open_client

DEVICE_ENV = "ECCLESS_DEVICE"  # on a worker: the device backend it drives (serial:/dev/ttyACM0); unset: QEMU
# Trials per chunk: a digits-MLP trial of 300 samples takes ~20 ms in QEMU, a chunk costs the cluster a few ms, and
# the device stays open between chunks; 16 trials keep that overhead near 1 % and a farm of a few boards balanced.
CHUNK_TRIALS = 16
_PLUGGED: set[str] = set()  # ids of clients whose workers have the held-devices plugin


def board_resource(board: str) -> str:
    """The Dask worker resource a worker owning `board` advertises."""
    return f"board-{board}"


@contextmanager
def open_farm(cluster: str | None, scheduler: str | None, *, board: str, quiet: bool = False,
              processes: bool = True):
    """A distributed.Client for device trials; a local:N cluster gets N workers each owning one `board`."""
    with open_client(cluster, scheduler, resources={board_resource(board): 1}, quiet=quiet,
                     processes=processes) as client:
        yield client


def _image_file(data: bytes, name: str) -> Path:
    """On a worker: the image bytes in a cache file named by their hash (written atomically, reused by chunks)."""
    digest = hashlib.sha256(data).hexdigest()[:16]
    folder = Path(tempfile.gettempdir()) / "eccless-farm"
    folder.mkdir(exist_ok=True)
    path = folder / f"{digest}-{name}"
    if not path.is_file() or path.stat().st_size != len(data):
        fd, tmp = tempfile.mkstemp(dir=folder)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    return path


def device_chunk(data: bytes, name: str, seeds: list[int], *, board: str, ber: float = 0.0,
                 variant: str | None = None, **run_args) -> dict:
    """On a worker: the trial rows of `seeds` (TrialSession.trial) on this worker's (held) device, with the
    device's facts and the worker's address. After a device error the chunk runs once more on a freshly opened
    device."""
    from ..commands.run import RunPlan
    from . import held_device

    try:
        worker = distributed().get_worker().address
    except ValueError:  # not on a worker (called directly)
        worker = "local"
    path = str(_image_file(data, name))
    spec = os.environ.get(DEVICE_ENV) or f"qemu:{board}"
    if spec.startswith("qemu") and not load_board(board).qemu:
        raise UsageError(f"board {board} cannot run in QEMU: start its worker with {DEVICE_ENV}=serial:PORT")
    for attempt in (1, 2):
        key = held_device.held(worker, spec, path, variant)
        plan = RunPlan(path, board=board, device=f"held:{key}", ber=ber, variant=variant, **run_args)
        try:
            with plan.open() as session:
                rows = [session.trial(s if ber else None) for s in seeds]
            break
        except DeviceError:
            held_device.drop(key)
            if attempt == 2:
                raise
    return {"rows": rows, "facts": session.facts | {"device": spec}, "worker": worker}


class FarmTrials:
    """Device trials in chunks on the workers that own a board, for TrialExecutor(cluster=...) or collect(): one
    record per trial, a batch per finished chunk, pending chunks cancelled when the caller stops."""

    def __init__(self, client, plan, *, board: str, chunk: int | None, same, run_args: dict):
        self.client, self.plan, self.board, self.chunk, self.same = client, plan, board, chunk, same
        self.run_args = run_args
        resource = board_resource(board)
        self.owners = [w for w in client.scheduler_info().get("workers", {}).values()
                       if w.get("resources", {}).get(resource)]
        if not self.owners:
            raise ClusterError(f"no Dask worker owns a {board}: start one with --resources \"{resource}=1\"")

    def batches(self, experiments: dict, todo: list):
        from ..commands.run_log import encoded, record

        client, plan = self.client, self.plan
        if client.id not in _PLUGGED:  # once per client: registering it again would close the held devices
            from .held_device import plugin

            client.register_plugin(plugin(distributed()))
            _PLUGGED.add(client.id)
        chunk = self.chunk or max(1, min(CHUNK_TRIALS, -(-len(todo) // len(self.owners))))
        # hash=False: a key of its own, since a previous run's copy of the same bytes may be being forgotten now
        data = client.scatter(plan.path.read_bytes(), broadcast=True, hash=False)
        resource = board_resource(self.board)
        futures = {}
        for at in range(0, len(todo), chunk):
            part = todo[at:at + chunk]
            fut = client.submit(device_chunk, data, plan.path.name, [seed for _, _, seed in part], board=self.board,
                                ber=plan.ber, resources={resource: 1}, pure=False, **self.run_args)
            futures[fut] = part
        try:
            for fut in distributed().as_completed(futures):
                part = futures[fut]
                try:
                    res = fut.result()  # waits again for a result lost with its worker (recomputed)
                except (Exception, asyncio.CancelledError) as e:
                    why = str(e).splitlines()[0] if str(e) else type(e).__name__
                    raise ClusterError(f"device trials from seed {part[0][2]} failed: {why}") from None
                self.same.check(res["facts"])  # nothing of another firmware build reaches the log
                yield encoded([record(key, ber, seed, row, res["facts"], res["worker"])
                               for (key, ber, seed), row in zip(part, res["rows"])])
        finally:
            client.cancel([f for f in futures if not f.done()])


def collect(source, todo: list) -> list[dict]:
    """The records of `todo` from a batch source, in the order of `todo` (a run without a log)."""
    got = {}
    for records, _ in source.batches({}, todo):
        got.update({(r["key"], r["ber"], r["seed"]): r for r in records})
    return [got[t] for t in todo]


def run_on_farm(client, image, *, board: str = DEFAULT_BOARD, device: str | None = None, ber: float = 0.0,
                seed: int = 0, trials: int = 1, chunk: int | None = None, quiet: bool = False, log=None,
                **run_args) -> dict:
    """run_image's result for `trials` trials from `seed`, run in chunks on the workers that own `board`
    (`chunk` trials each; by default up to CHUNK_TRIALS, fewer when that gives every board a chunk), every finished
    trial appended to `log` when one is given (commands/run_log.py: a rerun resumes it)."""
    from ..commands import run_log
    from ..commands.run import RunPlan

    if device:
        raise UsageError("--device names one local device; on a farm each worker drives its own (ECCLESS_DEVICE)")
    plan = RunPlan(image, board=board, ber=ber, seed=seed, trials=trials, **run_args)

    def farm(key, same):
        return FarmTrials(client, plan, board=board, chunk=chunk, same=same, run_args=run_args)

    if log is not None:
        records = run_log.logged_records(plan, log, farm, quiet=quiet)
    else:
        key = run_log.run_key(plan)
        source = farm(key, run_log.SameFirmware(None, []))
        bar = progress(total=len(plan.seeds()), desc="trials", quiet=quiet)
        try:
            records = collect(_counted(source, bar), run_log.tasks(plan, key))
        finally:
            bar.close()
    return run_log.run_summary(plan, records)


class _counted:
    """A batch source whose batches move a progress bar."""

    def __init__(self, source, bar):
        self.source, self.bar = source, bar

    def batches(self, experiments, todo):
        for batch in self.source.batches(experiments, todo):
            self.bar.update(len(batch[0]))
            yield batch
