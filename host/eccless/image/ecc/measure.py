"""How well the protected region survives the channel: seeded Monte Carlo trials and the exact binomial prediction.

    result = simulate(1024, 1e-2, trials=10_000, seed=1)     # flips with eccless.channel.flip_bytes, stream = trial
    result.success_rate, result.agrees_with_block_counts     # decoded exactly when no block has more than T errors
    region_failure_probability(1024, 1e-2)                   # sum over blocks of P(Binomial(n_b, p) > T)

A trial succeeds when recover() would return the original data. Because the errors of every trial are known, each
trial's outcome is also checked against the code's promise: it must succeed if and only if every block holds at most T
errors (a block with more may at worst be miscorrected, which the CRC must then catch).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ...channel import flip_bytes
from ...errors import UsageError
from .bch import T
from .layout import layout
from .region import STATUS_CRC_MISMATCH, STATUS_OK, protect, recover_many

BATCH = 400  # noisy copies decoded per vectorized pass


@dataclass(frozen=True)
class TrialResult:
    data_len: int
    ber: float
    trials: int
    successes: int  # decoded to the original data with the right correction count
    detected: int  # failures reported (uncorrectable or CRC mismatch)
    crc_catches: int  # of those, miscorrections caught only by the CRC
    silent: int  # wrong data reported as OK: must be 0
    agrees_with_block_counts: bool  # success exactly in the trials whose blocks all hold <= T errors
    flips: int  # total bit flips drawn

    @property
    def success_rate(self) -> float:
        return self.successes / self.trials if self.trials else float("nan")


def simulate(data_len: int, ber: float, trials: int, seed: int = 0, data: bytes | None = None) -> TrialResult:
    """Protect `data` (seeded random bytes if None), flip it `trials` times, decode every copy."""
    if trials < 0:
        raise UsageError(f"trials {trials} is negative")
    if data is None:
        data = np.random.default_rng(seed).integers(0, 256, data_len, dtype=np.uint8).tobytes()
    if len(data) != data_len:
        raise UsageError(f"data has {len(data)} bytes, data_len is {data_len}")
    clean = np.frombuffer(protect(data), dtype=np.uint8)
    original = np.frombuffer(data, dtype=np.uint8)
    lay = layout(data_len)
    counts = {"successes": 0, "detected": 0, "crc_catches": 0, "silent": 0, "flips": 0}
    agrees = True
    for lo in range(0, trials, BATCH):
        stack, nflips, within = [], [], []
        for trial in range(lo, min(lo + BATCH, trials)):
            noisy, positions = flip_bytes(clean, ber, seed, stream=trial)
            stack.append(noisy)
            nflips.append(positions.size)
            per_block = np.bincount(lay.owner[positions >> 3], minlength=lay.nblocks)
            within.append(bool(per_block.max(initial=0) <= T))
        decoded, corrected, status = recover_many(np.stack(stack), data_len)
        right = np.all(decoded == original, axis=1) & (corrected == np.array(nflips))
        ok = status == STATUS_OK
        counts["successes"] += int(np.sum(ok & right))
        counts["detected"] += int(np.sum(~ok))
        counts["crc_catches"] += int(np.sum(status == STATUS_CRC_MISMATCH))
        counts["silent"] += int(np.sum(ok & ~np.all(decoded == original, axis=1)))
        counts["flips"] += int(sum(nflips))
        agrees &= bool(np.array_equal(ok & right, np.array(within)))
    return TrialResult(data_len, float(ber), trials, agrees_with_block_counts=agrees, **counts)


def block_failure_probability(nbits: int, ber: float, t: int = T) -> float:
    """P(more than t of nbits bits flip) for i.i.d. flips at rate ber (exact binomial tail, summed in logs)."""
    if ber <= 0.0:
        return 0.0
    if ber >= 1.0:
        return 1.0 if nbits > t else 0.0
    lp, lq = math.log(ber), math.log1p(-ber)
    terms = [math.lgamma(nbits + 1) - math.lgamma(e + 1) - math.lgamma(nbits - e + 1) + e * lp + (nbits - e) * lq
             for e in range(t + 1, nbits + 1)]
    top = max(terms, default=-math.inf)
    return math.exp(top) * sum(math.exp(x - top) for x in terms) if terms else 0.0


def region_failure_probability(data_len: int, ber: float) -> float:
    """P(some block of the region holds more than T errors): the region's failure probability, exactly."""
    # Summed in logs: 1 - prod(1 - p_b) would round tiny probabilities to 0.
    log_survive = sum(math.log1p(-block_failure_probability(nbits, ber)) for nbits in layout(data_len).nbits.tolist())
    return -math.expm1(log_survive)
