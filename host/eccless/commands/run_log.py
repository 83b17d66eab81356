"""The resumable log of `eccless run --trials N --log FILE`, on one device or a board farm.

    eccless run m.img --ber 1e-3 --trials 1000 --log runs/m.jsonl                       # one device
    eccless run m.img --ber 1e-3 --trials 1000 --log runs/m.jsonl --scheduler tcp://lab:8786   # a farm

The log is the sweep's (sweep/executor.py's TrialExecutor writes it): one JSON line per finished trial, keyed by
(key, ber, seed), each batch of finished trials in one write, so a run stopped at any point -- Ctrl-C, a killed
client, a crash that tears the last line -- resumes by running the same command again and computes exactly the
trials not in the log. Only this process writes it; farm workers return their trials as data.

A record holds everything `run` reports per trial (the LOAD reply with its detection counts and per-layer
zeroing, the correct count and accuracy, the instructions and timer ticks of EVAL, the predictions, the link's
bytes and seconds when streaming) and the facts of the device that ran it (board, firmware build, sizes), so the
summary of a resumed run is built from the log alone and equals the summary of one uninterrupted run.

`key` names the image (a hash of its bytes) and every argument that changes a trial's result; a log holding
trials of another key or BER is refused in one line naming the difference, and so is a device running another
firmware build than the log's trials. The seed range is free: `--trials` can grow a finished campaign.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from ..errors import DeviceError, UsageError
from .run import RunPlan, summary

ROW = ("load", "correct", "eval_instructions", "eval_ticks", "predictions", "link")  # a TrialSession row, but seed
SAME = ("board", "build_id")  # facts every trial of one log must share: the same firmware on the same board


def run_key(plan: RunPlan) -> str:
    """The log key of a run: the image's hash and the arguments a trial's result depends on (not the device)."""
    digest = hashlib.sha256(plan.path.read_bytes()).hexdigest()[:16]
    parts = {"image": digest, "board": plan.image_board, "channel": plan.channel, "region": plan.region,
             "weights": plan.weights, "on_the_fly": plan.on_the_fly, "variant": plan.variant,
             "stream": plan.stream, "samples": plan.samples}
    return "run|" + "|".join(f"{k}={v}" for k, v in parts.items())


def _fields(key: str) -> dict:
    return dict(p.partition("=")[::2] for p in key.split("|")[1:])


def _difference(theirs: dict, ours: dict) -> str:
    if "image" in theirs and theirs["image"] != ours["image"]:
        return "another image"
    diff = [f"--{k.replace('_', '-')} {theirs.get(k)}, not {ours[k]}" for k in ours if theirs.get(k) != ours[k]]
    return ", ".join(diff) or "other arguments"


def read_records(log: Path) -> list[dict]:
    """The whole records of a log (a torn last line is skipped, as the executor skips it)."""
    out = []
    if log.exists():
        for line in log.read_text().splitlines():
            try:
                rec = json.loads(line)
            except ValueError:
                continue
            if isinstance(rec, dict):
                out.append(rec)
    return out


def check_log(log: Path, key: str, ber: float) -> list[dict]:
    """The records of `log`, refused in one line when any of them belongs to another run."""
    if log.is_dir():
        raise UsageError(f"--log {log} is a directory: give a file (JSON lines)")
    try:
        records = read_records(log)
    except (OSError, UnicodeDecodeError) as e:
        raise UsageError(f"cannot read --log {log}: {e.strerror or e}") from None
    for rec in records:
        theirs = rec.get("key")
        if not isinstance(theirs, str) or not theirs.startswith("run|"):
            raise UsageError(f"{log} is not a log of `eccless run` trials: give another --log")
        if theirs != key or float(rec.get("ber", -1)) != float(ber):
            why = _difference(_fields(theirs), _fields(key)) if theirs != key else f"--ber {rec.get('ber')}"
            raise UsageError(f"{log} holds trials of another run ({why}): give another --log, or delete it to "
                             f"start over")
    return records


class SameFirmware:
    """Every trial of a log ran the same firmware build on the same board: the first record's facts (or the first
    device's, for a new log) against every device that runs more."""

    def __init__(self, log: Path | None, records: list[dict]):
        self.log = log
        self.facts = records[0]["facts"] if records else None

    def check(self, facts: dict) -> None:
        if self.facts is None:
            self.facts = facts
            return
        for k in SAME:
            if facts[k] != self.facts[k]:
                if self.log is None:  # a farm without a log: two workers' devices differ
                    raise DeviceError(f"the farm's devices differ: {self.facts['device']} has {k} "
                                      f"{self.facts[k]!r}, {facts['device']} {facts[k]!r}; one run must not mix them")
                raise DeviceError(f"{self.log} holds trials run with {k} {self.facts[k]!r}; {facts['device']} has "
                                  f"{facts[k]!r}: give another --log, or run the firmware its trials ran")


