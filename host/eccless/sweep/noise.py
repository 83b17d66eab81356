"""The error model of a sweep curve, named on the command line: `bsc`, or `asym:R` (p10 = BER, p01 = R x BER).

The swept BER is the rate of the dominant direction; the channel itself is eccless.channel, the same process the
image corrupter and the device use, so a sweep trial with seed S flips exactly the bits `eccless corrupt --seed S`
flips in the weight region.

`positions_many` draws the positions of many seeds in one vectorized call (channel.ErrorModel.positions_many, the
same arrays as one call per seed); Experiment.trials uses it for the executor's groups of trials.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from ..channel import make_model
from ..errors import UsageError


@dataclass(frozen=True)
class NoiseSpec:
    kind: str  # "bsc" | "asym"
    ratio: float = 1.0  # asym: p01 / p10

    @classmethod
    def parse(cls, spec: str) -> "NoiseSpec":
        if spec == "bsc":
            return cls("bsc")
        if spec.startswith("asym:"):
            try:
                ratio = float(spec.split(":", 1)[1])
            except ValueError:
                ratio = -1.0
            if not 0.0 <= ratio <= 1e6:
                raise UsageError(f"error model {spec!r}: asym:R needs a ratio R >= 0 (p01 = R x p10)")
            return cls("asym", ratio)
        raise UsageError(f"unknown error model {spec!r} (known: bsc, asym:R)")

    def model(self, ber: float):
        return _model(self.kind, self.ratio, ber)

    def positions(self, region: np.ndarray, ber: float, seed: int) -> np.ndarray:
        return self.model(ber).positions(region, seed)

    def positions_many(self, region: np.ndarray, ber: float, seeds) -> list[np.ndarray]:
        """[positions(region, ber, s) for s in seeds], drawn for all seeds in one pass."""
        return self.model(ber).positions_many(region, seeds)


@functools.lru_cache(maxsize=256)  # rates -> integer constants costs a correctly rounded log: do it once per rate
def _model(kind: str, ratio: float, ber: float):
    if kind == "bsc":
        return make_model("bsc", ber=ber)
    return make_model("asym", p10=ber, p01=min(1.0, ber * ratio))
