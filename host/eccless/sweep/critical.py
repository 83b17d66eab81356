"""Critical BER: the largest bit error rate at which mean accuracy stays within `margin` of the clean accuracy.

Found by bisection on log10(p). At each probed p, seeded trials are added in batches until the 95 % CI half-width
is below margin/2, or the mean is more than two half-widths away from the threshold (the decision is then clear),
or `max_trials` is reached; every probe is reported with its trial count and CI so the decision can be checked.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from .executor import TrialExecutor
from .experiment import Experiment
from .stats import mean_ci


@dataclass
class Probe:
    ber: float
    accuracy: float
    ci95: float
    trials: int
    ok: bool


@dataclass
class CriticalBER:
    key: str
    clean_accuracy: float
    critical_ber: float | None  # largest probed p that passed (None: even the lowest failed)
    first_failing_ber: float | None  # smallest probed p that failed (None: even the highest passed)
    probes: list[Probe] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"key": self.key, "clean_accuracy": self.clean_accuracy, "critical_ber": self.critical_ber,
                "first_failing_ber": self.first_failing_ber, "probes": [p.__dict__ for p in self.probes]}


def critical_ber(exp: Experiment, executor: TrialExecutor, **options) -> CriticalBER:
    """The search for one experiment; options as _search (margin, lo, hi, resolution, batch, max_trials, seed)."""
    return critical_bers([exp], executor, **options)[0]


def critical_bers(exps: list[Experiment], executor: TrialExecutor, **options) -> list[CriticalBER]:
    """The searches of several experiments side by side: each round runs the next batch of every search still
    going in one executor.run call, so the --jobs pool or a cluster gets all of them at once instead of ten trials
    at a time. A search sees exactly the trials it would see alone, so the results equal one search after another."""
    searches = [_search(e, **options) for e in exps]
    results: list[CriticalBER | None] = [None] * len(exps)
    pending = {}  # search index -> (tasks, progress label) it waits for

    def advance(i, records=None):
        try:
            pending[i] = searches[i].send(records)
        except StopIteration as stop:
            pending.pop(i, None)
            results[i] = stop.value

    for i in range(len(searches)):
        advance(i)
    while pending:
        asked = list(pending.items())
        desc = asked[0][1][1] if len(asked) == 1 else f"{len(asked)} searches"
        records = executor.run([t for _, (tasks, _) in asked for t in tasks], desc=desc)
        at = 0
        for i, (tasks, _) in asked:
            advance(i, records[at:at + len(tasks)])
            at += len(tasks)
    return results


def _search(exp: Experiment, *, margin: float = 0.01, lo: float = 1e-9, hi: float = 0.5, resolution: float = 0.1,
            batch: int = 10, max_trials: int = 200, seed: int = 0):
    """The bisection as a generator: yields (tasks, label) for the trials it needs next, is sent their records,
    returns the CriticalBER. `resolution`: stop when the bracket is narrower than this many decades."""
    key, threshold = exp.config.key(), exp.clean_accuracy - margin
    result = CriticalBER(key, exp.clean_accuracy, None, None)

    def probe(p: float):
        p = float(f"{p:.4g}")
        trials, recs = 0, []
        while True:
            trials = min(trials + batch, max_trials)
            recs = yield [(key, p, seed + t) for t in range(trials)], f"p={p:.2g}"
            mean, ci = mean_ci([r["accuracy"] for r in recs])
            clear = abs(mean - threshold) > 2 * ci
            if ci <= margin / 2 or clear or trials >= max_trials:
                break
        ok = mean >= threshold
        result.probes.append(Probe(p, mean, ci if math.isfinite(ci) else None, trials, ok))
        return ok

    if not (yield from probe(lo)):
        result.first_failing_ber = lo
        return result
    if (yield from probe(hi)):
        result.critical_ber = hi
        return result
    a, b = math.log10(lo), math.log10(hi)
    while b - a > resolution:
        mid = (a + b) / 2
        if (yield from probe(10**mid)):
            a = mid
        else:
            b = mid
    result.critical_ber = float(f"{10**a:.4g}")
    result.first_failing_ber = float(f"{10**b:.4g}")
    return result
