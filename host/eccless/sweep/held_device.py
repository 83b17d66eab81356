"""A board-farm worker's device, kept open from one chunk of trials to the next.

Booting QEMU (or opening a serial port and syncing) takes 0.1-0.3 s, about ten digits-MLP trials of 300 samples;
a worker therefore opens its device once and lends it to every chunk: `run_image(..., device="held:KEY")` goes
through the `held` device backend below, whose close() leaves the device open. The device package is used only
through its public registry (BACKENDS, open_device), so nothing there changes.

Every held device is closed when its worker closes (the worker plugin's teardown, on a cluster's close too),
when the worker switches to another image, and after a device error (the chunk then runs once more on a freshly
opened device). A QEMU also dies with the process that started it (PR_SET_PDEATHSIG, device/qemu.py).
"""

from __future__ import annotations

import threading

from ..link import BACKENDS, open_device

HELD: dict[str, object] = {}  # key -> open Device; keys start with the owning worker's address
HELD_LIMIT = 24 * 3600.0  # QEMU watchdog: a held QEMU lives as long as its worker, teardown stops it
PLUGIN = "eccless-held-devices"
_LOCK = threading.Lock()  # thread workers of one process (processes=False) share HELD


class HeldBackend:
    """`held:KEY`: the device this worker already holds; open() lends its client, close() keeps it open."""

    spec_arg = "key"

    def __init__(self, key: str, *, image=None, timeout: float = 2.0, **_options):
        self.device = HELD[key]
        self.firmware = getattr(self.device.backend, "firmware", None)  # run_image reports the firmware's sizes

    def open(self):
        return self.device.client

    def close(self) -> None:
        pass

    def describe(self) -> str:
        return self.device.backend.describe()


def _register() -> None:
    """Add the `held` backend to the device registry: on a worker, when it first holds a device (never in a client
    process whose workers are other processes, so `eccless run --device` lists only the real backends there)."""
    with _LOCK:
        if "held" not in BACKENDS:
            BACKENDS.add("held", HeldBackend)


def held(worker: str, spec: str, image: str, variant: str | None) -> str:
    """The key of this worker's open device for (spec, image, variant), opening it (and closing the worker's
    other devices) when it is not open yet."""
    _register()
    key = f"{worker}|{spec}|{image}|{variant}"
    with _LOCK:
        if key in HELD:
            return key
        for other in [k for k in HELD if k.startswith(f"{worker}|")]:
            HELD.pop(other).close()
    options = {"image": image, "timeout": 10.0}
    if spec.startswith("qemu"):
        options.update(variant=variant, limit=HELD_LIMIT)
    device = open_device(spec, **options)
    with _LOCK:
        HELD[key] = device
    return key


def drop(key: str) -> None:
    with _LOCK:
        device = HELD.pop(key, None)
    if device is not None:
        device.close()


def close_worker(worker: str) -> None:
    with _LOCK:
        keys = [k for k in HELD if k.startswith(f"{worker}|")]
    for key in keys:
        drop(key)


def plugin(dd):
    """The worker plugin that closes a worker's held devices when the worker closes."""

    class HeldDevices(dd.WorkerPlugin):
        name = PLUGIN

        def teardown(self, worker):
            close_worker(worker.address)

    return HeldDevices()
