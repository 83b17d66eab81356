"""Board farms: the trials of `eccless run` split over Dask workers that each own a board.

A worker next to a board is started with a resource named after it, and (for a flashed board on a serial port) the
device it drives in ECCLESS_DEVICE; a QEMU board needs nothing, each worker boots its own QEMU:

    ECCLESS_DEVICE=serial:/dev/ttyACM0 dask worker tcp://lab:8786 --nthreads 1 --resources "board-nucleo-f446re=1"
    eccless run m.img --board nucleo-f446re --ber 1e-3 --trials 1000 --scheduler tcp://lab:8786

A chunk is `eccless run` itself (eccless.commands.run.run_image) over consecutive seeds on one worker's device,
which the worker keeps open between chunks (held_device.py); trial t still runs INJECT(seed + t) -> LOAD -> EVAL,
so the merged result equals one device running every trial, trial for trial (tests/test_cluster_farm.py runs two
workers with a QEMU each). The image is scattered once and written to a per-worker cache file named by its hash.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import tempfile
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from ..boards import DEFAULT_BOARD, load_board
from ..errors import DeviceError, UsageError
from ..progress import progress
from .cluster import ClusterError, distributed, open_client
from .stats import accuracy_interval, mean_ci

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


def device_chunk(data: bytes, name: str, *, board: str, variant: str | None = None, **run_args) -> dict:
    """On a worker: run_image over one chunk of seeds on this worker's (held) device, tagged with the worker's
    address. After a device error the chunk runs once more on a freshly opened device."""
    from ..commands.run import run_image
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
        try:
            res = run_image(path, board=board, device=f"held:{key}", quiet=True, **run_args)
            break
        except DeviceError:
            held_device.drop(key)
            if attempt == 2:
                raise
    return res | {"device": spec, "worker": worker}


def run_on_farm(client, image, *, board: str = DEFAULT_BOARD, device: str | None = None, ber: float = 0.0,
                seed: int = 0, trials: int = 1, chunk: int | None = None, quiet: bool = False, **run_args) -> dict:
    """run_image's result for `trials` trials from `seed`, run in chunks on the workers that own `board`
    (`chunk` trials each; by default up to CHUNK_TRIALS, fewer when that gives every board a chunk)."""
    if device:
        raise UsageError("--device names one local device; on a farm each worker drives its own (ECCLESS_DEVICE)")
    path = Path(image)
    if not path.is_file():
        raise UsageError(f"image file not found: {path}")
    if trials < 1:
        raise UsageError(f"--trials must be at least 1, got {trials}")
    resource = board_resource(board)
    owners = [w for w in client.scheduler_info().get("workers", {}).values() if w.get("resources", {}).get(resource)]
    if not owners:
        raise ClusterError(f"no Dask worker owns a {board}: start one with --resources \"{resource}=1\"")
    if client.id not in _PLUGGED:  # once per client: registering it again would close the held devices
        from .held_device import plugin

        client.register_plugin(plugin(distributed()))
        _PLUGGED.add(client.id)
    total = trials if ber else 1
    chunk = chunk or max(1, min(CHUNK_TRIALS, -(-total // len(owners))))
    # hash=False: a key of its own, since a previous run's copy of the same bytes may be being forgotten just now
    data = client.scatter(path.read_bytes(), broadcast=True, hash=False)
    starts = list(range(0, total, chunk))
    futures = {client.submit(device_chunk, data, path.name, board=board, ber=ber, seed=seed + a,
                             trials=min(chunk, total - a), resources={resource: 1}, pure=False): a for a in starts}
    parts = {}
    bar = progress(total=total, desc="trials", quiet=quiet)
    try:
        for fut in distributed().as_completed(futures):
            try:
                parts[futures[fut]] = fut.result()  # waits again for a result lost with its worker (recomputed)
            except (Exception, asyncio.CancelledError) as e:
                why = str(e).splitlines()[0] if str(e) else type(e).__name__
                raise ClusterError(f"device trials from seed {seed + futures[fut]} failed: {why}") from None
            bar.update(parts[futures[fut]]["trials"])
    finally:
        bar.close()
        client.cancel([f for f in futures if not f.done()])
    return merge([parts[a] for a in starts], seed=seed) | {"image": str(path)}


def _weighted(parts, get) -> float:
    counts = [p["trials"] for p in parts]
    return float(np.average([get(p) for p in parts], weights=counts))


def merge(parts: list[dict], *, seed: int) -> dict:
    """One run_image result from chunks in seed order: per-trial lists concatenated, accuracy and its CI computed
    again from them, instruction and cycle means weighted by trials, and which worker ran which trials."""
    first = parts[0]
    out = dict(first)
    per_trial = [a for p in parts for a in p["accuracy"]["per_trial"]]
    mean, ci = mean_ci(per_trial)
    out["accuracy"] = {"mean": mean, "ci95": ci if np.isfinite(ci) else None, "per_trial": per_trial,
                       "interval": accuracy_interval(per_trial)}
    out["detection"] = {k: [v for p in parts for v in p["detection"][k]] for k in first["detection"]}
    out["layers"] = [layer for p in parts for layer in p["layers"]]
    out["predictions"] = [pred for p in parts for pred in p["predictions"]]
    out["trials"], out["seed"] = len(per_trial), seed
    ins = {k: _weighted(parts, lambda p, k=k: p["instructions"][k]) for k in ("per_inference", "load_pass",
                                                                            "decode_pass")}
    out["instructions"] = {**ins, "decode_per_weight": ins["decode_pass"] / max(1, first["parameters"]),
                           "counted": first["instructions"]["counted"]}
    if first["cycles"] is not None:
        out["cycles"] = {k: _weighted(parts, lambda p, k=k: p["cycles"][k]) for k in first["cycles"]}
    out["ram"] = dict(first["ram"], arena_used=max(p["ram"]["arena_used"] for p in parts))
    workers = len({p["worker"] for p in parts})
    out["device"] = f"farm of {workers} worker{'s' if workers > 1 else ''} ({first['device']})"
    split: dict[str, list[int]] = {}
    for p in parts:
        split.setdefault(p["worker"], []).extend(range(p["seed"], p["seed"] + p["trials"]))
    out["split"] = split  # worker address -> the seeds it ran
    out.pop("worker")
    return out
