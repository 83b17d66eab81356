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


def critical_ber(exp: Experiment, executor: TrialExecutor, *, margin: float = 0.01, lo: float = 1e-9,
                 hi: float = 0.5, resolution: float = 0.1, batch: int = 10, max_trials: int = 200,
                 seed: int = 0) -> CriticalBER:
    """`resolution`: stop when the bracket is narrower than this many decades."""
    key, threshold = exp.config.key(), exp.clean_accuracy - margin
    result = CriticalBER(key, exp.clean_accuracy, None, None)

    def probe(p: float) -> bool:
        p = float(f"{p:.4g}")
        trials, recs = 0, []
        while True:
            trials = min(trials + batch, max_trials)
            recs = executor.run([(key, p, seed + t) for t in range(trials)], desc=f"p={p:.2g}")
            mean, ci = mean_ci([r["accuracy"] for r in recs])
            clear = abs(mean - threshold) > 2 * ci
            if ci <= margin / 2 or clear or trials >= max_trials:
                break
        ok = mean >= threshold
        result.probes.append(Probe(p, mean, ci if math.isfinite(ci) else None, trials, ok))
        return ok

    if not probe(lo):
        result.first_failing_ber = lo
        return result
    if probe(hi):
        result.critical_ber = hi
        return result
    a, b = math.log10(lo), math.log10(hi)
    while b - a > resolution:
        mid = (a + b) / 2
        if probe(10**mid):
            a = mid
        else:
            b = mid
    result.critical_ber = float(f"{10**a:.4g}")
    result.first_failing_ber = float(f"{10**b:.4g}")
    return result
