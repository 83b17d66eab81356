"""Noticing that a board reset under a run: INFO's boot counter (a .noinit RAM word that a warm reset keeps and
counts, edge/firmware/ed_boot.c) or its uptime (timer ticks since boot) tells one session of the firmware from the
next. A reset mid-run means the model, the armed INJECT flips and any counts since then belong to another session:
the run stops with one line rather than mixing the two.

    watch = ResetWatch(dev.info(), name="/dev/ttyACM0")
    ...                                   # a trial
    watch.check(dev.info())               # DeviceResetError when the device reset meanwhile
"""

from __future__ import annotations

from eccless.errors import DeviceError


class DeviceResetError(DeviceError):
    """The device reset between two INFO replies (boot counter changed or uptime went backwards)."""


def reset_between(before: dict, after: dict) -> str | None:
    """Why `after` comes from another boot than `before` (a phrase for a message), or None for the same boot.
    A power cycle restarts the counter at 1 and may happen to give it the old value: uptime still goes backwards.
    Uptime never goes backwards within a boot (the timer drivers extend their counters by wraps, and a missed wrap
    only makes them count too little); a board without a running timer reports 0 throughout."""
    why = []
    if after["boot_count"] != before["boot_count"]:
        why.append(f"boot counter {before['boot_count']} -> {after['boot_count']}")
    if after["uptime"] < before["uptime"]:
        hz = after.get("timer_hz") or 0
        fmt = (lambda t: f"{t / hz:.3g} s") if hz else (lambda t: f"{t} ticks")
        why.append(f"uptime {fmt(before['uptime'])} -> {fmt(after['uptime'])}")
    return ", ".join(why) or None


class ResetWatch:
    def __init__(self, info: dict, name: str = "device"):
        self.first = self.last = info
        self.name = name
        self.checks = 0

    def check(self, info: dict) -> dict:
        """Compare with the last INFO; raise DeviceResetError naming what changed, else remember this one."""
        why = reset_between(self.last, info)
        self.checks += 1
        if why:
            raise DeviceResetError(f"{self.name}: the device reset during the run ({why}): what it reported since "
                                   "belongs to another boot; check its power, watchdog and console for a fault line")
        self.last = info
        return info