def record(key: str, ber: float, seed: int, row: dict, facts: dict, worker: str | None = None) -> dict:
    """A log record of one trial row (TrialSession.trial) and the device that ran it."""
    accuracy = row["correct"] / row["load"]["samples"]
    return {"key": key, "ber": ber, "seed": seed, "accuracy": accuracy, **{k: row[k] for k in ROW},
            "facts": facts, "worker": worker}


def encoded(records: list[dict]) -> tuple[list[dict], str]:
    """A batch as TrialExecutor takes it: the records and their JSON lines."""
    return records, "".join(json.dumps(r) + "\n" for r in records)


class LocalTrials:
    """Trials on this process's device, one record per trial, for TrialExecutor(cluster=...): the device opens on
    the first trial still to do (a finished log opens none) and closes when the executor stops."""

    def __init__(self, plan: RunPlan, same: SameFirmware):
        self.plan, self.same = plan, same

    def batches(self, experiments: dict, todo: list):
        with self.plan.open() as session:
            self.same.check(session.facts)   # before any trial: a log never mixes two firmware builds
            for key, ber, seed in todo:
                row = session.trial(seed if ber else None)
                yield encoded([record(key, ber, seed, row, session.facts)])


def tasks(plan: RunPlan, key: str) -> list[tuple[str, float, int]]:
    return [(key, float(plan.ber), s) for s in plan.seeds()]


def logged_records(plan: RunPlan, log, source, *, quiet: bool = False) -> list[dict]:
    """Every trial of `plan` in seed order, those missing from `log` computed by `source(key, same)` (an object with
    batches(), as LocalTrials) and appended to it."""
    from ..sweep.executor import TrialExecutor

    log = Path(log)
    key = run_key(plan)
    same = SameFirmware(log, check_log(log, key, plan.ber))
    executor = TrialExecutor({key: plan}, log, quiet=quiet, cluster=source(key, same))
    return executor.run(tasks(plan, key), desc="trials")


def run_summary(plan: RunPlan, records: list[dict]) -> dict:
    """run_image's result from log records in seed order; trials run by farm workers add which worker ran which
    seeds (`split`), and the device names the farm."""
    facts = dict(records[0]["facts"])
    rows = [{"seed": r["seed"] if plan.ber else None, **{k: r[k] for k in ROW}} for r in records]
    workers = sorted({r["worker"] for r in records if r["worker"]})
    if workers:
        n = len(workers)
        facts["device"] = f"farm of {n} worker{'s' if n > 1 else ''} ({facts['device']})"
    res = summary(plan, facts, rows)
    if workers:
        split: dict[str, list[int]] = {}
        for r in records:
            split.setdefault(r["worker"] or "local", []).append(r["seed"])
        res["split"] = split  # worker address -> the seeds it ran
    return res


def run_logged(image, log, *, quiet: bool = False, **run_args) -> dict:
    """run_image with a resumable log: the same arguments and result."""
    plan = RunPlan(image, **run_args)
    return run_summary(plan, logged_records(plan, log, lambda key, same: LocalTrials(plan, same), quiet=quiet))
